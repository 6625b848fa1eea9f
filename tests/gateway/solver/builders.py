"""Small planning problems for the solver tests: one resource, one family, named segments."""

from typing import Any

from gateway.solver.problem import (
    FamilyInput,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
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
