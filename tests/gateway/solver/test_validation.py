"""Cross-reference checks: every gap listed at once, with the body field it concerns."""

import pytest

from gateway.solver.model import solve, validate_problem
from gateway.solver.problem import (
    ExpansionInput,
    FamilyInput,
    PlanningProblem,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    WorkforceInput,
)
from shared.errors import ValidationFailed
from tests.gateway.solver.builders import problem


def fields(bad: PlanningProblem) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failure:
        validate_problem(bad)
    assert failure.value.status == 422
    return {error.field: error.reason for error in failure.value.errors}


def test_a_consistent_problem_passes() -> None:
    validate_problem(problem(demand={"S": [1, 2, 3]}))


def test_every_gap_is_listed_with_its_field() -> None:
    base = problem(demand={"S": [1, 2, 3]})
    bad = base.model_copy(
        update={
            "families": [*base.families, FamilyInput(code="B", holding_cost=[1, 2])],
            "demand": [
                *base.demand,
                SegmentDemand(family="NOPE", segment="S", quantity=[1, 2, 3]),
                SegmentDemand(family="A", segment="GHOST", quantity=[1, 2], price=[1, 2, 3, 4]),
                SegmentDemand(family="A", segment="S", quantity=[0, 0, 0]),
            ],
            "routings": [
                *base.routings,
                RoutingInput(family="B", resource="MISSING", hours_per_unit=1),
                RoutingInput(family="A", resource="R", hours_per_unit=2),
            ],
            "expansions": [
                ExpansionInput(code="X", resource="MISSING", extra_hours=1, fixed_cost=1)
            ],
        }
    )
    errors = fields(bad)
    assert errors["body.families.1.holding_cost"] == "expected 3 values (one per period), got 2"
    assert errors["body.demand.1.family"] == "unknown family code 'NOPE'"
    assert errors["body.demand.2.segment"] == "unknown segment code 'GHOST'"
    assert errors["body.demand.2.quantity"].startswith("expected 3 values")
    assert errors["body.demand.2.price"].startswith("expected 3 values")
    assert "duplicate demand line" in errors["body.demand.3"]
    assert errors["body.routings.1.resource"] == "unknown resource code 'MISSING'"
    assert "duplicate routing" in errors["body.routings.2"]
    assert errors["body.expansions.0.resource"] == "unknown resource code 'MISSING'"


def test_duplicate_codes_and_periods() -> None:
    base = problem(demand={"S": [1, 2]})
    bad = base.model_copy(
        update={
            "periods": ["2026-01", "2026-01"],
            "families": [*base.families, FamilyInput(code="A")],
            "segments": [*base.segments, SegmentInput(code="S")],
        }
    )
    errors = fields(bad)
    assert errors["body.periods.1"] == "duplicate period '2026-01'"
    assert errors["body.families.1.code"] == "duplicate family code 'A' (first at body.families.0)"
    assert "duplicate segment code 'S'" in errors["body.segments.1.code"]


def test_a_workforce_minimum_above_its_maximum() -> None:
    bad = problem(
        demand={"S": [1, 2]},
        resource={
            "workforce": WorkforceInput(
                initial_workers=5,
                hours_per_worker=[160, 150, 140],
                min_workers=[3, 9],
                max_workers=8,
            )
        },
    )
    errors = fields(bad)
    assert errors["body.resources.0.workforce.hours_per_worker"].startswith("expected 2 values")
    assert errors["body.resources.0.workforce.min_workers"].endswith("2026-02")


def test_solve_validates_before_anything_else() -> None:
    bad = problem(demand={"S": [1, 2]})
    bad.demand[0].family = "ZZ"
    with pytest.raises(ValidationFailed) as failure:
        solve(bad)
    assert failure.value.errors[0].field == "body.demand.0.family"


def test_committed_hours_beyond_any_capacity() -> None:
    """100 regular + 20 overtime hours cannot hold 130 committed hours in month 2."""
    bad = problem(
        demand={"S": [1, 2]},
        resource={"regular_hours": 100, "max_overtime_hours": 20, "committed_hours": [50, 130]},
    )
    errors = fields(bad)
    assert errors["body.resources.0.committed_hours"].endswith("2026-02")
    fine = problem(
        demand={"S": [1, 2]},
        resource={"regular_hours": 100, "max_overtime_hours": 20, "committed_hours": [50, 120]},
    )
    validate_problem(fine)
