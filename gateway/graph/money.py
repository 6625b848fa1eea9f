"""GraphQL types of supply review and finance: rough-cut capacity, a plan in money, its gap
to the AOP, its KPIs, and a supply plan compared with a consensus plan.

Built from the answers of ``gateway.figures`` (``of``); nothing here reads anything.
"""

from typing import Annotated, Any

import strawberry

from gateway.figures.models import (
    ComparisonLine as ComparisonLineModel,
)
from gateway.figures.models import (
    DemandPlanRccp,
    PlanAopGap,
    PlanKind,
    PlanKpis,
    PlanValuation,
    SupplyComparison,
)
from gateway.graph.context import Info
from gateway.graph.convert import from_model
from gateway.graph.scalars import Code, Period
from gateway.plans.models import OperationsComparison as OperationsComparisonModel
from shared.contracts.finance import GapMeasureName
from shared.contracts.finance import GapTotals as GapTotalsModel
from shared.contracts.finance import PeriodGap as PeriodGapModel
from shared.contracts.supply import CapacityMode, LoadStatus
from shared.contracts.supply import RccpRow as RccpRowModel
from shared.errors import ValidationFailed

strawberry.enum(CapacityMode, description="Fixed hours, or hours driven by the workforce.")
strawberry.enum(PlanKind, description="Demand (unconstrained), supply (operations) or consensus.")
strawberry.enum(GapMeasureName, description="Which measure of a plan is held against the AOP.")
strawberry.enum(LoadStatus, description="Load within regular, within overtime, beyond, or gap.")


def _all(cls: type[Any], items: Any) -> list[Any]:
    return [from_model(cls, item) for item in items]


@strawberry.type(description="Which plan a figure is of.")
class PlanReference:
    kind: PlanKind
    id: int
    version: int
    name: str
    status: str


# --- valuation ----------------------------------------------------------------------------


@strawberry.type(description="Planned sales of a family to a segment in a month, in money.")
class ValuationLine:
    family_code: str
    segment_code: str
    period: str
    quantity: float
    demand: float | None
    backlog: float
    lost: float
    price: float
    unit_cost: float
    revenue: float
    cost: float
    margin: float = strawberry.field(description="Revenue - cost (planning penalties apart).")
    backlog_cost: float = strawberry.field(description="Planning penalty, not a cost.")
    lost_sale_cost: float = strawberry.field(description="Planning penalty, not a cost.")


@strawberry.type(description="Outsourcing and inventory of a family in a month, in money.")
class FamilyPeriodValuation:
    family_code: str
    period: str
    outsourced: float
    ending_inventory: float
    unit_cost: float | None
    inventory_value: float = strawberry.field(description="Working capital.")
    holding_cost: float
    outsourcing_cost: float = strawberry.field(description="The premium over making.")


@strawberry.type(description="Regular and overtime hours of a resource in a month, in money.")
class ResourcePeriodValuation:
    resource_code: str
    period: str
    regular_hours: float
    overtime_hours: float
    hired: float
    laid_off: float
    regular_cost: float
    overtime_cost: float
    hiring_cost: float
    layoff_cost: float


@strawberry.type(
    description="A capacity expansion step the plan takes: level x its fixed cost, paid in "
    "the month it is decided."
)
class ExpansionStepValuation:
    code: str
    period: str
    level: float = strawberry.field(description="Share of the step taken.")
    fixed_cost: float
    cost: float


@strawberry.type(description="A plan's money in one month.")
class PeriodValuation:
    period: str
    quantity: float
    revenue: float
    cost: float
    lever_cost: float
    margin: float
    margin_pct: float | None
    inventory_value: float


@strawberry.type(description="Lever costs of a plan, one amount per lever.")
class LeverCostTotals:
    regular_hour: float
    overtime_hour: float
    outsourcing_unit: float
    holding_unit_period: float
    hire_worker: float
    layoff_worker: float
    expansion_step: float = strawberry.field(description="Fixed costs of expansion steps.")


