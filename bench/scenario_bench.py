"""What-if re-solves, warm against cold.

    python -m bench.scenario_bench [--families 1000] [--periods 24]

On a synthetic company (``bench/planning_problems.py``) it holds one warm model of the base
(``gateway.solver.warm``) and, for each what-if (one family's demand +10 % in one month, the
bottleneck's regular hours -30 % for three months, a family's price +8 %), prints the warm
re-solve (arrays, comparison, in-place edits and the dual simplex from the last basis), the
cold solve of the same changed problem as ``solve()`` runs it (build + HiGHS through
MathOpt), their ratio, the relative objective difference and the largest bound or row
violation of the warm plan. Decoding the whole solution (totals, KPIs, lines; options off)
is reported apart. Times vary with the machine's load: nothing here is asserted.
"""

import argparse
import time

from bench.planning_problems import synthetic_problem
from gateway.solver.build import build_model
from gateway.solver.changes import CapacityChange, DemandChange, PlanChange, PriceChange
from gateway.solver.data import problem_data
from gateway.solver.optimise import money_formulation, optimise
from gateway.solver.problem import PlanningProblem, SolveOptions
from gateway.solver.warm import lp_violation, warm_model


def what_ifs(problem: PlanningProblem) -> dict[str, list[PlanChange]]:
    family = problem.families[len(problem.families) // 2].code
    months = problem.periods
    return {
        "demand +10% one family, one month": [
            DemandChange(family=family, periods=[months[6]], value=10)
        ],
        "capacity -30% R000, three months": [
            CapacityChange(resource="R000", periods=months[3:6], value=-30)
        ],
        "price +8% one family": [PriceChange(family=family, value=8)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=24)
    args = parser.parse_args()
    options = SolveOptions(compute_options=False, time_limit_seconds=600)
    base = synthetic_problem(args.families, periods=args.periods, options=options)
    started = time.perf_counter()
    model, first = warm_model(base)
    print(
        f"{args.families} families x {args.periods} months: first (cold) highspy solve"
        f" {time.perf_counter() - started:.2f} s, {first.optimum.variables:,} variables,"
        f" {first.optimum.constraints:,} rows"
    )
    header = (
        f"{'what-if':36} {'path':5} {'warm s':>8} {'cold s':>8} {'ratio':>7}"
        f" {'rel. obj. diff':>14} {'violation':>10} {'solution s':>10}"
    )
    print(header)
    for name, changes in what_ifs(base).items():
        started = time.perf_counter()
        warm = model.resolve(changes)
        warm_seconds = time.perf_counter() - started
        started = time.perf_counter()
        warm.solution()
        solution_seconds = time.perf_counter() - started

        changed = warm.problem
        started = time.perf_counter()
        data = problem_data(changed)
        cold = optimise(data, changed.options)
        cold_seconds = time.perf_counter() - started

        lp, _ = build_model(data, money_formulation(data, changed.options))
        violation = lp_violation(lp, warm.primal) if warm.primal is not None else float("nan")
        assert warm.optimum.objective is not None and cold.objective is not None
        difference = abs(warm.optimum.objective - cold.objective) / max(abs(cold.objective), 1)
        print(
            f"{name:36} {warm.path.value:5} {warm_seconds:8.3f} {cold_seconds:8.2f}"
            f" {warm_seconds / cold_seconds:7.2%} {difference:14.2e} {violation:10.2e}"
            f" {solution_seconds:10.2f}"
        )


if __name__ == "__main__":
    main()
