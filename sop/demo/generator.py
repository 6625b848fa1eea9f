"""A company of any size for benches and harnesses: ``build_company(families=N, seed=S,
coupling=C)``, a pure function (no I/O, no wall clock beyond the ``today`` it is given).

The families come in groups of ``GROUP_SIZE``; each group has its own assembly and packing
resources. ``coupling`` is the share of families that also load the assembly resource of the
next group (the last group's link the first), so the planning problem does not fall apart into
independent groups: 0 keeps every group on its own resources, 1 chains every group to the next.
Capacity is set from the expected load with a tightness drawn per resource, so some resources
bind in their peak months and others keep spare hours.

Every number comes from an RNG seeded by the seed and the row's own owner (the family, the
resource), never from the order rows are made in: the same seed gives the same company, and a
company of N families is the first N families of a larger one with the same seed, except
the capacity of the resources they share with later families.
"""

import random
from dataclasses import dataclass

from shared.contracts.demand import (
    DemandHistoryBase,
    DemandPlanBase,
    DemandPlanLineBase,
    FamilyBase,
    SegmentBase,
    UnmetDemand,
)
from shared.contracts.finance import AopBase, Lever, LeverCostBase, PriceBase, UnitCostBase
from shared.contracts.supply import CapacityBase, InventoryPolicyBase, ResourceBase, RoutingBase
from shared.periods import add_months, horizon, months_between, parse
from sop.demo.catalogue import SEASONALITY

GROUP_SIZE = 10
MONTHS = 24  # of history before the current month, and of plan from it
HISTORY_NOISE = 0.1
PRICE_STEP = 0.03  # list prices move each January
HOLDING_RATE = 0.015  # per month, on the unit cost
OUTSOURCING_PREMIUM = 1.3
# Capacity over the average expected load of a resource: below 1 binds in most months.
TIGHTNESS = (0.85, 1.35)


@dataclass(frozen=True)
class SegmentShape:
    code: str
    name: str
    fill_rate_target: float
    priority: int
    unmet_demand: UnmetDemand
    price_factor: float
    backlog_cost: float
    lost_sale_penalty: float


SEGMENTS = (
    SegmentShape("KEY", "Key accounts", 0.98, 1, UnmetDemand.backlog, 0.8, 15.0, 100.0),
    SegmentShape("ECOM", "E-commerce", 0.94, 2, UnmetDemand.lost, 0.95, 6.0, 30.0),
    SegmentShape("DIST", "Distributors", 0.92, 3, UnmetDemand.lost, 0.7, 3.0, 5.0),
)


@dataclass(frozen=True)
class CompanyData:
    """Everything a generated company loads, as the contract models the services accept."""

    segments: list[SegmentBase]
    families: list[FamilyBase]
    history: list[DemandHistoryBase]
    plan: DemandPlanBase
    plan_lines: list[DemandPlanLineBase]
    resources: list[ResourceBase]
    capacity: list[CapacityBase]
    routings: list[RoutingBase]
    inventory_policies: list[InventoryPolicyBase]
    prices: list[PriceBase]
    unit_costs: list[UnitCostBase]
    lever_costs: list[LeverCostBase]
    aop: list[AopBase]


@dataclass(frozen=True)
class _Family:
    """A family's drawn shape: monthly level (all segments), growth, season, segment mix,
    list price, cost ratio and its routing."""

    code: str
    level: float
    growth: float
    season: str
    mix: tuple[float, ...]
    list_price: float
    cost_ratio: float
    routing: tuple[tuple[str, float], ...]


