"""From the solver's vectors to the plan: quantities, money, service, capacity and duals."""

from dataclasses import dataclass

import numpy as np

from gateway.solver.build import STORED_DECIMALS, Layout
from gateway.solver.data import Floats, Ints, ProblemData, routed_by_load_period
from gateway.solver.solution import (
    FamilyLine,
    ResourceLine,
    SalesLine,
    SegmentService,
    Totals,
)
from shared import money
from shared.contracts.finance import Lever

ZERO = 1e-7  # solver noise below this is reported as zero


def _take(ids: Ints, primal: Floats) -> Floats:
    return np.where(ids >= 0, primal[np.maximum(ids, 0)], 0.0)


def _clean(values: Floats) -> Floats:
    values = np.round(values, STORED_DECIMALS)
    values[np.abs(values) < ZERO] = 0.0
    return values


@dataclass(frozen=True)
class Plan:
    """The plan's quantities as arrays (families x periods, lines x periods, ...)."""

    production: Floats
    outsourced: Floats
    inventory: Floats
    safety_shortfall: Floats
    sales: Floats
    backlog: Floats
    lost: Floats
    on_time: Floats  # demand delivered in its own period, per line
    due: Floats  # per line: demand (lost lines: with the initial backlog due at once)
    overtime: Floats
    workers: Floats
    hired: Floats
    laid_off: Floats
    expansion_level: Floats  # (E,)
    plan_load: Floats  # hours of this plan's production, per resource and period
    load: Floats  # plan_load + committed hours
    regular_capacity: Floats
    expansion_hours: Floats
    utilisation: Floats
    shadow_price: Floats


def plan_of(data: ProblemData, layout: Layout, primal: Floats, duals: Floats | None) -> Plan:
    def take(ids: Ints) -> Floats:
        return _clean(_take(ids, primal))

    production = take(layout.production)
    inventory = _clean(_take(layout.stock_to_safety, primal) + _take(layout.stock_above, primal))
    sales = take(layout.sales)
    backlog = take(layout.backlog)
    backlogged = data.line_backlogged[:, None]
    due = np.where(backlogged, data.quantity, data.line_due)
    lost = np.where(backlogged, 0.0, _clean(np.maximum(due - sales, 0.0)))
    on_time = np.where(backlogged, np.clip(data.quantity - backlog, 0.0, data.quantity), sales)

    resources, periods = data.regular_hours.shape
    plan_load = np.zeros((resources, periods))
    np.add.at(
        plan_load,
        data.routing_resource,
        routed_by_load_period(data, production, missing=0.0) * data.routing_hours[:, None],
    )
    workers = take(layout.workers)
    level = take(layout.expansion)
    expansion_hours = np.zeros((resources, periods))
    np.add.at(expansion_hours, data.expansion_resource, data.expansion_hours * level[:, None])
    regular = np.where(data.workforce[:, None], data.hours_per_worker * workers, data.regular_hours)
    load = _clean(plan_load + data.committed_hours)
    capacity = regular + expansion_hours
    utilisation = np.divide(
        load, capacity, out=np.where(load > ZERO, 100.0, 0.0), where=capacity > ZERO
    )
    shadow = np.zeros((resources, periods))
    if duals is not None:
        rows = layout.capacity_rows
        shadow = np.maximum(_clean(_take(rows, duals)), 0.0)
    return Plan(
        production=production,
        outsourced=take(layout.outsourced),
        inventory=inventory,
        safety_shortfall=_clean(np.maximum(data.safety_stock - inventory, 0.0)),
        sales=sales,
        backlog=backlog,
        lost=lost,
        on_time=_clean(on_time),
        due=due,
        overtime=take(layout.overtime),
        workers=workers,
        hired=take(layout.hired),
        laid_off=take(layout.laid_off),
        expansion_level=level,
        plan_load=_clean(plan_load),
        load=load,
        regular_capacity=_clean(regular),
        expansion_hours=_clean(expansion_hours),
        utilisation=_clean(utilisation),
        shadow_price=shadow,
    )


def _units(values: Floats) -> Floats:
    """Quantities the finance valuation counts: solver noise is nothing."""
    return np.where(values > money.NOISE, values, 0.0)


def _priced(quantity: Floats, rate: Floats) -> Floats:
    """A lever quantity finance values only when the lever has a cost (``LeverRates``)."""
    return np.where(rate != 0, _units(quantity), 0.0)


