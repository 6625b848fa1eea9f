"""GraphQL types of the graph: the services' entities and the gateway's consensus plans.

Plain Strawberry types with explicit fields, built from the contract models with ``of``.
Every field that reaches another entity resolves through the request's DataLoaders.
"""

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from gateway.figures.models import PlanKind
from gateway.graph.arguments import check_page
from gateway.graph.context import Info
from gateway.graph.convert import from_model
from gateway.graph.demand_review import DemandPlanReview, FamilyDemandReview, SegmentCustomers
from gateway.graph.loaders import GroupKey, LineFilter, Window
from gateway.graph.money import (
    OperationsComparison,
    PlanAopGapType,
    PlanKpisType,
    PlanningPenalties,
    PlanValuationType,
    Rccp,
    Tolerance,
    aop_gap_of,
    kpis_of,
    valuation_of,
)
from gateway.graph.scalars import Code, Period
from gateway.plans.models import (
    ConsensusPlanSummary,
    ConsensusStatus,
    EscalationPublic,
)
from gateway.solver.problem import Objective
from gateway.solver.solution import EscalationKind, Severity, ShortageCause
from shared.contracts.demand import (
    DemandPlanPublic,
    FamilyPublic,
    LifecycleStatus,
    PlanStatus,
    SegmentPublic,
    UnmetDemand,
)
from shared.contracts.supply import CapacityMode, ResourcePublic
from shared.errors import ValidationFailed

MAX_LINES_PER_PAGE = 1000  # consensus plan lines per GraphQL page

strawberry.enum(LifecycleStatus, description="Lifecycle of a family: new, active, phasing out.")
strawberry.enum(UnmetDemand, description="Whether a segment's unmet demand is backlogged or lost.")
strawberry.enum(
    PlanStatus, name="DemandPlanStatus", description="A demand plan is a draft or locked."
)
strawberry.enum(ConsensusStatus, description="Recommended by pre-S&OP, approved, or superseded.")
strawberry.enum(Objective, description="What the reconciliation optimises.")
strawberry.enum(EscalationKind, description="What an escalation item is about.")
strawberry.enum(Severity)
strawberry.enum(ShortageCause, description="What keeps a family from its demand.")


@strawberry.type(description="A product family: the planning grain (demand service).")
class Family(FamilyDemandReview):
    code: str
    name: str
    unit: str
    status: LifecycleStatus

    @classmethod
    def of(cls, family: FamilyPublic) -> "Family":
        return from_model(cls, family)

    @strawberry.field(
        description="Lines of a demand plan for this family; default: the latest plan "
        "(the latest locked, else the latest draft)."
    )
    async def demand_plan_lines(
        self, info: Info, plan_id: int | None = None, segment_code: Code | None = None
    ) -> list["DemandPlanLine"] | None:
        loaders = info.context.loaders
        if plan_id is None:
            latest = await loaders.latest_demand_plan.load(None)
            if latest is None:
                return []
            plan_id = latest.id
        elif plan_id < 1:
            raise ValidationFailed("plan ids start at 1", field="planId")
        lines = await loaders.demand_lines.load(GroupKey(self.code, plan_id))
        return [
            from_model(DemandPlanLine, line)
            for line in lines
            if segment_code is None or line.segment_code == segment_code
        ]

    @strawberry.field(description="Net prices per segment and month (finance service).")
    async def prices(
        self,
        info: Info,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
    ) -> list["Price"] | None:
        window = Window(period_from, period_to)
        prices = await info.context.loaders.prices.load(GroupKey(self.code, window))
        return [
            from_model(Price, price)
            for price in prices
            if segment_code is None or price.segment_code == segment_code
        ]

    @strawberry.field(description="Variable cost per unit, by effective month (finance service).")
    async def unit_costs(self, info: Info) -> list["UnitCost"] | None:
        costs = await info.context.loaders.unit_costs.load(GroupKey(self.code, None))
        return [from_model(UnitCost, cost) for cost in costs]

    @strawberry.field(description="Bill of resources: hours per unit on each resource (supply).")
    async def routings(self, info: Info) -> list["Routing"] | None:
        routings = await info.context.loaders.routings_of_family.load(GroupKey(self.code, None))
        return [from_model(Routing, routing) for routing in routings]

    @strawberry.field(description="Stock on hand, safety stock, outsourcing limit (supply).")
    async def inventory_policy(self, info: Info) -> "InventoryPolicy | None":
        policies = await info.context.loaders.inventory_policies.load(GroupKey(self.code, None))
        return from_model(InventoryPolicy, policies[0]) if policies else None


