"""The aggregate-planning LP/MIP of DESIGN.md section 3, built from arrays.

Variables (per period t): production x[f], outsourcing y[f] (only where a limit allows it),
inventory split in two parts I1[f] <= safety stock (filled first: holding it earns the
safety-stock penalty back) and I2[f] above it, so the soft safety-stock floor needs no extra
row; sales s[d] per demand line d = (family, segment), backlog B[d] for backlogging
segments (lost sales are eliminated: lost = due - s, with s <= due); overtime hours O[r];
workers W[r], hires H[r], layoffs L[r] for workforce-driven resources; the share z[e] in
[0, 1] of each capacity-expansion step taken. Integer mode makes production, outsourcing,
workers, hires, layoffs and the steps whole (z binary); sales and stock stay continuous
(whole at a vertex when demand and stock inputs are whole).

Rows: inventory balance per family and period, backlog balance per backlog line and period,
capacity per resource and period (its dual is the value of one more hour; a routing's units
load it ``lead_time_offset`` periods before they are completed, as the supply service's RCCP
loads them), workforce balance
and overtime-per-worker limits, and rows keeping regular hours used before overtime where
overtime is the cheaper rate. Hard requirements (minimum ending inventory, backlog cleared,
all demand met) are variable bounds, so a diagnosis can relax them (see ``diagnose``).

The objective is always maximised: revenue (when counted) minus money costs minus the
priority weights on unmet demand (see ``priority.py``).
"""

from dataclasses import dataclass

import numpy as np

from gateway.solver.data import Floats, Ints, ProblemData, routed_by_load_period
from gateway.solver.lp import Builder, LinearProgram

STORED_DECIMALS = 6  # plans are stored rounded to this (gateway.solver.decode)


@dataclass(frozen=True)
class Formulation:
    """What the objective counts and which requirements are hard."""

    revenue: bool  # count sales revenue (max margin) or not (min cost, service stage)
    money: bool  # count costs and money penalties
    unmet_weight: Floats  # per segment: objective weight per unit-period backlogged / unit lost
    must_meet_demand: bool = False  # min_cost: nothing lost, all backlog cleared by the end
    integer: bool = False
    service_cap: tuple[Floats, float] | None = None  # (weights per segment, max weighted unmet)
    relax_requirements: bool = False  # diagnosis: hard bounds become penalised (see diagnose)


@dataclass(frozen=True)
class Layout:
    """Where each quantity of the plan lives in the LP: variable / row ids, -1 where absent."""

    production: Ints  # (F, T)
    outsourced: Ints
    stock_to_safety: Ints  # I1
    stock_above: Ints  # I2
    sales: Ints  # (D, T)
    backlog: Ints
    overtime: Ints  # (R, T)
    workers: Ints
    hired: Ints
    laid_off: Ints
    expansion: Ints  # (E,)
    inventory_rows: Ints  # (F, T)
    capacity_rows: Ints  # (R, T)
    service_row: int  # -1 unless a service cap is set
    shortfall: dict[str, Ints]  # diagnosis only: requirement -> slack variable ids


def regular_cost_per_unit(data: ProblemData) -> Floats:
    """Cost of the regular hours one unit of each family uses (fixed-capacity resources)."""
    cost = np.zeros_like(data.variable_cost)
    fixed = ~data.workforce[data.routing_resource]
    np.add.at(
        cost,
        data.routing_family[fixed],
        data.regular_hour_cost[data.routing_resource[fixed]] * data.routing_hours[fixed, None],
    )
    return cost


def rounding_slack(data: ProblemData) -> Floats:
    """Hours per resource and period by which fixed production may exceed the resource's
    regular and overtime hours: fixed production comes from a stored plan, its quantities
    rounded to ``STORED_DECIMALS``, so a plan that ran a resource at its very limit would be
    refused for the rounding's micro-hours over it. Only that excess, where it is within the
    rounding (a unit of the last decimal per fixed family-month, times its hours per unit);
    0 everywhere else, so no other plan moves."""
    resources, periods = data.regular_hours.shape
    held = ~np.isnan(data.fixed_production)
    hours = data.routing_hours[:, None]
    load = np.zeros((resources, periods))
    np.add.at(
        load,
        data.routing_resource,
        np.nan_to_num(data.fixed_production, nan=0.0)[data.routing_family] * hours,
    )
    rounding = np.zeros((resources, periods))
    np.add.at(
        rounding, data.routing_resource, held[data.routing_family] * hours * 10.0**-STORED_DECIMALS
    )
    most = data.regular_hours + data.max_overtime_hours - data.committed_hours
    excess = np.where(data.workforce[:, None], 0.0, load - most)
    return np.where((excess > 0) & (excess <= rounding), excess, 0.0)