@strawberry.type(
    description="What the planning model charges to steer a plan, not money anyone pays: "
    "never in a cost or a margin."
)
class PlanningPenalties:
    backlog: float
    lost_sale: float
    safety_stock: float
    total: float


@strawberry.type(description="A plan's money in total.")
class ValuationTotals:
    quantity: float
    revenue: float
    cost: float = strawberry.field(description="Variable cost of the units sold.")
    margin: float = strawberry.field(
        description="Gross margin: revenue - cost - lever costs (planning penalties apart)."
    )
    margin_pct: float | None
    lever_cost: float
    lever_costs: LeverCostTotals
    planning_penalties: PlanningPenalties
    ending_inventory_value: float
    average_inventory_value: float


@strawberry.type(
    name="PlanValuation",
    description="A plan in money (finance service), per line, month and in total.",
)
class PlanValuationType:
    plan: PlanReference
    totals: ValuationTotals
    periods: list[PeriodValuation]
    family_periods: list[FamilyPeriodValuation]
    resource_periods: list[ResourcePeriodValuation]
    expansion_steps: list[ExpansionStepValuation]
    notes: list[str] = strawberry.field(description="What the valuation leaves out, and why.")
    all_lines: strawberry.Private[list[ValuationLine]]

    @classmethod
    def of(cls, valuation: PlanValuation) -> "PlanValuationType":
        totals = valuation.totals
        return cls(
            plan=from_model(PlanReference, valuation.plan),
            totals=from_model(
                ValuationTotals,
                totals,
                lever_costs=from_model(LeverCostTotals, totals.lever_costs),
                planning_penalties=from_model(PlanningPenalties, totals.planning_penalties),
            ),
            periods=_all(PeriodValuation, valuation.periods),
            family_periods=_all(FamilyPeriodValuation, valuation.family_periods),
            resource_periods=_all(ResourcePeriodValuation, valuation.resource_periods),
            expansion_steps=_all(ExpansionStepValuation, valuation.expansion_steps),
            notes=valuation.notes,
            all_lines=_all(ValuationLine, valuation.lines),
        )

    @strawberry.field(description="Lines per family, segment and month, optionally filtered.")
    def lines(
        self,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period: Period | None = None,
    ) -> list[ValuationLine]:
        return [
            line
            for line in self.all_lines
            if (family_code is None or line.family_code == family_code)
            and (segment_code is None or line.segment_code == segment_code)
            and (period is None or line.period == period)
        ]


# --- gap to the AOP -----------------------------------------------------------------------


@strawberry.type(description="The lines that explain a gap; they add up to it.")
class VarianceLines:
    price: float
    volume: float
    mix: float
    cost: float
    not_decomposed: float


@strawberry.type(description="A measure of the plan against the AOP.")
class GapMeasure:
    aop: float
    plan: float
    gap: float = strawberry.field(description="Plan - AOP.")
    gap_pct: float | None
    explained_by: VarianceLines


def _measure(measure: Any) -> GapMeasure:
    return from_model(
        GapMeasure, measure, explained_by=from_model(VarianceLines, measure.explained_by)
    )


@strawberry.type(description="The gap of a month (company or family group) to the AOP.")
class PeriodGap:
    period: str
    family_group: str | None
    aop_quantity: float | None
    plan_quantity: float
    revenue: GapMeasure
    margin: GapMeasure
    note: str | None

    @classmethod
    def of(cls, gap: PeriodGapModel) -> "PeriodGap":
        return from_model(cls, gap, revenue=_measure(gap.revenue), margin=_measure(gap.margin))


@strawberry.type(description="Sums over the compared months.")
class GapTotals:
    revenue: GapMeasure
    margin: GapMeasure

    @classmethod
    def of(cls, totals: GapTotalsModel) -> "GapTotals":
        return cls(revenue=_measure(totals.revenue), margin=_measure(totals.margin))