@strawberry.type(description="A customer segment with its service target (demand service).")
class Segment(SegmentCustomers):
    code: str
    name: str
    fill_rate_target: float
    priority: int
    strategic: bool
    unmet_demand: UnmetDemand

    @classmethod
    def of(cls, segment: SegmentPublic) -> "Segment":
        return from_model(cls, segment)


@strawberry.type(description="A plant, line or labour pool with capacity (supply service).")
class Resource:
    code: str
    name: str
    site: str
    capacity_mode: CapacityMode

    @classmethod
    def of(cls, resource: ResourcePublic) -> "Resource":
        return from_model(cls, resource)

    @strawberry.field(description="Regular and overtime hours per month.")
    async def capacity(
        self, info: Info, period_from: Period | None = None, period_to: Period | None = None
    ) -> list["Capacity"] | None:
        rows = await info.context.loaders.capacity.load(
            GroupKey(self.code, Window(period_from, period_to))
        )
        return [from_model(Capacity, row) for row in rows]

    @strawberry.field(description="Families that load this resource, hours per unit.")
    async def routings(self, info: Info) -> list["Routing"] | None:
        routings = await info.context.loaders.routings_of_resource.load(GroupKey(self.code, None))
        return [from_model(Routing, routing) for routing in routings]

    @strawberry.field(
        description="Planned load per month in a consensus plan; default: the latest plan."
    )
    async def planned_load(
        self, info: Info, plan_id: int | None = None
    ) -> list["ConsensusResourceLine"]:
        loaders = info.context.loaders
        if plan_id is None:
            latest = await loaders.latest_consensus_plan.load(None)
            if latest is None:
                return []
            plan_id = latest.id
        lines = await loaders.consensus_resource_lines.load((plan_id, self.code))
        return [from_model(ConsensusResourceLine, line) for line in lines]


@strawberry.type(description="Hours of a resource needed per unit of a family.")
class Routing:
    family_code: str
    resource_code: str
    hours_per_unit: float

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        family = await info.context.loaders.families.get(self.family_code)
        return Family.of(family) if family else None

    @strawberry.field
    async def resource(self, info: Info) -> Resource | None:
        resource = await info.context.loaders.resources.get(self.resource_code)
        return Resource.of(resource) if resource else None


@strawberry.type(description="Hours available on a resource in a month.")
class Capacity:
    resource_code: str
    period: str
    regular_hours: float
    max_overtime_hours: float


@strawberry.type(description="Net price per unit of a family to a segment in a month.")
class Price:
    family_code: str
    segment_code: str
    period: str
    price: float


@strawberry.type(description="Variable cost per unit of a family from a month on.")
class UnitCost:
    family_code: str
    effective_from: str
    variable_cost: float


@strawberry.type(description="Inventory position and policy of a family.")
class InventoryPolicy:
    family_code: str
    initial_on_hand: float
    safety_stock: float
    max_outsourced_per_period: float


