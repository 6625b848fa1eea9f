"""Tables and API models of consensus plans.

A plan row carries what identifies and summarises it (version, status, the demand plan it
reconciled, objective, solver stats, totals); its numbers are normalised into one row per
family/segment/period, family/period and resource/period, and one row per escalation item.
"""

import datetime as dt
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.solver.problem import Objective
from gateway.solver.solution import (
    EscalationKind,
    Explanation,
    Option,
    SegmentService,
    Severity,
    SolveStats,
    Totals,
)
from gateway.tables import GatewayTable
from shared.types import Code, Period, RowId, UtcDatetime, utc_now


class ConsensusStatus(StrEnum):
    """Pre-S&OP recommends; the executive approves; a newer approved plan supersedes."""

    recommended = "recommended"
    # The recommended plan re-solved with the executive's decisions applied (gateway.cycle).
    authorised = "authorised"
    approved = "approved"
    superseded = "superseded"


class ConsensusPlan(GatewayTable, table=True):
    __tablename__ = "consensus_plan"

    id: int | None = Field(default=None, primary_key=True)
    # Unique: two concurrent reconciles computing the same max+1 cannot both commit.
    version: int = Field(unique=True, index=True)
    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    # A plain string column: the cycle (issue 6) adds states without a database enum migration.
    status: str = Field(default=ConsensusStatus.recommended, sa_type=String(16), index=True)
    demand_plan_id: int = Field(index=True)
    demand_plan_version: int
    demand_plan_name: str = Field(max_length=200)
    demand_plan_status: str = Field(max_length=16)
    objective: str = Field(max_length=32)
    horizon_start: str = Field(max_length=7)
    periods: list[str] = Field(sa_column=Column(JSON, nullable=False))
    stats: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    totals: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    segments: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    expansions_started: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    expansion_levels: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Bottlenecks and shortage causes: read with the whole plan, not with plan lists.
    explanation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    escalation_count: int = 0


class ConsensusPlanMoney(GatewayTable, table=True):
    """The rates a plan's money is at (the finance service's prices, unit costs and lever
    costs the reconcile gathered, ``shared.money.MoneyRates``), and when it was frozen: from
    its approval on, the plan's valuation is these rates over its lines, for good."""

    __tablename__ = "consensus_plan_money"

    plan_id: int = Field(foreign_key="consensus_plan.id", primary_key=True)
    rates: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    frozen_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ConsensusOperationsComparison(GatewayTable, table=True):
    """Operations' proposal compared with the plan when the reconcile made it
    (``gateway.figures.comparison``): the comparison, or why there is none."""

    __tablename__ = "consensus_operations_comparison"

    plan_id: int = Field(foreign_key="consensus_plan.id", primary_key=True)
    comparison: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = Field(default=None, max_length=500)


class ConsensusProblem(GatewayTable, table=True):
    """The planning problem a plan was solved from, as the reconcile gathered it: the cycle
    re-solves it with the executive's decisions applied into the authorised plan."""

    __tablename__ = "consensus_problem"

    plan_id: int = Field(foreign_key="consensus_plan.id", primary_key=True)
    problem: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class ConsensusLineBase(SQLModel):
    """Demand, planned sales and unmet demand of a family in a segment and month."""

    family_code: str
    segment_code: str
    period: str
    demand: float
    sales: float
    backlog: float
    lost: float
    revenue: float


class SolutionSales(NamedTuple):
    """A solution's sales line before it is stored: the fields of ``ConsensusLineBase``
    without a model's validation (72,000 of them at 1,000 families, built from the
    solver's own numbers)."""

    family_code: str
    segment_code: str
    period: str
    demand: float
    sales: float
    backlog: float
    lost: float
    revenue: float


class ConsensusLine(ConsensusLineBase, GatewayTable, table=True):
    __tablename__ = "consensus_line"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="consensus_plan.id", index=True)


class ConsensusFamilyLineBase(SQLModel):
    """Supply of a family in a month: production, outsourcing, inventory at the month's end."""

    family_code: str
    period: str
    production: float
    outsourced: float
    inventory: float
    safety_stock_shortfall: float


class ConsensusFamilyLine(ConsensusFamilyLineBase, GatewayTable, table=True):
    __tablename__ = "consensus_family_line"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="consensus_plan.id", index=True)


