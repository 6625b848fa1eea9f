"""Queries and answers of the process review: process performance, the reviews' agendas,
and the cycle-over-cycle explanation (``gateway.process.rules`` states every rule)."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from gateway.cycle.raci import StepName
from gateway.execution.models import Adherence, InventoryVsPlan, SegmentService, Variance
from gateway.process.rules import StepKind, Timeliness
from gateway.solver.solution import Totals
from shared.auth import Role
from shared.types import CLOSED, Date, Period

# --- process performance -------------------------------------------------------------------


class PerformanceFilters(BaseModel):
    model_config = CLOSED

    period_from: Period | None = Field(default=None, description="First cycle month.")
    period_to: Period | None = Field(default=None, description="Last cycle month.")
    as_of: Date | None = Field(
        default=None,
        description="The day lateness is judged on (what is not done by then and past due is "
        "late); default: today (UTC).",
    )


class OnTime(BaseModel):
    """What fell due and whether it was done by its due date (rules.timeliness)."""

    total: int
    on_time: int
    late: int
    pending: int = Field(description="Not done and not yet due: not counted in the rate.")
    on_time_rate: float | None = Field(description="on_time / (on_time + late).")


class RoleInputs(BaseModel):
    """The steps a role owns (its inputs to the cycle), against their due dates."""

    role: Role
    steps: OnTime


class LateStep(BaseModel):
    cycle_id: int
    period: str
    step: StepName
    owner_role: Role
    due_date: dt.date
    completed_at: dt.datetime | None
    status: Timeliness
    days_late: int


class DecisionLatency(BaseModel):
    """From an escalation item's raising (its recommended plan stored) to its decision."""

    decisions: int
    mean_days: float | None
    max_days: float | None
    undecided: int = Field(description="Items of the recommended plans still without decision.")


class FenceChange(BaseModel):
    cycle_id: int
    period: str
    plan_id: int
    family_code: str
    fenced_period: str
    reason: str
    held_production: float = Field(description="The approved production the fence held.")
    planned_production: float = Field(description="What the released plan makes instead.")


class FenceChanges(BaseModel):
    """Family-months inside the time fence the cycles' recommended plans released."""

    releases: int
    units_moved: float = Field(description="Sum |planned - held| over the releases.")
    changes: list[FenceChange]


class ProcessMeasures(BaseModel):
    inputs: list[RoleInputs] = Field(description="Per role owning steps: its steps on time.")
    steps: OnTime
    late_steps: list[LateStep]
    decision_latency: DecisionLatency
    fence: FenceChanges
    action_items: OnTime = Field(description="Action items raised, against their due dates.")


class CyclePerformance(ProcessMeasures):
    cycle_id: int
    period: str
    status: str


class PerformanceReport(BaseModel):
    as_of: dt.date
    cycles: list[CyclePerformance] = Field(description="Each cycle, in month order.")
    over_cycles: ProcessMeasures = Field(description="The cycles' records pooled.")


# --- agendas -------------------------------------------------------------------------------


class Meeting(StrEnum):
    demand_review = StepName.demand_review.value
    supply_review = StepName.supply_review.value
    pre_sop = StepName.pre_sop.value
    executive_sop = StepName.executive_sop.value


class AgendaFilters(BaseModel):
    model_config = CLOSED

    meeting: Meeting | None = Field(default=None, description="One review; default: all four.")


class ItemSource(StrEnum):
    escalation = "escalation"
    action_item = "action_item"
    deviation = "deviation"


class AgendaItem(BaseModel):
    """An item on an agenda, whatever made it: an escalation item of the cycle's recommended
    plan (undecided), an action item still open (this cycle's or carried over), or a
    deviation of the month before raised when the previous cycle closed."""

    source: ItemSource
    id: int
    kind: str = Field(
        description="The escalation kind; action items: 'action_item'; deviations: "
        "'deviation_<kpi>' (e.g. 'deviation_production_adherence')."
    )
    title: str
    detail: str
    severity: str | None
    owner_role: Role | None
    owner_user: str | None
    due_date: dt.date | None
    periods: list[str]
    amount: float | None
    unit: str | None
    raised_in_period: str
    overdue: bool


class AgendaOwner(BaseModel):
    role: Role | None
    user: str | None
    items: int


class AgendaKpis(BaseModel):
    """The headline of execution: the month before the cycle's against its approved plan,
    and the money of the cycle's recommended plan."""

    month: str
    production: Adherence | None
    inventory: InventoryVsPlan | None
    service: list[SegmentService]
    margin_variance: Variance | None
    plan_totals: Totals | None = Field(description="The cycle's recommended plan, if any.")
    notes: list[str] = Field(description="Headline figures that could not be worked out, why.")


class MeetingAgenda(BaseModel):
    cycle_id: int
    period: str
    meeting: Meeting
    due_date: dt.date
    status: str
    owner_role: Role
    attendees: dict[Role, str] = Field(
        description="Roles responsible (R), accountable (A) or consulted (C) in the RACI."
    )
    open_items: list[AgendaItem] = Field(description="Open items routed to this review.")
    deviations: list[AgendaItem] = Field(description="Its open items of a deviation kind.")
    decisions_needed: list[AgendaItem] = Field(
        description="Undecided escalation items it decides (the executive S&OP: all of them)."
    )
    kpis: AgendaKpis
    owners: list[AgendaOwner] = Field(description="Who owns the items on the agenda.")


# --- cycle-over-cycle explanation -------------------------------------------------------


class PlanPoint(BaseModel):
    plan_id: int
    plan_version: int
    status: str
    units: float = Field(description="Units sold (planned sales) over the plan's horizon.")
    money: float = Field(description="Margin over the horizon (shared.money).")


class WaterfallStep(BaseModel):
    kind: StepKind
    label: str
    stream: str | None = None
    reason_code: str | None = None
    authors: list[str] = Field(default_factory=list)
    units: float
    money: float
    cumulative_units: float
    cumulative_money: float


class CapacityChange(BaseModel):
    """A resource's regular capacity and planned load over the months both plans cover."""

    resource_code: str
    regular_capacity_before: float
    regular_capacity_after: float
    load_before: float
    load_after: float


class DecisionNote(BaseModel):
    decision_id: int
    escalation_title: str
    rationale: str
    decided_by: str


class CycleExplanation(BaseModel):
    cycle_id: int
    period: str
    previous_cycle_id: int
    previous_period: str
    last: PlanPoint = Field(description="Last month's approved plan.")
    recommended: PlanPoint
    current: PlanPoint = Field(
        description="This month's plan: approved, else the latest authorised, else the "
        "recommended one."
    )
    common_months: list[str]
    months_out: list[str]
    months_in: list[str]
    steps: list[WaterfallStep] = Field(
        description="From last.units/money to current.units/money, exactly."
    )
    capacity: list[CapacityChange]
    decisions: list[DecisionNote]
