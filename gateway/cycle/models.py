"""Tables and API models of the S&OP cycle: cycles, their steps, decisions, action items.

A cycle row carries its version: the ETag of every write to the cycle, its steps and its
decisions (decisions themselves are never edited). It also carries the references its steps
produce, by id and version: the data-quality report, the locked demand plan, the supply
plan, the recommended and the approved consensus plans. Statuses are plain strings in the
database (no enum migrations).
"""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Column, DateTime, String, UniqueConstraint
from sqlmodel import Field as SqlField

from gateway.cycle.raci import ActivityKind, StepName
from gateway.plans.models import ConsensusPlanSummary, EscalationPublic, PlanDiff
from gateway.solver.changes import PlanChange
from gateway.tables import GatewayTable
from shared.auth import Role
from shared.contracts.demand import PlanRollPublic
from shared.types import (
    JSON_INTEGER,
    Code,
    Date,
    Name,
    Period,
    RowRef,
    Text,
    UtcDatetime,
    utc_now,
)


def _optional_timestamp() -> Any:
    return SqlField(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class CycleStatus(StrEnum):
    open = "open"
    closed = "closed"


class StepStatus(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"


class ActionItemStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"


# --- tables -------------------------------------------------------------------------------


class Cycle(GatewayTable, table=True):
    __tablename__ = "sop_cycle"

    id: int | None = SqlField(default=None, primary_key=True)
    period: str = SqlField(max_length=7, unique=True, index=True)
    horizon_start: str = SqlField(max_length=7)
    horizon_months: int
    status: str = SqlField(default=CycleStatus.open, sa_type=String(16), index=True)
    # True while open, NULL once closed: unique, so at most one cycle is ever open even when
    # two process owners open cycles at the same moment.
    open_marker: bool | None = SqlField(default=True, unique=True)
    version: int = 1
    opened_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    opened_by: str = SqlField(max_length=200)
    closed_at: dt.datetime | None = _optional_timestamp()
    closed_by: str | None = SqlField(default=None, max_length=200)
    previous_cycle_id: int | None = SqlField(default=None, foreign_key="sop_cycle.id")
    data_quality_report: str | None = SqlField(default=None, max_length=200)
    demand_plan_id: int | None = None
    demand_plan_version: int | None = None
    supply_plan_id: int | None = None
    supply_plan_version: int | None = None
    recommended_plan_id: int | None = SqlField(default=None, foreign_key="consensus_plan.id")
    recommended_plan_version: int | None = None
    approved_plan_id: int | None = SqlField(default=None, foreign_key="consensus_plan.id")
    approved_plan_version: int | None = None


class CycleStep(GatewayTable, table=True):
    __tablename__ = "sop_cycle_step"
    __table_args__ = (UniqueConstraint("cycle_id", "step"),)

    id: int | None = SqlField(default=None, primary_key=True)
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    step: str = SqlField(max_length=32)
    position: int
    owner_role: str = SqlField(max_length=32)
    due_date: dt.date
    status: str = SqlField(default=StepStatus.pending, sa_type=String(16))
    completed_at: dt.datetime | None = _optional_timestamp()
    completed_by: str | None = SqlField(default=None, max_length=200)
    # When ``step.late`` was sent for it (once a step: gateway.cycle.rules.announce_late).
    late_announced_at: dt.datetime | None = _optional_timestamp()
    note: str = SqlField(default="", max_length=2000)
    # supply_review: how each infeasible line of the proposed supply plan is resolved.
    resolutions: list[dict[str, Any]] | None = SqlField(
        default=None, sa_column=Column(JSON, nullable=True)
    )


class Decision(GatewayTable, table=True):
    """The executive's decision on one escalation item of a recommended plan: a record,
    never edited (``gateway.cycle.immutability``); making one is a write of its cycle."""

    __tablename__ = "sop_decision"

    id: int | None = SqlField(default=None, primary_key=True)
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    plan_id: int = SqlField(foreign_key="consensus_plan.id", index=True)
    plan_version: int
    # Unique: an item is decided once, even by two executives at the same moment.
    escalation_id: int = SqlField(foreign_key="escalation_item.id", unique=True)
    escalation_title: str
    option_index: int | None = None
    # The chosen option as it stood when decided: the record does not depend on the plan row.
    option: dict[str, Any] | None = SqlField(default=None, sa_column=Column(JSON))
    override: str | None = SqlField(default=None, max_length=2000)
    # What the decision changes in the plan's problem (the chosen option's changes, or the
    # override's own): the authorised plan is the re-solve with every decision's changes.
    changes: list[dict[str, Any]] = SqlField(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    rationale: str = SqlField(max_length=2000)
    decided_by: str = SqlField(max_length=200)
    decided_by_name: str = SqlField(max_length=200)
    # The role whose authority closed the item (gateway.cycle.rules: delegation).
    decided_as: str = SqlField(default=Role.executive_sponsor, max_length=32)
    decided_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Authorisation(GatewayTable, table=True):
    """The recommended plan re-solved with the decisions made so far: the authorised plan,
    linked to the decisions that shaped it. A record, never edited; the latest one of a
    cycle is what approval publishes when it covers every decision."""

    __tablename__ = "sop_authorisation"

    id: int | None = SqlField(default=None, primary_key=True)
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    recommended_plan_id: int = SqlField(foreign_key="consensus_plan.id")
    plan_id: int = SqlField(foreign_key="consensus_plan.id", unique=True)
    decision_ids: list[int] = SqlField(sa_column=Column(JSON, nullable=False))
    authorised_by: str = SqlField(max_length=200)
    authorised_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ActionItem(GatewayTable, table=True):
    """Work a decision creates; it stays on every later cycle's list until done."""

    __tablename__ = "sop_action_item"

    id: int | None = SqlField(default=None, primary_key=True)
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    decision_id: int = SqlField(foreign_key="sop_decision.id", index=True)
    title: str = SqlField(max_length=200)
    detail: str = SqlField(default="", max_length=2000)
    owner_role: str | None = SqlField(default=None, max_length=32, index=True)
    owner_user: str | None = SqlField(default=None, max_length=200, index=True)
    due_date: dt.date
    status: str = SqlField(default=ActionItemStatus.open, sa_type=String(16), index=True)
    note: str = SqlField(default="", max_length=2000)
    created_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    created_by: str = SqlField(max_length=200)
    updated_at: dt.datetime | None = _optional_timestamp()
    done_at: dt.datetime | None = _optional_timestamp()
    version: int = 1


class DeviationKind(StrEnum):
    """The execution KPI a deviation is measured on; each is an activity of the RACI
    (``gateway.cycle.raci``) whose accountable role owns the deviation."""

    production_adherence = "production_adherence"
    hours_adherence = "hours_adherence"
    service_attainment = "service_attainment"
    margin_variance = "margin_variance"


class DeviationFound(BaseModel):
    """An executed month's KPI beyond its tolerance (``gateway.execution.rules.deviations``)."""

    kind: DeviationKind
    subject_code: str = Field(description="The family, resource or segment measured.")
    period: Period = Field(description="The executed month.")
    plan_id: int = Field(description="The approved consensus plan the month is held against.")
    value: float = Field(
        description="The KPI: adherence or service attained (0..1), or the margin variance "
        "as a share of the plan margin."
    )
    limit: float = Field(description="The bound the value crossed (the tolerance applied).")
    owner_role: Role = Field(description="The RACI's accountable role for the KPI.")
    detail: str


class CycleDeviation(GatewayTable, table=True):
    """A deviation raised when the cycle before closed: an item on this cycle's agenda."""

    __tablename__ = "sop_deviation"
    __table_args__ = (UniqueConstraint("cycle_id", "kind", "subject_code", "period"),)

    id: int | None = SqlField(default=None, primary_key=True)
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    kind: str = SqlField(max_length=32)
    subject_code: str = SqlField(max_length=64)
    period: str = SqlField(max_length=7)
    plan_id: int
    value: float
    limit: float
    owner_role: str = SqlField(max_length=32, index=True)
    detail: str = SqlField(max_length=2000)
    raised_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


# --- requests -----------------------------------------------------------------------------

Calendar = Annotated[
    dict[StepName, Date],
    Field(max_length=len(StepName), description="Due date per step, e.g. {'pre_sop': ...}."),
]
# Resolutions of one supply review: every infeasible line of a large plan may need one.
MAX_RESOLUTIONS = 20_000
Rationale = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*\S[^\x00-\x08\x0b\x0c\x0e-\x1f]*$",
        description="Why: required, not blank.",
    ),
]


class CycleCreate(BaseModel):
    """The first cycle (later ones open when the previous one closes)."""

    model_config = ConfigDict(extra="forbid")

    period: Period
    horizon_start: Period | None = Field(
        default=None, description="Default: the period plus the configured lead months."
    )
    horizon_months: Annotated[int, Field(ge=12, le=36), JSON_INTEGER] | None = Field(
        default=None, description="Default: the configured horizon (24)."
    )
    due_dates: Calendar | None = Field(
        default=None, description="Due dates that replace the configured defaults."
    )


class CalendarEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_dates: Annotated[Calendar, Field(min_length=1)]


class LineResolution(BaseModel):
    """How the supply review resolves an infeasible line of the proposed supply plan: a
    documented reason, an escalation item raised for it, or both."""

    model_config = ConfigDict(extra="forbid")

    family_code: Code
    period: Period
    reason: Rationale | None = None
    escalation_id: RowRef | None = Field(
        default=None,
        description="An escalation item covering the line: its periods include the line's "
        "period and, when it names families, the line's family.",
    )

    @model_validator(mode="after")
    def _documented(self) -> Self:
        if self.reason is None and self.escalation_id is None:
            raise ValueError("a resolution needs a reason, an escalation_id or both")
        return self


class StepCompletion(BaseModel):
    """What completing a step records; each step takes its own output reference."""

    model_config = ConfigDict(extra="forbid")

    note: Text = ""
    data_quality_report: Name | None = Field(
        default=None, description="data_gathering: the data-quality report (id, name or URL)."
    )
    demand_plan_id: RowRef | None = Field(
        default=None, description="demand_review: the locked demand plan (demand service)."
    )
    supply_plan_id: RowRef | None = Field(
        default=None, description="supply_review, optional: the proposed supply plan."
    )
    consensus_plan_id: RowRef | None = Field(
        default=None, description="pre_sop: the recommended consensus plan."
    )
    resolutions: list[LineResolution] | None = Field(
        default=None,
        max_length=MAX_RESOLUTIONS,
        description="supply_review, with a supply plan: one per infeasible line of its "
        "validation (family, period), each with its reason or escalation item; the step "
        "cannot complete while an infeasible line has none (409 naming them).",
    )
    readiness_override: Name | None = Field(
        default=None,
        description="data_gathering, when GET /readiness has holes for the cycle's horizon: why "
        "the cycle goes on anyway (recorded in the step's note).",
    )


class ActionItemCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [owner], "properties": {owner: {"not": {"type": "null"}}}}
                for owner in ("owner_role", "owner_user")
            ]
        },
    )

    title: Name
    detail: Text = ""
    owner_role: Role | None = None
    owner_user: Name | None = Field(default=None, description="The owner's user id (subject).")
    due_date: Date

    @model_validator(mode="after")
    def _has_owner(self) -> Self:
        if self.owner_role is None and self.owner_user is None:
            raise ValueError("an action item needs an owner_role, an owner_user or both")
        return self


