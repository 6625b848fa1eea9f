"""Synthetic planning problems with the structure of a real S&OP company, for the benches.

F families x T months x 3 segments (strategic key accounts that backlog, a regular segment
that backlogs, a spot segment that loses unmet sales); R = max(2, F // 50) resources, every
fourth one workforce-driven; each family runs on one or two resources; demand is seasonal
with a peak in the fourth quarter; resource 0 is a real bottleneck (regular hours 72% of its
average load, 12% overtime and one capacity step after a 3-month lead time),
the others have 20-60% headroom on average, less at the peak. Deterministic for a seed.
"""

import numpy as np

from gateway.solver.problem import (
    ExpansionInput,
    FamilyInput,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
    UnmetDemand,
    WorkforceInput,
)
from shared.periods import horizon


def synthetic_problem(
    families: int,
    *,
    periods: int = 24,
    seed: int = 7,
    start: str = "2026-01",
    options: SolveOptions | None = None,
) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    months = horizon(start, periods)
    resources = max(2, families // 50)
    month_of_year = np.arange(periods) % 12
    season = 1 + 0.35 * np.sin((month_of_year - 6.5) / 12 * 2 * np.pi)  # peak Oct-Nov

    segments = [
        SegmentInput(
            code="KEY",
            priority=1,
            strategic=True,
            fill_rate_target=0.98,
            unmet=UnmetDemand.backlog,
            backlog_cost=4.0,
        ),
        SegmentInput(
            code="RETAIL",
            priority=3,
            fill_rate_target=0.95,
            unmet=UnmetDemand.backlog,
            backlog_cost=2.5,
        ),
        SegmentInput(
            code="SPOT",
            priority=5,
            fill_rate_target=0.9,
            unmet=UnmetDemand.lost,
            lost_sale_penalty=5.0,
        ),
    ]
    share = np.array([0.3, 0.5, 0.2])
    price_factor = np.array([0.92, 1.0, 1.08])  # key accounts pay least: priority must win

    base = rng.uniform(200, 2000, size=families)
    unit_cost = rng.uniform(20, 80, size=families)
    margin = rng.uniform(1.3, 1.9, size=families)
    growth = 1 + rng.uniform(-0.002, 0.01, size=families)[:, None] ** 1 * np.arange(periods)
    noise = rng.normal(1, 0.08, size=(families, 3, periods)).clip(0.5, None)
    quantity = (
        base[:, None, None]
        * share[None, :, None]
        * season[None, None, :]
        * growth[:, None, :]
        * noise
    ).round()

    primary = rng.integers(0, resources, size=families)
    secondary = rng.integers(0, resources, size=families)
    two = (rng.random(families) < 0.5) & (secondary != primary)
    hours_primary = rng.uniform(0.05, 0.4, size=families)
    hours_secondary = rng.uniform(0.02, 0.2, size=families)

    routings: list[RoutingInput] = []
    load = np.zeros((resources, periods))
    total = quantity.sum(axis=1)
    for f in range(families):
        routings.append(
            RoutingInput(
                family=f"F{f:05d}",
                resource=f"R{primary[f]:03d}",
                hours_per_unit=round(float(hours_primary[f]), 4),
            )
        )
        load[primary[f]] += total[f] * hours_primary[f]
        if two[f]:
            routings.append(
                RoutingInput(
                    family=f"F{f:05d}",
                    resource=f"R{secondary[f]:03d}",
                    hours_per_unit=round(float(hours_secondary[f]), 4),
                )
            )
            load[secondary[f]] += total[f] * hours_secondary[f]

    family_inputs = [
        FamilyInput(
            code=f"F{f:05d}",
            variable_cost=round(float(unit_cost[f]), 2),
            holding_cost=round(float(unit_cost[f]) * 0.02, 3),
            initial_inventory=round(float(base[f]) * 0.5),
            safety_stock=round(float(base[f]) * 0.3),
            safety_stock_penalty=round(float(unit_cost[f]) * 0.25, 3),
            outsource_cost=round(float(unit_cost[f]) * 1.6, 2),
            outsource_limit=round(float(base[f]) * 0.1),
        )
        for f in range(families)
    ]
    demand = [
        SegmentDemand(
            family=f"F{f:05d}",
            segment=segments[s].code,
            quantity=quantity[f, s].tolist(),
            price=round(float(unit_cost[f] * margin[f] * price_factor[s]), 2),
        )
        for f in range(families)
        for s in range(3)
    ]

    resource_inputs = []
    mean_load = load.mean(axis=1)
    for r in range(resources):
        headroom = 0.72 if r == 0 else rng.uniform(1.2, 1.6)
        regular = float(mean_load[r] * headroom) + 1.0
        if r % 4 == 3:  # workforce-driven: 160 hours per worker and month
            workers = round(regular / 160)
            resource_inputs.append(
                ResourceInput(
                    code=f"R{r:03d}",
                    overtime_hour_cost=45.0,
                    workforce=WorkforceInput(
                        initial_workers=workers,
                        hours_per_worker=160,
                        wage_per_hour=25.0,
                        hire_cost=3000.0,
                        layoff_cost=4000.0,
                        overtime_hours_per_worker=24,
                        min_workers=round(workers * 0.7),
                        max_workers=round(workers * 1.4) + 1,
                    ),
                )
            )
        else:
            resource_inputs.append(
                ResourceInput(
                    code=f"R{r:03d}",
                    regular_hours=round(regular, 1),
                    max_overtime_hours=round(regular * 0.12, 1),
                    regular_hour_cost=20.0,
                    overtime_hour_cost=38.0,
                )
            )
    expansions = [
        ExpansionInput(
            code="R000-SHIFT",
            resource="R000",
            extra_hours=round(float(mean_load[0]) * 0.1, 1),
            fixed_cost=round(float(mean_load[0]) * 0.1 * 20.0 * 6, 2),
            lead_time_periods=3,
        )
    ]
    return PlanningProblem(
        periods=months,
        families=family_inputs,
        segments=segments,
        demand=demand,
        resources=resource_inputs,
        routings=routings,
        expansions=expansions,
        options=options or SolveOptions(),
    )
