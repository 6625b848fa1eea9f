"""The array builder, the MathOpt/HiGHS backend, and the model at a realistic scale."""

import numpy as np
import pytest

from bench.planning_problems import synthetic_problem
from gateway.solver.backend import solve_lp
from gateway.solver.lp import Builder
from gateway.solver.model import solve
from gateway.solver.problem import LpAlgorithm, SolveOptions
from shared.errors import ValidationFailed


def test_builder_masks_broadcasts_and_sums_repeated_coefficients() -> None:
    lp = Builder()
    x = lp.add_variables((2, 3), mask=np.array([[True, False, True], [True, True, True]]), cost=1)
    assert x.tolist() == [[0, -1, 1], [2, 3, 4]]
    rows = lp.add_constraints((2,), upper=[5, 7])
    lp.add_terms(rows[:, None], x, 2.0)  # -1 entries are dropped
    lp.add_terms(rows[0], x[0, 0], 1.0)  # a second coefficient on (0, 0) is added
    built = lp.finish()
    assert built.variables_count == 5 and built.constraints_count == 2
    entries = zip(built.rows.tolist(), built.columns.tolist(), built.values.tolist(), strict=True)
    assert list(entries) == [
        (0, 0, 3.0),
        (0, 1, 2.0),
        (1, 2, 2.0),
        (1, 3, 2.0),
        (1, 4, 2.0),
    ]
    assert built.row_starts().tolist() == [0, 2, 5]


@pytest.mark.parametrize("algorithm", list(LpAlgorithm))
def test_backend_solves_and_gives_duals_as_the_objective_gain(algorithm: LpAlgorithm) -> None:
    """max 3x + 2y, x + y <= 4, x <= 3: x = 3, y = 1; duals 2 and 1."""
    lp = Builder()
    x = lp.add_variables((2,), cost=[3, 2])
    rows = lp.add_constraints((2,), upper=[4, 3])
    lp.add_terms(rows[0], x, 1.0)
    lp.add_terms(rows[1], x[0], 1.0)
    run = solve_lp(lp.finish(), time_limit=10, algorithm=algorithm)
    assert run.termination == "optimal"
    assert run.primal is not None and run.primal.tolist() == pytest.approx([3, 1])
    assert run.duals is not None and run.duals.tolist() == pytest.approx([2, 1])
    assert run.objective == pytest.approx(11)


def test_backend_reports_infeasibility_instead_of_raising() -> None:
    lp = Builder()
    x = lp.add_variables((1,), lower=5.0)
    row = lp.add_constraints((1,), upper=1.0)
    lp.add_terms(row, x, 1.0)
    run = solve_lp(lp.finish(), time_limit=10)
    assert run.termination in {"infeasible", "infeasible_or_unbounded"}
    assert not run.has_solution


def test_a_mip_out_of_time_is_a_422_naming_the_time_limit() -> None:
    problem = synthetic_problem(30, options=SolveOptions(integer=True, time_limit_seconds=0.001))
    with pytest.raises(ValidationFailed) as failure:
        solve(problem)
    assert failure.value.errors[0].field == "body.options.time_limit_seconds"


def test_a_synthetic_company_gets_a_plan_explained_and_escalated() -> None:
    """60 families on 2 resources (R000 the bottleneck): every item has options."""
    solution = solve(synthetic_problem(60))
    assert solution.stats.termination == "optimal"
    assert solution.stats.build_seconds < solution.stats.solve_seconds
    key = next(s for s in solution.segments if s.segment == "KEY")
    assert key.fill_rate == pytest.approx(1.0)  # strategic first, though it pays least
    assert solution.explanation is not None
    assert solution.explanation.bottlenecks[0].resource == "R000"
    bottleneck = next(r for r in solution.resources if r.resource == "R000")
    assert max(bottleneck.shadow_price) > 0
    assert solution.escalations
    for item in solution.escalations:
        assert len(item.options) >= 2 and item.recommendation
