"""DataLoaders: every read a GraphQL request makes, batched.

Built fresh for each request (``Loaders.build``), so batching and caching never leak from
one request, or one caller, to another. Upstream reads are list calls: a ``Catalog`` reads a
whole list endpoint once; a ``grouped`` loader answers "the items of these N codes" with ONE
list call per distinct scope (a period window, a plan), filtered by the code when the batch
asks for a single one and grouped here otherwise. So the number of upstream calls of a query
does not grow with the number of rows it returns. Reads of the gateway's own database are
batched the same way, one query per loader and tick, in a worker thread.

Rows that can never change are the exception, kept process-wide: the lines of a locked
demand plan (by plan id and version; any role may read them), and a stored consensus plan's
lines and escalation items (by plan id, ``gateway.plans.service``).
"""

from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from gateway.figures.planner import Planner
from gateway.graph.loaders.batching import Catalog, GroupKey, Window, grouped
from gateway.graph.loaders.cycle import CycleLoaders
from gateway.graph.loaders.plans import LineFilter, PlanCode, PlanLoaders
from gateway.graph.loaders.review import ReviewLoaders
from gateway.plans.models import (
    ConsensusFamilyLinePublic,
    ConsensusLinePublic,
    ConsensusPlanSummary,
    ConsensusResourceLinePublic,
    EscalationPublic,
    OperationsComparison,
)
from gateway.plans.service import ImmutableRows
from gateway.solver.solution import Explanation
from gateway.state import GatewayState
from shared.contracts.demand import (
    DemandPlanLinePublic,
    DemandPlanPublic,
    FamilyPublic,
    PlanCellFilters,
    PlanStatus,
    SegmentPublic,
)
from shared.contracts.finance import PricePublic, UnitCostPublic
from shared.contracts.supply import (
    CapacityPublic,
    InventoryPolicyPublic,
    ResourcePublic,
    RoutingPublic,
    SupplyPlanPublic,
)
from shared.db import run_in_session

__all__ = ["Catalog", "GroupKey", "LineFilter", "Loaders", "Window", "grouped"]

# Lines of locked demand plans by (plan id, version), per demand client (one per app).
LOCKED_DEMAND_LINES: ImmutableRows[tuple[int, int], list[DemandPlanLinePublic]] = ImmutableRows(
    maxsize=8
)


