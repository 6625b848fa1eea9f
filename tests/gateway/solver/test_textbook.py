"""Published aggregate-planning examples as special cases of the model.

Each problem is written as the JSON body ``POST /solve`` takes, validated into a ``PlanningProblem``
and solved by the pure function. The published optima below are LP/IP optima (not
heuristic plans), so our optimum must equal them.
"""

from typing import Any

import pytest

from gateway.solver.model import solve
from gateway.solver.problem import PlanningProblem

approx = pytest.approx


def red_tomato(*, integer: bool) -> dict[str, Any]:
    """Chopra & Meindl, Supply Chain Management: Strategy, Planning, and Operation, ch. 8
    "Aggregate Planning in a Supply Chain", the Red Tomato Tools example (Tables 8-1, 8-2;
    problem statement reproduced at https://zh.scribd.com/document/240410344/Red-Tomato-Tools-2010).

    Six months of demand 1,600 / 3,000 / 3,200 / 3,800 / 2,200 / 2,200; 1,000 tools and 80
    workers at the start; 20 days x 8 hours per worker-month at $4/hour paid on the whole
    workforce; overtime $6/hour, at most 10 hours per worker-month; 4 labour hours and $10
    of material per tool; holding $2 and backlog $5 per unit-month; hiring $300, layoff
    $500; unlimited subcontracting at $30; at least 500 in stock and no backlog at the end.
    Revenue is fixed (all demand met), so the objective is minimum cost.

    Published optimum: $422,275 for the linear program (64.58 workers, 2,583 tools a month,
    backlog only in April); $422,660 in whole numbers (16 layoffs in January)."""
    return {
        "periods": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
        "families": [
            {
                "code": "TOOLS",
                "variable_cost": 10,
                "holding_cost": 2,
                "initial_inventory": 1000,
                "min_ending_inventory": 500,
                "outsource_cost": 30,
                "outsource_limit": None,
            }
        ],
        "segments": [
            {"code": "RETAIL", "unmet": "backlog", "backlog_cost": 5, "clear_backlog_by_end": True}
        ],
        "demand": [
            {
                "family": "TOOLS",
                "segment": "RETAIL",
                "quantity": [1600, 3000, 3200, 3800, 2200, 2200],
                "price": 40,
            }
        ],
        "resources": [
            {
                "code": "PLANT",
                "overtime_hour_cost": 6,
                "workforce": {
                    "initial_workers": 80,
                    "hours_per_worker": 160,
                    "wage_per_hour": 4,
                    "hire_cost": 300,
                    "layoff_cost": 500,
                    "overtime_hours_per_worker": 10,
                },
            }
        ],
        "routings": [{"family": "TOOLS", "resource": "PLANT", "hours_per_unit": 4}],
        "options": {"objective": "min_cost", "integer": integer, "compute_options": False},
    }


def test_red_tomato_linear_program_reaches_the_published_optimum() -> None:
    solution = solve(PlanningProblem.model_validate(red_tomato(integer=False)))
    # The published optimum is the objective's cost: units cost when made, backlog charged.
    # The plan's money is finance's (shared.money): units cost when sold, backlog a penalty.
    assert solution.stats.objective_value == approx(-422_275, abs=0.01)
    plant = solution.resources[0]
    assert plant.workers == approx([64.583333] * 6, rel=1e-6)
    assert plant.laid_off == approx([15.416667, 0, 0, 0, 0, 0], rel=1e-6)
    assert solution.families[0].production == approx([2583.333333] * 6, rel=1e-6)
    assert solution.families[0].inventory[0] == approx(1983.333333, rel=1e-6)
    assert solution.families[0].inventory[-1] == approx(500)
    assert solution.sales[0].backlog == approx([0, 0, 0, 266.666667, 0, 0], rel=1e-6)
    assert solution.totals.revenue == approx(16_000 * 40)


def test_red_tomato_in_whole_numbers_reaches_the_published_optimum() -> None:
    solution = solve(PlanningProblem.model_validate(red_tomato(integer=True)))
    assert solution.stats.objective_value == approx(-422_660)
    assert solution.resources[0].laid_off == approx([16, 0, 0, 0, 0, 0])
    assert solution.resources[0].workers == approx([64] * 6)
    assert solution.stats.relative_gap is not None and solution.stats.relative_gap <= 1e-4