def build_model(data: ProblemData, form: Formulation) -> tuple[LinearProgram, Layout]:
    families, periods = data.variable_cost.shape
    lines = len(data.line_family)
    resources = len(data.resource_codes)
    last = periods - 1
    lp = Builder()
    money = 1.0 if form.money else 0.0
    integer = form.integer
    shortfall: dict[str, Ints] = {}

    # --- supply
    fixed = data.fixed_production
    x = lp.add_variables(
        (families, periods),
        lower=np.nan_to_num(fixed, nan=0.0),
        upper=np.where(np.isnan(fixed), np.inf, fixed),
        cost=-money * (data.variable_cost + regular_cost_per_unit(data)),
        integer=integer,
    )
    # Outsourcing and overtime exist at a zero limit too: opening or
    # closing a limit is then a bound change, which a warm model re-solves in place.
    y = lp.add_variables(
        (families, periods),
        upper=data.outsource_limit,
        cost=-money * data.outsource_cost,
        integer=integer,
    )
    safety = data.safety_stock
    ending = data.min_ending_inventory
    if form.relax_requirements:
        ending = np.zeros_like(ending)
    floor_safe = np.zeros_like(safety)
    floor_safe[:, last] = np.minimum(ending, safety[:, last])
    floor_above = np.zeros_like(safety)
    floor_above[:, last] = np.maximum(0.0, ending - safety[:, last])
    i1 = lp.add_variables(
        (families, periods),
        mask=safety > 0,
        lower=floor_safe,
        upper=safety,
        cost=money * (data.safety_stock_penalty - data.holding_cost),
    )
    i2 = lp.add_variables((families, periods), lower=floor_above, cost=-money * data.holding_cost)
    lp.offset -= money * float((data.safety_stock_penalty * safety).sum())

    # --- demand
    segment = data.line_segment
    backlogged = data.line_backlogged
    due = data.line_due
    weight = form.unmet_weight[segment][:, None]
    lost_value = np.where(
        backlogged[:, None], 0.0, money * data.lost_sale_penalty[segment] + weight
    )
    sales_lower = np.where(backlogged[:, None] | (not form.must_meet_demand), 0.0, due)
    if form.relax_requirements:
        sales_lower = np.zeros_like(due)
    s = lp.add_variables(
        (lines, periods),
        lower=sales_lower,
        upper=np.where(backlogged[:, None], np.inf, due),
        cost=(data.price if form.revenue else 0.0) + lost_value,
    )
    lp.offset -= float((lost_value * due).sum())
    clear = data.clear_backlog_by_end[segment] | form.must_meet_demand
    backlog_upper = np.full((lines, periods), np.inf)
    if not form.relax_requirements:
        backlog_upper[clear, last] = 0.0
    b = lp.add_variables(
        (lines, periods),
        mask=backlogged[:, None],
        upper=backlog_upper,
        cost=-(money * data.backlog_cost[segment] + weight),
    )

    # --- capacity
    workforce = data.workforce[:, None]
    fixed = ~workforce
    o = lp.add_variables(
        (resources, periods),
        upper=np.where(fixed, data.max_overtime_hours, data.workforce_overtime_cap),
        cost=-money
        * np.where(
            fixed, data.overtime_hour_cost - data.regular_hour_cost, data.overtime_hour_cost
        ),
    )
    crew = np.broadcast_to(workforce, (resources, periods))
    w = lp.add_variables(
        (resources, periods),
        mask=crew,
        lower=data.min_workers,
        upper=data.max_workers,
        cost=-money * data.wage_per_hour * data.hours_per_worker,
        integer=integer,
    )
    hired = lp.add_variables(
        (resources, periods), mask=crew, cost=-money * data.hire_cost, integer=integer
    )
    laid_off = lp.add_variables(
        (resources, periods), mask=crew, cost=-money * data.layoff_cost, integer=integer
    )
    z = lp.add_variables(
        (len(data.expansion_codes),),
        lower=data.expansion_committed.astype(float),
        upper=1.0,
        cost=-money * data.expansion_cost,
        integer=integer,  # linear mode takes a step in part, as it hires part of a worker
    )

    # --- inventory balance: I[t] - I[t-1] - x - y + sum_d s[d] = initial (t = 0) or 0
    rhs = np.zeros((families, periods))
    rhs[:, 0] = data.initial_inventory
    inventory = lp.add_constraints((families, periods), lower=rhs, upper=rhs)
    for stock in (i1, i2):
        lp.add_terms(inventory, stock, 1.0)
        lp.add_terms(inventory[:, 1:], stock[:, :-1], -1.0)
    lp.add_terms(inventory, x, -1.0)
    lp.add_terms(inventory, y, -1.0)
    lp.add_terms(inventory[data.line_family], s, 1.0)

    # --- backlog balance: B[t] - B[t-1] + s[t] = demand[t] (+ initial backlog at t = 0)
    rhs = data.quantity.copy()
    rhs[:, 0] += data.initial_backlog
    backlog = lp.add_constraints((lines, periods), mask=backlogged[:, None], lower=rhs, upper=rhs)
    lp.add_terms(backlog, b, 1.0)
    lp.add_terms(backlog[:, 1:], b[:, :-1], -1.0)
    lp.add_terms(backlog, s, 1.0)

    # --- capacity: load - overtime - workforce hours - expansion hours <= regular - committed
    capacity = lp.add_constraints(
        (resources, periods),
        upper=np.where(fixed, data.regular_hours, 0.0)
        - data.committed_hours
        + rounding_slack(data),
    )
    loading = routed_by_load_period(data, x, missing=-1)  # production loading each row
    lp.add_terms(capacity[data.routing_resource], loading, data.routing_hours[:, None])
    lp.add_terms(capacity, o, -1.0)
    lp.add_terms(capacity, w, -data.hours_per_worker)
    lp.add_terms(capacity[data.expansion_resource], z[:, None], -data.expansion_hours)

    # --- workforce: W[t] - W[t-1] - H + L = initial workers (t = 0) or 0; O <= W x limit
    rhs = np.zeros((resources, periods))
    rhs[:, 0] = data.initial_workers
    balance = lp.add_constraints((resources, periods), mask=crew, lower=rhs, upper=rhs)
    lp.add_terms(balance, w, 1.0)
    lp.add_terms(balance[:, 1:], w[:, :-1], -1.0)
    lp.add_terms(balance, hired, -1.0)
    lp.add_terms(balance, laid_off, 1.0)
    limit = lp.add_constraints((resources, periods), mask=crew, upper=0.0)
    lp.add_terms(limit, o, 1.0)
    lp.add_terms(limit, w, -data.overtime_hours_per_worker)

    # --- where overtime is cheaper than a regular hour, regular hours are still used first
    regular_first = lp.add_constraints(
        (resources, periods),
        mask=fixed & (data.overtime_hour_cost < data.regular_hour_cost),
        lower=-data.committed_hours,
    )
    lp.add_terms(regular_first[data.routing_resource], loading, data.routing_hours[:, None])
    lp.add_terms(regular_first, o, -1.0)

    service_row = -1
    if form.service_cap is not None:
        weights, cap = form.service_cap
        line_weight = weights[segment][:, None]
        lost = ~backlogged[:, None]
        row = lp.add_constraints((1,), upper=cap - float((line_weight * due * lost).sum()))
        service_row = int(row[0])
        lp.add_terms(row[0], b, line_weight)
        lp.add_terms(row[0], s, np.where(lost, -line_weight, 0.0))

    if form.relax_requirements:
        shortfall = _requirement_slacks(lp, data, form, i1=i1, i2=i2, s=s, b=b)

    layout = Layout(
        production=x,
        outsourced=y,
        stock_to_safety=i1,
        stock_above=i2,
        sales=s,
        backlog=b,
        overtime=o,
        workers=w,
        hired=hired,
        laid_off=laid_off,
        expansion=z,
        inventory_rows=inventory,
        capacity_rows=capacity,
        service_row=service_row,
        shortfall=shortfall,
    )
    return lp.finish(), layout


