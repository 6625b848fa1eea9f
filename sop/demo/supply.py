"""The supply planner's proposal for the demo: a pure function of the locked consensus demand
and the supply data, as operations would draft it before the pre-S&OP meeting.

The rule is the one a planner applies by hand (a chase plan, then the levers in the order of
their cost), not an optimisation: the reconciliation finds the best plan, and comparing the
two shows what the optimiser adds.

1. Chase: each family's production of a month brings its inventory back to the safety stock
   after that month's demand (all segments).
2. Capacity: a month's production fits under regular + maximum overtime hours of every
   resource of its routing; when the families of a month need more, each gets the same share
   of what the tightest of its resources can make.
3. Pre-build: what does not fit is made up to ``PREBUILD_MONTHS`` months earlier where
   hours are left, the nearest month first (holding a unit for a few months costs far less
   than the subcontractor's premium).
4. Outsourcing: what still does not fit goes to the subcontractor, up to its monthly limit.
5. Short: the rest is not supplied; the line's reason names the resource that is full.

Overtime hours of a resource-month are what its load needs above regular hours, shared among
the families loading it in proportion to their hours (the supply service's validation counts
them the same way). Loads fall in the month the units are completed: the demo's routings have
no lead-time offset.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shared.contracts.supply import (
    CapacityBase,
    DemandLineIn,
    InventoryPolicyBase,
    RoutingBase,
    SupplyPlanBase,
    SupplyPlanLineBase,
)
from shared.periods import horizon

PREBUILD_MONTHS = 3


@dataclass
class _Month:
    """The hours of each resource in one month: regular, ceiling (with overtime), used."""

    regular: dict[str, float]
    ceiling: dict[str, float]
    used: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def room(self, routing: Sequence[tuple[str, float]]) -> float:
        """Units of a family that still fit under every resource of its routing."""
        return min(
            (max(0.0, self.ceiling.get(r, 0.0) - self.used[r]) / hours for r, hours in routing),
            default=math.inf,
        )

    def take(self, routing: Sequence[tuple[str, float]], units: float) -> None:
        for resource, hours in routing:
            self.used[resource] += units * hours


@dataclass
class _Line:
    production: float = 0.0
    outsourced: float = 0.0
    short: float = 0.0
    prebuilt: dict[str, float] = field(default_factory=dict)  # units made for a later month
    full: str | None = None  # the resource that kept this month's own production back


def supply_proposal(
    *,
    plan: SupplyPlanBase,
    demand: Iterable[DemandLineIn],
    capacity: Sequence[CapacityBase],
    routings: Sequence[RoutingBase],
    policies: Sequence[InventoryPolicyBase],
) -> list[SupplyPlanLineBase]:
    """The proposal's lines: one per family with demand or stock, per month of the plan."""
    periods = horizon(plan.horizon_start, plan.horizon_months)
    policy = {p.family_code: p for p in policies}
    # A family with stock but no demand still gets its lines.
    wanted = {code: dict.fromkeys(periods, 0.0) for code in policy}
    for item in demand:
        if item.period in periods:
            wanted.setdefault(item.family_code, dict.fromkeys(periods, 0.0))
            wanted[item.family_code][item.period] += item.quantity
    routing_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for routing in routings:
        routing_of[routing.family_code].append((routing.resource_code, routing.hours_per_unit))
    months = _months(periods, capacity)
    families = sorted(wanted)
    lines = {(f, p): _Line() for f in families for p in periods}
    required = {f: _chase(wanted[f], policy.get(f)) for f in families}

    for index, period in enumerate(periods):
        month = months[period]
        excess = _fit(month, {f: required[f][period] for f in families}, routing_of, lines, period)
        for family, units in sorted(excess.items()):
            route = routing_of[family]
            # The month's own leftover hours first (what the shares rounded away), then
            # the earlier months, nearest first.
            for when in reversed(periods[max(0, index - PREBUILD_MONTHS) : index + 1]):
                made = min(units, math.floor(months[when].room(route)))
                if made > 0:
                    months[when].take(route, made)
                    lines[(family, when)].production += made
                    if when != period:
                        lines[(family, when)].prebuilt[period] = made
                    units -= made
            limit = policy[family].max_outsourced_per_period if family in policy else 0.0
            line = lines[(family, period)]
            line.outsourced = min(units, limit)
            line.short = units - line.outsourced
    overtime = _overtime(months, lines, routing_of)
    return [
        line
        for family in families
        for line in _family_lines(
            family, periods, lines, overtime, wanted[family], policy.get(family)
        )
    ]


