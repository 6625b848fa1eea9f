"""Escalation options re-solved warm: each item's levers are edits of a warm model of its
sub-model, and give what re-solving each lever from scratch gives."""

import functools
import math
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.solver import options as lever_options
from gateway.solver.changes import apply_changes
from gateway.solver.data import ProblemData, problem_data
from gateway.solver.decode import totals_of
from gateway.solver.escalations import Escalation, escalation_items
from gateway.solver.explain import explain
from gateway.solver.optimise import Optimum, optimise
from gateway.solver.options import (
    LEVERS,
    Context,
    LeverSolver,
    Outcome,
    _run,
    add_options,
    restricted,
    sub_model,
)
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Option
from shared.errors import ValidationFailed
from tests.gateway.solver.builders import workforce_company


def planned(problem: PlanningProblem) -> tuple[ProblemData, Optimum, list[Escalation]]:
    data = problem_data(problem)
    optimum = optimise(data, problem.options)
    explanation = explain(data, optimum.plan, optimum.ranks)
    items = escalation_items(
        data, optimum.plan, explanation, lever_threshold=problem.options.executive_lever_threshold
    )
    return data, optimum, items


def objective_or_refusal(run: Callable[[], Outcome]) -> float | str:
    try:
        outcome = run()
    except ValidationFailed:
        return "no plan"
    assert outcome.objective is not None
    return outcome.objective


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    families=st.integers(min_value=3, max_value=9),
    periods=st.integers(min_value=4, max_value=8),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_every_lever_re_solved_on_the_item_s_warm_model_equals_its_cold_re_solve(
    families: int, periods: int, seed: int
) -> None:
    problem = workforce_company(families, periods=periods, seed=seed)
    data, optimum, items = planned(problem)
    for escalation in items:
        sub = sub_model(problem, data, optimum.plan, escalation.scope.families)
        sub_data = problem_data(sub.problem)
        base = restricted(optimum.plan, sub)
        baseline = Outcome(sub_data, base, totals_of(sub_data, base))
        context = Context(data, optimum.plan, escalation, sub, baseline, optimum.weights)
        solver = LeverSolver(sub.problem, optimum.weights)
        for lever in LEVERS[escalation.item.kind](context):
            changed = apply_changes(sub.problem, lever.changes)

            warm = objective_or_refusal(functools.partial(solver.run, changed, 60.0))
            cold = objective_or_refusal(functools.partial(_run, changed, optimum.weights, 60.0))

            if isinstance(cold, str) or isinstance(warm, str):
                assert warm == cold, lever.description
            else:
                assert math.isclose(warm, cold, rel_tol=1e-7, abs_tol=1e-6), lever.description


def options_of(problem: PlanningProblem, *, warm: bool) -> list[list[Option]]:
    data, optimum, items = planned(problem)
    add_options(problem, data, optimum, items, warm=warm)
    return [escalation.item.options for escalation in items]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_options_warm_are_the_cold_options(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every lever solved both ways (a budget no lever outruns): the same options, the same
    feasibility and, to the cent and the millionth of a point, the same deltas."""
    monkeypatch.setattr(lever_options, "BUDGET_FACTOR", 1000.0)
    problem = workforce_company(8, periods=6, seed=seed)

    warm, cold = options_of(problem, warm=True), options_of(problem, warm=False)

    assert [[o.lever for o in item] for item in warm] == [[o.lever for o in item] for item in cold]
    assert sum(len(item) for item in warm) > len(warm)  # levers were re-solved
    for warm_item, cold_item in zip(warm, cold, strict=True):
        for w, c in zip(warm_item, cold_item, strict=True):
            assert w.feasible == c.feasible
            assert w.margin_delta == pytest.approx(c.margin_delta, abs=0.05, rel=1e-6)
            assert w.cost_delta == pytest.approx(c.cost_delta, abs=0.05, rel=1e-6)
            assert w.resolves == c.resolves


def test_the_solution_notes_how_many_lever_re_solves_ran_warm() -> None:
    problem = workforce_company(8, periods=6, seed=2)
    data, optimum, items = planned(problem)

    solves = add_options(problem, data, optimum, items)

    [note] = [n for n in optimum.notes if n.startswith("options:")]
    found = re.fullmatch(r"options: (\d+) lever re-solve\(s\) warm .*, (\d+) cold .*", note)
    assert found is not None, note
    warm, cold = int(found[1]), int(found[2])
    assert warm + cold == solves
    assert cold >= len([e for e in items if e.item.options[1:]])  # each item's first lever
    assert warm >= 1
