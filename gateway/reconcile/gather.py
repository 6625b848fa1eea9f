"""Gathering the inputs of a reconciliation from the three services, concurrently."""

import asyncio
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from gateway.clients import Upstreams
from gateway.clients.demand import no_demand_plan
from gateway.reconcile.bias import BiasFlagsRead, read_bias_flags
from shared.contracts.demand import (
    DemandPlanLinePublic,
    DemandPlanPublic,
    FamilyPublic,
    SegmentPublic,
)
from shared.contracts.finance import Lever, LeverCostPublic, PricePublic, UnitCostPublic
from shared.contracts.supply import (
    CapacityMode,
    CapacityPublic,
    DemandLineIn,
    ExpansionStepPublic,
    InventoryPolicyPublic,
    ProductionActualFilters,
    ProductionActualPublic,
    ResourcePublic,
    RoutingPublic,
    SafetyStockMethod,
    WorkforcePublic,
)
from shared.errors import ValidationFailed
from shared.money import UnitCostSchedule
from shared.periods import add_months, horizon, horizon_start_problem


@dataclass
class PlanningData:
    """Everything a reconciliation reads, as the services answered it, with lookups."""

    plan: DemandPlanPublic
    lines: list[DemandPlanLinePublic]
    families: list[FamilyPublic]
    segments: list[SegmentPublic]
    resources: list[ResourcePublic]
    capacity: list[CapacityPublic]
    routings: list[RoutingPublic]
    policies: list[InventoryPolicyPublic]
    prices: list[PricePublic]
    unit_costs: list[UnitCostPublic]
    lever_costs: list[LeverCostPublic]
    workforce: list[WorkforcePublic] = field(default_factory=list)
    expansion_steps: list[ExpansionStepPublic] = field(default_factory=list)
    # Safety stock per month of the families whose policy computes it (not ``direct``), in
    # horizon order, as the supply service computed it for this demand plan.
    computed_safety_stock: dict[str, list[float]] = field(default_factory=dict)
    # Persistent forecast bias the demand service flags: escalation inputs, never a failure.
    bias_flags: BiasFlagsRead = field(default_factory=BiasFlagsRead)
    # The production actuals of the month before the horizon: its actual ending inventory.
    closing_actuals: list[ProductionActualPublic] = field(default_factory=list)

    @cached_property
    def periods(self) -> list[str]:
        return horizon(self.plan.horizon_start, self.plan.horizon_months)

    @cached_property
    def family_codes(self) -> set[str]:
        return {family.code for family in self.families}

    @cached_property
    def segment_codes(self) -> set[str]:
        return set(self.segment_of)

    @cached_property
    def segment_of(self) -> dict[str, SegmentPublic]:
        return {segment.code: segment for segment in self.segments}

    @cached_property
    def resource_codes(self) -> set[str]:
        return {resource.code for resource in self.resources}

    @cached_property
    def planned_families(self) -> list[str]:
        """Families of the demand plan known to the demand service, in code order."""
        return sorted({line.family_code for line in self.lines} & self.family_codes)

    @cached_property
    def planned_segments(self) -> list[str]:
        return sorted({line.segment_code for line in self.lines} & self.segment_codes)

    @cached_property
    def demand(self) -> dict[tuple[str, str], dict[str, float]]:
        """Planned units per (family, segment), by period, for periods in the horizon."""
        in_horizon = set(self.periods)
        quantities: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for line in self.lines:
            if line.period in in_horizon:
                quantities[(line.family_code, line.segment_code)][line.period] = line.quantity
        return dict(quantities)

    @cached_property
    def price_of(self) -> dict[tuple[str, str, str], float]:
        return {(p.family_code, p.segment_code, p.period): p.price for p in self.prices}

    @cached_property
    def routings_of(self) -> dict[str, list[RoutingPublic]]:
        """Routings of each family onto resources the supply service knows."""
        by_family: dict[str, list[RoutingPublic]] = defaultdict(list)
        for routing in self.routings:
            if routing.resource_code in self.resource_codes:
                by_family[routing.family_code].append(routing)
        return dict(by_family)

    @cached_property
    def routed_resources(self) -> list[str]:
        """Resources the planned families load, in code order."""
        return sorted(
            {
                routing.resource_code
                for family in self.planned_families
                for routing in self.routings_of.get(family, [])
            }
        )

    @cached_property
    def routed_expansion_steps(self) -> list[ExpansionStepPublic]:
        """Expansion steps of the resources the planned families load, in code order."""
        routed = set(self.routed_resources)
        return sorted(
            (step for step in self.expansion_steps if step.resource_code in routed),
            key=lambda step: step.code,
        )

    @cached_property
    def capacity_of(self) -> dict[str, dict[str, CapacityPublic]]:
        by_resource: dict[str, dict[str, CapacityPublic]] = defaultdict(dict)
        for row in self.capacity:
            by_resource[row.resource_code][row.period] = row
        return dict(by_resource)

    @cached_property
    def workforce_resources(self) -> set[str]:
        """Resources whose capacity is driven by their workforce, not the capacity table."""
        return {r.code for r in self.resources if r.capacity_mode == CapacityMode.workforce}

    @cached_property
    def workforce_of(self) -> dict[str, dict[str, WorkforcePublic]]:
        by_resource: dict[str, dict[str, WorkforcePublic]] = defaultdict(dict)
        for row in self.workforce:
            by_resource[row.resource_code][row.period] = row
        return dict(by_resource)

    @cached_property
    def families_with_computed_safety_stock(self) -> list[str]:
        """Planned families whose policy computes safety stock from the forecast."""
        return [
            family
            for family in self.planned_families
            if (policy := self.policy_of.get(family)) is not None
            and policy.safety_stock_method != SafetyStockMethod.direct
        ]

    def units_by_family(self, families: list[str]) -> list[DemandLineIn]:
        """The plan's units of ``families`` per month of the horizon, summed over segments
        (every month, zero included)."""
        totals: dict[tuple[str, str], float] = defaultdict(float)
        for (family, _), by_period in self.demand.items():
            for period, quantity in by_period.items():
                totals[(family, period)] += quantity
        return [
            DemandLineIn(family_code=family, period=period, quantity=totals[(family, period)])
            for family in families
            for period in self.periods
        ]

    def opening_stock(self, family: str) -> float:
        """A family's stock at the start of the horizon: the actual ending inventory of the
        month before it when loaded (the plan rolls on from what happened), else its
        policy's initial on hand, else none."""
        for actual in self.closing_actuals:
            if actual.family_code == family:
                return actual.ending_inventory
        policy = self.policy_of.get(family)
        return policy.initial_on_hand if policy else 0.0

    @cached_property
    def policy_of(self) -> dict[str, InventoryPolicyPublic]:
        return {policy.family_code: policy for policy in self.policies}

    @cached_property
    def lever_cost(self) -> dict[Lever, dict[str, float]]:
        costs: dict[Lever, dict[str, float]] = {lever: {} for lever in Lever}
        for row in self.lever_costs:
            costs[row.lever][row.code] = row.cost
        return costs

    @cached_property
    def unit_costs_of(self) -> dict[str, list[UnitCostPublic]]:
        """Unit-cost entries of each family, by effective month."""
        by_family: dict[str, list[UnitCostPublic]] = defaultdict(list)
        for row in sorted(self.unit_costs, key=lambda row: row.effective_from):
            by_family[row.family_code].append(row)
        return dict(by_family)

    @cached_property
    def unit_cost_schedule(self) -> UnitCostSchedule:
        """The finance service's rule: a period's cost is the latest entry not after it."""
        return UnitCostSchedule(
            (row.family_code, row.effective_from, row.variable_cost) for row in self.unit_costs
        )

    def unit_cost(self, family: str, period: str) -> float | None:
        return self.unit_cost_schedule.cost_as_of(family, period)