def _months(periods: Sequence[str], capacity: Sequence[CapacityBase]) -> dict[str, _Month]:
    months = {period: _Month(regular={}, ceiling={}) for period in periods}
    for row in capacity:
        if row.period in months:
            months[row.period].regular[row.resource_code] = row.regular_hours
            months[row.period].ceiling[row.resource_code] = (
                row.regular_hours + row.max_overtime_hours
            )
    return months


def _chase(wanted: dict[str, float], policy: InventoryPolicyBase | None) -> dict[str, float]:
    """Production per month that restores the safety stock after each month's demand."""
    on_hand = policy.initial_on_hand if policy else 0.0
    safety = policy.safety_stock if policy else 0.0
    required = {}
    for period, quantity in wanted.items():
        required[period] = float(math.ceil(max(0.0, quantity + safety - on_hand)))
        on_hand += required[period] - quantity
    return required


def _fit(
    month: _Month,
    required: dict[str, float],
    routing_of: dict[str, list[tuple[str, float]]],
    lines: dict[tuple[str, str], _Line],
    period: str,
) -> dict[str, float]:
    """Place the month's own production; what does not fit, per family."""
    load: dict[str, float] = defaultdict(float)
    for family, units in required.items():
        for resource, hours in routing_of[family]:
            load[resource] += units * hours
    share = {
        resource: min(1.0, month.ceiling.get(resource, 0.0) / needed) if needed else 1.0
        for resource, needed in load.items()
    }
    excess = {}
    for family, units in required.items():
        route = routing_of[family]
        made = math.floor(units * min((share[r] for r, _ in route), default=1.0))
        month.take(route, made)
        lines[(family, period)].production += made
        if units - made > 0:
            excess[family] = units - made
            lines[(family, period)].full = min(route, key=lambda item: share[item[0]])[0]
    return excess


def _overtime(
    months: dict[str, _Month],
    lines: dict[tuple[str, str], _Line],
    routing_of: dict[str, list[tuple[str, float]]],
) -> dict[tuple[str, str], float]:
    """Overtime hours per family and month: each resource's need above regular hours, shared
    in proportion to the families' hours on it."""
    hours_of: dict[tuple[str, str], float] = defaultdict(float)
    for (family, period), line in lines.items():
        for resource, hours in routing_of[family]:
            used = months[period].used[resource]
            needed = used - months[period].regular.get(resource, 0.0)
            if needed > 0 and used > 0:
                hours_of[(family, period)] += needed * line.production * hours / used
    return hours_of


def _family_lines(
    family: str,
    periods: Sequence[str],
    lines: dict[tuple[str, str], _Line],
    overtime: dict[tuple[str, str], float],
    wanted: dict[str, float],
    policy: InventoryPolicyBase | None,
) -> list[SupplyPlanLineBase]:
    """The family's lines in month order, its inventory carried from one to the next."""
    on_hand = policy.initial_on_hand if policy else 0.0
    public = []
    for period in periods:
        line = lines[(family, period)]
        on_hand = max(0.0, on_hand + line.production + line.outsourced - wanted[period])
        public.append(
            SupplyPlanLineBase(
                family_code=family,
                period=period,
                production=line.production,
                outsourced=line.outsourced,
                # Rounded up to the cent of an hour: the month's lines must cover its need.
                overtime_hours=math.ceil(overtime[(family, period)] * 100) / 100,
                ending_inventory=on_hand,
                reason=_reason(line, overtime[(family, period)] > 0),
            )
        )
    return public


def _reason(line: _Line, overtime: bool) -> str:
    parts = ["chase demand and safety stock"] if line.production or line.outsourced else []
    if overtime:
        parts.append("overtime")
    parts.extend(f"pre-build {units:g} for {later}" for later, units in line.prebuilt.items())
    if line.outsourced:
        parts.append(f"outsource {line.outsourced:g}: {line.full} is full")
    if line.short:
        parts.append(f"short {line.short:g}: {line.full} is full")
    return "; ".join(parts) or "no demand"
