"""The solution of a planning problem: the consensus plan, its money, and why.

Quantities are lists with one value per period of the problem, in the problem's order.
"""

from enum import StrEnum

from pydantic import BaseModel, Field

from gateway.solver.changes import PlanChange
from shared.contracts.finance import PlanningPenalties
from shared.money import MoneyRates


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class EscalationKind(StrEnum):
    service_below_target = "service_below_target"
    resource_overload = "resource_overload"
    safety_stock_breach = "safety_stock_breach"
    aop_gap = "aop_gap"
    forecast_bias = "forecast_bias"
    executive_lever = "executive_lever"


class SalesLine(BaseModel):
    family: str
    segment: str
    demand: list[float]
    sales: list[float]
    backlog: list[float]
    lost: list[float]
    revenue: list[float]


class FamilyLine(BaseModel):
    family: str
    production: list[float]
    outsourced: list[float]
    inventory: list[float]
    safety_stock_shortfall: list[float]


class ResourceLine(BaseModel):
    resource: str
    load: list[float] = Field(description="Hours used.")
    regular_capacity: list[float]
    overtime: list[float] = Field(description="Overtime hours used.")
    expansion_hours: list[float]
    utilisation: list[float] = Field(
        description="Load / (regular capacity + expansion hours); 100 when there is load but"
        " no regular capacity."
    )
    workers: list[float] | None = None
    hired: list[float] | None = None
    laid_off: list[float] | None = None
    shadow_price: list[float] = Field(
        description="Margin gained by one more hour of capacity in the period (LP dual)."
    )
    threshold: float | None = Field(default=None, description="Utilisation threshold.")


class SegmentService(BaseModel):
    segment: str
    demand: float
    sales: float
    fill_rate: float = Field(
        description="On-time fill rate: demand delivered in its own period / demand (backlog"
        " served late counts as not filled; a lost segment's initial backlog is due at once)."
    )
    target: float
    priority: int | None = Field(
        default=None,
        description="The segment's priority as given (1 = served first), the one the"
        " allocation follows after the strategic flag.",
    )
    allocation_order: int | None = Field(
        default=None,
        description="Order in which short supply is allocated: 1 = served first (strategic"
        " segments, then priority 1 first); segments sharing a tier share an order.",
    )
    unmet_weight: float | None = Field(
        default=None,
        description="Weight per unit-period backlogged or unit lost that the objective adds to"
        " make allocation follow priority (see gateway/solver/priority.py).",
    )


class Totals(BaseModel):
    """The plan in money: the finance formula (``shared.money``) over the plan's lines at the
    finance service's rates, so it equals the finance valuation of the plan to the cent.
    Never the solver's objective: model penalties are apart in ``planning_penalties``."""

    revenue: float = 0
    cost_of_goods_sold: float = Field(default=0, description="Units sold x unit cost.")
    regular_labour_cost: float = 0
    overtime_cost: float = 0
    outsourcing_cost: float = Field(
        default=0, description="Outsourced units x (outsourcing cost - unit cost)."
    )
    holding_cost: float = 0
    hiring_cost: float = 0
    layoff_cost: float = 0
    expansion_cost: float = Field(
        default=0,
        description="Fixed cost of the expansion steps taken (a problem input, not a finance"
        " rate).",
    )
    total_cost: float = Field(default=0, description="Every cost above.")
    margin: float = Field(default=0, description="Revenue - total cost.")
    planning_penalties: PlanningPenalties = Field(
        default_factory=PlanningPenalties,
        description="Backlog, lost-sale and safety-stock penalties of the model: never cost.",
    )
    fill_rate: float = 0


class Option(BaseModel):
    """One way to resolve an escalation item, measured by re-solving with a lever changed."""

    lever: str
    description: str
    fill_rate_delta: dict[str, float] = Field(description="Per segment, in fill-rate points.")
    cost_delta: float
    margin_delta: float
    inventory_delta: float
    feasible: bool = True
    resolves: bool | None = Field(default=None, description="Whether the item is resolved.")
    item_metric: float | None = Field(
        default=None,
        description="The item's measure with this option: the segment's fill rate, the"
        " resource's peak utilisation, or the units below safety stock.",
    )
    revenue_delta: float = 0.0
    changes: list[PlanChange] = Field(
        default_factory=list,
        description="What choosing it changes in the plan's problem (gateway.solver.changes);"
        " a decision for it applies them when the plan is authorised.",
    )


class EscalationItem(BaseModel):
    kind: EscalationKind
    severity: Severity
    title: str
    detail: str
    family: str | None = None
    segment: str | None = None
    resource: str | None = None
    families: list[str] = Field(
        default_factory=list, description="Every family concerned (grouped items)."
    )
    periods: list[str] = Field(default_factory=list)
    amount: float = Field(description="How much: units short, hours over, money gap...")
    unit: str = Field(examples=["units", "hours", "currency", "fill-rate points"])
    options: list[Option] = Field(default_factory=list)
    recommended_option: int | None = None
    recommendation: str | None = None


class SolveStats(BaseModel):
    termination: str
    solver: str
    objective_value: float | None
    relative_gap: float | None
    build_seconds: float
    solve_seconds: float
    total_seconds: float
    variables: int
    constraints: int
    solves: int = Field(default=1, description="Solver runs for the plan (stages, duals).")
    options_seconds: float = Field(default=0.0, description="Re-solves for escalation options.")
    option_solves: int = 0
    lp_algorithm: str | None = None
    notes: list[str] = Field(default_factory=list)


class Bottleneck(BaseModel):
    """A resource whose capacity limits the plan, valued by its shadow prices."""

    resource: str
    periods: list[str] = Field(description="Periods where one more hour would add margin.")
    shadow_price_max: float
    shadow_price_mean: float = Field(description="Mean over the binding periods.")
    value_of_more_capacity: float = Field(
        description="First-order margin of 10% more regular hours in the binding periods"
        " (shadow price x 10% of capacity, summed): the ranking key."
    )
    peak_utilisation: float


class ShortageCause(StrEnum):
    capacity = "capacity"  # a routed resource is full, overtime and expansion included
    lever_cost = "lever_cost"  # regular capacity is full; more costs more than the unit earns
    unprofitable = "unprofitable"  # no resource binds: the unit costs more than it earns


class Shortage(BaseModel):
    """Why a family does not reach a segment's demand on time."""

    family: str
    segment: str
    periods: list[str]
    units: float = Field(description="Demand not delivered in its own period.")
    cause: ShortageCause
    resource: str | None = None
    resource_periods: list[str] = Field(default_factory=list)
    detail: str


class Explanation(BaseModel):
    bottlenecks: list[Bottleneck] = Field(
        default_factory=list, description="Ranked by value_of_more_capacity."
    )
    shortages: list[Shortage] = Field(default_factory=list, description="Largest first.")


class Solution(BaseModel):
    periods: list[str]
    stats: SolveStats
    totals: Totals
    sales: list[SalesLine]
    families: list[FamilyLine]
    resources: list[ResourceLine]
    segments: list[SegmentService]
    expansions_started: dict[str, str | None] = Field(
        default_factory=dict, description="Expansion code -> first period available, or null."
    )
    escalations: list[EscalationItem] = Field(default_factory=list)
    expansion_levels: dict[str, float] = Field(
        default_factory=dict,
        description="Expansion code -> share of the step taken (0 or 1 in integer mode).",
    )
    explanation: Explanation | None = None
    money_rates: MoneyRates = Field(
        default_factory=MoneyRates,
        description="The prices, unit costs and lever costs the plan's money is at.",
    )
