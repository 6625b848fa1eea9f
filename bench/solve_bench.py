"""Speed of the reconciliation model against the raw solver.

    python -m bench.solve_bench [--sizes 100 1000 5000] [--options] [--repeat 3]
                                [--no-reference]

Per size (F families x 24 months x 3 segments, see ``bench/planning_problems.py``) it prints:
model build time (arrays -> LP), solve time (HiGHS through MathOpt), the whole ``solve()``
(validation, build, solve, decode, explanation, escalation items; options off unless
``--options``), the LP size, and the same LP exported as a matrix and solved directly with
``highspy`` (interior point with crossover, the algorithm ``solve()`` uses; and interior point
alone, the fastest raw variant), the ratio of ``solve()`` to the raw solve in wall-clock and
in CPU time (steadier on a shared machine; without options only), and peak memory.

Each measurement runs in its own process so peak memory is per size, and because highspy
and OR-Tools ship clashing copies of ``libhighs.so.1`` (see bench/highs_reference.py).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SIZES = (100, 1000)


def _worker(families: int, periods: int, export: str | None, with_options: bool) -> None:
    """Run one ``solve()`` in this process and print its timings as JSON."""
    from bench.planning_problems import synthetic_problem
    from gateway.solver.build import build_model
    from gateway.solver.data import problem_data
    from gateway.solver.model import solve
    from gateway.solver.optimise import money_formulation
    from gateway.solver.problem import SolveOptions

    started = time.perf_counter()
    problem = synthetic_problem(
        families,
        periods=periods,
        options=SolveOptions(compute_options=with_options, time_limit_seconds=3600),
    )
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    solution = solve(problem)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = solution.stats
    result: dict[str, Any] = {
        "families": families,
        "generate_seconds": generated,
        "build_seconds": stats.build_seconds,
        "solve_seconds": stats.solve_seconds,
        "total_seconds": total,
        "total_cpu_seconds": cpu,
        "options_seconds": stats.options_seconds,
        "option_solves": stats.option_solves,
        "escalations": len(solution.escalations),
        "variables": stats.variables,
        "constraints": stats.constraints,
        "termination": stats.termination,
        "objective": stats.objective_value,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if export:
        data = problem_data(problem)
        lp, _ = build_model(data, money_formulation(data, problem.options))
        result["nonzeros"] = len(lp.values)
        np.savez(
            export,
            objective=lp.objective,
            offset=lp.offset,
            lower=lp.lower,
            upper=lp.upper,
            integer=lp.integer,
            row_lower=lp.row_lower,
            row_upper=lp.row_upper,
            row_starts=lp.row_starts(),
            columns=lp.columns,
            values=lp.values,
        )
    print(json.dumps(result))


def _run_json(arguments: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _best(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return min(runs, key=lambda run: float(run[key]))


def measure(
    families: int, *, periods: int, reference: bool, with_options: bool, repeat: int
) -> dict[str, Any]:
    """Best of ``repeat`` runs of each (ours and the references interleaved, since a shared
    machine's load drifts)."""
    ours: list[dict[str, Any]] = []
    raw: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        export = str(Path(folder) / "lp.npz")
        for _ in range(repeat):
            ours.append(
                _run_json(
                    ["-m", "bench.solve_bench", "--worker", str(families)]
                    + ["--periods", str(periods)]
                    + (["--export", export] if reference else [])
                    + (["--options"] if with_options else [])
                )
            )
            if reference:
                raw.append(_run_json(["-m", "bench.highs_reference", export]))
                bare.append(
                    _run_json(["-m", "bench.highs_reference", export, "--crossover", "off"])
                )
    result = _best(ours, "total_seconds")
    result["total_cpu_seconds"] = min(run["total_cpu_seconds"] for run in ours)
    if reference:
        result["highspy"] = _best(raw, "solve_seconds")
        result["highspy"]["solve_cpu_seconds"] = min(run["solve_cpu_seconds"] for run in raw)
        result["highspy_no_crossover"] = _best(bare, "solve_seconds")
    return result


def _row(result: dict[str, Any]) -> list[str]:
    raw = result.get("highspy", {})
    bare = result.get("highspy_no_crossover", {})
    solve_time = result["total_seconds"] - result["options_seconds"]
    cpu = result["total_cpu_seconds"]
    cells = [
        f"{result['families']:,}",
        f"{result['variables']:,}",
        f"{result['constraints']:,}",
        f"{result['nonzeros']:,}" if "nonzeros" in result else "-",
        f"{result['build_seconds']:.3f}",
        f"{result['solve_seconds']:.2f}",
        f"{solve_time:.2f}",
        f"{raw['solve_seconds']:.2f}" if raw else "-",
        f"{solve_time / raw['solve_seconds']:.2f}" if raw else "-",
        f"{cpu / raw['solve_cpu_seconds']:.2f}" if raw and not result["option_solves"] else "-",
        f"{bare['solve_seconds']:.2f}" if bare else "-",
        f"{100 * result['build_seconds'] / result['solve_seconds']:.1f}%",
        f"{result['peak_mb']:.0f}",
        f"{raw['peak_mb']:.0f}" if raw else "-",
    ]
    if result["option_solves"]:
        cells += [
            f"{result['escalations']}",
            f"{result['options_seconds']:.1f} ({result['option_solves']})",
            f"{result['total_seconds'] / solve_time:.2f}",
        ]
    return cells


HEADER = [
    "families",
    "variables",
    "constraints",
    "nonzeros",
    "build s",
    "solve s",
    "solve() s",
    "highspy s",
    "ratio",
    "CPU ratio",
    "highspy no-xover s",
    "build/solve",
    "peak MB",
    "highspy MB",
]
OPTIONS_HEADER = ["items", "options s (solves)", "x with options"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--options", action="store_true", help="also compute escalation options")
    parser.add_argument("--no-reference", action="store_true", help="skip the highspy reference")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.periods, args.export, args.options)
        return
    header = HEADER + (OPTIONS_HEADER if args.options else [])
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for size in args.sizes:
        result = measure(
            size,
            periods=args.periods,
            reference=not args.no_reference,
            with_options=args.options,
            repeat=args.repeat,
        )
        print(" | ".join(_row(result)), flush=True)


if __name__ == "__main__":
    main()