class DecisionCreate(BaseModel):
    """Choose one of the item's options, or override them with a written decision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": [chosen],
                    "properties": {chosen: {"not": {"type": "null"}}, other: {"type": "null"}},
                }
                for chosen, other in (("option_index", "override"), ("override", "option_index"))
            ]
        },
    )

    option_index: Annotated[int, Field(ge=0, le=1000), JSON_INTEGER] | None = None
    override: Rationale | None = None
    changes: list[PlanChange] = Field(
        default_factory=list,
        max_length=200,
        description="With an override: what it changes in the plan (the change vocabulary of"
        " the options); none: the plan is kept as it is. A chosen option brings its own.",
    )
    rationale: Rationale
    action_items: list[ActionItemCreate] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_choice(self) -> Self:
        if (self.option_index is None) == (self.override is None):
            raise ValueError("give exactly one of option_index and override")
        if self.option_index is not None and self.changes:
            raise ValueError("changes go with an override; a chosen option brings its own")
        return self


class ItemDecision(DecisionCreate):
    """One item's decision in a bulk request."""

    escalation_id: RowRef


class BulkDecision(BaseModel):
    """Several items decided at once: all of them or none."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[ItemDecision] = Field(min_length=1, max_length=500)


class ApprovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = ""


class ActionItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ActionItemStatus | None = None
    note: Text | None = None


class CycleFilters(BaseModel):
    status: CycleStatus | None = None
    period_from: Period | None = None
    period_to: Period | None = None


class ActionItemFilters(BaseModel):
    status: ActionItemStatus | None = None
    owner_role: Role | None = None
    owner_user: Name | None = None


# --- answers ------------------------------------------------------------------------------


class LinkKind(StrEnum):
    data_quality_report = "data_quality_report"
    demand_plan = "demand_plan"
    supply_plan = "supply_plan"
    recommended_plan = "recommended_plan"
    approved_plan = "approved_plan"
    action_items = "action_items"


class PlanLink(BaseModel):
    """An input or output of a step; ``id``/``ref`` stay null until the step records it."""

    kind: LinkKind
    id: int | None = None
    version: int | None = None
    ref: str | None = Field(default=None, description="Where to read it.")


class StepPublic(BaseModel):
    step: StepName
    position: int
    owner_role: Role
    due_date: dt.date
    status: StepStatus
    completed_at: UtcDatetime | None
    completed_by: str | None
    note: str
    is_late: bool = Field(description="Completed after its due date, or still open past it.")
    days_late: int
    inputs: list[PlanLink]
    outputs: list[PlanLink]
    resolutions: list[LineResolution] = Field(
        default_factory=list,
        description="supply_review: how each infeasible line of the supply plan was resolved.",
    )


class CyclePublic(BaseModel):
    id: int
    period: str
    horizon_start: str
    horizon_months: int
    horizon_end: str
    status: CycleStatus
    version: int = Field(description="The ETag of the cycle's next write (If-Match).")
    opened_at: UtcDatetime
    opened_by: str
    closed_at: UtcDatetime | None
    closed_by: str | None
    previous_cycle_id: int | None
    current_step: StepName | None = Field(description="The step in progress; null when done.")
    late_steps: list[StepName]
    open_action_items: int = Field(
        description="Action items not done: this cycle's and those carried from earlier ones."
    )
    data_quality_report: str | None
    demand_plan_id: int | None
    demand_plan_version: int | None
    supply_plan_id: int | None
    supply_plan_version: int | None
    recommended_plan_id: int | None
    recommended_plan_version: int | None
    approved_plan_id: int | None
    approved_plan_version: int | None
    steps: list[StepPublic]


class CycleDeviationPublic(DeviationFound):
    """A deviation on a cycle's agenda, raised when the cycle before it closed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    raised_at: UtcDatetime