@strawberry.type(description="A versioned, unconstrained demand plan (demand service).")
class DemandPlan(DemandPlanReview):
    id: int
    version: int
    name: str
    status: PlanStatus
    horizon_start: str
    horizon_months: int
    note: str
    created_at: dt.datetime
    locked_at: dt.datetime | None

    @classmethod
    def of(cls, plan: DemandPlanPublic) -> "DemandPlan":
        return from_model(cls, plan)

    @strawberry.field(description="The plan's lines, optionally for one family or segment.")
    async def lines(
        self, info: Info, family_code: Code | None = None, segment_code: Code | None = None
    ) -> list["DemandPlanLine"] | None:
        lines = await info.context.loaders.demand_lines.load(GroupKey(family_code, self.id))
        return [
            from_model(DemandPlanLine, line)
            for line in lines
            if segment_code is None or line.segment_code == segment_code
        ]

    @strawberry.field(description="Unconstrained demand in money (finance service).")
    async def valuation(self, info: Info) -> PlanValuationType | None:
        return await valuation_of(info, PlanKind.demand, self.id)

    @strawberry.field(description="Gap of the unconstrained demand to the AOP, explained.")
    async def aop_gap(
        self,
        info: Info,
        tolerance: Tolerance = None,
    ) -> PlanAopGapType | None:
        return await aop_gap_of(info, PlanKind.demand, self.id, tolerance)

    @strawberry.field(description="Margin %, fill rates, the unconstrained load on capacity.")
    async def kpis(
        self,
        info: Info,
        tolerance: Tolerance = None,
    ) -> PlanKpisType | None:
        return await kpis_of(info, PlanKind.demand, self.id, tolerance)

    @strawberry.field(description="Rough-cut capacity: the plan's load on every resource.")
    async def rccp(self, info: Info) -> Rccp | None:
        return Rccp.of(await info.context.loaders.planner.rccp(self.id, field="id"))


@strawberry.type(description="Unconstrained demand of a family in a segment and month.")
class DemandPlanLine:
    family_code: str
    segment_code: str
    period: str
    quantity: float

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        family = await info.context.loaders.families.get(self.family_code)
        return Family.of(family) if family else None

    @strawberry.field
    async def segment(self, info: Info) -> Segment | None:
        segment = await info.context.loaders.segments.get(self.segment_code)
        return Segment.of(segment) if segment else None


@strawberry.type(description="How the solver ran.")
class SolveStats:
    termination: str
    solver: str
    objective_value: float | None
    relative_gap: float | None
    build_seconds: float
    solve_seconds: float
    total_seconds: float
    variables: int
    constraints: int
    solves: int
    options_seconds: float
    option_solves: int
    lp_algorithm: str | None
    notes: list[str]


@strawberry.type(
    description="Money and service of a whole plan: the finance formula over its lines, equal "
    "to its finance valuation to the cent; the model's penalties apart."
)
class PlanTotals:
    revenue: float
    cost_of_goods_sold: float
    regular_labour_cost: float
    overtime_cost: float
    outsourcing_cost: float = strawberry.field(description="The premium over making.")
    holding_cost: float
    hiring_cost: float
    layoff_cost: float
    expansion_cost: float
    total_cost: float
    margin: float
    planning_penalties: PlanningPenalties
    fill_rate: float


@strawberry.type(description="Planned fill rate of a segment against its target.")
class SegmentService:
    segment: str
    demand: float
    sales: float
    fill_rate: float
    target: float
    priority: int | None = strawberry.field(description="As given: 1 = served first.")
    allocation_order: int | None = strawberry.field(
        description="Order short supply is allocated in: 1 = served first (strategic, then "
        "priority)."
    )


@strawberry.type(description="Demand, planned sales and unmet demand of a family in a segment.")
class ConsensusLine:
    family_code: str
    segment_code: str
    period: str
    demand: float
    sales: float
    backlog: float
    lost: float
    revenue: float

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        family = await info.context.loaders.families.get(self.family_code)
        return Family.of(family) if family else None


@strawberry.type(description="Production, outsourcing and ending inventory of a family.")
class ConsensusFamilyLine:
    family_code: str
    period: str
    production: float
    outsourced: float
    inventory: float
    safety_stock_shortfall: float


