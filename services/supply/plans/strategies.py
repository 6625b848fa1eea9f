"""Drafting a supply plan for the supply planner: the rules of the chase and level strategies
and of the levers the resources allow, as pure functions (``draft_lines``).

A strategy sets the production each family aims at in each month:
* chase (``chase_production``): each month's production brings the inventory back to that
  month's safety stock after its demand, so inventory stays at the safety stock;
* level (``level_production``): one constant rate over the horizon, the smallest that keeps
  the inventory at or above the safety stock at the end of every month.

The levers then place that production on the resources, month by month (``place``):
1. Regular hours, then overtime up to its cap: a month's production fits under regular +
   maximum overtime hours of every resource of its routing, each resource loaded in the month
   ``lead_time_offset`` months before the units are completed (as RCCP loads it); when the
   families of a month need more, each gets the same share of what the tightest of its
   resources can make.
2. Pre-build: what does not fit is made up to ``PREBUILD_MONTHS`` months earlier where hours
   are left, the nearest month first; it is held as inventory above the safety stock until
   its month (holding a unit a few months costs far less than the subcontractor's premium).
3. Outsourcing: what still does not fit goes to the subcontractor, up to its monthly limit.
4. Short: the rest is not supplied; the line's reason names the resource that is full.

Overtime hours of a resource-month are what its load needs above regular hours, shared among
the lines loading it in proportion to their hours: the rule the service's validation checks.
"""

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from shared.contracts.supply import (
    InventoryPolicyBase,
    RoutingBase,
    SupplyPlanLineBase,
    SupplyStrategy,
)
from shared.periods import add_months

PREBUILD_MONTHS = 3

# (resource, period) -> hours
Hours = Mapping[tuple[str, str], float]
# A family's routing: (resource, hours per unit, lead-time offset in months)
Route = Sequence[tuple[str, float, int]]


def chase_production(
    demand: Sequence[float], *, on_hand: float, safety_stock: Sequence[float]
) -> list[float]:
    """Production per month that restores the month's safety stock after its demand, in
    whole units: ceil(max(0, demand + safety stock - opening inventory)); the opening
    inventory of a month is the previous month's ending one (``on_hand`` for the first).

    E.g. demand 100, 200, 300, on hand 50, safety stock 20: 70, 200, 300."""
    required = []
    for quantity, safety in zip(demand, safety_stock, strict=True):
        made = float(math.ceil(max(0.0, quantity + safety - on_hand)))
        required.append(made)
        on_hand += made - quantity
    return required


def level_production(
    demand: Sequence[float], *, on_hand: float, safety_stock: Sequence[float]
) -> list[float]:
    """One rate for every month, in whole units: the smallest that keeps the ending inventory
    of every month k (on hand + k x rate - demand of months 1..k) at or above its safety
    stock, i.e. max over k of ceil((cumulative demand_k + safety stock_k - on hand) / k),
    and never below zero.

    E.g. demand 100, 200, 300, on hand 50, safety stock 20: max(70/1, 270/2, 570/3) = 190."""
    rate = 0.0
    cumulative = 0.0
    for k, (quantity, safety) in enumerate(zip(demand, safety_stock, strict=True), start=1):
        cumulative += quantity
        rate = max(rate, float(math.ceil((cumulative + safety - on_hand) / k)))
    return [rate] * len(demand)


STRATEGIES = {SupplyStrategy.chase: chase_production, SupplyStrategy.level: level_production}


@dataclass
class Ledger:
    """Hours of each resource-month: regular, ceiling (regular + maximum overtime), used."""

    regular: Hours
    ceiling: Hours
    used: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))

    def room(self, route: Route, period: str) -> float:
        """Units of a family completed in ``period`` that still fit on every resource of its
        route (infinite without a routing: nothing to check)."""
        return min(
            (
                max(0.0, self.ceiling.get(key, 0.0) - self.used[key]) / hours
                for key, hours in _loads(route, period)
            ),
            default=math.inf,
        )

    def take(self, route: Route, period: str, units: float) -> None:
        for key, hours in _loads(route, period):
            self.used[key] += units * hours


def _loads(route: Route, period: str) -> list[tuple[tuple[str, str], float]]:
    """The resource-months a unit completed in ``period`` loads, with its hours on each."""
    return [((resource, _load_month(period, offset)), hours) for resource, hours, offset in route]


@cache
def _load_month(period: str, offset: int) -> str:
    return add_months(period, -offset)


@dataclass
class Placed:
    """What the levers made of one family-month's required production."""

    production: float = 0.0
    outsourced: float = 0.0
    short: float = 0.0
    prebuilt: dict[str, float] = field(default_factory=dict)  # units made for a later month
    full: str | None = None  # the resource that kept this month's own production back


def place(
    *,
    periods: Sequence[str],
    required: Mapping[str, Mapping[str, float]],
    routes: Mapping[str, Route],
    ledger: Ledger,
    outsource_limit: Mapping[str, float],
) -> dict[tuple[str, str], Placed]:
    """Each family's required production per month placed by the levers of the module's
    docstring (own month, pre-build, outsourcing, short), month by month in order."""
    families = sorted(required)
    placed = {(f, p): Placed() for f in families for p in periods}
    for index, period in enumerate(periods):
        excess = _fit_month(
            ledger, {f: required[f][period] for f in families}, routes, placed, period
        )
        for family, units in sorted(excess.items()):
            route = routes.get(family, ())
            # The month's own leftover hours first (what the shares rounded away), then the
            # earlier months, nearest first.
            for when in reversed(periods[max(0, index - PREBUILD_MONTHS) : index + 1]):
                made = min(units, math.floor(ledger.room(route, when)))
                if made > 0:
                    ledger.take(route, when, made)
                    placed[(family, when)].production += made
                    if when != period:
                        placed[(family, when)].prebuilt[period] = made
                    units -= made
            line = placed[(family, period)]
            line.outsourced = min(units, outsource_limit.get(family, 0.0))
            line.short = units - line.outsourced
    return placed


