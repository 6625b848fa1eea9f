"""From the solver's vectors to the plan: quantities, money, service, capacity and duals."""

from dataclasses import dataclass

import numpy as np

from gateway.solver.build import Layout
from gateway.solver.data import Floats, Ints, ProblemData
from gateway.solver.solution import (
    FamilyLine,
    ResourceLine,
    SalesLine,
    SegmentService,
    Totals,
)

ZERO = 1e-7  # solver noise below this is reported as zero


def _take(ids: Ints, primal: Floats) -> Floats:
    return np.where(ids >= 0, primal[np.maximum(ids, 0)], 0.0)


def _clean(values: Floats) -> Floats:
    values = np.round(values, 6)
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
        production[data.routing_family] * data.routing_hours[:, None],
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


def totals_of(data: ProblemData, plan: Plan) -> Totals:
    segment = data.line_segment
    fixed = ~data.workforce[:, None]
    # Regular hours of the plan: its load less overtime (committed hours use regular time
    # first). Linear, exactly as the objective counts it, so option deltas add up.
    regular_labour = np.where(
        fixed,
        data.regular_hour_cost * (plan.plan_load - plan.overtime),
        data.wage_per_hour * data.hours_per_worker * plan.workers,
    )
    parts = {
        "variable_cost": float((data.variable_cost * plan.production).sum()),
        "regular_labour_cost": float(regular_labour.sum()),
        "overtime_cost": float((data.overtime_hour_cost * plan.overtime).sum()),
        "outsourcing_cost": float((data.outsource_cost * plan.outsourced).sum()),
        "holding_cost": float((data.holding_cost * plan.inventory).sum()),
        "backlog_cost": float((data.backlog_cost[segment] * plan.backlog).sum()),
        "lost_sale_penalty": float((data.lost_sale_penalty[segment] * plan.lost).sum()),
        "safety_stock_penalty": float((data.safety_stock_penalty * plan.safety_shortfall).sum()),
        "hiring_cost": float((data.hire_cost * plan.hired).sum()),
        "layoff_cost": float((data.layoff_cost * plan.laid_off).sum()),
        "expansion_cost": float((data.expansion_cost * plan.expansion_level).sum()),
    }
    revenue = float((data.price * plan.sales).sum())
    total_cost = sum(parts.values())
    demand = float(plan.due.sum())
    return Totals(
        revenue=round(revenue, 4),
        **{name: round(value, 4) for name, value in parts.items()},
        total_cost=round(total_cost, 4),
        margin=round(revenue - total_cost, 4),
        fill_rate=round(float(plan.on_time.sum()) / demand, 6) if demand > 0 else 1.0,
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
            priority_rank=int(ranks[i]),
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
