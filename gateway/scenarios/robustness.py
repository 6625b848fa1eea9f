"""A plan held fixed under a scenario: pure functions, no I/O.

The plan's supply decisions (production and outsourcing per family and month, the capacity
steps taken) are held at their values; sales, stock, backlog and overtime follow the
scenario's data as well as they can. What comes out is what the plan earns there and what
breaks (the escalation items), without re-planning; a plan whose production the scenario's
capacity or hard requirements cannot carry is reported as not holding.
"""

import time
from dataclasses import dataclass, replace

import numpy as np

from gateway.solver.backend import solve_lp
from gateway.solver.build import build_model
from gateway.solver.data import problem_data
from gateway.solver.decode import plan_of
from gateway.solver.model import solution_of
from gateway.solver.optimise import FEASIBLE, Optimum, money_formulation
from gateway.solver.priority import priority_ranks
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from gateway.solver.validation import validate_problem

HELD_TOLERANCE = 1e-6  # relative, per held quantity


@dataclass(frozen=True)
class HeldPlan:
    """A fixed plan evaluated under a problem: its solution there, or why it cannot hold."""

    holds: bool
    termination: str
    solution: Solution | None


def hold_plan(problem: PlanningProblem, plan: Solution) -> HeldPlan:
    """``plan``'s production, outsourcing and capacity steps fixed, everything else of
    ``problem`` optimised around them. Families or steps ``plan`` does not know stay free."""
    started = time.perf_counter()
    validate_problem(problem)
    data = problem_data(problem)
    form = money_formulation(data, problem.options)
    lp, layout = build_model(data, form)
    lower, upper = lp.lower.copy(), lp.upper.copy()
    lines = {line.family: line for line in plan.families}
    for f, code in enumerate(data.family_codes):
        line = lines.get(code)
        if line is None or len(line.production) != data.periods_count:
            continue
        for ids, values in (
            (layout.production[f], line.production),
            (layout.outsourced[f], line.outsourced),
        ):
            kept = ids >= 0
            held = np.asarray(values, dtype=float)[kept]
            # The plan's numbers are rounded (6 decimals): a band of that width keeps a
            # capacity it filled to the last hour feasible.
            band = HELD_TOLERANCE * np.maximum(1.0, np.abs(held))
            lower[ids[kept]] = np.maximum(held - band, 0.0)
            upper[ids[kept]] = held + band
    for e, code in enumerate(data.expansion_codes):
        if code in plan.expansion_levels and not data.expansion_committed[e]:
            lower[layout.expansion[e]] = upper[layout.expansion[e]] = plan.expansion_levels[code]
    fixed_lp = replace(lp, lower=lower, upper=upper, integer=np.zeros_like(lp.integer))
    run = solve_lp(
        fixed_lp,
        time_limit=problem.options.time_limit_seconds,
        algorithm=problem.options.lp_algorithm,
    )
    if run.primal is None or run.termination not in FEASIBLE:
        return HeldPlan(holds=False, termination=run.termination, solution=None)
    optimum = Optimum(
        plan=plan_of(data, layout, run.primal, run.duals),
        termination=run.termination,
        objective=run.objective,
        relative_gap=run.relative_gap,
        ranks=priority_ranks(data),
        weights=form.unmet_weight,
        variables=fixed_lp.variables_count,
        constraints=fixed_lp.constraints_count,
        solve_seconds=run.seconds,
        solves=1,
        notes=["supply held at the evaluated plan's production, outsourcing and steps"],
    )
    fixed = problem.model_copy(
        update={"options": problem.options.model_copy(update={"compute_options": False})}
    )
    return HeldPlan(
        holds=True,
        termination=run.termination,
        solution=solution_of(fixed, data, optimum, started=started),
    )