@strawberry.type(description="A month whose gap to the AOP is beyond the tolerance.")
class FlaggedGap:
    period: str
    family_group: str | None
    measure: GapMeasureName
    aop: float
    plan: float
    gap: float
    gap_pct: float | None
    tolerance: float


@strawberry.type(
    name="PlanAopGap",
    description="A plan's gap to the AOP, explained, with the months to escalate.",
)
class PlanAopGapType:
    plan: PlanReference
    tolerance: float
    periods: list[PeriodGap] = strawberry.field(description="The company's gap per month.")
    groups: list[PeriodGap] = strawberry.field(description="Per family group with an AOP.")
    totals: GapTotals
    periods_without_aop: list[str]
    flagged: list[FlaggedGap]
    notes: list[str]

    @classmethod
    def of(cls, gap: PlanAopGap) -> "PlanAopGapType":
        return cls(
            plan=from_model(PlanReference, gap.plan),
            tolerance=gap.tolerance,
            periods=[PeriodGap.of(period) for period in gap.periods],
            groups=[PeriodGap.of(group) for group in gap.groups],
            totals=GapTotals.of(gap.totals),
            periods_without_aop=gap.periods_without_aop,
            flagged=_all(FlaggedGap, gap.flagged),
            notes=gap.notes,
        )


# --- KPIs ---------------------------------------------------------------------------------


@strawberry.type(description="Load of a resource over a plan against its regular capacity.")
class ResourceUtilisation:
    resource_code: str
    load_hours: float
    regular_hours: float
    utilisation: float | None
    peak_utilisation: float | None
    peak_period: str | None
    overtime_hours: float
    overload_hours: float
    periods_above_regular: list[str]


@strawberry.type(description="Fill rate of a segment in a plan against its target.")
class SegmentFill:
    segment_code: str
    demand: float
    sales: float
    fill_rate: float | None
    on_time_fill_rate: float | None
    target: float | None
    meets_target: bool | None


@strawberry.type(
    name="PlanKpis", description="Inventory turns, utilisation, fill rates, margin %, gap to AOP."
)
class PlanKpisType:
    plan: PlanReference
    revenue: float
    margin: float
    margin_pct: float | None
    cost_of_goods_sold: float
    average_inventory_value: float
    inventory_turns: float | None
    annualised_inventory_turns: float | None
    capacity_utilisation: float | None
    resources: list[ResourceUtilisation]
    fill_rates: list[SegmentFill]
    gap_to_aop: GapTotals | None
    flagged_gaps: list[FlaggedGap]
    notes: list[str]

    @classmethod
    def of(cls, kpis: PlanKpis) -> "PlanKpisType":
        return from_model(
            cls,
            kpis,
            plan=from_model(PlanReference, kpis.plan),
            resources=_all(ResourceUtilisation, kpis.resources),
            fill_rates=_all(SegmentFill, kpis.fill_rates),
            gap_to_aop=GapTotals.of(kpis.gap_to_aop) if kpis.gap_to_aop else None,
            flagged_gaps=_all(FlaggedGap, kpis.flagged_gaps),
        )


# --- rough-cut capacity -------------------------------------------------------------------


@strawberry.type(description="A family's hours in a resource-month, and its share of them.")
class FamilyLoad:
    family_code: str
    hours: float
    share: float


@strawberry.type(description="Load against capacity of a resource in a month.")
class RccpRow:
    resource_code: str
    period: str
    capacity_source: CapacityMode
    load_hours: float
    regular_hours: float | None
    max_overtime_hours: float | None
    utilisation: float | None
    utilisation_with_overtime: float | None
    overtime_hours_needed: float
    overload_hours: float
    status: LoadStatus
    families: list[FamilyLoad] = strawberry.field(
        description="Above regular capacity: the families loading the month, largest first."
    )

    @classmethod
    def of(cls, row: RccpRowModel) -> "RccpRow":
        return from_model(cls, row, families=_all(FamilyLoad, row.families))