def totals_of(data: ProblemData, plan: Plan) -> Totals:
    """The plan in money by ``shared.money``'s formula over the quantities its lines store
    (the ones ``gateway.figures.figures.consensus_request`` sends finance), at the problem's
    rates: the finance service's, gathered by the reconcile. Never the objective: the model's
    penalties (backlog, lost sales, safety stock) are apart, and units come out of stock at
    their unit cost whether made now or before."""
    segment, family = data.line_segment, data.line_family
    workforce = data.workforce[:, None]
    sold = _units(plan.sales)
    unit_cost = data.variable_cost[family]
    # Wages are paid on the whole crew's hours; fixed capacity on the hours used.
    regular_hours = np.where(workforce, plan.regular_capacity, plan.load - plan.overtime)
    regular_rate = np.where(workforce, data.wage_per_hour, data.regular_hour_cost)
    hired = np.where(workforce, plan.hired, 0.0)
    laid_off = np.where(workforce, plan.laid_off, 0.0)
    amounts = money.Amounts(
        revenue=[money.revenue_of(sold, data.price)],
        cost_of_goods_sold=[money.cost_of_goods_sold(sold, unit_cost)],
        regular_labour=[money.lever_cost(_priced(regular_hours, regular_rate), regular_rate)],
        overtime=[
            money.lever_cost(
                _priced(plan.overtime, data.overtime_hour_cost), data.overtime_hour_cost
            )
        ],
        outsourcing=[
            money.outsourcing_premium(
                _priced(plan.outsourced, data.outsource_cost),
                data.outsource_cost,
                data.variable_cost,
            )
        ],
        holding=[money.lever_cost(_priced(plan.inventory, data.holding_cost), data.holding_cost)],
        hiring=[money.lever_cost(_priced(hired, data.hire_cost), data.hire_cost)],
        layoff=[money.lever_cost(_priced(laid_off, data.layoff_cost), data.layoff_cost)],
        expansion=[money.lever_cost(_expansion_levels(data, plan), data.expansion_cost)],
        backlog_penalty=[money.lever_cost(_units(plan.backlog), data.backlog_cost[segment])],
        lost_sale_penalty=[money.lever_cost(_units(plan.lost), data.lost_sale_penalty[segment])],
        safety_stock_penalty=[money.lever_cost(plan.safety_shortfall, data.safety_stock_penalty)],
    )
    totals = money.money_totals(amounts)
    demand = float(plan.due.sum())
    return Totals(
        revenue=totals.revenue,
        cost_of_goods_sold=totals.cost_of_goods_sold,
        regular_labour_cost=totals.regular_labour,
        overtime_cost=totals.overtime,
        outsourcing_cost=totals.outsourcing,
        holding_cost=totals.holding,
        hiring_cost=totals.hiring,
        layoff_cost=totals.layoff,
        expansion_cost=totals.expansion,
        total_cost=totals.total_cost,
        margin=totals.margin,
        planning_penalties=totals.penalties,
        fill_rate=round(float(plan.on_time.sum()) / demand, 6) if demand > 0 else 1.0,
    )


def _expansion_levels(data: ProblemData, plan: Plan) -> Floats:
    """The share of each step the plan takes, as its ``expansion_steps`` give it finance
    (``expansion_steps_of``): noise is nothing, a step without a cost is left out."""
    return _priced(plan.expansion_level, data.expansion_cost)


def money_rates_of(data: ProblemData) -> money.MoneyRates:
    """The rates the plan's money is at, as finance keeps them: a price per line and month,
    a unit cost per family and month, and each lever's cost (levers without one left out)."""
    periods = data.periods
    families, segments = data.family_codes, data.segment_codes
    resources = data.resource_codes
    price = data.price.tolist()
    unit_cost = data.variable_cost.tolist()
    levers: list[tuple[Lever, list[str], Floats]] = [
        (Lever.holding_unit_period, families, data.holding_cost),
        (Lever.outsourcing_unit, families, data.outsource_cost),
        (Lever.backlog_unit_period, segments, data.backlog_cost),
        (Lever.lost_sale_unit, segments, data.lost_sale_penalty),
        (
            Lever.regular_hour,
            resources,
            np.where(data.workforce[:, None], data.wage_per_hour, data.regular_hour_cost),
        ),
        (Lever.overtime_hour, resources, data.overtime_hour_cost),
        (Lever.hire_worker, resources, data.hire_cost),
        (Lever.layoff_worker, resources, data.layoff_cost),
        # A step's fixed cost is one amount, the same "in every month".
        (Lever.expansion_step, data.expansion_codes, data.expansion_cost[:, None]),
    ]
    return money.MoneyRates(
        prices=[
            (families[f], segments[s], period, price[d][t])
            for d, (f, s) in enumerate(
                zip(data.line_family.tolist(), data.line_segment.tolist(), strict=True)
            )
            for t, period in enumerate(periods)
        ],
        unit_costs=[
            (code, period, unit_cost[f][t])
            for f, code in enumerate(families)
            for t, period in enumerate(periods)
        ],
        # Finance keeps one cost per lever and code: the first month's.
        lever_costs=[
            (lever, code, float(rates[i, 0]))
            for lever, codes, rates in levers
            for i, code in enumerate(codes)
            if rates.shape[1] and rates[i, 0] != 0
        ],
    )