def build_company(*, families: int, seed: int, coupling: float, start: str) -> CompanyData:
    """The company of ``families`` families whose plan starts in ``start`` (YYYY-MM)."""
    if families < 1:
        raise ValueError("a company has at least one family")
    if not 0 <= coupling <= 1:
        raise ValueError("coupling is a share between 0 and 1")
    groups = (families + GROUP_SIZE - 1) // GROUP_SIZE
    shapes = [_family(seed, index, groups, coupling) for index in range(families)]
    plan_periods = horizon(start, MONTHS)
    history_periods = horizon(add_months(start, -MONTHS), MONTHS)
    plan_lines = [
        DemandPlanLineBase(
            family_code=shape.code,
            segment_code=segment.code,
            period=period,
            quantity=round(_demand(shape, share, start, period)),
        )
        for shape in shapes
        for segment, share in zip(SEGMENTS, shape.mix, strict=True)
        for period in plan_periods
    ]
    history = [
        DemandHistoryBase(
            family_code=shape.code,
            segment_code=segment.code,
            period=period,
            quantity=round(_demand(shape, share, start, period) * noise),
        )
        for shape in shapes
        for segment, share in zip(SEGMENTS, shape.mix, strict=True)
        for period, noise in zip(history_periods, _noise(seed, shape.code), strict=True)
    ]
    prices = [
        PriceBase(
            family_code=shape.code,
            segment_code=segment.code,
            period=period,
            price=round(shape.list_price * segment.price_factor * _escalation(start, period), 2),
        )
        for shape in shapes
        for segment in SEGMENTS
        for period in plan_periods
    ]
    resources = [code for group in range(groups) for code in _resources_of(group)]
    return CompanyData(
        segments=[
            SegmentBase(
                code=s.code,
                name=s.name,
                fill_rate_target=s.fill_rate_target,
                priority=s.priority,
                strategic=s.priority == 1,
                unmet_demand=s.unmet_demand,
            )
            for s in SEGMENTS
        ],
        families=[FamilyBase(code=s.code, name=f"Generated family {s.code}") for s in shapes],
        history=history,
        plan=DemandPlanBase(
            name=f"Generated company ({families} families, seed {seed}, coupling {coupling:g})",
            horizon_start=start,
            horizon_months=MONTHS,
            note="Unconstrained demand of a generated company.",
        ),
        plan_lines=plan_lines,
        resources=[
            ResourceBase(code=code, name=f"Generated resource {code}", site=code.split("-")[0])
            for code in resources
        ],
        capacity=_capacity(seed, shapes, resources, plan_lines),
        routings=[
            RoutingBase(family_code=shape.code, resource_code=resource, hours_per_unit=hours)
            for shape in shapes
            for resource, hours in shape.routing
        ],
        inventory_policies=[
            InventoryPolicyBase(
                family_code=shape.code,
                initial_on_hand=round(0.5 * shape.level),
                max_outsourced_per_period=round(0.1 * shape.level),
                safety_stock=round(0.3 * shape.level),
            )
            for shape in shapes
        ],
        prices=prices,
        unit_costs=[
            UnitCostBase(
                family_code=shape.code,
                effective_from=history_periods[0],
                variable_cost=_unit_cost(shape),
            )
            for shape in shapes
        ],
        lever_costs=_lever_costs(seed, shapes, resources),
        aop=_aop(shapes, plan_lines, prices),
    )


def _rng(seed: int, owner: str) -> random.Random:
    return random.Random(f"sop-company:{seed}:{owner}")


def _family_code(index: int) -> str:
    return f"F{index:05d}"


def _resources_of(group: int) -> tuple[str, str]:
    return f"G{group:04d}-ASSY", f"G{group:04d}-PACK"


