"""Answers of the planning routes (and the GraphQL fields built on them). A supply plan's
comparison with a consensus plan is stored with the plan a reconcile makes, so its models
live with the stored plans (``gateway.plans.models``)."""

from pydantic import BaseModel, Field

from gateway.plans.models import (
    ComparedQuantity,
    ComparisonLine,
    ComparisonSummary,
    ComparisonTotals,
    Larger,
    LargestDifference,
    PlanKind,
    PlanRef,
    ResourceComparisonLine,
    SupplyComparison,
)
from shared.contracts.finance import AopGap, FlaggedGap, GapTotals, Valuation
from shared.contracts.supply import RccpResult

__all__ = [
    "ComparedQuantity",
    "ComparisonLine",
    "ComparisonSummary",
    "ComparisonTotals",
    "Larger",
    "LargestDifference",
    "PlanKind",
    "PlanRef",
    "ResourceComparisonLine",
    "SupplyComparison",
]


class PlanValuation(Valuation):
    """A plan in money, valued by the finance service at the prices and costs of each month."""

    plan: PlanRef
    notes: list[str] = Field(
        default_factory=list, description="What the valuation leaves out, and why."
    )


class PlanAopGap(AopGap):
    """A plan's gap to the AOP per month, with the price, volume, mix and cost lines that
    explain it and the months beyond the tolerance."""

    plan: PlanRef
    notes: list[str] = Field(default_factory=list)


class ResourceUtilisation(BaseModel):
    """Load of a resource over a plan's months against its regular capacity."""

    resource_code: str
    load_hours: float
    regular_hours: float = Field(description="Regular capacity (with expansions) summed.")
    utilisation: float | None = Field(description="Load / regular hours over the plan.")
    peak_utilisation: float | None
    peak_period: str | None
    overtime_hours: float = Field(description="Hours above regular capacity, within overtime.")
    overload_hours: float = Field(
        description="Hours above regular + maximum overtime (an unconstrained plan's excess)."
    )
    periods_above_regular: list[str]


class SegmentFill(BaseModel):
    segment_code: str
    demand: float
    sales: float
    fill_rate: float | None = Field(description="Sales / demand over the plan, at most 1.")
    on_time_fill_rate: float | None = Field(
        default=None,
        description="Consensus plans: demand delivered in its own month / demand (the "
        "reconciliation's service measure).",
    )
    target: float | None
    meets_target: bool | None


class PlanKpis(BaseModel):
    """Inventory turns, capacity utilisation, fill rate per segment, margin %, gap to AOP."""

    plan: PlanRef
    revenue: float
    margin: float
    margin_pct: float | None
    cost_of_goods_sold: float
    average_inventory_value: float
    inventory_turns: float | None = Field(
        description="Cost of goods sold / average inventory value, over the plan's months."
    )
    annualised_inventory_turns: float | None
    capacity_utilisation: float | None = Field(
        description="Load / regular hours over every resource and month of the plan."
    )
    resources: list[ResourceUtilisation]
    fill_rates: list[SegmentFill]
    gap_to_aop: GapTotals | None = Field(description="Null when no month has an AOP.")
    flagged_gaps: list[FlaggedGap]
    notes: list[str] = Field(default_factory=list)


class DemandPlanRccp(RccpResult):
    """Rough-cut capacity of a demand plan: its units (summed over segments) loaded onto the
    resources through the bill of resources."""

    demand_plan: PlanRef
    bottlenecks: list[str] = Field(
        description="Resources loaded beyond regular + maximum overtime in some month, the "
        "largest overload first."
    )