def segment_fill(data: ProblemData, plan: Plan) -> tuple[Floats, Floats, Floats]:
    """Per segment: demand, on-time deliveries, fill rate (1 where there is no demand)."""
    segments = len(data.segment_codes)
    demand = np.bincount(data.line_segment, plan.due.sum(axis=1), minlength=segments)
    on_time = np.bincount(data.line_segment, plan.on_time.sum(axis=1), minlength=segments)
    fill = np.divide(on_time, demand, out=np.ones(segments), where=demand > 0)
    return demand, on_time, fill


def segment_lines(
    data: ProblemData, plan: Plan, ranks: Ints, weights: Floats
) -> list[SegmentService]:
    demand, _, fill = segment_fill(data, plan)
    sales = np.bincount(
        data.line_segment, plan.sales.sum(axis=1), minlength=len(data.segment_codes)
    )
    return [
        SegmentService(
            segment=code,
            demand=round(float(demand[i]), 6),
            sales=round(float(sales[i]), 6),
            fill_rate=round(float(fill[i]), 6),
            target=float(data.fill_rate_target[i]),
            priority=int(data.priority[i]),
            allocation_order=int(ranks.max(initial=0) - ranks[i] + 1),
            unmet_weight=round(float(weights[i]), 6),
        )
        for i, code in enumerate(data.segment_codes)
    ]


def sales_lines(data: ProblemData, plan: Plan) -> list[SalesLine]:
    revenue = _clean(data.price * plan.sales)
    quantity, sales, backlog = data.quantity.tolist(), plan.sales.tolist(), plan.backlog.tolist()
    lost, money = plan.lost.tolist(), revenue.tolist()
    return [
        SalesLine.model_construct(
            family=data.family_codes[f],
            segment=data.segment_codes[s],
            demand=quantity[d],
            sales=sales[d],
            backlog=backlog[d],
            lost=lost[d],
            revenue=money[d],
        )
        for d, (f, s) in enumerate(
            zip(data.line_family.tolist(), data.line_segment.tolist(), strict=True)
        )
    ]


def family_lines(data: ProblemData, plan: Plan) -> list[FamilyLine]:
    production, outsourced = plan.production.tolist(), plan.outsourced.tolist()
    inventory, shortfall = plan.inventory.tolist(), plan.safety_shortfall.tolist()
    return [
        FamilyLine.model_construct(
            family=code,
            production=production[f],
            outsourced=outsourced[f],
            inventory=inventory[f],
            safety_stock_shortfall=shortfall[f],
        )
        for f, code in enumerate(data.family_codes)
    ]


def resource_lines(data: ProblemData, plan: Plan) -> list[ResourceLine]:
    lines = []
    for r, code in enumerate(data.resource_codes):
        crew = bool(data.workforce[r])
        lines.append(
            ResourceLine.model_construct(
                resource=code,
                load=plan.load[r].tolist(),
                regular_capacity=plan.regular_capacity[r].tolist(),
                overtime=plan.overtime[r].tolist(),
                expansion_hours=plan.expansion_hours[r].tolist(),
                utilisation=plan.utilisation[r].tolist(),
                workers=plan.workers[r].tolist() if crew else None,
                hired=plan.hired[r].tolist() if crew else None,
                laid_off=plan.laid_off[r].tolist() if crew else None,
                shadow_price=plan.shadow_price[r].tolist(),
                threshold=float(data.utilisation_threshold[r]),
            )
        )
    return lines
