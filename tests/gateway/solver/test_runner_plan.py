"""A reconcile's plan solved and held warm: it is the cold solve's plan, its options are
priced on its model, and its alternatives (another objective, corrected demand) re-solve
from its model and equal the cold solves of the same problems."""

import pytest

from bench.planning_problems import synthetic_problem
from gateway.solver.changes import DemandChange, ObjectiveChange, apply_changes
from gateway.solver.model import solve
from gateway.solver.problem import Objective, PlanningProblem, SolveOptions
from tests.gateway.solver.workers import local_runner

pytestmark = pytest.mark.anyio


def cold(problem: PlanningProblem) -> PlanningProblem:
    options = problem.options.model_copy(update={"compute_options": False})
    return problem.model_copy(update={"options": options})


@pytest.mark.parametrize("seed", [3, 4])
async def test_the_plan_s_alternatives_re_solve_warm_and_equal_their_cold_solves(
    seed: int,
) -> None:
    plan = synthetic_problem(10, periods=6, seed=seed, options=SolveOptions())
    alternatives = [
        [ObjectiveChange(objective=Objective.service_first)],
        [DemandChange(family=plan.families[2].code, value=12)],
    ]
    async with local_runner() as runner:
        key = await runner.key_of(plan)
        assert runner.can_hold(plan)

        held = await runner.solve_held(plan, key=key)  # built, solved, then held
        whole = solve(plan)
        assert held.stats.objective_value == pytest.approx(whole.stats.objective_value, rel=1e-7)
        assert held.stats.notes[0].startswith("cold solve: no warm model of the base was held")
        assert any(note.startswith("options: ") for note in held.stats.notes)
        assert [len(item.options) for item in held.escalations] == [
            len(item.options) for item in whole.escalations
        ]
        for changes in alternatives:
            solution = await runner.resolve_plan(plan, changes, key=key)

            expected = solve(cold(apply_changes(plan, changes)))
            assert solution.stats.objective_value == pytest.approx(
                expected.stats.objective_value, rel=1e-7
            )
            assert any(note.startswith("warm solve") for note in solution.stats.notes)
            assert all(item.options == [] for item in solution.escalations)  # plan only


async def test_an_integer_plan_is_not_held() -> None:
    plan = synthetic_problem(4, periods=4, seed=1, options=SolveOptions(integer=True))
    async with local_runner() as runner:
        assert not runner.can_hold(plan)
