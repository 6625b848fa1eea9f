"""Data-gathering checks across services: every gap that keeps the data from a plan.

Each service checks its own references; only the gateway sees all three, so only it can
tell that a family has no price, that a routing names a family the demand service does not
know, or that a routed resource has no capacity in a month of the horizon. All gaps are
collected and reported together (one 422), so a planner fixes the data in one pass.
"""

from collections.abc import Iterable, Sequence

from shared.contracts.finance import Lever
from shared.errors import FieldError

from .gather import PlanningData

RESOURCE_LEVERS = (Lever.regular_hour, Lever.overtime_hour, Lever.hire_worker, Lever.layoff_worker)
FAMILY_LEVERS = (Lever.outsourcing_unit, Lever.holding_unit_period)
SEGMENT_LEVERS = (Lever.backlog_unit_period, Lever.lost_sale_unit)


def find_gaps(data: PlanningData) -> list[FieldError]:
    """Every gap, in a stable order: demand plan, unknown codes, prices, costs, supply."""
    gaps = [
        *_demand_plan_gaps(data),
        *_unknown_codes(data),
        *_price_gaps(data),
        *_cost_gaps(data),
        *_supply_gaps(data),
    ]
    # One entry per field and reason, however many rows repeat it.
    return list({(gap.field, gap.reason): gap for gap in gaps}.values())


def describe_periods(periods: Iterable[str], horizon: Sequence[str]) -> str:
    """Months as runs in horizon order: ``2026-01..2026-03, 2026-07``."""
    wanted = set(periods)
    runs: list[list[str]] = []
    previous_taken = False
    for period in horizon:
        taken = period in wanted
        if taken and previous_taken:
            runs[-1].append(period)
        elif taken:
            runs.append([period])
        previous_taken = taken
    outside = sorted(wanted - set(horizon))
    described = [run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}" for run in runs]
    return ", ".join(described + outside)


def _demand_plan_gaps(data: PlanningData) -> Iterable[FieldError]:
    plan = data.plan
    where = f"demand.demand_plans.{plan.id}"
    if not data.lines:
        yield FieldError(
            field=f"{where}.lines",
            reason=f"demand plan '{plan.name}' (version {plan.version}) has no lines",
        )
    outside: dict[tuple[str, str], set[str]] = {}
    in_horizon = set(data.periods)
    for line in data.lines:
        if line.family_code not in data.family_codes:
            yield FieldError(
                field=f"{where}.lines.{line.family_code}",
                reason=f"unknown family code '{line.family_code}'",
            )
        if line.segment_code not in data.segment_codes:
            yield FieldError(
                field=f"{where}.lines.{line.family_code}.{line.segment_code}",
                reason=f"unknown segment code '{line.segment_code}'",
            )
        if line.period not in in_horizon:
            outside.setdefault((line.family_code, line.segment_code), set()).add(line.period)
    horizon_text = f"{data.periods[0]}..{data.periods[-1]}"
    for (family, segment), periods in sorted(outside.items()):
        yield FieldError(
            field=f"{where}.lines.{family}.{segment}",
            reason=f"lines outside the plan's horizon {horizon_text}: {', '.join(sorted(periods))}",
        )


def _unknown(code: str, label: str, service: str) -> str:
    return f"unknown {label} code '{code}': not a {label} of the {service} service"


def _unknown_codes(data: PlanningData) -> Iterable[FieldError]:
    """Codes one service uses that the service owning them does not know."""
    families, segments, resources = data.family_codes, data.segment_codes, data.resource_codes
    for routing in data.routings:
        field = f"supply.routings.{routing.family_code}.{routing.resource_code}"
        if routing.family_code not in families:
            yield FieldError(field=field, reason=_unknown(routing.family_code, "family", "demand"))
        if routing.resource_code not in resources:
            yield FieldError(
                field=field, reason=_unknown(routing.resource_code, "resource", "supply")
            )
    for row in data.capacity:
        if row.resource_code not in resources:
            yield FieldError(
                field=f"supply.capacity.{row.resource_code}",
                reason=_unknown(row.resource_code, "resource", "supply"),
            )
    for policy in data.policies:
        if policy.family_code not in families:
            yield FieldError(
                field=f"supply.inventory_policies.{policy.family_code}",
                reason=_unknown(policy.family_code, "family", "demand"),
            )
    for price in data.prices:
        field = f"finance.prices.{price.family_code}.{price.segment_code}"
        if price.family_code not in families:
            yield FieldError(field=field, reason=_unknown(price.family_code, "family", "demand"))
        if price.segment_code not in segments:
            yield FieldError(field=field, reason=_unknown(price.segment_code, "segment", "demand"))
    for cost in data.unit_costs:
        if cost.family_code not in families:
            yield FieldError(
                field=f"finance.unit_costs.{cost.family_code}",
                reason=_unknown(cost.family_code, "family", "demand"),
            )
    steps = {step.code for step in data.expansion_steps}
    for step in data.expansion_steps:
        if step.resource_code not in resources:
            yield FieldError(
                field=f"supply.expansion_steps.{step.code}.resource_code",
                reason=_unknown(step.resource_code, "resource", "supply"),
            )
    for lever_cost in data.lever_costs:
        known, label, service = (
            (steps, "expansion step", "supply")
            if lever_cost.lever == Lever.expansion_step
            else (resources, "resource", "supply")
            if lever_cost.lever in RESOURCE_LEVERS
            else (families, "family", "demand")
            if lever_cost.lever in FAMILY_LEVERS
            else (segments, "segment", "demand")
        )
        if lever_cost.code not in known:
            yield FieldError(
                field=f"finance.lever_costs.{lever_cost.lever}.{lever_cost.code}",
                reason=_unknown(lever_cost.code, label, service),
            )