class ConsensusResourceLineBase(SQLModel):
    """Planned load of a resource in a month against its capacity, and the value of an hour."""

    resource_code: str
    period: str
    load: float
    regular_capacity: float
    overtime: float
    expansion_hours: float
    utilisation: float
    workers: float | None = None
    hired: float | None = None
    laid_off: float | None = None
    shadow_price: float


class ConsensusResourceLine(ConsensusResourceLineBase, GatewayTable, table=True):
    __tablename__ = "consensus_resource_line"
    __table_args__ = (
        UniqueConstraint("plan_id", "resource_code", "period"),
        Index("ix_consensus_resource_line_resource", "resource_code", "plan_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="consensus_plan.id", index=True)


class Escalation(GatewayTable, table=True):
    """An issue pre-S&OP cannot resolve, sent to the executive with options."""

    __tablename__ = "escalation_item"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="consensus_plan.id", index=True)
    position: int
    kind: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    title: str
    detail: str
    family_code: str | None = Field(default=None, max_length=64)
    segment_code: str | None = Field(default=None, max_length=64)
    resource_code: str | None = Field(default=None, max_length=64)
    families: list[str] = Field(sa_column=Column(JSON, nullable=False))
    periods: list[str] = Field(sa_column=Column(JSON, nullable=False))
    amount: float
    unit: str = Field(max_length=32)
    options: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    recommended_option: int | None = None
    recommendation: str | None = None


class ConsensusLinePublic(ConsensusLineBase):
    pass


class ConsensusFamilyLinePublic(ConsensusFamilyLineBase):
    pass


class ConsensusResourceLinePublic(ConsensusResourceLineBase):
    pass


class EscalationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: EscalationKind
    severity: Severity
    title: str
    detail: str
    family_code: str | None
    segment_code: str | None
    resource_code: str | None
    families: list[str]
    periods: list[str]
    amount: float
    unit: str
    options: list[Option]
    recommended_option: int | None
    recommendation: str | None


class PlanKind(StrEnum):
    demand = "demand"  # the unconstrained demand plan (demand service)
    supply = "supply"  # operations' supply plan (supply service)
    consensus = "consensus"  # the reconciled plan (gateway)


class PlanRef(BaseModel):
    """Which plan a figure is of."""

    kind: PlanKind
    id: int
    version: int
    name: str
    status: str


Larger = Literal["supply_plan", "consensus", "equal"]


class ComparedQuantity(BaseModel):
    supply_plan: float
    consensus: float
    difference: float = PydanticField(description="Supply plan - consensus plan.")
    larger: Larger


class ComparisonLine(BaseModel):
    """A family in a month: operations' proposal against the reconciled plan."""

    family_code: str
    period: str
    production: ComparedQuantity
    outsourced: ComparedQuantity
    ending_inventory: ComparedQuantity
    overtime_hours: ComparedQuantity = PydanticField(
        description="The consensus plan's overtime of each resource-month is shared among the "
        "families loading it in proportion to their hours."
    )
    only_in: Literal["supply_plan", "consensus"] | None = PydanticField(
        default=None, description="When only one plan has the family in the month."
    )


class ComparisonTotals(BaseModel):
    production: ComparedQuantity
    outsourced: ComparedQuantity
    ending_inventory: ComparedQuantity
    overtime_hours: ComparedQuantity


class ResourceComparisonLine(BaseModel):
    """A resource in a month: the hours operations' production loads on it against the
    reconciled plan's load."""

    resource_code: str
    period: str
    load: ComparedQuantity = PydanticField(
        description="Supply plan: its production x hours per unit, in the month the routing's "
        "lead-time offset puts it (the supply service's RCCP rule); consensus: the plan's load."
    )


class LargestDifference(BaseModel):
    """One of the largest differences between the plans."""

    measure: Literal["production", "load"]
    code: str = PydanticField(description="Family (production) or resource (load).")
    period: str
    supply_plan: float
    consensus: float
    difference: float = PydanticField(description="Supply plan - consensus plan.")


class ComparisonSummary(BaseModel):
    """How far operations' proposal is from the plan, in a few numbers."""

    tolerance: float = PydanticField(
        description="A line differs beyond it when |difference| > tolerance x the larger of "
        "the two quantities."
    )
    production_lines: int = PydanticField(description="Family-months compared.")
    production_lines_beyond: int = PydanticField(
        description="Family-months whose production differs beyond the tolerance."
    )
    load_lines: int = PydanticField(description="Resource-months compared.")
    load_lines_beyond: int = PydanticField(
        description="Resource-months whose load differs beyond the tolerance."
    )
    largest: list[LargestDifference] = PydanticField(
        description="The differences beyond the tolerance, largest first (production in units "
        "and load in hours, each by its share of the larger quantity), at most ten."
    )
    text: str = PydanticField(description="The summary in one sentence.")


class SupplyComparison(BaseModel):
    supply_plan: PlanRef
    consensus_plan: PlanRef
    lines: list[ComparisonLine]
    totals: ComparisonTotals
    differing_lines: int = PydanticField(description="Lines where any quantity differs.")
    resources: list[ResourceComparisonLine] = PydanticField(default_factory=list)
    summary: ComparisonSummary


class OperationsComparison(BaseModel):
    """Operations' proposal (the proposed supply plan answering the plan's demand plan)
    compared with a reconciled plan; ``comparison`` null and ``reason`` saying why when there
    is nothing to compare."""

    comparison: SupplyComparison | None
    reason: str | None = PydanticField(
        default=None, description="Why there is no comparison; null when there is one."
    )


class ConsensusPlanSummary(BaseModel):
    """A consensus plan without its lines: what lists show."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    created_at: UtcDatetime
    status: ConsensusStatus
    demand_plan_id: int
    demand_plan_version: int
    demand_plan_name: str
    demand_plan_status: str
    objective: Objective
    horizon_start: str
    periods: list[str]
    stats: SolveStats
    totals: Totals
    segments: list[SegmentService]
    expansions_started: dict[str, str | None]
    expansion_levels: dict[str, float]
    escalation_count: int


class ConsensusPlanPublic(ConsensusPlanSummary):
    """A whole consensus plan: its lines per family/segment/period, per family/period and per
    resource/period, its totals and its escalation items."""

    explanation: Explanation | None = None
    operations_comparison: OperationsComparison = PydanticField(
        description="Operations' proposal against this plan, as the reconcile that made it "
        "compared them; null comparison, with the reason, when there was none to compare."
    )
    lines: list[ConsensusLinePublic]
    family_lines: list[ConsensusFamilyLinePublic]
    resource_lines: list[ConsensusResourceLinePublic]
    escalations: list[EscalationPublic]


class ConsensusPlanFilters(BaseModel):
    status: ConsensusStatus | None = None
    demand_plan_id: RowId | None = None


class ConsensusLineFilters(BaseModel):
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None


# --- the difference between two plans (gateway.plans.diff) ---------------------------------


class Change(BaseModel):
    """One quantity in plan a and plan b, and b - a."""

    a: float
    b: float
    delta: float


class SegmentServiceChange(BaseModel):
    segment: str
    fill_rate: Change
    sales: Change


class FamilyUnitsChange(BaseModel):
    family: str
    sales: Change
    production: Change
    outsourced: Change
    lost: Change


class ResourceLoadChange(BaseModel):
    resource: str
    load: Change
    overtime: Change
    peak_utilisation: Change


class PlanDiff(BaseModel):
    """Plan b against plan a: units over the horizon, money (the plans' totals), on-time
    service per segment and load per resource; families and resources listed only where
    something moved."""

    plan_a_id: int
    plan_b_id: int
    units: dict[str, Change]
    money: dict[str, Change]
    service: list[SegmentServiceChange]
    families: list[FamilyUnitsChange]
    resources: list[ResourceLoadChange]


class FenceRelease(GatewayTable, table=True):
    """A family-month inside the time fence that a reconcile released (``fence_overrides``),
    with its reason and the approved production it was held at: the changes inside the
    fence the process coordinator counts (``gateway.process``)."""

    __tablename__ = "consensus_fence_release"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="consensus_plan.id", index=True)
    family_code: str = Field(max_length=64)
    period: str = Field(max_length=7)
    reason: str = Field(max_length=200)
    held_production: float = Field(description="The approved production the fence held.")
