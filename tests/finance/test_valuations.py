import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.demand.test_families import assert_problem


def line(family: str, segment: str, period: str, quantity: float) -> dict:
    return {"family_code": family, "segment_code": segment, "period": period, "quantity": quantity}


def test_valuation_of_a_hand_worked_plan(priced: TestClient) -> None:
    plan = [
        line("FAM-A", "KEY", "2026-01", 10),  # 10 x 100 = 1000 revenue, 10 x 60 = 600 cost
        line("FAM-A", "KEY", "2026-02", 5),  # 5 x 110 = 550, 5 x 70 = 350 (2026-02 cost applies)
        line("FAM-A", "RET", "2026-01", 2),  # 2 x 120 = 240, 2 x 60 = 120
        line("FAM-B", "KEY", "2026-02", 4),  # 4 x 50 = 200, 4 x 30 = 120
    ]
    response = priced.post("/valuations", json={"lines": plan})
    assert response.status_code == 200, response.text
    body = response.json()
    got = [
        (v["price"], v["unit_cost"], v["revenue"], v["cost"], v["margin"]) for v in body["lines"]
    ]
    assert got == [
        (100, 60, 1000, 600, 400),
        (110, 70, 550, 350, 200),
        (120, 60, 240, 120, 120),
        (50, 30, 200, 120, 80),
    ]
    # Revenue 1000 + 550 + 240 + 200 = 1990; cost 600 + 350 + 120 + 120 = 1190; margin 800.
    totals = body["totals"]
    assert totals["quantity"] == 21
    assert (totals["revenue"], totals["cost"], totals["margin"]) == (1990, 1190, 800)
    assert totals["margin_pct"] == pytest.approx(800 / 1990)


def test_every_missing_price_or_cost_is_listed_in_one_problem(priced: TestClient) -> None:
    plan = [
        line("FAM-A", "KEY", "2026-01", 1),
        line("FAM-A", "KEY", "2026-03", 1),  # no price in March
        line("FAM-B", "KEY", "2025-12", 1),  # neither price nor a cost effective yet
        line("FAM-C", "KEY", "2026-01", 1),  # unknown family: neither
    ]
    body = assert_problem(priced.post("/valuations", json={"lines": plan}), 422, "body.lines.1")
    fields = sorted(error["field"] for error in body["errors"])
    assert fields == [
        "body.lines.1.period",
        "body.lines.2.period",
        "body.lines.2.period",
        "body.lines.3.period",
        "body.lines.3.period",
    ]
    assert any("unit cost" in e["reason"] and "FAM-B" in e["reason"] for e in body["errors"])


def test_empty_plan_values_to_zero_and_bad_lines_are_named(priced: TestClient) -> None:
    empty = priced.post("/valuations", json={"lines": []}).json()
    assert {k: empty["totals"][k] for k in ("quantity", "revenue", "cost", "margin")} == {
        "quantity": 0,
        "revenue": 0,
        "cost": 0,
        "margin": 0,
    }
    assert empty["totals"]["margin_pct"] is None and empty["periods"] == []
    bad = [line("FAM-A", "KEY", "2026-01", -1), line("FAM-A", "KEY", "2026-00", 1)]
    body = assert_problem(priced.post("/valuations", json={"lines": bad}), 422, "body.lines.0")
    assert {e["field"] for e in body["errors"]} == {
        "body.lines.0.quantity",
        "body.lines.1.period",
    }
    assert_problem(priced.post("/valuations", json={"lines": "all"}), 422, "body.lines")
    assert_problem(priced.post("/valuations", json=[1, 2]), 422, "body")


def test_lookups_are_one_query_per_table_whatever_the_number_of_lines(client: TestClient) -> None:
    families = [f"FAM-{f:02d}" for f in range(40)]
    periods = [f"2026-{m:02d}" for m in range(1, 13)]
    client.put(
        "/prices",
        json=[
            {"family_code": f, "segment_code": "KEY", "period": p, "price": 10}
            for f in families
            for p in periods
        ],
    )
    client.put(
        "/unit-costs",
        json=[
            {"family_code": f, "effective_from": "2026-01", "variable_cost": 4} for f in families
        ],
    )
    client.put(
        "/lever-costs",
        json=[{"lever": "holding_unit_period", "code": f, "cost": 0.5} for f in families],
    )
    statements: list[str] = []
    engine = client.app.state.engine  # type: ignore[attr-defined]

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        plan = {
            "lines": [line(f, "KEY", p, 1) for f in families for p in periods],
            "family_periods": [
                {"family_code": f, "period": p, "ending_inventory": 2}
                for f in families
                for p in periods
            ],
        }
        body = client.post("/valuations", json=plan).json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    totals = body["totals"]
    assert (totals["revenue"], totals["cost"], totals["lever_cost"]) == (4800, 1920, 480)
    # Prices, unit costs, lever costs: one query each for 480 lines and 480 family months.
    assert len(statements) == 3, statements