def _requirement_slacks(
    lp: Builder, data: ProblemData, form: Formulation, *, i1: Ints, i2: Ints, s: Ints, b: Ints
) -> dict[str, Ints]:
    """Diagnosis rows: each hard requirement met up to a slack variable of cost -1 per unit.

    Returns, per requirement kind, the slack ids (per family or per demand line)."""
    last = data.periods_count - 1
    families = len(data.family_codes)
    lines = len(data.line_family)
    slacks: dict[str, Ints] = {}
    ending = data.min_ending_inventory
    needs = ending > 0
    slack = lp.add_variables((families,), mask=needs, cost=-1.0)
    rows = lp.add_constraints((families,), mask=needs, lower=ending)
    lp.add_terms(rows, i1[:, last], 1.0)
    lp.add_terms(rows, i2[:, last], 1.0)
    lp.add_terms(rows, slack, 1.0)
    slacks["min_ending_inventory"] = slack

    backlogged = data.line_backlogged
    clear = data.clear_backlog_by_end[data.line_segment] | form.must_meet_demand
    cleared = backlogged & clear
    slack = lp.add_variables((lines,), mask=cleared, cost=-1.0)
    rows = lp.add_constraints((lines,), mask=cleared, upper=0.0)
    lp.add_terms(rows, b[:, last], 1.0)
    lp.add_terms(rows, slack, -1.0)
    slacks["backlog_at_end"] = slack

    if form.must_meet_demand:
        served = ~backlogged
        due = data.line_due
        slack = lp.add_variables((lines,), mask=served, cost=-1.0)
        rows = lp.add_constraints((lines,), mask=served, lower=due.sum(axis=1))
        lp.add_terms(rows[:, None], s, 1.0)
        lp.add_terms(rows, slack, 1.0)
        slacks["lost_demand"] = slack
    return slacks
