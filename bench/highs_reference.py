"""Solve an exported LP directly with ``highspy``: the reference the model's speed is judged by.

Runs in its own process: highspy and OR-Tools each ship a ``libhighs.so.1`` (different
versions, same soname), so the two cannot be loaded into one interpreter.

    python -m bench.highs_reference LP.npz [--solver ipm] [--crossover on]

prints one JSON object: pass/solve seconds (wall and CPU), status, objective, peak memory.
"""

import argparse
import json
import resource
import time

import highspy
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--solver", default="ipm")
    parser.add_argument("--crossover", default="on")
    parser.add_argument("--time-limit", type=float, default=3600)
    args = parser.parse_args()

    arrays = np.load(args.path)
    started = time.perf_counter()
    lp = highspy.HighsLp()
    lp.num_col_ = len(arrays["objective"])
    lp.num_row_ = len(arrays["row_lower"])
    lp.col_cost_ = -arrays["objective"]  # the model maximises; HiGHS minimises by default
    lp.col_lower_ = arrays["lower"]
    lp.col_upper_ = arrays["upper"]
    lp.row_lower_ = arrays["row_lower"]
    lp.row_upper_ = arrays["row_upper"]
    lp.offset_ = -float(arrays["offset"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = arrays["row_starts"].astype(np.int32)
    lp.a_matrix_.index_ = arrays["columns"].astype(np.int32)
    lp.a_matrix_.value_ = arrays["values"]
    if arrays["integer"].any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in arrays["integer"]
        ]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", args.solver)
    highs.setOptionValue("run_crossover", args.crossover)
    highs.setOptionValue("time_limit", args.time_limit)
    highs.passModel(lp)
    passed, cpu = time.perf_counter(), time.process_time()
    highs.run()
    solved, cpu = time.perf_counter(), time.process_time() - cpu
    info = highs.getInfo()
    print(
        json.dumps(
            {
                "pass_seconds": passed - started,
                "solve_seconds": solved - passed,
                "solve_cpu_seconds": cpu,
                "status": highs.modelStatusToString(highs.getModelStatus()),
                "objective": -info.objective_function_value,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
