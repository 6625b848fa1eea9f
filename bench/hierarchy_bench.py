"""Benchmark of the hierarchical forecast on the demo's item history: seconds per family.

Run: ``.venv/bin/python -m bench.hierarchy_bench [--families 20] [--method auto_ets]
[--all-methods]`` (local, one process).

For each demo family, what ``POST /forecasts/hierarchical`` does after reading the item
history: the tree (family > segment > item > item x location), a base forecast of every node
by one statsforecast model with in-sample fitted values (12 months ahead), then each
reconciliation method of hierarchicalforecast (default: bottom-up, MinT shrink, top-down by
forecast proportions; ``--all-methods``: all seven). Prints nodes and seconds per family and
the total, wall clock and CPU (the time the machine's load does not inflate), and the largest
incoherence found (a node minus the sum of its bottom series).
"""

import argparse
import datetime as dt
import time
from collections import defaultdict

import numpy as np

from services.demand.hierarchy import reconcile
from services.demand.hierarchy.models import DEFAULT_RECONCILIATION
from shared.contracts.demand import ForecastMethod
from shared.periods import horizon, months_between
from sop.demo import build_demo

TODAY = dt.date(2026, 11, 22)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=20)
    parser.add_argument("--method", default="auto_ets", choices=[m.value for m in ForecastMethod])
    parser.add_argument("--all-methods", action="store_true")
    args = parser.parse_args()
    methods = list(reconcile.ReconcileMethod) if args.all_methods else DEFAULT_RECONCILIATION
    data = build_demo(TODAY)
    family_of = {item.code: item.family_code for item in data.below_family.items}
    by_family: dict[str, dict[tuple[str, str, str, str], dict[str, float]]] = defaultdict(dict)
    for row in data.below_family.history:
        family = family_of[row.item_code]
        key = (family, row.segment_code, row.item_code, row.location_code)
        by_family[family].setdefault(key, {})[row.period] = row.quantity
    first = min(row.period for row in data.below_family.history)
    last = max(row.period for row in data.below_family.history)
    periods = horizon(first, months_between(first, last) + 1)
    total = cpu_total = 0.0
    worst = 0.0
    for family in sorted(by_family)[: args.families]:
        started, cpu_started = time.perf_counter(), time.process_time()
        tree = reconcile.build_tree(by_family[family], periods)
        base, fitted = reconcile.base_forecasts(
            tree, horizon=12, method=ForecastMethod(args.method), season_length=12
        )
        usable = [
            m
            for m in methods
            if m != reconcile.ReconcileMethod.top_down_forecast_proportions
            or len({key[1] for key in by_family[family]}) > 1
        ]
        coherent = reconcile.reconcile(tree, base=base, fitted=fitted, methods=usable)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        total += seconds
        cpu_total += cpu
        s_matrix = tree.S.set_index("unique_id")
        bottom = list(s_matrix.columns)
        for method in usable:
            table = coherent.pivot(index="unique_id", columns="ds", values=method.value)
            implied = s_matrix.to_numpy() @ table.loc[bottom].to_numpy()
            worst = max(worst, float(np.abs(table.loc[s_matrix.index].to_numpy() - implied).max()))
        print(f"{family:12s} {len(s_matrix):4d} nodes {seconds:7.2f} s ({cpu:.2f} s CPU)")
    count = min(args.families, len(by_family))
    print(
        f"total {total:.1f} s ({cpu_total:.1f} s CPU) for {count} families "
        f"({total / count:.2f} s a family); largest incoherence {worst:.2e}"
    )


if __name__ == "__main__":
    main()
