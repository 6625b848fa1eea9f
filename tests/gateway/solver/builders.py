"""Small planning problems for the solver tests: one resource, one family, named segments;
and seeded synthetic companies with a workforce-driven resource."""

from typing import Any

from bench.planning_problems import synthetic_problem
from gateway.solver.problem import (
    FamilyInput,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
    WorkforceInput,
)


def periods(count: int) -> list[str]:
    return [f"2026-{month:02d}" for month in range(1, count + 1)]


def problem(
    *,
    demand: dict[str, list[float]],
    prices: dict[str, float] | None = None,
    segments: list[SegmentInput] | None = None,
    family: dict[str, Any] | None = None,
    resource: dict[str, Any] | None = None,
    hours_per_unit: float = 1.0,
    **options: Any,
) -> PlanningProblem:
    """One family ``A`` on one resource ``R`` with demand per segment code."""
    count = len(next(iter(demand.values())))
    prices = prices or {}
    return PlanningProblem(
        periods=periods(count),
        families=[FamilyInput(code="A", **(family or {}))],
        segments=segments or [SegmentInput(code=code) for code in demand],
        demand=[
            SegmentDemand(family="A", segment=code, quantity=quantity, price=prices.get(code, 0))
            for code, quantity in demand.items()
        ],
        resources=[ResourceInput(code="R", **(resource or {}))],
        routings=[RoutingInput(family="A", resource="R", hours_per_unit=hours_per_unit)],
        options=SolveOptions(**options),
    )


def workforce_company(families: int, *, periods: int, seed: int) -> PlanningProblem:
    """A seeded synthetic company whose second resource is workforce-driven (12 workers x
    160 h, 20 h overtime each, 8 to 20 workers), so that every lever kind, the workforce
    ones included, has something to move; resource 0 is a bottleneck, so items come out."""
    problem = synthetic_problem(families, periods=periods, seed=seed)
    crew = WorkforceInput(
        initial_workers=12,
        hours_per_worker=160,
        wage_per_hour=25.0,
        hire_cost=3000.0,
        layoff_cost=4000.0,
        overtime_hours_per_worker=20,
        min_workers=8,
        max_workers=20,
    )
    resources = list(problem.resources)
    resources[1] = resources[1].model_copy(update={"workforce": crew, "regular_hours": 0})
    return problem.model_copy(update={"resources": resources})
