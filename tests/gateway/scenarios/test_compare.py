"""compare(): what moved between two solved plans, largest first."""

from bench.planning_problems import synthetic_problem
from gateway.scenarios.compare import compare
from gateway.scenarios.robustness import hold_plan
from gateway.scenarios.rules import demand_changes
from gateway.solver.changes import CapacityChange, DemandChange, PriceChange, apply_changes
from gateway.solver.model import solve
from gateway.solver.problem import SolveOptions

BASE = synthetic_problem(4, periods=6, seed=11, options=SolveOptions(compute_options=False))


def test_a_plan_compared_with_itself_moves_nothing() -> None:
    plan = solve(BASE)

    same = compare(plan, plan)

    assert all(d.change == 0 for d in same.totals)
    assert same.lines == []
    assert same.escalations_added == same.escalations_removed == []


def test_a_price_rise_shows_in_revenue_and_in_the_family_s_lines_first() -> None:
    changed = apply_changes(BASE, [PriceChange(family="F00002", value=10)])

    moved = compare(solve(BASE), solve(changed))

    assert moved.totals[0].name in {"revenue", "margin"}
    assert moved.lines[0].family == "F00002"
    assert moved.lines[0].revenue.change > 0
    revenue_changes = [abs(line.revenue.change) for line in moved.lines]
    assert revenue_changes == sorted(revenue_changes, reverse=True)


def test_a_plan_held_under_less_capacity_earns_at_most_a_re_plan() -> None:
    plan = solve(BASE)
    cut = apply_changes(BASE, [CapacityChange(resource="R000", periods=["2026-02"], value=-20)])

    held = hold_plan(cut, plan)
    own = hold_plan(BASE, plan)

    assert own.holds and own.solution is not None
    assert abs(own.solution.totals.margin - plan.totals.margin) <= 1e-3 * abs(plan.totals.margin)
    if held.holds:
        assert held.solution is not None
        assert held.solution.totals.margin <= solve(cut).totals.margin + 1e-6
    else:
        assert held.termination in {"infeasible", "infeasible_or_unbounded"}


def test_only_demand_changes_are_kept_from_promotion() -> None:
    changes = [
        CapacityChange(resource="R000", value=5),
        DemandChange(family="F00001", value=5),
        PriceChange(family="F00001", value=5),
    ]

    assert demand_changes(changes) == [1]