LEVER_COSTS = [
    {"lever": "regular_hour", "code": "ASSY", "cost": 2},
    {"lever": "overtime_hour", "code": "ASSY", "cost": 45},
    {"lever": "outsourcing_unit", "code": "FAM-A", "cost": 90},
    {"lever": "holding_unit_period", "code": "FAM-A", "cost": 2},
    {"lever": "holding_unit_period", "code": "FAM-B", "cost": 1},
    {"lever": "backlog_unit_period", "code": "KEY", "cost": 5},
    {"lever": "lost_sale_unit", "code": "RET", "cost": 15},
]

# A plan with every lever; the prices and unit costs are those of the `priced` fixture.
PLAN_WITH_LEVERS = {
    "lines": [
        {**line("FAM-A", "KEY", "2026-01", 10), "demand": 12, "backlog": 2},
        {**line("FAM-A", "KEY", "2026-02", 5), "demand": 3},
        {**line("FAM-A", "RET", "2026-01", 2), "demand": 3, "lost": 1},
        {**line("FAM-B", "KEY", "2026-02", 4), "demand": 4},
    ],
    "family_periods": [
        {"family_code": "FAM-A", "period": "2026-01", "outsourced": 3, "ending_inventory": 4},
        {"family_code": "FAM-A", "period": "2026-02", "ending_inventory": 1},
        {"family_code": "FAM-B", "period": "2026-02", "ending_inventory": 10},
    ],
    "resource_periods": [
        {"resource_code": "ASSY", "period": "2026-01", "regular_hours": 50, "overtime_hours": 2},
        {"resource_code": "ASSY", "period": "2026-02", "regular_hours": 80},
    ],
}


def test_valuation_with_lever_costs_and_inventory_value(priced: TestClient) -> None:
    priced.put("/lever-costs", json=LEVER_COSTS)
    response = priced.post("/valuations", json=PLAN_WITH_LEVERS)
    assert response.status_code == 200, response.text
    body = response.json()
    # Lines: backlog 2 x 5 = 10 and lost 1 x 15 = 15 are planning penalties, shown on their
    # lines but never off a margin.
    assert [(v["backlog_cost"], v["lost_sale_cost"], v["margin"]) for v in body["lines"]] == [
        (10, 0, 1000 - 600),
        (0, 0, 550 - 350),
        (0, 15, 240 - 120),
        (0, 0, 200 - 120),
    ]
    # FAM-A 2026-01: unit cost 60, inventory 4 x 60 = 240, holding 4 x 2 = 8, outsourcing
    # 3 x (90 - 60) = 90. FAM-A 2026-02: 1 x 70 = 70, holding 2. FAM-B: 10 x 30 = 300, holding 10.
    families = [
        (f["unit_cost"], f["inventory_value"], f["holding_cost"], f["outsourcing_cost"])
        for f in body["family_periods"]
    ]
    assert families == [(60, 240, 8, 90), (70, 70, 2, 0), (30, 300, 10, 0)]
    # Hours: 50 x 2 = 100 and 2 x 45 = 90 in January; 80 x 2 = 160 in February.
    resources = [(r["regular_cost"], r["overtime_cost"]) for r in body["resource_periods"]]
    assert resources == [(100, 90), (160, 0)]
    # January: revenue 1240, cost 720, levers 8 + 90 + 100 + 90 = 288, margin 232.
    # February: revenue 750, cost 470, levers 2 + 10 + 160 = 172, margin 108.
    months = [
        (p["period"], p["revenue"], p["cost"], p["lever_cost"], p["margin"], p["inventory_value"])
        for p in body["periods"]
    ]
    assert months == [("2026-01", 1240, 720, 288, 232, 240), ("2026-02", 750, 470, 172, 108, 370)]
    totals = body["totals"]
    assert (totals["revenue"], totals["cost"], totals["lever_cost"], totals["margin"]) == (
        1990,
        1190,
        460,
        340,
    )
    assert totals["margin_pct"] == pytest.approx(340 / 1990)
    assert totals["lever_costs"] == {
        "regular_hour": 260,
        "overtime_hour": 90,
        "outsourcing_unit": 90,
        "holding_unit_period": 20,
        "hire_worker": 0,
        "layoff_worker": 0,
        "expansion_step": 0,
    }
    # The penalties: backlog 10 + lost sale 15, apart from cost and margin.
    assert totals["planning_penalties"] == {
        "backlog": 10,
        "lost_sale": 15,
        "safety_stock": 0,
        "total": 25,
    }
    assert totals["ending_inventory_value"] == 370
    assert totals["average_inventory_value"] == (240 + 370) / 2


