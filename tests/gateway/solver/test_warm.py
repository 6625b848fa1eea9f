"""Warm re-solves give what a cold solve of the same changed problem gives."""

import pytest

from gateway.solver.build import build_model
from gateway.solver.changes import (
    AcceptPlan,
    CapacityChange,
    CostChange,
    DemandChange,
    DemandMove,
    ExpansionChange,
    ObjectiveChange,
    OutsourcingChange,
    OvertimeChange,
    PlanChange,
    PriceChange,
    TargetChange,
    WorkforceChange,
    apply_changes,
)
from gateway.solver.data import problem_data
from gateway.solver.optimise import money_formulation, optimise
from gateway.solver.problem import Objective, PlanningProblem
from gateway.solver.warm import SolvePath, lp_violation, warm_model
from shared.errors import ValidationFailed
from tests.gateway.solver.builders import workforce_company


def changes_of(problem: PlanningProblem) -> dict[str, tuple[PlanChange, SolvePath]]:
    """One change of each kind, with the path it must take."""
    family, other = problem.families[0].code, problem.families[1].code
    bottleneck, crew = problem.resources[0].code, problem.resources[1].code
    months = problem.periods
    return {
        "demand": (DemandChange(family=family, periods=[months[2]], value=10), SolvePath.warm),
        "move_demand": (
            DemandMove(family=family, segment="RETAIL", from_period=months[4], to_period=months[1]),
            SolvePath.warm,
        ),
        "capacity": (
            CapacityChange(resource=bottleneck, periods=months[1:4], value=-25),
            SolvePath.warm,
        ),
        "overtime": (OvertimeChange(resource=bottleneck, value=-50), SolvePath.warm),
        "outsourcing": (OutsourcingChange(family=other, mode="add", value=50), SolvePath.warm),
        "expansion": (
            ExpansionChange(code="R000-SHIFT", action="reschedule", lead_time_periods=1),
            SolvePath.warm,
        ),
        "workforce": (WorkforceChange(resource=crew, max_workers=10), SolvePath.warm),
        "price": (PriceChange(family=other, value=8), SolvePath.warm),
        "cost": (CostChange(cost="holding_cost", value=30), SolvePath.warm),
        "target": (TargetChange(segment="SPOT", priority=1), SolvePath.warm),
        "objective": (ObjectiveChange(objective=Objective.min_cost), SolvePath.warm),
        "accept": (AcceptPlan(), SolvePath.warm),
    }


KINDS = list(changes_of(workforce_company(8, periods=6, seed=1)))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_a_warm_re_solve_matches_a_cold_solve_and_is_feasible(seed: int, kind: str) -> None:
    base = workforce_company(8, periods=6, seed=seed)
    model, first = warm_model(base)
    assert first.path == SolvePath.cold
    change, path = changes_of(base)[kind]

    warm = model.resolve([change])

    changed = apply_changes(base, [change])
    data = problem_data(changed)
    cold = optimise(data, changed.options)
    assert warm.path == path, warm.reason
    assert warm.optimum.objective == pytest.approx(cold.objective, rel=1e-7)
    lp, _ = build_model(data, money_formulation(data, changed.options))
    assert warm.primal is not None
    assert lp_violation(lp, warm.primal) < 1e-6


def test_changes_that_add_or_remove_variables_run_cold_and_say_why() -> None:
    base = workforce_company(8, periods=6, seed=4)
    model, _ = warm_model(base)

    forbidden = model.resolve([ExpansionChange(code="R000-SHIFT", action="forbid")])

    assert forbidden.path == SolvePath.cold
    assert forbidden.reason.startswith("variables")
    cold = optimise(problem_data(forbidden.problem), forbidden.problem.options)
    assert forbidden.optimum.objective == pytest.approx(cold.objective, rel=1e-7)
    # The rebuilt model is held: the next edit of the same structure runs warm again.
    again = model.resolve(
        [
            ExpansionChange(code="R000-SHIFT", action="forbid"),
            PriceChange(family=base.families[0].code, value=5),
        ]
    )
    assert again.path == SolvePath.warm


