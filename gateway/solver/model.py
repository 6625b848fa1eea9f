"""The reconciliation model: ``solve(problem) -> Solution``, a pure function (no I/O).

validate -> arrays -> optimise (build + HiGHS) -> decode -> explain -> escalations -> options.
"""

import time

from gateway.solver.backend import SOLVER_NAME
from gateway.solver.data import ProblemData, problem_data
from gateway.solver.decode import (
    family_lines,
    money_rates_of,
    resource_lines,
    sales_lines,
    segment_lines,
    totals_of,
)
from gateway.solver.escalations import escalation_items
from gateway.solver.explain import explain
from gateway.solver.optimise import Optimum, optimise
from gateway.solver.options import add_options
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution, SolveStats
from gateway.solver.validation import validate_problem
from gateway.solver.warm import WarmModel

__all__ = ["solution_of", "solve", "validate_problem"]


def solve(problem: PlanningProblem) -> Solution:
    """The consensus plan of ``problem``: quantities, money, service, shadow prices, the
    explanation and the escalation items with their options.

    Raises ValidationFailed (422) when the problem is inconsistent, when a hard requirement
    cannot be met (the errors say which and by how much) or when no plan is found in time.
    """
    started = time.perf_counter()
    validate_problem(problem)
    data = problem_data(problem)
    return solution_of(problem, data, optimise(data, problem.options), started=started)


def solution_of(
    problem: PlanningProblem,
    data: ProblemData,
    optimum: Optimum,
    *,
    started: float,
    solver: str = SOLVER_NAME,
    options_model: WarmModel | None = None,
) -> Solution:
    """The whole solution of an optimum of ``problem`` (cold or warm: see ``warm.py``); the
    options re-solve their levers on ``options_model`` when given (the plan's warm model)."""
    options = problem.options
    plan = optimum.plan
    explanation = explain(data, plan, optimum.ranks)
    escalations = escalation_items(
        data, plan, explanation, lever_threshold=options.executive_lever_threshold
    )
    options_seconds, option_solves = 0.0, 0
    if options.compute_options and escalations:
        options_started = time.perf_counter()
        option_solves = add_options(problem, data, optimum, escalations, model=options_model)
        options_seconds = time.perf_counter() - options_started
    levels = plan.expansion_level.tolist()
    leads = [e.lead_time_periods for e in problem.expansions]
    stats = SolveStats(
        termination=optimum.termination,
        solver=solver,
        objective_value=optimum.objective,
        relative_gap=optimum.relative_gap,
        build_seconds=round(optimum.build_seconds, 6),
        solve_seconds=round(optimum.solve_seconds, 6),
        total_seconds=round(time.perf_counter() - started, 6),
        variables=optimum.variables,
        constraints=optimum.constraints,
        solves=optimum.solves,
        options_seconds=round(options_seconds, 6),
        option_solves=option_solves,
        lp_algorithm=None if options.integer else options.lp_algorithm.value,
        notes=optimum.notes,
    )
    return Solution(
        periods=list(problem.periods),
        stats=stats,
        totals=totals_of(data, plan),
        sales=sales_lines(data, plan),
        families=family_lines(data, plan),
        resources=resource_lines(data, plan),
        segments=segment_lines(data, plan, optimum.ranks, optimum.weights),
        expansions_started={
            code: (problem.periods[lead] if level > 1e-6 and lead < len(problem.periods) else None)
            for code, level, lead in zip(data.expansion_codes, levels, leads, strict=True)
        },
        expansion_levels=dict(zip(data.expansion_codes, levels, strict=True)),
        escalations=[e.item for e in escalations],
        explanation=explanation,
        money_rates=money_rates_of(data),
    )