def _fit_month(
    ledger: Ledger,
    required: Mapping[str, float],
    routes: Mapping[str, Route],
    placed: dict[tuple[str, str], Placed],
    period: str,
) -> dict[str, float]:
    """Place the month's own production, each family the same share of its tightest
    resource; what does not fit, per family."""
    load: dict[tuple[str, str], float] = defaultdict(float)
    for family, units in required.items():
        for key, hours in _loads(routes.get(family, ()), period):
            load[key] += units * hours
    share = {
        key: min(1.0, max(0.0, ledger.ceiling.get(key, 0.0) - ledger.used[key]) / needed)
        if needed
        else 1.0
        for key, needed in load.items()
    }
    excess = {}
    for family, units in required.items():
        route = routes.get(family, ())
        keys = [key for key, _ in _loads(route, period)]
        made = math.floor(units * min((share[key] for key in keys), default=1.0))
        ledger.take(route, period, made)
        placed[(family, period)].production += made
        if units - made > 0:
            excess[family] = units - made
            placed[(family, period)].full = min(keys, key=share.__getitem__)[0]
    return excess


def overtime_hours(
    *, placed: Mapping[tuple[str, str], Placed], routes: Mapping[str, Route], ledger: Ledger
) -> dict[tuple[str, str], float]:
    """Overtime hours per family and month: each resource-month's load above its regular
    hours, shared in proportion to the hours the family's production of that month puts on
    it."""
    hours_of: dict[tuple[str, str], float] = defaultdict(float)
    for (family, period), line in placed.items():
        for key, hours in _loads(routes.get(family, ()), period):
            used = ledger.used[key]
            needed = used - ledger.regular.get(key, 0.0)
            if needed > 0 and used > 0:
                hours_of[(family, period)] += needed * line.production * hours / used
    return hours_of


def draft_lines(
    *,
    strategy: SupplyStrategy,
    periods: Sequence[str],
    demand: Mapping[str, Mapping[str, float]],
    safety_stock: Mapping[str, Sequence[float]],
    routings: Sequence[RoutingBase],
    regular_hours: Hours,
    overtime_hours_cap: Hours,
    policies: Sequence[InventoryPolicyBase],
) -> list[SupplyPlanLineBase]:
    """The draft's lines: one per family with demand or a policy, per month of ``periods``.

    ``demand`` is per family and month (missing months: none); ``safety_stock`` per family,
    aligned with ``periods`` (missing: none); capacity per (resource, period)."""
    policy = {p.family_code: p for p in policies}
    families = sorted(set(demand) | set(policy))
    wanted = {f: [demand.get(f, {}).get(p, 0.0) for p in periods] for f in families}
    no_safety = [0.0] * len(periods)
    aim = STRATEGIES[strategy]
    required = {
        f: dict(
            zip(
                periods,
                aim(
                    wanted[f],
                    on_hand=policy[f].initial_on_hand if f in policy else 0.0,
                    safety_stock=safety_stock.get(f, no_safety),
                ),
                strict=True,
            )
        )
        for f in families
    }
    routes: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for routing in routings:
        routes[routing.family_code].append(
            (routing.resource_code, routing.hours_per_unit, routing.lead_time_offset)
        )
    ledger = Ledger(
        regular=regular_hours,
        ceiling={
            key: regular_hours[key] + overtime_hours_cap.get(key, 0.0) for key in regular_hours
        },
    )
    placed = place(
        periods=periods,
        required=required,
        routes=routes,
        ledger=ledger,
        outsource_limit={f: p.max_outsourced_per_period for f, p in policy.items()},
    )
    overtime = overtime_hours(placed=placed, routes=routes, ledger=ledger)
    lines = []
    for family in families:
        on_hand = policy[family].initial_on_hand if family in policy else 0.0
        for period, quantity in zip(periods, wanted[family], strict=True):
            line = placed[(family, period)]
            on_hand = max(0.0, on_hand + line.production + line.outsourced - quantity)
            hours = overtime.get((family, period), 0.0)
            lines.append(
                SupplyPlanLineBase(
                    family_code=family,
                    period=period,
                    production=line.production,
                    outsourced=line.outsourced,
                    # Up to the cent of an hour: the month's lines must cover its need.
                    overtime_hours=math.ceil(hours * 100) / 100,
                    ending_inventory=on_hand,
                    reason=_reason(strategy, line, overtime=hours > 0),
                )
            )
    return lines


def _reason(strategy: SupplyStrategy, line: Placed, *, overtime: bool) -> str:
    aim = {
        SupplyStrategy.chase: "chase demand and safety stock",
        SupplyStrategy.level: "level rate",
    }[strategy]
    parts = [aim] if line.production or line.outsourced else []
    if overtime:
        parts.append("overtime")
    parts.extend(f"pre-build {units:g} for {later}" for later, units in line.prebuilt.items())
    if line.outsourced:
        parts.append(f"outsource {line.outsourced:g}: {line.full} is full")
    if line.short:
        parts.append(f"short {line.short:g}: {line.full} is full")
    return "; ".join(parts) or "no demand"