def _family(seed: int, index: int, groups: int, coupling: float) -> _Family:
    code = _family_code(index)
    rng = _rng(seed, code)
    assembly, packing = _resources_of(index // GROUP_SIZE)
    routing = [
        (assembly, round(rng.uniform(0.1, 1.0), 3)),
        (packing, round(rng.uniform(0.02, 0.1), 3)),
    ]
    # Drawn for every family, so a coupling setting changes which families link, not the rest.
    links = rng.random() < coupling
    linked_hours = round(rng.uniform(0.05, 0.3), 3)
    next_assembly = _resources_of((index // GROUP_SIZE + 1) % groups)[0]
    if links and next_assembly != assembly:
        routing.append((next_assembly, linked_hours))
    weights = [rng.uniform(0.2, 1.0) for _ in SEGMENTS]
    return _Family(
        code=code,
        level=round(rng.uniform(200, 5000)),
        growth=rng.uniform(-0.05, 0.15),
        season=rng.choice(sorted(SEASONALITY)),
        mix=tuple(weight / sum(weights) for weight in weights),
        list_price=round(rng.uniform(30, 900), 2),
        cost_ratio=rng.uniform(0.45, 0.6),
        routing=tuple(routing),
    )


def _demand(shape: _Family, share: float, start: str, period: str) -> float:
    months = months_between(start, period)
    season = SEASONALITY[shape.season][parse(period)[1] - 1]
    return shape.level * share * season * (1 + shape.growth) ** (months / 12)


def _noise(seed: int, family: str) -> list[float]:
    """One relative noise per history month of a family (the same for each segment)."""
    rng = _rng(seed, f"{family}:history")
    return [max(0.0, rng.gauss(1.0, HISTORY_NOISE)) for _ in range(MONTHS)]


def _escalation(start: str, period: str) -> float:
    return float((1 + PRICE_STEP) ** (parse(period)[0] - parse(start)[0]))


def _unit_cost(shape: _Family) -> float:
    return round(shape.list_price * shape.cost_ratio, 2)


def _capacity(
    seed: int,
    shapes: list[_Family],
    resources: list[str],
    plan_lines: list[DemandPlanLineBase],
) -> list[CapacityBase]:
    """Regular hours: the resource's average expected load times its drawn tightness, the same
    every month (so seasonal peaks bind); overtime up to 10-15% of them."""
    units: dict[str, float] = {}
    for line in plan_lines:
        units[line.family_code] = units.get(line.family_code, 0.0) + line.quantity
    load = dict.fromkeys(resources, 0.0)
    for shape in shapes:
        for resource, hours in shape.routing:
            load[resource] += units[shape.code] / MONTHS * hours
    periods = sorted({line.period for line in plan_lines})
    rows: list[CapacityBase] = []
    for resource in resources:
        rng = _rng(seed, resource)
        regular = round(max(load[resource], 1.0) * rng.uniform(*TIGHTNESS))
        overtime = round(regular * rng.uniform(0.1, 0.15))
        rows.extend(
            CapacityBase(
                resource_code=resource,
                period=period,
                regular_hours=regular,
                max_overtime_hours=overtime,
            )
            for period in periods
        )
    return rows


def _lever_costs(seed: int, shapes: list[_Family], resources: list[str]) -> list[LeverCostBase]:
    costs = [
        LeverCostBase(
            lever=Lever.overtime_hour,
            code=resource,
            cost=round(_rng(seed, resource).uniform(25, 60), 2),
        )
        for resource in resources
    ]
    for shape in shapes:
        unit_cost = _unit_cost(shape)
        costs.append(
            LeverCostBase(
                lever=Lever.holding_unit_period,
                code=shape.code,
                cost=round(unit_cost * HOLDING_RATE, 2),
            )
        )
        costs.append(
            LeverCostBase(
                lever=Lever.outsourcing_unit,
                code=shape.code,
                cost=round(unit_cost * OUTSOURCING_PREMIUM, 2),
            )
        )
    for segment in SEGMENTS:
        costs.append(
            LeverCostBase(
                lever=Lever.backlog_unit_period, code=segment.code, cost=segment.backlog_cost
            )
        )
        costs.append(
            LeverCostBase(
                lever=Lever.lost_sale_unit, code=segment.code, cost=segment.lost_sale_penalty
            )
        )
    return costs


def _aop(
    shapes: list[_Family], lines: list[DemandPlanLineBase], prices: list[PriceBase]
) -> list[AopBase]:
    """The budget: the expected demand at its prices and unit costs."""
    price_of = {(p.family_code, p.segment_code, p.period): p.price for p in prices}
    cost_of = {shape.code: _unit_cost(shape) for shape in shapes}
    revenue: dict[str, float] = {}
    margin: dict[str, float] = {}
    units: dict[str, float] = {}
    for line in lines:
        price = price_of[line.family_code, line.segment_code, line.period]
        revenue[line.period] = revenue.get(line.period, 0.0) + line.quantity * price
        margin[line.period] = margin.get(line.period, 0.0) + line.quantity * (
            price - cost_of[line.family_code]
        )
        units[line.period] = units.get(line.period, 0.0) + line.quantity
    return [
        AopBase(
            period=period,
            revenue=round(revenue[period], -3),
            margin=round(margin[period], -3),
            quantity=round(units[period]),
        )
        for period in sorted(revenue)
    ]