def _price_gaps(data: PlanningData) -> Iterable[FieldError]:
    """A family with demand in a segment needs a price in every month: backlog may move a
    sale to any later month."""
    for (family, segment), by_period in sorted(data.demand.items()):
        if not any(quantity > 0 for quantity in by_period.values()):
            continue
        missing = [p for p in data.periods if (family, segment, p) not in data.price_of]
        if missing:
            yield FieldError(
                field=f"finance.prices.{family}.{segment}",
                reason=f"no price in {describe_periods(missing, data.periods)} although the "
                "family has demand in the segment",
            )


def _cost_gaps(data: PlanningData) -> Iterable[FieldError]:
    outsourcing = data.lever_cost[Lever.outsourcing_unit]
    for family in data.planned_families:
        entries = data.unit_costs_of.get(family, [])
        if not entries:
            yield FieldError(field=f"finance.unit_costs.{family}", reason="no unit cost")
        elif entries[0].effective_from > data.periods[0]:
            uncovered = [p for p in data.periods if p < entries[0].effective_from]
            yield FieldError(
                field=f"finance.unit_costs.{family}",
                reason=f"no unit cost effective in {describe_periods(uncovered, data.periods)} "
                f"(the first is effective from {entries[0].effective_from})",
            )
        policy = data.policy_of.get(family)
        if (
            policy is not None
            and policy.max_outsourced_per_period > 0
            and family not in outsourcing
        ):
            yield FieldError(
                field=f"finance.lever_costs.{Lever.outsourcing_unit}.{family}",
                reason=f"the family may be outsourced (up to {policy.max_outsourced_per_period:g} "
                "units a month) but has no outsourcing cost",
            )
    overtime = data.lever_cost[Lever.overtime_hour]
    for resource in data.routed_resources:
        if resource in data.workforce_resources:
            crews = data.workforce_of.get(resource, {}).values()
            works_overtime = any(crew.overtime_hours_per_worker > 0 for crew in crews)
        else:
            rows = data.capacity_of.get(resource, {}).values()
            works_overtime = any(row.max_overtime_hours > 0 for row in rows)
        if resource not in overtime and works_overtime:
            yield FieldError(
                field=f"finance.lever_costs.{Lever.overtime_hour}.{resource}",
                reason="the resource may work overtime but has no overtime cost",
            )
    fixed_costs = data.lever_cost[Lever.expansion_step]
    for step in data.routed_expansion_steps:
        if step.code not in fixed_costs:
            yield FieldError(
                field=f"finance.lever_costs.{Lever.expansion_step}.{step.code}",
                reason=f"resource {step.resource_code} may take expansion step {step.code} "
                "but the step has no expansion_step cost",
            )


def _supply_gaps(data: PlanningData) -> Iterable[FieldError]:
    for family in data.planned_families:
        if not data.routings_of.get(family):
            yield FieldError(
                field=f"supply.routings.{family}",
                reason="no routing onto a known resource: the family cannot be produced "
                "(bill of resources missing)",
            )
    for resource in data.routed_resources:
        # A workforce-driven resource's hours come from its crew, not the capacity table.
        crewed = resource in data.workforce_resources
        table = "workforce" if crewed else "capacity"
        if crewed:
            months = set(data.workforce_of.get(resource, {}))
        else:
            months = set(data.capacity_of.get(resource, {}))
        missing = [period for period in data.periods if period not in months]
        if missing:
            yield FieldError(
                field=f"supply.{table}.{resource}",
                reason=f"no {table} in {describe_periods(missing, data.periods)}",
            )
