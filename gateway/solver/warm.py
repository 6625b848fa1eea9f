"""Warm re-solves: a persistent HiGHS model kept with its basis, changed in place.

A cold solve builds the LP from the problem's arrays and hands it to MathOpt, which forgets
everything when it returns. A ``WarmModel`` holds the same LP (``build.build_model``) in a
``highspy.Highs`` object of its own. Moving it to another problem (the base with a
scenario's changes) rebuilds the arrays, compares them with the ones it holds and, where the
structure is the same (the same variables and rows; a matrix entry may appear or vanish),
passes only what moved as bound, cost, coefficient and offset changes, then re-solves by
dual simplex from the last basis (primal simplex where the costs moved for ``service_first``:
its first stage is a cost vector on the same model, its second adds one row, taken out again
by the next re-solve). Anything else runs cold and the model is rebuilt from the new LP: the
answer names the path and why.

Cold because the structure changed: a variable or row appears or goes (an outsourcing limit
opened from zero, a capacity step ruled out, a segment switching between backlog and lost
sales), or the problem is integer.
"""

import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import highspy
import numpy as np

from gateway.solver.backend import SOLVER_NAME as COLD_SOLVER
from gateway.solver.build import Formulation, Layout, build_model
from gateway.solver.changes import PlanChange, apply_changes
from gateway.solver.data import Floats, ProblemData, problem_data
from gateway.solver.decode import plan_of
from gateway.solver.lp import LinearProgram
from gateway.solver.optimise import (
    Optimum,
    margin_stage,
    money_formulation,
    optimise,
    service_note,
    service_stage,
)
from gateway.solver.priority import priority_ranks
from gateway.solver.problem import LpAlgorithm, Objective, PlanningProblem
from gateway.solver.solution import Solution
from gateway.solver.validation import validate_problem

SOLVER_NAME = "HiGHS via highspy (persistent model)"


class SolvePath(StrEnum):
    warm = "warm"  # changed in place, re-solved from the last basis
    cold = "cold"  # built and solved from scratch


@dataclass(frozen=True)
class LpEdits:
    """What moved between two LPs of the same structure (indices into the columns, rows or
    matrix entries, and the new values)."""

    columns: Any  # ids whose bounds changed
    costs: Any  # ids whose objective coefficient changed
    rows: Any  # ids whose bounds changed
    coefficients: Any  # (row, column, value) rows of the matrix entries that changed
    offset: bool

    @property
    def count(self) -> int:
        return len(self.columns) + len(self.costs) + len(self.rows) + len(self.coefficients)


def structure_change(current: LinearProgram, target: LinearProgram) -> str | None:
    """Why ``target`` cannot be reached from ``current`` by changing values in place, or
    None when it can: the same columns, rows and integrality (matrix entries may appear or
    vanish: HiGHS inserts or drops a coefficient set in place)."""
    if current.variables_count != target.variables_count:
        return f"variables {current.variables_count} -> {target.variables_count}"
    if current.constraints_count != target.constraints_count:
        return f"constraints {current.constraints_count} -> {target.constraints_count}"
    if target.is_mip or current.is_mip:
        return "integer model"
    return None


def _moved(a: Floats, b: Floats) -> Any:
    """Indices where two float arrays differ (infinities equal to themselves)."""
    return np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))))