@strawberry.type(description="A resource's load over the plan.")
class ResourceLoad:
    resource_code: str
    load_hours: float
    regular_hours: float
    peak_utilisation: float | None
    peak_period: str | None
    overtime_hours_needed: float
    overload_hours: float
    overloaded_periods: list[str]
    gap_periods: list[str]


@strawberry.type(description="A family with demand but no routing.")
class UnroutedFamily:
    family_code: str
    quantity: float


@strawberry.type(description="Rough-cut capacity of a demand plan (supply service).")
class Rccp:
    demand_plan: PlanReference
    periods: list[str]
    resources: list[ResourceLoad]
    unrouted_families: list[UnroutedFamily]
    bottlenecks: list[str] = strawberry.field(
        description="Resources loaded beyond regular + maximum overtime, the largest first."
    )
    all_rows: strawberry.Private[list[RccpRow]]

    @classmethod
    def of(cls, rccp: DemandPlanRccp) -> "Rccp":
        return cls(
            demand_plan=from_model(PlanReference, rccp.demand_plan),
            periods=rccp.periods,
            resources=_all(ResourceLoad, rccp.resources),
            unrouted_families=_all(UnroutedFamily, rccp.unrouted_families),
            bottlenecks=rccp.bottlenecks,
            all_rows=[RccpRow.of(row) for row in rccp.rows],
        )

    @strawberry.field(description="Rows per resource and month, optionally filtered.")
    def rows(
        self, resource_code: Code | None = None, status: LoadStatus | None = None
    ) -> list[RccpRow]:
        return [
            row
            for row in self.all_rows
            if (resource_code is None or row.resource_code == resource_code)
            and (status is None or row.status == status)
        ]


# --- supply plan against consensus --------------------------------------------------------


@strawberry.type(description="A quantity in the supply plan and in the consensus plan.")
class ComparedQuantity:
    supply_plan: float
    consensus: float
    difference: float = strawberry.field(description="Supply plan - consensus plan.")
    larger: str = strawberry.field(description="supply_plan, consensus or equal.")


@strawberry.type(description="A family in a month: operations' proposal against consensus.")
class ComparisonLine:
    family_code: str
    period: str
    production: ComparedQuantity
    outsourced: ComparedQuantity
    ending_inventory: ComparedQuantity
    overtime_hours: ComparedQuantity
    only_in: str | None

    @classmethod
    def of(cls, line: ComparisonLineModel) -> "ComparisonLine":
        return from_model(cls, line, **_compared(line))


def _compared(source: Any) -> dict[str, ComparedQuantity]:
    names = ("production", "outsourced", "ending_inventory", "overtime_hours")
    return {name: from_model(ComparedQuantity, getattr(source, name)) for name in names}


@strawberry.type(description="Totals of a comparison.")
class ComparisonTotals:
    production: ComparedQuantity
    outsourced: ComparedQuantity
    ending_inventory: ComparedQuantity
    overtime_hours: ComparedQuantity


@strawberry.type(description="A resource in a month: the hours each plan loads on it.")
class ResourceComparisonLine:
    resource_code: str
    period: str
    load: ComparedQuantity


@strawberry.type(description="One of the largest differences between the plans.")
class LargestDifference:
    measure: str = strawberry.field(description="production (units) or load (hours).")
    code: str = strawberry.field(description="Family (production) or resource (load).")
    period: str
    supply_plan: float
    consensus: float
    difference: float = strawberry.field(description="Supply plan - consensus plan.")


@strawberry.type(description="How far operations' proposal is from the plan, in a few numbers.")
class ComparisonSummary:
    tolerance: float = strawberry.field(
        description="Beyond it: |difference| > tolerance x the larger quantity."
    )
    production_lines: int
    production_lines_beyond: int
    load_lines: int
    load_lines_beyond: int
    largest: list[LargestDifference] = strawberry.field(description="Largest first, at most 10.")
    text: str