async def gather_planning_data(
    upstreams: Upstreams, *, demand_plan_id: int | None, location: str = "body"
) -> PlanningData:
    """The demand plan first (its horizon bounds the other reads: a 422 when it starts out
    of the sane window of ``shared.periods.horizon_start_problem``), then the rest at once,
    then the safety stocks computed from the plan's demand (one call, only when a policy
    computes them).

    The fourteen reads run concurrently in a task group: when one fails, the others are
    cancelled rather than left running, and the first failure is raised as it is (the bias
    flags' read never fails: it answers no flags and a note).
    """
    plan = await resolve_demand_plan(
        upstreams, demand_plan_id=demand_plan_id, field=f"{location}.demand_plan_id"
    )
    check_plan_horizon(plan)
    periods = horizon(plan.horizon_start, plan.horizon_months)
    first, last = periods[0], periods[-1]
    demand, supply, finance = upstreams.demand, upstreams.supply, upstreams.finance
    try:
        async with asyncio.TaskGroup() as group:
            lines = group.create_task(demand.demand_plan_lines(plan_id=plan.id))
            families = group.create_task(demand.families())
            segments = group.create_task(demand.segments())
            resources = group.create_task(supply.resources())
            capacity = group.create_task(supply.capacity(period_from=first, period_to=last))
            workforce = group.create_task(supply.workforce(period_from=first, period_to=last))
            expansion_steps = group.create_task(supply.expansion_steps())
            routings = group.create_task(supply.routings())
            policies = group.create_task(supply.inventory_policies())
            prices = group.create_task(finance.prices(period_from=first, period_to=last))
            unit_costs = group.create_task(finance.unit_costs())
            lever_costs = group.create_task(finance.lever_costs())
            bias_flags = group.create_task(read_bias_flags(demand))
            closing = add_months(first, -1)
            closing_actuals = group.create_task(
                supply.production_actuals(
                    ProductionActualFilters(period_from=closing, period_to=closing)
                )
            )
    except ExceptionGroup as failures:
        raise _first_of(failures) from None
    data = PlanningData(
        plan=plan,
        lines=lines.result(),
        families=families.result(),
        segments=segments.result(),
        resources=resources.result(),
        capacity=capacity.result(),
        routings=routings.result(),
        policies=policies.result(),
        prices=prices.result(),
        unit_costs=unit_costs.result(),
        lever_costs=lever_costs.result(),
        workforce=workforce.result(),
        expansion_steps=expansion_steps.result(),
        bias_flags=bias_flags.result(),
        closing_actuals=closing_actuals.result(),
    )
    data.computed_safety_stock = await _computed_safety_stock(upstreams, data)
    return data