def test_re_solves_are_independent_of_the_order_they_come_in() -> None:
    base = workforce_company(8, periods=6, seed=5)
    model, first = warm_model(base)
    family = base.families[2].code

    model.resolve([DemandChange(family=family, value=40)])
    back = model.resolve([])

    assert back.path == SolvePath.warm
    assert back.optimum.objective == pytest.approx(first.optimum.objective, rel=1e-9)


def test_a_model_run_for_longer_than_its_time_limit_still_re_solves_warm() -> None:
    """HiGHS holds its time limit against the time of every run of a model together: a
    model kept across re-solves for longer than the limit stopped each next re-solve at once
    (and the answer came from a cold solve). Each run now has the whole limit."""
    base = workforce_company(8, periods=6, seed=5)
    limit = 0.2
    base = base.model_copy(
        update={"options": base.options.model_copy(update={"time_limit_seconds": limit})}
    )
    model, _ = warm_model(base)
    family = base.families[2].code
    paths = []
    for count in range(2000):  # bounded: a re-solve runs about a millisecond
        if model.highs.getRunTime() > 2 * limit:
            break
        paths.append(model.resolve([DemandChange(family=family, value=40 + count % 2)]).path)
    assert model.highs.getRunTime() > 2 * limit
    assert set(paths) == {SolvePath.warm}


def test_integer_problems_always_run_cold() -> None:
    base = workforce_company(8, periods=6, seed=6)
    base = base.model_copy(update={"options": base.options.model_copy(update={"integer": True})})
    model, _ = warm_model(base)

    run = model.resolve([PriceChange(family=base.families[0].code, value=3)])

    assert run.path == SolvePath.cold
    assert "integer" in run.reason
    assert model.lp is None


@pytest.mark.parametrize("seed", [1, 2, 3, 6])
def test_service_first_re_solves_its_two_stages_on_the_held_model(seed: int) -> None:
    """Max margin -> service_first -> max margin -> service_first with a price change, all
    warm, each equal to the cold two-stage (or one-stage) solve of the same problem."""
    base = workforce_company(8, periods=6, seed=seed)
    model, _ = warm_model(base)
    family = base.families[0].code
    service = ObjectiveChange(objective=Objective.service_first)
    steps: list[list[PlanChange]] = [[service], [], [service, PriceChange(family=family, value=3)]]
    for changes in steps:
        run = model.resolve(changes)

        changed = apply_changes(base, changes)
        cold = optimise(problem_data(changed), changed.options)
        assert run.path == SolvePath.warm, run.reason
        assert run.optimum.objective == pytest.approx(cold.objective, rel=1e-7)
        assert run.optimum.solves == cold.solves
        assert run.optimum.weights == pytest.approx(cold.weights)
        assert run.primal is not None and model.lp is not None
        assert lp_violation(model.lp, run.primal) < 1e-6
    # The service row is the last one while held, and goes with the next money re-solve.
    assert model.layout is not None and model.layout.service_row >= 0
    assert model.resolve([]).path == SolvePath.warm
    assert model.layout.service_row == -1


def test_an_infeasible_change_is_the_cold_path_s_422() -> None:
    base = workforce_company(8, periods=6, seed=7)
    base = base.model_copy(
        update={"options": base.options.model_copy(update={"objective": Objective.min_cost})}
    )
    model, _ = warm_model(base)

    with pytest.raises(ValidationFailed, match="hard requirement"):
        model.resolve([CapacityChange(resource=base.resources[0].code, mode="set", value=0)])


def test_the_warm_solution_names_its_path() -> None:
    base = workforce_company(8, periods=6, seed=8)
    model, _ = warm_model(base)

    solution = model.resolve([PriceChange(family=base.families[0].code, value=2)]).solution()

    assert any(note.startswith("warm solve") for note in solution.stats.notes)
    assert solution.stats.solver.startswith("HiGHS via highspy")
