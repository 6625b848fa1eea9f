"""From the services' data to the reconciliation model's ``PlanningProblem``.

Called only on data ``find_gaps`` accepted, so every planned family has a price where it
has demand, a unit cost from the horizon's start and a routing, and every routed resource
has capacity (or, when workforce-driven, a workforce) in every month. Missing optional data
means "none": no lever cost is a zero cost, no inventory policy is no stock, no safety stock
and no outsourcing.

Workforce-driven resources: the crew of the horizon's first month is the initial workforce,
hours and overtime per worker come from each month's workforce row, the wage per hour is the
resource's ``regular_hour`` lever cost. With a ``hire_worker`` or ``layoff_worker`` cost the
workforce is a decision of the model; without either, changing it has no price, so it stays
as supply planned it (each month's workers are both its minimum and its maximum).

Expansion steps: supply's steps of the routed resources, each at its fixed cost as finance
keeps it (the ``expansion_step`` lever cost of its code: the one source of that money, the
valuation prices the step there too); ``find_gaps`` refuses a step without one.

Safety stock: the policy's units (``direct``), or per month as the supply service computed it
from the plan's demand (periods of cover, service level).
"""

from collections.abc import Mapping

from gateway.solver.problem import (
    ExpansionInput,
    FamilyInput,
    Objective,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
    UnmetDemand,
    WorkforceInput,
)
from shared.contracts.finance import Lever

from .gather import PlanningData


def build_problem(
    data: PlanningData,
    *,
    objective: Objective,
    time_limit_seconds: float,
    utilisation_threshold: float,
    executive_lever_threshold: float,
    fixed_production: Mapping[str, list[float | None]] | None = None,
) -> PlanningProblem:
    """The problem of ``data``; ``fixed_production`` holds families' production in the months
    of the time fence (``gateway.reconcile.fence``)."""
    periods = data.periods
    fixed = fixed_production or {}
    return PlanningProblem(
        periods=periods,
        families=[_family(data, code, fixed.get(code)) for code in data.planned_families],
        segments=[_segment(data, code) for code in data.planned_segments],
        demand=[
            SegmentDemand(
                family=family,
                segment=segment,
                quantity=[by_period.get(period, 0.0) for period in periods],
                price=[data.price_of.get((family, segment, period), 0.0) for period in periods],
            )
            for (family, segment), by_period in sorted(data.demand.items())
        ],
        resources=[_resource(data, code, utilisation_threshold) for code in data.routed_resources],
        routings=[
            RoutingInput(
                family=routing.family_code,
                resource=routing.resource_code,
                hours_per_unit=routing.hours_per_unit,
                lead_time_offset=routing.lead_time_offset,
            )
            for family in data.planned_families
            for routing in sorted(data.routings_of.get(family, []), key=lambda r: r.resource_code)
        ],
        expansions=[
            ExpansionInput(
                code=step.code,
                resource=step.resource_code,
                extra_hours=step.extra_hours,
                fixed_cost=data.lever_cost[Lever.expansion_step][step.code],
                lead_time_periods=step.lead_time_periods,
            )
            for step in data.routed_expansion_steps
        ],
        options=SolveOptions(
            objective=objective,
            time_limit_seconds=time_limit_seconds,
            executive_lever_threshold=executive_lever_threshold,
        ),
    )


def _family(data: PlanningData, code: str, fixed: list[float | None] | None) -> FamilyInput:
    policy = data.policy_of.get(code)
    variable_cost = [data.unit_cost(code, period) or 0.0 for period in data.periods]
    holding_cost = data.lever_cost[Lever.holding_unit_period].get(code, 0.0)
    return FamilyInput(
        code=code,
        variable_cost=variable_cost,
        holding_cost=holding_cost,
        initial_inventory=data.opening_stock(code),
        safety_stock=_safety_stock(data, code),
        # A unit below safety stock costs more than making it: otherwise the plan drains the
        # buffer in the last months merely because the horizon ends there.
        safety_stock_penalty=[cost + 2 * holding_cost + 1 for cost in variable_cost],
        outsource_cost=data.lever_cost[Lever.outsourcing_unit].get(code, 0.0),
        outsource_limit=policy.max_outsourced_per_period if policy else 0.0,
        fixed_production=fixed,
    )


def _safety_stock(data: PlanningData, code: str) -> float | list[float]:
    computed = data.computed_safety_stock.get(code)
    if computed is not None:
        return computed
    policy = data.policy_of.get(code)
    return policy.safety_stock if policy else 0.0


def _segment(data: PlanningData, code: str) -> SegmentInput:
    segment = data.segment_of[code]
    return SegmentInput(
        code=code,
        priority=segment.priority,
        strategic=segment.strategic,
        fill_rate_target=segment.fill_rate_target,
        unmet=UnmetDemand(segment.unmet_demand.value),
        backlog_cost=data.lever_cost[Lever.backlog_unit_period].get(code, 0.0),
        lost_sale_penalty=data.lever_cost[Lever.lost_sale_unit].get(code, 0.0),
    )


def _resource(data: PlanningData, code: str, utilisation_threshold: float) -> ResourceInput:
    regular_hour_cost = data.lever_cost[Lever.regular_hour].get(code, 0.0)
    overtime_hour_cost = data.lever_cost[Lever.overtime_hour].get(code, 0.0)
    if code in data.workforce_resources:
        return ResourceInput(
            code=code,
            overtime_hour_cost=overtime_hour_cost,
            workforce=_workforce(data, code, wage_per_hour=regular_hour_cost),
            utilisation_threshold=utilisation_threshold,
        )
    rows = data.capacity_of[code]
    return ResourceInput(
        code=code,
        regular_hours=[rows[period].regular_hours for period in data.periods],
        max_overtime_hours=[rows[period].max_overtime_hours for period in data.periods],
        regular_hour_cost=regular_hour_cost,
        overtime_hour_cost=overtime_hour_cost,
        utilisation_threshold=utilisation_threshold,
    )


def _workforce(data: PlanningData, code: str, *, wage_per_hour: float) -> WorkforceInput:
    crews = [data.workforce_of[code][period] for period in data.periods]
    hire_cost = data.lever_cost[Lever.hire_worker].get(code)
    layoff_cost = data.lever_cost[Lever.layoff_worker].get(code)
    planned = [crew.workers for crew in crews]
    # Without a price on changing it, the workforce is supply's plan, not a free decision.
    pinned = hire_cost is None and layoff_cost is None
    return WorkforceInput(
        initial_workers=crews[0].workers,
        hours_per_worker=[crew.hours_per_worker for crew in crews],
        overtime_hours_per_worker=[crew.overtime_hours_per_worker for crew in crews],
        wage_per_hour=wage_per_hour,
        hire_cost=hire_cost or 0.0,
        layoff_cost=layoff_cost or 0.0,
        min_workers=planned if pinned else None,
        max_workers=planned if pinned else None,
    )