@strawberry.type(description="Planned load of a resource in a month, and the value of an hour.")
class ConsensusResourceLine:
    resource_code: str
    period: str
    load: float
    regular_capacity: float
    overtime: float
    expansion_hours: float
    utilisation: float
    workers: float | None
    shadow_price: float = strawberry.field(
        description="Margin gained by one more hour of capacity in the month (LP dual)."
    )


@strawberry.type(description="A segment's change in fill rate, in points.")
class SegmentDelta:
    segment: str
    delta: float


@strawberry.type(description="One way to resolve an escalation item, measured by re-solving.")
class EscalationOption:
    lever: str
    description: str
    fill_rate_delta: list[SegmentDelta]
    cost_delta: float
    margin_delta: float
    revenue_delta: float
    inventory_delta: float
    feasible: bool
    resolves: bool | None = strawberry.field(description="Whether the option resolves the item.")
    item_metric: float | None = strawberry.field(
        description="The item's measure with this option: the segment's fill rate, the "
        "resource's peak utilisation, or the units below safety stock."
    )
    changes: JSON = strawberry.field(
        description="What choosing it changes in the plan (the change vocabulary, as JSON)."
    )


@strawberry.type(description="An issue for the executive S&OP: what, where, how much, options.")
class Escalation:
    id: int
    kind: EscalationKind
    severity: Severity
    title: str
    detail: str
    family_code: str | None
    segment_code: str | None
    resource_code: str | None
    families: list[str] = strawberry.field(description="Every family concerned.")
    periods: list[str]
    amount: float
    unit: str
    options: list[EscalationOption]
    recommended_option: int | None
    recommendation: str | None

    @classmethod
    def of(cls, item: EscalationPublic) -> "Escalation":
        options = [
            from_model(
                EscalationOption,
                option,
                fill_rate_delta=[
                    SegmentDelta(segment=segment, delta=delta)
                    for segment, delta in option.fill_rate_delta.items()
                ],
                changes=[change.model_dump(mode="json") for change in option.changes],
            )
            for option in item.options
        ]
        return from_model(cls, item, options=options)


@strawberry.type(description="A resource whose capacity limits the plan, valued in money.")
class Bottleneck:
    resource: str
    periods: list[str] = strawberry.field(description="Months where one more hour adds margin.")
    shadow_price_max: float
    shadow_price_mean: float
    value_of_more_capacity: float = strawberry.field(
        description="Margin of 10% more regular hours in the binding months (the ranking key)."
    )
    peak_utilisation: float


@strawberry.type(description="Why a family does not reach a segment's demand on time.")
class Shortage:
    family: str
    segment: str
    periods: list[str]
    units: float
    cause: ShortageCause
    resource: str | None
    resource_periods: list[str]
    detail: str


