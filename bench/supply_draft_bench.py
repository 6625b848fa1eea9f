"""Drafting a supply plan (``services.supply.plans.strategies.draft_lines``) at scale.

F families x 24 months on F // 50 resources (at least 2), one routing per family, a third of
them one month of lead time; demand 50-150 a month, 0.5 h a unit, so the resources run near
their ceiling and the levers (pre-build, outsourcing, short) all work. Deterministic (seed 1).

    python -m bench.supply_draft_bench --families 100 1000
"""

import argparse
import random
import time

from services.supply.plans.strategies import draft_lines
from shared.contracts.supply import InventoryPolicyBase, RoutingBase, SupplyStrategy
from shared.periods import horizon

MONTHS = 24
START = "2027-01"


def run(families: int) -> None:
    rng = random.Random(1)
    periods = horizon(START, MONTHS)
    resources = [f"R{i}" for i in range(max(2, families // 50))]
    codes = [f"F{i:05d}" for i in range(families)]
    demand = {code: {p: float(rng.randint(50, 150)) for p in periods} for code in codes}
    routings = [
        RoutingBase(
            family_code=code,
            resource_code=rng.choice(resources),
            hours_per_unit=0.5,
            lead_time_offset=rng.choice([0, 0, 1]),
        )
        for code in codes
    ]
    # 50 families of 100 units x 0.5 h = 2,500 h a month per resource: 2,200 + 200 overtime.
    months = horizon("2026-12", MONTHS + 1)
    regular = {(r, p): 2200.0 for r in resources for p in months}
    overtime = {key: 200.0 for key in regular}
    policies = [
        InventoryPolicyBase(family_code=code, initial_on_hand=100, max_outsourced_per_period=10)
        for code in codes
    ]
    for strategy in SupplyStrategy:
        started = time.perf_counter()
        lines = draft_lines(
            strategy=strategy,
            periods=periods,
            demand=demand,
            safety_stock={code: [20.0] * MONTHS for code in codes},
            routings=routings,
            regular_hours=regular,
            overtime_hours_cap=overtime,
            policies=policies,
        )
        seconds = time.perf_counter() - started
        outsourced = sum(line.outsourced for line in lines)
        print(
            f"{families:>6} families {strategy.value:<5} {len(lines):>7} lines "
            f"{seconds:6.2f} s  outsourced {outsourced:,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, nargs="+", default=[100, 1000])
    for families in parser.parse_args().families:
        run(families)


if __name__ == "__main__":
    main()
