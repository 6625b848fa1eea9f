"""The model on small cases whose optimum is worked out by hand (in each docstring)."""

from typing import Any

import pytest

from gateway.solver.model import solve
from gateway.solver.problem import (
    ExpansionInput,
    Objective,
    SegmentInput,
    UnmetDemand,
    WorkforceInput,
)
from gateway.solver.solution import Solution
from shared.errors import ValidationFailed
from tests.gateway.solver.builders import problem

approx = pytest.approx


def sales(solution: Solution, segment: str) -> list[float]:
    return next(line.sales for line in solution.sales if line.segment == segment)


def key_and_spot(unmet: UnmetDemand) -> list[SegmentInput]:
    return [
        SegmentInput(code="KEY", priority=1, strategic=True, unmet=unmet, backlog_cost=1),
        SegmentInput(code="SPOT", priority=5, unmet=UnmetDemand.lost),
    ]


def test_short_capacity_serves_the_strategic_segment_first_even_at_a_lower_price() -> None:
    """100 hours, 1 h/unit; KEY (strategic) 80 at 8, SPOT 80 at 10, unit cost 1.
    Money alone would sell 80 SPOT + 20 KEY; priority sells 80 KEY + 20 SPOT:
    margin 80*8 + 20*10 - 100*1 = 740. One more hour sells one more SPOT unit: 10 - 1 = 9."""
    solution = solve(
        problem(
            demand={"KEY": [80], "SPOT": [80]},
            prices={"KEY": 8, "SPOT": 10},
            segments=key_and_spot(UnmetDemand.lost),
            family={"variable_cost": 1},
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert sales(solution, "KEY") == approx([80])
    assert sales(solution, "SPOT") == approx([20])
    assert solution.totals.margin == approx(740)
    assert solution.resources[0].shadow_price == approx([9])
    key = next(s for s in solution.segments if s.segment == "KEY")
    # priority.py: phi = V(SPOT) - L(KEY) + eps = 10 - 8 + 1% of 10
    assert key.unmet_weight == approx(2.1)
    spot = next(s for s in solution.segments if s.segment == "SPOT")
    # One meaning in and out: priority 1 and allocation order 1 are served first.
    assert (key.priority, key.allocation_order) == (1, 1)
    assert (spot.priority, spot.allocation_order) == (5, 2)


def test_a_backlogging_strategic_segment_is_not_made_to_wait_for_a_lost_sale() -> None:
    """KEY backlogs (cost 1 per unit-period); serving SPOT now and KEY next month would earn
    60 * 10 - 60 * 1 more, but KEY comes first: 80 KEY + 20 SPOT in month 1."""
    solution = solve(
        problem(
            demand={"KEY": [80, 0], "SPOT": [80, 0]},
            prices={"KEY": 8, "SPOT": 10},
            segments=key_and_spot(UnmetDemand.backlog),
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert sales(solution, "KEY") == approx([80, 0])
    assert sales(solution, "SPOT") == approx([20, 0])
    # a late KEY unit only loses its backlog cost: phi = 10 - 1 + 1% of 10
    key = next(s for s in solution.segments if s.segment == "KEY")
    assert key.unmet_weight == approx(9.1)


def test_without_priorities_money_decides() -> None:
    """Same as the first case, segments of equal priority: 80 SPOT + 20 KEY, margin
    80*10 + 20*8 - 100 = 860."""
    solution = solve(
        problem(
            demand={"KEY": [80], "SPOT": [80]},
            prices={"KEY": 8, "SPOT": 10},
            segments=[
                SegmentInput(code="KEY", unmet="lost"),
                SegmentInput(code="SPOT", unmet="lost"),
            ],
            family={"variable_cost": 1},
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert sales(solution, "SPOT") == approx([80])
    assert sales(solution, "KEY") == approx([20])
    assert solution.totals.margin == approx(860)
    assert solution.stats.objective_value == approx(860)


@pytest.mark.parametrize(
    ("outsource_cost", "overtime", "outsourced", "margin", "shadow"),
    [
        # overtime unit 5 + 10 = 15 < 18: all 30 overtime hours, then 20 outsourced.
        # 150*50 - 130*5 - 30*10 - 20*18 = 6190; one more regular hour replaces an
        # outsourced unit (18 - 5 = 13).
        (18, 30, 20, 6190, 13),
        # outsourcing at 12 < 15: no overtime, 50 outsourced; 7500 - 500 - 600 = 6400;
        # one more regular hour replaces an outsourced unit (12 - 5 = 7).
        (12, 0, 50, 6400, 7),
    ],
)
def test_overtime_or_outsourcing_whichever_is_cheaper(
    outsource_cost: float, overtime: float, outsourced: float, margin: float, shadow: float
) -> None:
    solution = solve(
        problem(
            demand={"S": [150]},
            prices={"S": 50},
            segments=[SegmentInput(code="S", unmet="lost")],
            family={"variable_cost": 5, "outsource_cost": outsource_cost, "outsource_limit": None},
            resource={"regular_hours": 100, "max_overtime_hours": 30, "overtime_hour_cost": 10},
            compute_options=False,
        )
    )
    assert solution.resources[0].overtime == approx([overtime])
    assert solution.families[0].outsourced == approx([outsourced])
    assert solution.totals.margin == approx(margin)
    assert solution.resources[0].shadow_price == approx([shadow])


@pytest.mark.parametrize(
    ("holding", "production", "overtime", "margin"),
    [
        # holding 2: build 50 ahead in month 2 (cost 100) rather than 50 overtime hours (500)
        (2, [50, 100, 100], [0, 0, 0], 250 * 100 - 50 * 2),
        # holding 12 > overtime 10: make the peak on overtime in month 3
        (12, [50, 50, 150], [0, 0, 50], 250 * 100 - 50 * 10),
    ],
)
def test_inventory_is_built_ahead_of_a_peak_when_cheaper_than_overtime(
    holding: float, production: list[float], overtime: list[float], margin: float
) -> None:
    solution = solve(
        problem(
            demand={"S": [50, 50, 150]},
            prices={"S": 100},
            segments=[SegmentInput(code="S", unmet="lost")],
            family={"holding_cost": holding},
            resource={"regular_hours": 100, "max_overtime_hours": 50, "overtime_hour_cost": 10},
            compute_options=False,
        )
    )
    assert solution.families[0].production == approx(production)
    assert solution.resources[0].overtime == approx(overtime)
    assert solution.totals.margin == approx(margin)


def test_backlog_is_served_late_and_lost_sales_are_gone() -> None:
    """100 units a month, demand 150 then 50, price 20. Backlogging (3 per unit-month): 100
    then 100 sold, 50 late: margin 4000, penalty 150, on-time fill 150/200. Lost sales
    (penalty 2): 100 then 50 sold, 50 lost: margin 3000, penalty 100. Penalties steer the
    plan; they are no cost (shared.money)."""
    backlog = solve(
        problem(
            demand={"S": [150, 50]},
            prices={"S": 20},
            segments=[SegmentInput(code="S", unmet="backlog", backlog_cost=3)],
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert backlog.sales[0].sales == approx([100, 100])
    assert backlog.sales[0].backlog == approx([50, 0])
    assert backlog.totals.margin == approx(4000)
    assert backlog.totals.planning_penalties.backlog == approx(150)
    assert backlog.segments[0].fill_rate == approx(0.75)

    lost = solve(
        problem(
            demand={"S": [150, 50]},
            prices={"S": 20},
            segments=[SegmentInput(code="S", unmet="lost", lost_sale_penalty=2)],
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert lost.sales[0].sales == approx([100, 50])
    assert lost.sales[0].lost == approx([50, 0])
    assert lost.totals.margin == approx(3000)
    assert lost.totals.planning_penalties.lost_sale == approx(100)


@pytest.mark.parametrize("integer", [False, True])
def test_workforce_hires_for_the_peak_and_lays_off_after(integer: bool) -> None:
    """10 workers of 100 hours, 1 h/unit, wage 10/h (1000 a worker-month), hire 500,
    layoff 300, price 50, holding 100 (no pre-build). Demand 1000, 1500, 1500, 1000: hire 5
    in month 2 (each earns 2*100*50 - 2000 - 500 - 300 > 0), lay them off in month 4 (300 <
    1000 of idle wages). Margin 5000*50 - 50*1000 - 2500 - 1500 = 196000."""
    solution = solve(
        problem(
            demand={"S": [1000, 1500, 1500, 1000]},
            prices={"S": 50},
            segments=[SegmentInput(code="S", unmet="lost")],
            family={"holding_cost": 100},
            resource={
                "workforce": WorkforceInput(
                    initial_workers=10,
                    hours_per_worker=100,
                    wage_per_hour=10,
                    hire_cost=500,
                    layoff_cost=300,
                )
            },
            integer=integer,
            compute_options=False,
        )
    )
    crew = solution.resources[0]
    assert crew.workers == approx([10, 15, 15, 10])
    assert crew.hired == approx([0, 5, 0, 0])
    assert crew.laid_off == approx([0, 0, 0, 5])
    assert solution.totals.margin == approx(196000)
    assert solution.totals.hiring_cost == approx(2500)
    assert solution.totals.layoff_cost == approx(1500)


def test_min_cost_meets_all_demand_at_least_cost() -> None:
    """Demand 130, 100 regular hours, overtime 10/h: min_cost must make 30 on overtime even
    though price 0 would rather sell nothing. Cost 130*2 + 30*10 = 560."""
    solution = solve(
        problem(
            demand={"S": [130]},
            segments=[SegmentInput(code="S", unmet="lost")],
            family={"variable_cost": 2},
            resource={"regular_hours": 100, "max_overtime_hours": 50, "overtime_hour_cost": 10},
            objective=Objective.min_cost,
            compute_options=False,
        )
    )
    assert solution.sales[0].sales == approx([130])
    assert solution.totals.total_cost == approx(560)


def test_service_first_serves_at_a_loss_that_max_margin_refuses() -> None:
    """Capacity 100, demand 150 at price 10; the extra 50 can only be outsourced at 30.
    max_margin sells 100; service_first sells all 150 (then minimises the loss)."""
    shared: dict[str, Any] = {
        "demand": {"S": [150]},
        "prices": {"S": 10},
        "segments": [SegmentInput(code="S", unmet="lost")],
        "family": {"outsource_cost": 30, "outsource_limit": 80},
        "resource": {"regular_hours": 100},
        "compute_options": False,
    }
    margin = solve(problem(**shared))
    assert margin.sales[0].sales == approx([100])
    service = solve(problem(objective=Objective.service_first, **shared))
    assert service.sales[0].sales == approx([150])
    assert service.families[0].outsourced == approx([50])
    assert service.totals.margin == approx(1500 - 1500, abs=1e-3)
    assert service.stats.solves >= 2


@pytest.mark.parametrize("integer", [False, True])
def test_expansion_steps_with_lead_time(integer: bool) -> None:
    """Demand 150 a month for 3 months at margin 10; 100 regular hours; a 50-hour step costs
    300 and comes after one month: it adds 2 * 50 units (1000 of margin), so it is taken in
    full in both forms; months 2-3 run at 150."""
    solution = solve(
        problem(
            demand={"S": [150, 150, 150]},
            prices={"S": 10},
            segments=[SegmentInput(code="S", unmet="lost")],
            resource={"regular_hours": 100},
            integer=integer,
            compute_options=False,
        ).model_copy(
            update={
                "expansions": [
                    ExpansionInput(
                        code="SHIFT",
                        resource="R",
                        extra_hours=50,
                        fixed_cost=300,
                        lead_time_periods=1,
                    )
                ]
            }
        )
    )
    assert solution.expansion_levels == {"SHIFT": approx(1.0)}
    assert solution.expansions_started == {"SHIFT": "2026-02"}
    assert solution.families[0].production == approx([100, 150, 150])
    assert solution.totals.margin == approx(400 * 10 - 300)
    assert solution.resources[0].expansion_hours == approx([0, 50, 50])
    if integer:
        assert solution.stats.relative_gap is not None and solution.stats.relative_gap <= 1e-4


def test_an_expansion_is_taken_in_part_only_in_linear_mode() -> None:
    """Demand needs 20 of a 50-hour step (fixed cost 100, margin 10 a unit): the LP takes
    0.4 of the step (cost 40, margin 200); the MIP takes it whole (margin 200 - 100)."""

    def build(integer: bool) -> Solution:
        return solve(
            problem(
                demand={"S": [120]},
                prices={"S": 10},
                segments=[SegmentInput(code="S", unmet="lost")],
                resource={"regular_hours": 100},
                integer=integer,
                compute_options=False,
            ).model_copy(
                update={
                    "expansions": [
                        ExpansionInput(code="STEP", resource="R", extra_hours=50, fixed_cost=100)
                    ]
                }
            )
        )

    linear, whole = build(False), build(True)
    assert linear.expansion_levels["STEP"] == approx(0.4)
    assert linear.totals.margin == approx(1200 - 40)
    assert whole.expansion_levels["STEP"] == approx(1.0)
    assert whole.totals.margin == approx(1200 - 100)


def test_safety_stock_is_a_soft_floor() -> None:
    """Safety stock 30, penalty 1 per unit-month, holding 0.5; capacity 100, demand 100 at
    price 10. Keeping stock means selling less: the model sells 100 and runs at zero stock
    (a unit kept costs 10 of margin and saves 1.5)."""
    solution = solve(
        problem(
            demand={"S": [100, 100]},
            prices={"S": 10},
            segments=[SegmentInput(code="S", unmet="lost")],
            family={"safety_stock": 30, "safety_stock_penalty": 1, "holding_cost": 0.5},
            resource={"regular_hours": 100},
            compute_options=False,
        )
    )
    assert solution.families[0].inventory == approx([0, 0])
    assert solution.families[0].safety_stock_shortfall == approx([30, 30])
    assert solution.totals.planning_penalties.safety_stock == approx(60)
    assert solution.totals.margin == approx(2000)  # no penalty in the margin
    breach = [e for e in solution.escalations if e.kind == "safety_stock_breach"]
    assert len(breach) == 1 and breach[0].amount == approx(30)


def test_an_unreachable_ending_inventory_is_a_422_naming_it() -> None:
    """Two months of 100 units cannot end with 500 in stock: at most 200."""
    with pytest.raises(ValidationFailed) as failure:
        solve(
            problem(
                demand={"S": [0, 0]},
                family={"min_ending_inventory": 500},
                resource={"regular_hours": 100},
            )
        )
    [error] = failure.value.errors
    assert error.field == "body.families.0.min_ending_inventory"
    assert "at most 200" in error.reason and "short 300" in error.reason
    assert "R (2 periods)" in failure.value.detail


def test_a_backlog_that_cannot_be_cleared_is_a_422_naming_the_segment() -> None:
    """300 units ordered, 200 can be made: 100 stay backlogged at the end."""
    with pytest.raises(ValidationFailed) as failure:
        solve(
            problem(
                demand={"S": [150, 150]},
                segments=[SegmentInput(code="S", clear_backlog_by_end=True)],
                resource={"regular_hours": 100},
            )
        )
    [error] = failure.value.errors
    assert error.field == "body.segments.0.clear_backlog_by_end"
    assert "100 units remain" in error.reason


def test_min_cost_with_demand_beyond_capacity_is_a_422_naming_the_demand() -> None:
    with pytest.raises(ValidationFailed) as failure:
        solve(
            problem(
                demand={"S": [150]},
                segments=[SegmentInput(code="S", unmet="lost")],
                resource={"regular_hours": 100},
                objective=Objective.min_cost,
            )
        )
    [error] = failure.value.errors
    assert error.field == "body.demand.0.quantity"
    assert "50 units cannot be" in error.reason


def test_stats_report_termination_sizes_and_times() -> None:
    solution = solve(
        problem(demand={"S": [10, 20]}, prices={"S": 5}, resource={"regular_hours": 100})
    )
    stats = solution.stats
    assert stats.termination == "optimal"
    assert stats.relative_gap == 0
    assert stats.variables > 0 and stats.constraints > 0
    assert 0 < stats.solve_seconds <= stats.total_seconds
    assert stats.lp_algorithm == "barrier"


def test_fixed_production_is_held_at_its_stored_rounding_but_no_further() -> None:
    """20 hours, 3 h/unit: a plan at the limit makes 20/3 = 6.666666... units, stored
    rounded up to 6.666667 (3 x 6.666667 = 20.000001 hours). Held at that value (the time
    fence) it still solves; 6.67 units (20.01 hours) is over the capacity and refused."""
    common: dict[str, Any] = {
        "demand": {"KEY": [10]},
        "prices": {"KEY": 100},
        "resource": {"regular_hours": 20},
        "hours_per_unit": 3.0,
        "compute_options": False,
    }
    held = solve(problem(family={"fixed_production": [6.666667]}, **common))
    assert held.families[0].production == [6.666667]
    with pytest.raises(ValidationFailed):
        solve(problem(family={"fixed_production": [6.67]}, **common))
