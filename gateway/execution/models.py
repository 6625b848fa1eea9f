"""Queries and answers of the execution KPIs: each month's approved plan against actuals."""

from typing import Annotated

from pydantic import BaseModel, Field

from shared.types import CLOSED, Code, Period

NearTermMonths = Annotated[int, Field(ge=1, le=36)]


class PeriodRange(BaseModel):
    """The months looked at (both ends included; open when left out)."""

    model_config = CLOSED

    period_from: Period | None = None
    period_to: Period | None = None

    def covers(self, period: str) -> bool:
        return (self.period_from is None or period >= self.period_from) and (
            self.period_to is None or period <= self.period_to
        )


class AdherenceFilters(PeriodRange):
    family_code: Code | None = None
    resource_code: Code | None = None


class ServiceFilters(PeriodRange):
    segment_code: Code | None = None


class VarianceFilters(PeriodRange):
    family_code: Code | None = None
    segment_code: Code | None = None


class StabilityFilters(PeriodRange):
    """``period_from``/``period_to`` select the newer cycle of each pair by its month."""

    family_code: Code | None = None
    near_term_months: NearTermMonths = Field(
        default=3, description="How many first months of the newer plan are compared."
    )


class PlanOfMonth(BaseModel):
    """The approved consensus plan a month is measured against: the plan approved by the
    latest cycle whose plan covered the month."""

    period: str
    cycle_period: str
    plan_id: int
    plan_version: int


class Adherence(BaseModel):
    plan: float
    actual: float
    adherence: float | None = Field(
        description="1 - sum|actual - plan| / sum plan, at least 0; null without a plan."
    )


class InventoryVsPlan(BaseModel):
    plan: float
    actual: float
    gap: float = Field(description="actual - plan, units.")
    gap_pct: float | None = Field(description="gap / plan; null when the plan holds none.")


class FamilyMonthExecution(BaseModel):
    family_code: str
    period: str
    production: Adherence
    inventory: InventoryVsPlan


class FamilyExecution(BaseModel):
    """A family over every month looked at."""

    family_code: str
    production: Adherence
    inventory: InventoryVsPlan


class ResourceMonthExecution(BaseModel):
    resource_code: str
    period: str
    hours: Adherence


class ResourceExecution(BaseModel):
    resource_code: str
    hours: Adherence


class MonthExecution(BaseModel):
    """Every family of a month together."""

    plan: PlanOfMonth
    production: Adherence
    inventory: InventoryVsPlan


class AdherenceReport(BaseModel):
    """Production (units) and resource hours against the plan approved for each month with
    actuals, inventory at the month's end against plan; per month and over all of them."""

    months: list[MonthExecution]
    families: list[FamilyMonthExecution]
    by_family: list[FamilyExecution]
    resources: list[ResourceMonthExecution]
    by_resource: list[ResourceExecution]
    total: Adherence
    total_inventory: InventoryVsPlan


class SegmentMonthService(BaseModel):
    segment_code: str
    period: str
    demand: float
    shipped: float
    attained: float | None = Field(description="min(1, shipped / demand).")
    target: float | None
    meets_target: bool | None


class SegmentService(BaseModel):
    segment_code: str
    demand: float
    shipped: float
    attained: float | None
    target: float | None
    meets_target: bool | None


class ServiceReport(BaseModel):
    """Units shipped (finance revenue actuals) against actual demand (demand history) per
    segment, in the months with revenue actuals, against the segment's fill-rate target."""

    months: list[SegmentMonthService]
    by_segment: list[SegmentService]


class Variance(BaseModel):
    plan_margin: float
    actual_margin: float
    volume: float
    mix: float
    price: float
    cost: float
    total: float = Field(description="volume + mix + price + cost = actual - plan margin.")


class MonthVariance(BaseModel):
    plan: PlanOfMonth
    variance: Variance


class FamilyVariance(BaseModel):
    family_code: str
    variance: Variance


class SegmentVariance(BaseModel):
    segment_code: str
    variance: Variance


class VarianceReport(BaseModel):
    """The actual contribution margin against the approved plan's, split into volume, mix,
    price and cost: per month, per family and segment (the split of their own lines) and in
    total, summed over the months with revenue actuals."""

    months: list[MonthVariance]
    by_family: list[FamilyVariance]
    by_segment: list[SegmentVariance]
    total: Variance


class FamilyStability(BaseModel):
    family_code: str
    previous: float
    current: float
    stability: float | None


class PlanStability(BaseModel):
    """How much the near-term months moved from one approved plan to the next."""

    cycle_period: str
    plan_id: int
    previous_cycle_period: str
    previous_plan_id: int
    months: list[str]
    families: list[FamilyStability]
    stability: float | None


class StabilityReport(BaseModel):
    pairs: list[PlanStability]