async def _computed_safety_stock(
    upstreams: Upstreams, data: PlanningData
) -> dict[str, list[float]]:
    """Safety stock per family and month, for the families whose policy computes it."""
    families = data.families_with_computed_safety_stock
    if not families:
        return {}
    answer = await upstreams.supply.safety_stock(lines=data.units_by_family(families))
    stocks: dict[str, list[float]] = {}
    for result in answer.families:
        by_period = {row.period: row.quantity for row in result.by_period}
        stocks[result.family_code] = [by_period.get(period, 0.0) for period in data.periods]
    return stocks


def _first_of(failures: ExceptionGroup[Exception]) -> Exception:
    """The first failure of a task group, so a refusal (401, 404, 502) stays itself."""
    failure: Exception = failures.exceptions[0]
    while isinstance(failure, ExceptionGroup):
        failure = failure.exceptions[0]
    return failure


def check_plan_horizon(plan: DemandPlanPublic) -> None:
    """A 422 naming the plan's horizon start when it is out of the sane window (a plan
    stored before the demand service refused such starts): never a 502 further on."""
    problem = horizon_start_problem(start=plan.horizon_start, today=dt.date.today())
    if problem is not None:
        raise ValidationFailed(
            f"demand plan '{plan.name}' (version {plan.version}) cannot be reconciled: {problem}",
            field=f"demand.demand_plans.{plan.id}.horizon_start",
        )


async def resolve_demand_plan(
    upstreams: Upstreams, *, demand_plan_id: int | None, field: str
) -> DemandPlanPublic:
    """The demand plan named (a 422 on ``field``, the request's name for the id, when the
    demand service does not know it), else the latest locked plan, else the latest draft."""
    if demand_plan_id is not None:
        plan = await upstreams.demand.demand_plan(plan_id=demand_plan_id)
        if plan is None:
            raise ValidationFailed(
                f"the demand service has no demand plan with id {demand_plan_id}",
                field=field,
            )
        return plan
    latest = await upstreams.demand.latest_demand_plan()
    if latest is None:
        raise no_demand_plan()
    return latest