def test_an_expansion_step_costs_its_level_times_its_fixed_cost_in_its_month(
    priced: TestClient,
) -> None:
    """The plan with every lever, and half of step ASSY-X (fixed cost 1,000) decided in
    January: 0.5 x 1,000 = 500 more lever cost in January, 500 less margin."""
    priced.put("/lever-costs", json=[*LEVER_COSTS, STEP_COST])
    plan = {**PLAN_WITH_LEVERS, "expansion_steps": [HALF_STEP]}
    response = priced.post("/valuations", json=plan)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expansion_steps"] == [{**HALF_STEP, "fixed_cost": 1000, "cost": 500}]
    # January: levers 288 + 500 = 788, margin 232 - 500 = -268; February unchanged.
    months = [(p["period"], p["lever_cost"], p["margin"]) for p in body["periods"]]
    assert months == [("2026-01", 788, -268), ("2026-02", 172, 108)]
    totals = body["totals"]
    assert (totals["lever_cost"], totals["margin"]) == (460 + 500, 340 - 500)
    assert totals["lever_costs"]["expansion_step"] == 500


def test_an_expansion_step_without_its_cost_or_taken_twice_is_named(priced: TestClient) -> None:
    priced.put("/lever-costs", json=LEVER_COSTS)
    plan = {**PLAN_WITH_LEVERS, "expansion_steps": [HALF_STEP]}
    body = assert_problem(priced.post("/valuations", json=plan), 422, "body.expansion_steps.0.code")
    assert body["errors"][0]["reason"] == "no expansion_step lever cost for ASSY-X"
    priced.put("/lever-costs", json=[STEP_COST])
    twice = {"lines": [], "expansion_steps": [HALF_STEP, {**HALF_STEP, "period": "2026-02"}]}
    assert_problem(priced.post("/valuations", json=twice), 422, "body.expansion_steps.1.code")
    # A step not taken (level 0) needs no cost.
    untaken = {"lines": [], "expansion_steps": [{**HALF_STEP, "code": "NONE", "level": 0}]}
    assert priced.post("/valuations", json=untaken).status_code == 200


STEP_COST = {"lever": "expansion_step", "code": "ASSY-X", "cost": 1000}
HALF_STEP = {"code": "ASSY-X", "period": "2026-01", "level": 0.5}


def test_every_missing_lever_cost_is_listed(priced: TestClient) -> None:
    response = priced.post("/valuations", json=PLAN_WITH_LEVERS)
    body = assert_problem(response, 422, "body.lines.0.backlog")
    assert {e["field"] for e in body["errors"]} == {
        "body.lines.0.backlog",
        "body.lines.2.lost",
        "body.family_periods.0.outsourced",
        "body.family_periods.0.ending_inventory",
        "body.family_periods.1.ending_inventory",
        "body.family_periods.2.ending_inventory",
        "body.resource_periods.0.regular_hours",
        "body.resource_periods.0.overtime_hours",
        "body.resource_periods.1.regular_hours",
    }
    no_cost = {"family_code": "FAM-Z", "period": "2026-01", "ending_inventory": 1}
    body = assert_problem(
        priced.post("/valuations", json={"lines": [], "family_periods": [no_cost]}),
        422,
        "body.family_periods.0.period",
    )
    assert any("no unit cost for FAM-Z" in e["reason"] for e in body["errors"])


def test_bad_lever_quantities_are_named(priced: TestClient) -> None:
    family = {"family_code": "FAM-A", "period": "2026-01", "ending_inventory": 1}
    bad = {
        "lines": [{**line("FAM-A", "KEY", "2026-01", 1), "backlog": -1}],
        "family_periods": [{**family, "outsourced": "many"}],
        "resource_periods": [{"resource_code": "R 1", "period": "2026-01"}],
    }
    body = assert_problem(priced.post("/valuations", json=bad), 422, "body.lines.0.backlog")
    assert {e["field"] for e in body["errors"]} == {
        "body.lines.0.backlog",
        "body.family_periods.0.outsourced",
        "body.resource_periods.0.resource_code",
    }
    twice = {"lines": [], "family_periods": [family, family]}
    assert_problem(priced.post("/valuations", json=twice), 422, "body.family_periods.1.period")