@dataclass
class Loaders:
    # upstream services
    families: Catalog[str, FamilyPublic]
    segments: Catalog[str, SegmentPublic]
    resources: Catalog[str, ResourcePublic]
    demand_plans: Catalog[int, DemandPlanPublic]
    latest_demand_plan: DataLoader[None, DemandPlanPublic | None]
    demand_lines: DataLoader[GroupKey[int], list[DemandPlanLinePublic]]  # family, plan id
    prices: DataLoader[GroupKey[Window], list[PricePublic]]  # family
    unit_costs: DataLoader[GroupKey[None], list[UnitCostPublic]]  # family
    inventory_policies: DataLoader[GroupKey[None], list[InventoryPolicyPublic]]  # family
    routings_of_family: DataLoader[GroupKey[None], list[RoutingPublic]]
    routings_of_resource: DataLoader[GroupKey[None], list[RoutingPublic]]
    capacity: DataLoader[GroupKey[Window], list[CapacityPublic]]  # resource
    # the gateway's database
    consensus_plans: DataLoader[int, ConsensusPlanSummary | None]
    latest_consensus_plan: DataLoader[None, ConsensusPlanSummary | None]
    consensus_lines: DataLoader[tuple[int, LineFilter], list[ConsensusLinePublic]]
    consensus_family_lines: DataLoader[PlanCode, list[ConsensusFamilyLinePublic]]
    consensus_resource_lines: DataLoader[PlanCode, list[ConsensusResourceLinePublic]]
    escalations: DataLoader[int, list[EscalationPublic]]
    explanations: DataLoader[int, Explanation | None]
    operations_comparisons: DataLoader[int, OperationsComparison]
    # supply review and finance: supply plans, and every plan's figures computed once
    supply_plans: Catalog[int, SupplyPlanPublic]
    planner: Planner
    # the demand review's reads and the cycle's own rows
    review: ReviewLoaders
    cycle: CycleLoaders

    @classmethod
    def build(cls, state: GatewayState) -> "Loaders":
        demand, supply, finance = (
            state.upstreams.demand,
            state.upstreams.supply,
            state.upstreams.finance,
        )

        # Whole-list reads go through the planner, so the planning fields share them.
        planner = Planner(upstreams=state.upstreams, engine=state.engine)

        async def latest_demand_plan(keys: list[None]) -> list[DemandPlanPublic | None]:
            plan = await planner.latest_demand_plan()
            return [plan for _ in keys]

        async def demand_lines(family: str | None, plan_id: int) -> list[DemandPlanLinePublic]:
            latest = await planner.latest_demand_plan()
            if latest is not None and latest.id == plan_id and latest.status == PlanStatus.locked:
                # A locked plan never changes: its lines are read once per version.
                key = (plan_id, latest.version)
                lines = LOCKED_DEMAND_LINES.get(demand, key)
                if lines is None:
                    lines = LOCKED_DEMAND_LINES.put(
                        demand, key, await planner.demand_lines(plan_id)
                    )
                return [x for x in lines if family is None or x.family_code == family]
            if family is None:
                return await planner.demand_lines(plan_id)
            return await demand.demand_plan_lines(
                plan_id=plan_id, filters=PlanCellFilters(family_code=family)
            )

        database = PlanLoaders(state.engine)
        return cls(
            families=Catalog(fetch=demand.families, key_of=lambda family: family.code),
            segments=Catalog(fetch=planner.segments, key_of=lambda segment: segment.code),
            resources=Catalog(fetch=supply.resources, key_of=lambda resource: resource.code),
            demand_plans=Catalog(fetch=demand.demand_plans, key_of=lambda plan: plan.id),
            latest_demand_plan=DataLoader(load_fn=latest_demand_plan),
            demand_lines=grouped(fetch=demand_lines, code_of=lambda line: line.family_code),
            prices=grouped(
                fetch=lambda family, window: finance.prices(
                    family_code=family, period_from=window.period_from, period_to=window.period_to
                ),
                code_of=lambda price: price.family_code,
            ),
            unit_costs=grouped(
                fetch=lambda family, _: finance.unit_costs(family_code=family),
                code_of=lambda cost: cost.family_code,
            ),
            inventory_policies=grouped(
                fetch=lambda family, _: (
                    planner.inventory_policies()
                    if family is None
                    else supply.inventory_policies(family_code=family)
                ),
                code_of=lambda policy: policy.family_code,
            ),
            routings_of_family=grouped(
                fetch=lambda family, _: (
                    planner.routings() if family is None else supply.routings(family_code=family)
                ),
                code_of=lambda routing: routing.family_code,
            ),
            routings_of_resource=grouped(
                fetch=lambda resource, _: (
                    planner.routings()
                    if resource is None
                    else supply.routings(resource_code=resource)
                ),
                code_of=lambda routing: routing.resource_code,
            ),
            capacity=grouped(
                fetch=lambda resource, window: supply.capacity(
                    resource_code=resource,
                    period_from=window.period_from,
                    period_to=window.period_to,
                ),
                code_of=lambda row: row.resource_code,
            ),
            consensus_plans=DataLoader(load_fn=database.plans),
            latest_consensus_plan=DataLoader(load_fn=database.latest_plan),
            consensus_lines=DataLoader(load_fn=database.lines),
            consensus_family_lines=DataLoader(load_fn=database.family_lines),
            consensus_resource_lines=DataLoader(load_fn=database.resource_lines),
            escalations=DataLoader(load_fn=database.escalations),
            explanations=DataLoader(load_fn=database.explanations),
            operations_comparisons=DataLoader(load_fn=database.operations_comparisons),
            supply_plans=Catalog(fetch=supply.supply_plans, key_of=lambda plan: plan.id),
            planner=planner,
            review=ReviewLoaders.build(demand),
            cycle=CycleLoaders.build(lambda work: run_in_session(state.engine, work)),
        )