class CycleTransition(BaseModel):
    """A closed cycle and the one its closing opened."""

    closed: CyclePublic
    opened: CyclePublic
    roll: PlanRollPublic | None = Field(
        default=None,
        description="The closed cycle's demand plan rolled into the opened cycle's horizon: "
        "the draft the next demand review starts from, with the inputs carried and dropped.",
    )
    deviations: list[CycleDeviationPublic] = Field(
        default_factory=list,
        description="The closed month's deviations beyond tolerance, now on the opened "
        "cycle's agenda.",
    )


class DecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    plan_id: int
    plan_version: int
    escalation_id: int
    escalation_title: str
    option_index: int | None
    option: dict[str, Any] | None
    override: str | None
    changes: list[PlanChange]
    rationale: str
    decided_by: str
    decided_by_name: str
    decided_as: Role
    decided_at: UtcDatetime
    action_item_ids: list[int]


class AuthorisationPublic(BaseModel):
    """The authorised plan, the decisions it applies, what moved against the recommended
    plan, and the items its re-solve raised that the recommended plan did not have."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    recommended_plan_id: int
    plan_id: int
    decision_ids: list[int]
    authorised_by: str
    authorised_at: UtcDatetime
    plan: ConsensusPlanSummary
    new_escalations: list[EscalationPublic]
    diff: PlanDiff


class ActionItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    decision_id: int
    title: str
    detail: str
    owner_role: Role | None
    owner_user: str | None
    due_date: dt.date
    status: ActionItemStatus
    note: str
    created_at: UtcDatetime
    created_by: str
    updated_at: UtcDatetime | None
    done_at: UtcDatetime | None
    version: int
    is_overdue: bool


class CycleActionItem(ActionItemPublic):
    """An action item as one cycle sees it: raised in it, or carried over from an earlier one."""

    raised_in_period: str
    carried_over: bool


class EscalationDecision(BaseModel):
    """An escalation item of the cycle's recommended plan and its decision, once made."""

    escalation: EscalationPublic
    decision: DecisionPublic | None


class RaciActivity(BaseModel):
    activity: str
    kind: ActivityKind
    description: str
    accountable: Role
    cells: dict[Role, str] = Field(description="Per role: R, A, RA, C or I.")


class DecisionRight(BaseModel):
    action: str
    roles: list[Role]


class DelegationRow(BaseModel):
    """What a role may close without the executive (gateway.cycle.rules)."""

    role: Role
    kinds: list[str]
    max_severity: str
    max_money: float = Field(description="Largest margin change of the chosen option, either way.")
    max_service_points: float = Field(
        description="Most fill-rate points the chosen option may give up in any segment."
    )


class RaciMatrix(BaseModel):
    roles: list[Role]
    activities: list[RaciActivity]
    delegations: list[DelegationRow] = Field(
        description="Escalation items the executive delegates; overrides stay the executive's."
    )
    decision_rights: list[DecisionRight] = Field(
        description=(
            "Who may make each write of the cycle. An action item is updated by its owner "
            "(role or user) or the process owner."
        )
    )