@strawberry.type(description="A reconciled consensus plan (gateway), versioned.")
class ConsensusPlan:
    id: int
    version: int
    created_at: dt.datetime
    status: ConsensusStatus
    demand_plan_id: int
    demand_plan_version: int
    demand_plan_name: str
    objective: Objective
    horizon_start: str
    periods: list[str]
    stats: SolveStats
    totals: PlanTotals
    segments: list[SegmentService]
    escalation_count: int

    @classmethod
    def of(cls, plan: ConsensusPlanSummary) -> "ConsensusPlan":
        return from_model(
            cls,
            plan,
            stats=from_model(SolveStats, plan.stats),
            totals=from_model(
                PlanTotals,
                plan.totals,
                planning_penalties=from_model(PlanningPenalties, plan.totals.planning_penalties),
            ),
            segments=[from_model(SegmentService, segment) for segment in plan.segments],
        )

    @strawberry.field(description="The demand plan this plan reconciled (demand service).")
    async def demand_plan(self, info: Info) -> DemandPlan | None:
        plan = await info.context.loaders.demand_plans.get(self.demand_plan_id)
        return DemandPlan.of(plan) if plan else None

    @strawberry.field(
        description="Lines per family, segment and month, optionally filtered, one page at a"
        f" time in family, segment, month order (at most {MAX_LINES_PER_PAGE:,} a page)."
    )
    async def lines(
        self,
        info: Info,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
        limit: int = MAX_LINES_PER_PAGE,
        offset: int = 0,
    ) -> list[ConsensusLine]:
        check_page(limit=limit, offset=offset, most=MAX_LINES_PER_PAGE)
        line_filter = LineFilter(
            family_code, segment_code, period_from, period_to, offset=offset, limit=limit
        )
        lines = await info.context.loaders.consensus_lines.load((self.id, line_filter))
        return [from_model(ConsensusLine, line) for line in lines]

    @strawberry.field(description="Production, outsourcing and inventory per family and month.")
    async def families(
        self, info: Info, family_code: Code | None = None
    ) -> list[ConsensusFamilyLine]:
        lines = await info.context.loaders.consensus_family_lines.load((self.id, family_code))
        return [from_model(ConsensusFamilyLine, line) for line in lines]

    @strawberry.field(description="Load, capacity, overtime and hour value per resource, month.")
    async def resources(
        self, info: Info, resource_code: Code | None = None
    ) -> list[ConsensusResourceLine]:
        lines = await info.context.loaders.consensus_resource_lines.load((self.id, resource_code))
        return [from_model(ConsensusResourceLine, line) for line in lines]

    @strawberry.field(
        description="Operations' proposal compared with this plan by the reconcile that made "
        "it (the comparison of supplyPlan.comparison); null comparison and the reason when "
        "there was none."
    )
    async def operations_comparison(self, info: Info) -> OperationsComparison:
        found = await info.context.loaders.operations_comparisons.load(self.id)
        return OperationsComparison.of(found)

    @strawberry.field(description="Resources that limit the plan, the most valuable first.")
    async def bottlenecks(self, info: Info) -> list[Bottleneck]:
        explanation = await info.context.loaders.explanations.load(self.id)
        bottlenecks = explanation.bottlenecks if explanation else []
        return [from_model(Bottleneck, bottleneck) for bottleneck in bottlenecks]

    @strawberry.field(description="Families short of a segment's demand and why, largest first.")
    async def shortages(
        self, info: Info, family_code: Code | None = None, segment_code: Code | None = None
    ) -> list[Shortage]:
        explanation = await info.context.loaders.explanations.load(self.id)
        return [
            from_model(Shortage, shortage)
            for shortage in (explanation.shortages if explanation else [])
            if (family_code is None or shortage.family == family_code)
            and (segment_code is None or shortage.segment == segment_code)
        ]

    @strawberry.field(description="The plan in money (finance service).")
    async def valuation(self, info: Info) -> PlanValuationType | None:
        return await valuation_of(info, PlanKind.consensus, self.id)

    @strawberry.field(
        description="Gap to the AOP per month, explained by price, volume, mix, cost."
    )
    async def aop_gap(
        self,
        info: Info,
        tolerance: Tolerance = None,
    ) -> PlanAopGapType | None:
        return await aop_gap_of(info, PlanKind.consensus, self.id, tolerance)

    @strawberry.field(description="Inventory turns, utilisation, fill rates, margin %, AOP gap.")
    async def kpis(
        self,
        info: Info,
        tolerance: Tolerance = None,
    ) -> PlanKpisType | None:
        return await kpis_of(info, PlanKind.consensus, self.id, tolerance)

    @strawberry.field(description="Escalation items with their options and recommendation.")
    async def escalations(
        self, info: Info, kind: EscalationKind | None = None, severity: Severity | None = None
    ) -> list[Escalation]:
        items = await info.context.loaders.escalations.load(self.id)
        return [
            Escalation.of(item)
            for item in items
            if (kind is None or item.kind == kind)
            and (severity is None or item.severity == severity)
        ]