@strawberry.type(
    name="SupplyComparison",
    description="A supply plan compared line by line with a consensus plan.",
)
class SupplyComparisonType:
    supply_plan: PlanReference
    consensus_plan: PlanReference
    totals: ComparisonTotals
    differing_lines: int
    resources: list[ResourceComparisonLine] = strawberry.field(
        description="Load per resource and month: the supply plan's production hours against "
        "the consensus plan's load."
    )
    summary: ComparisonSummary
    all_lines: strawberry.Private[list[ComparisonLine]]

    @classmethod
    def of(cls, comparison: SupplyComparison) -> "SupplyComparisonType":
        summary = comparison.summary
        return cls(
            supply_plan=from_model(PlanReference, comparison.supply_plan),
            consensus_plan=from_model(PlanReference, comparison.consensus_plan),
            totals=ComparisonTotals(**_compared(comparison.totals)),
            differing_lines=comparison.differing_lines,
            resources=[
                from_model(ResourceComparisonLine, row, load=from_model(ComparedQuantity, row.load))
                for row in comparison.resources
            ],
            summary=from_model(
                ComparisonSummary,
                summary,
                largest=[from_model(LargestDifference, item) for item in summary.largest],
            ),
            all_lines=[ComparisonLine.of(line) for line in comparison.lines],
        )

    @strawberry.field(
        description="Lines per family and month; optionally one family, or only "
        "the lines where the plans differ."
    )
    def lines(
        self, family_code: Code | None = None, only_differing: bool = False
    ) -> list[ComparisonLine]:
        return [
            line
            for line in self.all_lines
            if (family_code is None or line.family_code == family_code)
            and not (only_differing and _agree(line))
        ]


def _agree(line: ComparisonLine) -> bool:
    quantities = (line.production, line.outsourced, line.ending_inventory, line.overtime_hours)
    return all(quantity.larger == "equal" for quantity in quantities)


# --- resolvers shared by the plan types ---------------------------------------------------

Tolerance = Annotated[
    float | None,
    strawberry.argument(
        description="Share of the AOP beyond which a month is flagged; default: the finance "
        "service's."
    ),
]


def checked_tolerance(tolerance: float | None) -> float | None:
    if tolerance is not None and not 0 <= tolerance <= 1:
        raise ValidationFailed("a share of the AOP between 0 and 1", field="tolerance")
    return tolerance


async def valuation_of(info: Info, kind: PlanKind, plan_id: int) -> PlanValuationType:
    return PlanValuationType.of(await info.context.loaders.planner.valuation(kind, plan_id))


async def aop_gap_of(
    info: Info, kind: PlanKind, plan_id: int, tolerance: float | None
) -> PlanAopGapType:
    planner = info.context.loaders.planner
    gap = await planner.aop_gap(kind, plan_id, tolerance=checked_tolerance(tolerance))
    return PlanAopGapType.of(gap)


async def kpis_of(
    info: Info, kind: PlanKind, plan_id: int, tolerance: float | None
) -> PlanKpisType:
    planner = info.context.loaders.planner
    kpis = await planner.kpis(kind, plan_id, tolerance=checked_tolerance(tolerance))
    return PlanKpisType.of(kpis)


@strawberry.type(
    description="Operations' proposal compared with a consensus plan by the reconcile that "
    "made it; comparison null, and the reason, when there was nothing to compare."
)
class OperationsComparison:
    comparison: SupplyComparisonType | None
    reason: str | None

    @classmethod
    def of(cls, operations: OperationsComparisonModel) -> "OperationsComparison":
        comparison = operations.comparison
        return cls(
            comparison=None if comparison is None else SupplyComparisonType.of(comparison),
            reason=operations.reason,
        )