def _coefficient_edits(current: LinearProgram, target: LinearProgram) -> Any:
    """(row, column, new value) of every matrix entry that differs, zero where one vanishes."""
    width = max(target.variables_count, 1)
    old = current.rows * width + current.columns
    new = target.rows * width + target.columns
    if np.array_equal(old, new):
        moved = _moved(current.values, target.values)
        return np.column_stack([target.rows[moved], target.columns[moved], target.values[moved]])
    keys = np.union1d(old, new)
    before = np.zeros(len(keys))
    after = np.zeros(len(keys))
    before[np.searchsorted(keys, old)] = current.values
    after[np.searchsorted(keys, new)] = target.values
    moved = _moved(before, after)
    return np.column_stack([keys[moved] // width, keys[moved] % width, after[moved]])


def lp_edits(current: LinearProgram, target: LinearProgram) -> LpEdits:
    """The value changes from ``current`` to ``target`` (same structure: see
    ``structure_change``)."""
    columns = np.union1d(_moved(current.lower, target.lower), _moved(current.upper, target.upper))
    rows = np.union1d(
        _moved(current.row_lower, target.row_lower), _moved(current.row_upper, target.row_upper)
    )
    return LpEdits(
        columns=columns,
        costs=_moved(current.objective, target.objective),
        rows=rows,
        coefficients=_coefficient_edits(current, target),
        offset=current.offset != target.offset,
    )


def lp_violation(lp: LinearProgram, primal: Floats) -> float:
    """The largest amount by which ``primal`` breaks a bound or a row of ``lp`` (0: feasible)."""
    activity = np.zeros(lp.constraints_count)
    np.add.at(activity, lp.rows, lp.values * primal[lp.columns])
    parts = [
        lp.lower - primal,
        primal - lp.upper,
        lp.row_lower - activity,
        activity - lp.row_upper,
    ]
    return float(max((np.max(part, initial=0.0) for part in parts), default=0.0))


@dataclass
class WarmRun:
    """A re-solve: the optimum as the cold path reports it, and how it was reached."""

    problem: PlanningProblem
    data: ProblemData
    optimum: Optimum
    path: SolvePath
    reason: str  # why cold, or what the warm edit changed
    started: float  # perf_counter at the start
    solver: str
    primal: Floats | None = None  # the LP's column values where highspy solved it

    @property
    def seconds(self) -> float:
        """Wall time of the arrays, the comparison and the solve."""
        return self.optimum.build_seconds + self.optimum.solve_seconds

    def solution(self, *, model: "WarmModel | None" = None) -> Solution:
        """The whole solution (decode, explanation, escalations, options) as ``solve`` gives;
        the options re-solve their levers on ``model`` when given (the model this run was
        solved on)."""
        # Imported here: the model's options re-solve their levers on warm models
        # (``options.LeverSolver``), so the model imports this module.
        from gateway.solver.model import solution_of

        self.optimum.notes.append(f"{self.path} solve: {self.reason}")
        return solution_of(
            self.problem,
            self.data,
            self.optimum,
            started=self.started,
            solver=self.solver,
            options_model=model,
        )


def _highs_lp(lp: LinearProgram) -> highspy.HighsLp:
    model = highspy.HighsLp()
    model.num_col_ = lp.variables_count
    model.num_row_ = lp.constraints_count
    model.col_cost_ = lp.objective
    model.col_lower_ = lp.lower
    model.col_upper_ = lp.upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.offset_ = lp.offset
    model.sense_ = highspy.ObjSense.kMaximize
    matrix = model.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_ = lp.variables_count
    matrix.num_row_ = lp.constraints_count
    matrix.start_ = lp.row_starts()
    matrix.index_ = lp.columns
    matrix.value_ = lp.values
    return model


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kTimeLimit: "no_solution_found",
}


@dataclass
class WarmModel:
    """A solved LP kept in HiGHS with its basis; not thread-safe (one re-solve at a time)."""

    base: PlanningProblem
    problem: PlanningProblem
    highs: highspy.Highs = field(repr=False)
    # The LP loaded in ``highs``; None while nothing is (an integer or two-stage problem).
    lp: LinearProgram | None = None
    form: Formulation | None = None
    layout: Layout | None = None
    solves: int = 0
    # Per segment: the weight of unmet demand in the money objectives, when it is not the
    # problem's own (a sub-model re-solved for an option weighs it as the whole plan did).
    unmet_weight: Floats | None = None

    def resolve(self, changes: list[PlanChange]) -> WarmRun:
        """The base with ``changes`` applied, solved warm where the structure allows."""
        return self.move_to(apply_changes(self.base, changes))

    def move_to(self, problem: PlanningProblem, *, reload: bool = True) -> WarmRun:
        """Solve ``problem``; warm from the held model when only values moved. When the
        structure moved, the model is rebuilt from ``problem`` (``reload``) or ``problem``
        is solved cold beside it, leaving the model and its basis as they were."""
        started = time.perf_counter()
        validate_problem(problem)
        data = problem_data(problem)
        reason = cold_reason(problem)
        if reason is not None:
            return _cold(self, problem, data, reason, started)
        if problem.options.objective == Objective.service_first:
            return self._service_first(problem, data, started, reload=reload)
        form, lp, layout = _built(data, problem, self.unmet_weight)
        if self.lp is None:
            return _cold(self, problem, data, "no model held", started, built=(form, lp, layout))
        self._drop_service_row()
        reason = structure_change(self.lp, lp)
        if reason is not None:
            if not reload:
                return self._beside(problem, data, reason, started)
            return _cold(self, problem, data, reason, started, built=(form, lp, layout))
        edits = lp_edits(self.lp, lp)
        _apply(self.highs, lp, edits)
        self.problem, self.form, self.lp, self.layout = problem, form, lp, layout
        _use_dual_simplex(self.highs, problem)
        return self._run(
            problem, data, started, SolvePath.warm, f"{edits.count} value(s) changed in place"
        )

    def _drop_service_row(self) -> None:
        """Take a ``service_first`` re-solve's service row out again (the last row), so the
        held model is back to the money objectives' structure."""
        if self.lp is None or self.layout is None or self.layout.service_row < 0:
            return
        row = self.layout.service_row
        self.highs.deleteRows(1, np.array([row], dtype=np.int32))
        self.lp = _without_last_row(self.lp)
        self.layout = replace(self.layout, service_row=-1)

    def _beside(
        self, problem: PlanningProblem, data: ProblemData, reason: str, started: float
    ) -> WarmRun:
        """``problem`` solved from scratch, the held model untouched."""
        optimum = optimise(data, problem.options, unmet_weight=self.unmet_weight)
        return WarmRun(problem, data, optimum, SolvePath.cold, reason, started, COLD_SOLVER)

    def _service_first(
        self, problem: PlanningProblem, data: ProblemData, started: float, *, reload: bool
    ) -> WarmRun:
        """``service_first``'s two stages on the held model (``optimise`` does them cold):
        the first stage is a change of the cost vector (priority-weighted unmet demand
        only), re-solved by primal simplex from the held basis (its plan stays feasible);
        the second adds the service row (the first stage's optimum and the tolerance) and
        puts the margin back into the costs, re-solved by primal simplex from the first
        stage's basis. A problem of another structure loads the first stage cold."""
        options = problem.options
        stage = service_stage(data, options)
        lp, layout = build_model(data, stage)
        reason = "no model held" if self.lp is None else None
        if reason is None:
            self._drop_service_row()
            assert self.lp is not None
            reason = structure_change(self.lp, lp)
            if reason is not None and not reload:
                return self._beside(problem, data, reason, started)
        if reason is None:
            assert self.lp is not None
            edits = lp_edits(self.lp, lp)
            _apply(self.highs, lp, edits)
            _use_primal_simplex(self.highs, problem)
            path, why = SolvePath.warm, f"{edits.count} value(s) changed in place"
        else:
            _load(self.highs, problem, lp)
            path, why = SolvePath.cold, reason
        self.problem, self.form, self.lp, self.layout = problem, stage, lp, layout
        first_started = time.perf_counter()
        self.highs.run()
        self.solves += 1
        first_seconds = time.perf_counter() - first_started
        status = _STATUS.get(self.highs.getModelStatus(), "other_error")
        if status != "optimal":
            # The cold path raises the 422 that says which requirement fails and by how much.
            optimum = optimise(data, options)
            return WarmRun(problem, data, optimum, SolvePath.cold, status, started, COLD_SOLVER)
        unmet = -float(self.highs.getInfo().objective_function_value)
        form = margin_stage(data, options, stage.unmet_weight, unmet)
        second, second_layout = build_model(data, form)
        if second_layout.service_row != lp.constraints_count:
            raise AssertionError("the service row is the second stage's only new row")
        row = second.rows == second_layout.service_row
        self.highs.addRow(
            float(second.row_lower[-1]),
            float(second.row_upper[-1]),
            int(row.sum()),
            second.columns[row].astype(np.int32),
            second.values[row],
        )
        edits = lp_edits(lp, _without_last_row(second))
        _apply(self.highs, second, edits)
        _use_primal_simplex(self.highs, problem)
        self.form, self.lp, self.layout = form, second, second_layout
        run = self._run(
            problem,
            data,
            started,
            path,
            f"{why}; service_first's two stages re-solved on the model",
            weights=stage.unmet_weight,
            solves=2,
        )
        run.optimum.solve_seconds += first_seconds
        run.optimum.build_seconds -= first_seconds
        run.optimum.notes.append(service_note(options, unmet))
        return run

    def _run(
        self,
        problem: PlanningProblem,
        data: ProblemData,
        started: float,
        path: SolvePath,
        reason: str,
        *,
        weights: Floats | None = None,
        solves: int = 1,
    ) -> WarmRun:
        """Run HiGHS on the held model; ``weights``: the unmet weights the optimum reports
        (``service_first``'s service weights), else the formulation's."""
        assert self.lp is not None and self.layout is not None and self.form is not None
        run_started = time.perf_counter()
        self.highs.run()
        self.solves += 1
        seconds = time.perf_counter() - run_started
        status = _STATUS.get(self.highs.getModelStatus(), "other_error")
        if status != "optimal":
            # The cold path raises the 422 that says which requirement fails and by how much.
            optimum = optimise(data, problem.options, unmet_weight=self.unmet_weight)
            return WarmRun(problem, data, optimum, SolvePath.cold, status, started, COLD_SOLVER)
        solution = self.highs.getSolution()
        primal = np.asarray(solution.col_value)
        duals = np.asarray(solution.row_dual)
        optimum = Optimum(
            plan=plan_of(data, self.layout, primal, duals),
            termination=status,
            objective=float(self.highs.getInfo().objective_function_value),
            relative_gap=0.0,
            ranks=priority_ranks(data),
            weights=self.form.unmet_weight if weights is None else weights,
            variables=self.lp.variables_count,
            constraints=self.lp.constraints_count,
            build_seconds=run_started - started,
            solve_seconds=seconds,
            solves=solves,
        )
        return WarmRun(problem, data, optimum, path, reason, started, SOLVER_NAME, primal)


def cold_reason(problem: PlanningProblem) -> str | None:
    """Why this problem cannot be held warm at all, or None."""
    if problem.options.integer:
        return "integer model"
    return None


def _without_last_row(lp: LinearProgram) -> LinearProgram:
    last = lp.constraints_count - 1
    keep = lp.rows != last
    return replace(
        lp,
        row_lower=lp.row_lower[:last],
        row_upper=lp.row_upper[:last],
        rows=lp.rows[keep],
        columns=lp.columns[keep],
        values=lp.values[keep],
    )


def _apply(highs: highspy.Highs, lp: LinearProgram, edits: LpEdits) -> None:
    if len(edits.columns):
        c = edits.columns
        highs.changeColsBounds(len(c), c.astype(np.int32), lp.lower[c], lp.upper[c])
    if len(edits.costs):
        c = edits.costs
        highs.changeColsCost(len(c), c.astype(np.int32), lp.objective[c])
    if len(edits.rows):
        r = edits.rows
        highs.changeRowsBounds(  # type: ignore[attr-defined]  # missing from the stubs
            len(r), r.astype(np.int32), lp.row_lower[r], lp.row_upper[r]
        )
    for row, column, value in edits.coefficients:
        highs.changeCoeff(int(row), int(column), float(value))
    if edits.offset:
        highs.changeObjectiveOffset(lp.offset)


def _options(highs: highspy.Highs, problem: PlanningProblem) -> None:
    highs.setOptionValue("output_flag", False)
    # HiGHS holds its time limit against the time of every run of the model together: a
    # model kept for many re-solves ran out of it, and each re-solve then stopped at once.
    limit = highs.getRunTime() + float(problem.options.time_limit_seconds)
    highs.setOptionValue("time_limit", limit)


def _use_primal_simplex(highs: highspy.Highs, problem: PlanningProblem) -> None:
    _options(highs, problem)
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_strategy", 4)  # primal: a changed cost keeps the plan feasible


def _use_dual_simplex(highs: highspy.Highs, problem: PlanningProblem) -> None:
    _options(highs, problem)
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_strategy", 1)  # dual: a changed bound keeps dual feasibility


_FIRST_SOLVER = {
    LpAlgorithm.barrier: ("ipm", 0),
    LpAlgorithm.dual_simplex: ("simplex", 1),
    LpAlgorithm.primal_simplex: ("simplex", 4),
}


def _load(highs: highspy.Highs, problem: PlanningProblem, lp: LinearProgram) -> None:
    highs.clearModel()
    _options(highs, problem)
    solver, strategy = _FIRST_SOLVER[problem.options.lp_algorithm]
    highs.setOptionValue("solver", solver)
    highs.setOptionValue("simplex_strategy", strategy)
    highs.setOptionValue("run_crossover", "on")  # a basis to start the next re-solve from
    highs.passModel(_highs_lp(lp))


def _cold(
    model: WarmModel,
    problem: PlanningProblem,
    data: ProblemData,
    reason: str,
    started: float,
    *,
    built: tuple[Formulation, LinearProgram, Layout] | None = None,
) -> WarmRun:
    """Solve ``problem`` from scratch. A problem that can be held warm becomes the model's
    new state; one that cannot is solved by the cold path (``optimise``) and leaves the
    model as it was."""
    if cold_reason(problem) is not None:
        optimum = optimise(data, problem.options, unmet_weight=model.unmet_weight)
        return WarmRun(problem, data, optimum, SolvePath.cold, reason, started, COLD_SOLVER)
    form, lp, layout = built if built is not None else _built(data, problem, model.unmet_weight)
    _load(model.highs, problem, lp)
    model.problem, model.form, model.lp, model.layout = problem, form, lp, layout
    return model._run(problem, data, started, SolvePath.cold, reason)


def _built(
    data: ProblemData, problem: PlanningProblem, unmet_weight: Floats | None = None
) -> tuple[Formulation, LinearProgram, Layout]:
    form = money_formulation(data, problem.options, unmet_weight=unmet_weight)
    lp, layout = build_model(data, form)
    return form, lp, layout


def warm_model(base: PlanningProblem) -> tuple[WarmModel, WarmRun]:
    """A warm model of ``base``, solved once (cold): later re-solves start from its basis.
    An integer or two-stage base cannot be held warm: every re-solve then runs cold."""
    started = time.perf_counter()
    validate_problem(base)
    data = problem_data(base)
    model = WarmModel(base=base, problem=base, highs=highspy.Highs())
    return model, _cold(model, base, data, cold_reason(base) or "first solve", started)
