"""Exact decomposition: families that share no resource solve as independent parts in
parallel, and the merged plan is the monolithic solve's."""

import asyncio
import datetime as dt

import pytest

from gateway.solver.decompose import balanced, components, is_exact, split_plan
from gateway.solver.model import solve
from gateway.solver.problem import (
    ExpansionInput,
    FamilyInput,
    Objective,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
)
from gateway.solver.solution import Solution
from shared.errors import ValidationFailed
from shared.periods import current_period
from sop.demo.generator import build_company
from tests.gateway.solver.builders import periods
from tests.gateway.solver.workers import local_runner
from tests.sop.demo.platform import load_and_reconcile


def routed(routes: dict[str, list[str]], **options: object) -> PlanningProblem:
    """Families routed on resources as given, two months of demand each."""
    resources = sorted({r for on in routes.values() for r in on})
    return PlanningProblem(
        periods=periods(2),
        families=[FamilyInput(code=family) for family in routes],
        segments=[SegmentInput(code="S")],
        demand=[SegmentDemand(family=f, segment="S", quantity=[5, 5], price=10) for f in routes],
        resources=[ResourceInput(code=r, regular_hours=8) for r in resources],
        routings=[
            RoutingInput(family=f, resource=r, hours_per_unit=1)
            for f, on in routes.items()
            for r in on
        ],
        options=SolveOptions(**options),  # type: ignore[arg-type]
    )


def test_families_linked_by_a_chain_of_shared_resources_are_one_component() -> None:
    # A-B share R1; C-D share R2 (D also on R3); E is alone on R4.
    problem = routed({"A": ["R1"], "B": ["R1"], "C": ["R2"], "D": ["R2", "R3"], "E": ["R4"]})
    assert components(problem) == [[0, 1], [2, 3], [4]]
    # Two workers: {A, B} then {C, D}, and E joins the smaller (the first of two equal).
    assert balanced(components(problem), 2) == [[0, 1, 4], [2, 3]]
    # A resource shared by B and C joins the two first components.
    chained = routed({"A": ["R1"], "B": ["R1", "R5"], "C": ["R2", "R5"], "D": ["R2"], "E": ["R4"]})
    assert components(chained) == [[0, 1, 2, 3], [4]]


def test_only_linear_money_objectives_split() -> None:
    problem = routed({"A": ["R1"], "B": ["R2"]})
    assert is_exact(problem)
    assert split_plan(problem, workers=2) is not None
    assert split_plan(problem, workers=1) is None
    assert not is_exact(routed({"A": ["R1"]}, integer=True))
    assert not is_exact(routed({"A": ["R1"]}, objective=Objective.service_first))
    assert split_plan(routed({"A": ["R1"], "B": ["R1"]}), workers=2) is None


def test_a_split_company_solves_in_parallel_parts_to_its_reconciled_optimum() -> None:
    """The reconcile solves whole on the plan's warm worker (its model is kept for the
    options, alternatives and decisions); the same problem sent to ``solve`` splits."""
    # Coupling 0: three groups of ten families, each on its own two resources.
    data = build_company(families=30, seed=3, coupling=0.0, start=current_period(dt.date.today()))
    _, answer, stored = asyncio.run(load_and_reconcile(data, solver_workers=2))
    assert answer.status_code == 201, answer.text[:2000]
    assert stored is not None and stored.status_code == 200
    reconciled = answer.json()["stats"]
    problem = PlanningProblem.model_validate(stored.json())
    assert len(components(problem)) == 3
    problem = problem.model_copy(
        update={"options": problem.options.model_copy(update={"compute_options": False})}
    )

    async def split() -> Solution:
        async with local_runner(workers=2) as runner:
            return await runner.solve(problem)

    solution = asyncio.run(split())
    assert "solved as 2 independent parts in parallel" in " ".join(solution.stats.notes)
    assert solution.stats.objective_value is not None
    assert abs(reconciled["objective_value"] - solution.stats.objective_value) <= 1e-7 * abs(
        solution.stats.objective_value
    )
    assert reconciled["variables"] == solution.stats.variables
    assert reconciled["constraints"] == solution.stats.constraints
    margin = answer.json()["totals"]["margin"]
    assert abs(margin - solution.totals.margin) <= 1e-6 * abs(solution.totals.margin)


def test_a_split_problem_solves_on_two_workers_to_the_whole_problems_plan() -> None:
    # A, B on R1 (8 hours a month for their 20 units: short), C on R2 with a step of 4
    # hours, D on R3; the unrouted resource R9 goes with the first part. Margin: R1 makes
    # 16 of A and B's 20 units over 2 months, C and D their 10 each: 36 units x price 10.
    problem = routed({"A": ["R1"], "B": ["R1"], "C": ["R2"], "D": ["R3"]}, compute_options=False)
    problem = problem.model_copy(
        update={
            "resources": [*problem.resources, ResourceInput(code="R9", regular_hours=3)],
            "expansions": [ExpansionInput(code="X", resource="R2", extra_hours=4, fixed_cost=1)],
        }
    )

    async def both() -> tuple[float, float, list[str]]:
        async with local_runner(workers=2) as runner:
            split = await runner.solve(problem)
        whole = solve(problem)
        assert split.stats.objective_value is not None and whole.stats.objective_value
        # Without holding or backlog costs, when a unit is sold is a tie: the money is the
        # same, the months may differ.
        assert split.totals.margin == whole.totals.margin == 360
        assert [line.family for line in split.families] == ["A", "B", "C", "D"]
        assert [line.resource for line in split.resources] == ["R1", "R2", "R3", "R9"]
        return split.stats.objective_value, whole.stats.objective_value, split.stats.notes

    split, whole, notes = asyncio.run(both())
    assert abs(split - whole) <= 1e-7 * abs(whole)
    assert "solved as 2 independent parts in parallel (families sharing no resource)" in notes


def test_a_part_without_a_plan_is_refused_at_the_inputs_place_in_the_whole_problem() -> None:
    # B (index 1) cannot end with 1,000 units: 8 hours a month make 16 at most.
    problem = routed({"A": ["R1"], "B": ["R2"]}, compute_options=False)
    families = list(problem.families)
    families[1] = families[1].model_copy(update={"min_ending_inventory": 1000})
    problem = problem.model_copy(update={"families": families})

    async def refused() -> ValidationFailed:
        async with local_runner(workers=2) as runner:
            with pytest.raises(ValidationFailed) as caught:
                await runner.solve(problem)
        return caught.value

    error = asyncio.run(refused())
    assert [e.field for e in error.errors] == ["body.families.1.min_ending_inventory"]
