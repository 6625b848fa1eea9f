"""Solve a ``LinearProgram`` with HiGHS through OR-Tools MathOpt.

The ``ModelProto`` is filled straight from the arrays (no per-variable Python objects) and
handed to MathOpt's core ``solve``. Linear programs use the interior-point method by default:
on these models it was the fastest measured (bench/solve_bench.py; MathOpt alone would run
HiGHS simplex). HiGHS 1.12 inside OR-Tools needs crossover to report an optimal status, so
crossover stays on (the vertex solution also gives cleaner plans). Every solve has a time
limit.
"""

import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
    sparse_containers_pb2,
)
from ortools.math_opt.core.python import solver
from pybind11_abseil.status import StatusNotOk

from gateway.solver.lp import Floats, LinearProgram
from gateway.solver.problem import LpAlgorithm

SOLVER_NAME = "HiGHS via OR-Tools MathOpt"

_ALGORITHMS = {
    LpAlgorithm.barrier: parameters_pb2.LP_ALGORITHM_BARRIER,
    LpAlgorithm.dual_simplex: parameters_pb2.LP_ALGORITHM_DUAL_SIMPLEX,
    LpAlgorithm.primal_simplex: parameters_pb2.LP_ALGORITHM_PRIMAL_SIMPLEX,
}
_TERMINATIONS = {
    result_pb2.TERMINATION_REASON_OPTIMAL: "optimal",
    result_pb2.TERMINATION_REASON_FEASIBLE: "feasible",
    result_pb2.TERMINATION_REASON_INFEASIBLE: "infeasible",
    result_pb2.TERMINATION_REASON_UNBOUNDED: "unbounded",
    result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED: "infeasible_or_unbounded",
    result_pb2.TERMINATION_REASON_IMPRECISE: "imprecise",
    result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND: "no_solution_found",
    result_pb2.TERMINATION_REASON_NUMERICAL_ERROR: "numerical_error",
    result_pb2.TERMINATION_REASON_OTHER_ERROR: "other_error",
}


@dataclass(frozen=True)
class SolverRun:
    termination: str
    detail: str
    primal: Floats | None  # variable values, when a feasible point was found
    duals: Floats | None  # d objective / d row bound, for linear programs solved to a basis
    objective: float | None
    relative_gap: float | None
    seconds: float  # the solver's own run
    proto_seconds: float = 0.0  # filling the ModelProto from the arrays (part of the build)

    @property
    def has_solution(self) -> bool:
        return self.primal is not None


def model_proto(lp: LinearProgram) -> model_pb2.ModelProto:
    model = model_pb2.ModelProto()
    n, m = lp.variables_count, lp.constraints_count
    model.variables.ids.extend(np.arange(n, dtype=np.int64))
    model.variables.lower_bounds.extend(lp.lower)
    model.variables.upper_bounds.extend(lp.upper)
    model.variables.integers.extend(lp.integer)
    model.objective.maximize = True
    model.objective.offset = lp.offset
    nonzero = np.flatnonzero(lp.objective)
    model.objective.linear_coefficients.ids.extend(nonzero)
    model.objective.linear_coefficients.values.extend(lp.objective[nonzero])
    model.linear_constraints.ids.extend(np.arange(m, dtype=np.int64))
    model.linear_constraints.lower_bounds.extend(lp.row_lower)
    model.linear_constraints.upper_bounds.extend(lp.row_upper)
    matrix = model.linear_constraint_matrix
    matrix.row_ids.extend(lp.rows)
    matrix.column_ids.extend(lp.columns)
    matrix.coefficients.extend(lp.values)
    return model


def _dense(vector: sparse_containers_pb2.SparseDoubleVectorProto, size: int) -> Floats:
    ids = np.asarray(vector.ids, dtype=np.int64)
    values = np.asarray(vector.values, dtype=np.float64)
    if len(ids) == size:
        return values
    out = np.zeros(size)
    out[ids] = values
    return out


def solve_lp(
    lp: LinearProgram,
    *,
    time_limit: float,
    relative_gap: float = 1e-4,
    algorithm: LpAlgorithm = LpAlgorithm.barrier,
) -> SolverRun:
    """Solve (maximise) ``lp``; the answer says how it terminated, never raises on status."""
    started = time.perf_counter()
    model = model_proto(lp)
    proto_seconds = time.perf_counter() - started
    started = time.perf_counter()
    params = parameters_pb2.SolveParametersProto()
    params.time_limit.seconds = int(time_limit)
    params.time_limit.nanos = int((time_limit - int(time_limit)) * 1e9)
    params.enable_output = False
    if lp.is_mip:
        params.relative_gap_tolerance = relative_gap
    else:
        params.lp_algorithm = _ALGORITHMS[algorithm]
    try:
        result = solver.solve(
            model,
            parameters_pb2.SOLVER_TYPE_HIGHS,
            parameters_pb2.SolverInitializerProto(),
            params,
            model_parameters_pb2.ModelSolveParametersProto(),
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
    except StatusNotOk as error:  # HiGHS ended in a state MathOpt cannot map
        return SolverRun(
            "other_error", str(error), None, None, None, None, _since(started), proto_seconds
        )
    termination = _TERMINATIONS.get(result.termination.reason, "other_error")
    primal: Floats | None = None
    duals: Floats | None = None
    objective: float | None = None
    for candidate in result.solutions:
        if candidate.HasField("primal_solution") and primal is None:
            feasible = candidate.primal_solution.feasibility_status
            if feasible == solution_pb2.SOLUTION_STATUS_FEASIBLE or termination == "imprecise":
                primal = _dense(candidate.primal_solution.variable_values, lp.variables_count)
                objective = candidate.primal_solution.objective_value
        if candidate.HasField("dual_solution") and duals is None and not lp.is_mip:
            duals = _dense(candidate.dual_solution.dual_values, lp.constraints_count)
    gap: float | None = None
    if lp.is_mip and objective is not None:
        bound = result.termination.objective_bounds.dual_bound
        gap = abs(bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound) else None
    elif objective is not None and termination == "optimal":
        gap = 0.0
    return SolverRun(
        termination=termination,
        detail=result.termination.detail,
        primal=primal,
        duals=duals,
        objective=objective,
        relative_gap=gap,
        seconds=_since(started),
        proto_seconds=proto_seconds,
    )


def _since(started: float) -> float:
    return time.perf_counter() - started