def northern_airplane(*, integer: bool) -> dict[str, Any]:
    """Hillier & Lieberman, Introduction to Operations Research, section 9.1, the Northern
    Airplane Co. production-scheduling problem (Table 9.7), the transportation method of
    production planning. Jet engines: scheduled installations 10 / 15 / 25 / 20, maximum
    production 25 / 35 / 30 / 10, unit production cost 1.08 / 1.11 / 1.10 / 1.13 ($ million),
    storage $15,000 (0.015) per engine-month; every installation on time.

    Published optimum: Z = $77.3 million, producing 25 / 5 / 30 / 10."""
    return {
        "periods": ["2026-01", "2026-02", "2026-03", "2026-04"],
        "families": [
            {"code": "ENGINE", "variable_cost": [1.08, 1.11, 1.10, 1.13], "holding_cost": 0.015}
        ],
        "segments": [{"code": "INSTALL", "unmet": "lost"}],
        "demand": [{"family": "ENGINE", "segment": "INSTALL", "quantity": [10, 15, 25, 20]}],
        "resources": [{"code": "LINE", "regular_hours": [25, 35, 30, 10]}],
        "routings": [{"family": "ENGINE", "resource": "LINE", "hours_per_unit": 1}],
        "options": {"objective": "min_cost", "integer": integer, "compute_options": False},
    }


@pytest.mark.parametrize("integer", [False, True])
def test_northern_airplane_reaches_the_published_optimum(integer: bool) -> None:
    solution = solve(PlanningProblem.model_validate(northern_airplane(integer=integer)))
    assert solution.stats.objective_value == approx(-77.3)
    # In money, each engine installed costs the standard cost of its month (finance's rule):
    # 10 x 1.08 + 15 x 1.11 + 25 x 1.10 + 20 x 1.13 = 77.55, plus storage (15 + 5 + 10) x 0.015.
    assert solution.totals.total_cost == approx(77.55 + 0.45)
    assert solution.families[0].production == approx([25, 5, 30, 10])
    assert solution.sales[0].sales == approx([10, 15, 25, 20])
    # One more engine in month 4 replaces one made in month 2 for month 4: 1.14 - 1.13.
    assert solution.resources[0].shadow_price[3] == approx(0.01)


def quarter_with_three_sources(*, integer: bool) -> dict[str, Any]:
    """The transportation-method exercise "aggregate planning problem for one quarter"
    (Stevenson, Operations Management, aggregate-planning chapter; statement at
    http://www.expertsmind.com/library/aggregate-planning-problem-for-one-quarter-5803890.aspx):
    regular time 1,000 units at $5, overtime 200 at $7, subcontracting 150 at $8 per month;
    demand 1,250 a month for three months; carrying $1 per unit-month; no initial stock,
    no backlog.

    Worked optimum: every month regular 1,000 + overtime 200 + 50 subcontracted
    (5,000 + 1,400 + 400 = 6,800 a month, $20,400). Building ahead costs 5 + 1 or 7 + 1, never
    less than the same month's source, so nothing is carried."""
    return {
        "periods": ["2026-01", "2026-02", "2026-03"],
        "families": [
            {
                "code": "UNIT",
                "variable_cost": 5,
                "holding_cost": 1,
                "outsource_cost": 8,
                "outsource_limit": 150,
            }
        ],
        "segments": [{"code": "ALL", "unmet": "lost"}],
        "demand": [{"family": "UNIT", "segment": "ALL", "quantity": [1250, 1250, 1250]}],
        "resources": [
            {
                "code": "PLANT",
                "regular_hours": 1000,
                "max_overtime_hours": 200,
                "overtime_hour_cost": 2,  # $7 a unit = $5 + $2 premium
            }
        ],
        "routings": [{"family": "UNIT", "resource": "PLANT", "hours_per_unit": 1}],
        "options": {"objective": "min_cost", "integer": integer, "compute_options": False},
    }


@pytest.mark.parametrize("integer", [False, True])
def test_the_transportation_method_quarter_reaches_its_optimum(integer: bool) -> None:
    solution = solve(PlanningProblem.model_validate(quarter_with_three_sources(integer=integer)))
    assert solution.totals.total_cost == approx(20_400)
    assert solution.families[0].outsourced == approx([50, 50, 50])
    assert solution.resources[0].overtime == approx([200, 200, 200])
    assert solution.families[0].inventory == approx([0, 0, 0])
