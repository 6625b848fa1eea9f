import random

import pytest
from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.finance.test_valuations import line

LINES = ("price", "volume", "mix", "cost", "not_decomposed")


def explained(measure: dict) -> float:
    return sum(measure["explained_by"][name] for name in LINES)


@pytest.fixture
def budgeted(client: TestClient) -> TestClient:
    """Two families in two groups, priced for March to May 2026."""
    client.put(
        "/prices",
        json=[
            {"family_code": f, "segment_code": "KEY", "period": p, "price": price}
            for f, price in (("FAM-A", 12), ("FAM-B", 20))
            for p in ("2026-03", "2026-04", "2026-05")
        ],
    )
    client.put(
        "/unit-costs",
        json=[
            {"family_code": "FAM-A", "effective_from": "2026-01", "variable_cost": 7.5},
            {"family_code": "FAM-B", "effective_from": "2026-01", "variable_cost": 15},
        ],
    )
    client.put("/lever-costs", json=[{"lever": "overtime_hour", "code": "ASSY", "cost": 45}])
    client.put(
        "/family-groups",
        json=[
            {"family_code": "FAM-A", "family_group": "G1"},
            {"family_code": "FAM-B", "family_group": "G2"},
        ],
    )
    client.put(
        "/aop",
        json=[
            # March by group: G1 100 units at 10 with margin 3 each (unit cost 7);
            # G2 50 units at 20 with margin 5 each (unit cost 15).
            {"period": "2026-03", "family_group": "G1", "quantity": 100, "revenue": 1000,
             "margin": 300},
            {"period": "2026-03", "family_group": "G2", "quantity": 50, "revenue": 1000,
             "margin": 250},
            # April for the company, without units.
            {"period": "2026-04", "revenue": 100, "margin": 40},
        ],
    )  # fmt: skip
    return client


PLAN = {
    "lines": [
        line("FAM-A", "KEY", "2026-03", 120),
        line("FAM-B", "KEY", "2026-03", 45),
        line("FAM-A", "KEY", "2026-04", 10),
        line("FAM-A", "KEY", "2026-05", 1),
    ],
    "resource_periods": [{"resource_code": "ASSY", "period": "2026-03", "overtime_hours": 2}],
    "tolerance": 0.1,
}


def test_gap_and_its_explanation_on_a_hand_worked_plan(budgeted: TestClient) -> None:
    response = budgeted.post("/aop-gaps", json=PLAN)
    assert response.status_code == 200, response.text
    body = response.json()
    march, april = body["periods"]
    # March plan: FAM-A 120 x 12 = 1440 at cost 120 x 7.5 = 900; FAM-B 45 x 20 = 900 at 675;
    # overtime 2 x 45 = 90 belongs to no family. Revenue 2340, margin 2340 - 1575 - 90 = 675.
    # Budget (sum of groups): 150 units, revenue 2000, margin 550.
    assert (march["period"], march["family_group"], march["aop_quantity"]) == ("2026-03", None, 150)
    assert (march["revenue"]["plan"], march["revenue"]["aop"], march["revenue"]["gap"]) == (
        2340,
        2000,
        340,
    )
    assert (march["margin"]["plan"], march["margin"]["aop"], march["margin"]["gap"]) == (
        675,
        550,
        125,
    )
    # volume: 165 / 150 - 1 = 0.1 of the budget: 200 revenue, 55 margin.
    # mix: G1 sells 120 against 165 x 2/3 = 110 (+10), G2 45 against 55 (-10):
    #      revenue 10 x 10 - 10 x 20 = -100; margin 10 x 3 - 10 x 5 = -20.
    # price: G1 1440 - 120 x 10 = 240, G2 900 - 45 x 20 = 0.
    # cost: G1 120 x 7 - 900 = -60, G2 45 x 15 - 675 = 0, overtime -90: -150.
    assert march["revenue"]["explained_by"] == pytest.approx(
        {"price": 240, "volume": 200, "mix": -100, "cost": 0, "not_decomposed": 0}
    )
    assert march["margin"]["explained_by"] == pytest.approx(
        {"price": 240, "volume": 55, "mix": -20, "cost": -150, "not_decomposed": 0}
    )
    # April: 10 x 12 = 120 against 100, margin 120 - 75 = 45 against 40; no budget units.
    assert (april["revenue"]["gap"], april["margin"]["gap"]) == (20, 5)
    assert april["revenue"]["explained_by"]["not_decomposed"] == 20
    assert april["margin"]["explained_by"]["not_decomposed"] == 5
    assert april["note"] and april["aop_quantity"] is None
    assert body["periods_without_aop"] == ["2026-05"]
    # Groups in March: G1 120 units, 1440, margin 540 against 100, 1000, 300;
    # G2 45 units, 900, margin 225 against 50, 1000, 250.
    g1, g2 = body["groups"]
    assert (g1["family_group"], g1["revenue"]["gap"], g1["margin"]["gap"]) == ("G1", 440, 240)
    assert g1["margin"]["explained_by"] == pytest.approx(
        {"price": 240, "volume": 60, "mix": 0, "cost": -60, "not_decomposed": 0}
    )
    assert (g2["family_group"], g2["revenue"]["gap"], g2["margin"]["gap"]) == ("G2", -100, -25)
    assert g2["revenue"]["gap_pct"] == pytest.approx(-0.1)
    # Totals over March and April.
    totals = body["totals"]
    assert (totals["revenue"]["aop"], totals["revenue"]["plan"]) == (2100, 2460)
    assert totals["revenue"]["explained_by"] == pytest.approx(
        {"price": 240, "volume": 200, "mix": -100, "cost": 0, "not_decomposed": 20}
    )
    # Beyond 10 %: March (17 %, 23 %), April (20 %, 12.5 %) and G1; G2 sits exactly at 10 %.
    flagged = [(f["period"], f["family_group"], f["measure"]) for f in body["flagged"]]
    assert flagged == [
        ("2026-03", None, "revenue"),
        ("2026-03", None, "margin"),
        ("2026-04", None, "revenue"),
        ("2026-04", None, "margin"),
        ("2026-03", "G1", "revenue"),
        ("2026-03", "G1", "margin"),
    ]
    assert body["flagged"][0]["gap"] == 340 and body["flagged"][0]["tolerance"] == 0.1


def test_variance_lines_add_up_to_the_gap(budgeted: TestClient) -> None:
    for gap in [*budgeted.post("/aop-gaps", json=PLAN).json()["periods"]]:
        for measure in (gap["revenue"], gap["margin"]):
            assert explained(measure) == pytest.approx(measure["gap"])


def test_variance_lines_add_up_on_random_plans(client: TestClient) -> None:
    rng = random.Random(7)
    families = [f"F{i}" for i in range(6)]
    periods = ["2026-01", "2026-02", "2026-03"]
    client.put(
        "/prices",
        json=[
            {"family_code": f, "segment_code": s, "period": p, "price": rng.uniform(5, 50)}
            for f in families
            for s in ("S1", "S2")
            for p in periods
        ],
    )
    client.put(
        "/unit-costs",
        json=[
            {"family_code": f, "effective_from": p, "variable_cost": rng.uniform(1, 30)}
            for f in families
            for p in periods[:2]
        ],
    )
    client.put(
        "/lever-costs",
        json=[{"lever": "holding_unit_period", "code": f, "cost": 0.5} for f in families]
        + [{"lever": "overtime_hour", "code": "R1", "cost": 40}],
    )
    # F0-F3 in groups G1/G2; F4 in a group without budget; F5 in none.
    groups = {"F0": "G1", "F1": "G1", "F2": "G2", "F3": "G2", "F4": "G3"}
    client.put(
        "/family-groups",
        json=[{"family_code": f, "family_group": g} for f, g in groups.items()],
    )
    client.put(
        "/aop",
        json=[
            {"period": "2026-01", "quantity": 900, "revenue": 25000, "margin": 6000},
            *(
                {"period": p, "family_group": g, "quantity": rng.uniform(100, 400),
                 "revenue": rng.uniform(2000, 9000), "margin": rng.uniform(-500, 3000)}
                for p in periods[1:]
                for g in ("G1", "G2")
            ),
        ],
    )  # fmt: skip
    plan = {
        "lines": [
            line(f, s, p, rng.choice([0, rng.uniform(0, 200)]))
            for f in families
            for s in ("S1", "S2")
            for p in periods
        ],
        "family_periods": [
            {"family_code": f, "period": p, "ending_inventory": rng.uniform(0, 50)}
            for f in families
            for p in periods
        ],
        "resource_periods": [
            {"resource_code": "R1", "period": p, "overtime_hours": 10} for p in periods
        ],
    }
    body = client.post("/aop-gaps", json=plan).json()
    assert len(body["periods"]) == 3 and len(body["groups"]) == 4
    for gap in [*body["periods"], *body["groups"], body["totals"]]:
        for measure in (gap["revenue"], gap["margin"]):
            assert measure["explained_by"]["not_decomposed"] == 0
            assert explained(measure) == pytest.approx(measure["gap"], abs=1e-6)
            assert measure["gap"] == pytest.approx(measure["plan"] - measure["aop"])
    # The company's margin is the valuation's: every lever included.
    valuation = client.post("/valuations", json=plan).json()
    assert sum(g["margin"]["plan"] for g in body["periods"]) == pytest.approx(
        valuation["totals"]["margin"]
    )


def test_tolerance_defaults_to_the_setting_and_bad_input_is_named(budgeted: TestClient) -> None:
    plan = {key: value for key, value in PLAN.items() if key != "tolerance"}
    assert budgeted.post("/aop-gaps", json=plan).json()["tolerance"] == 0.05
    assert_problem(budgeted.post("/aop-gaps", json={**PLAN, "tolerance": 2}), 422, "tolerance")
    assert_problem(budgeted.post("/aop-gaps", json={**PLAN, "tolerance": "x"}), 422, "tolerance")
    unpriced = {"lines": [line("FAM-A", "KEY", "2027-01", 1)]}
    assert_problem(budgeted.post("/aop-gaps", json=unpriced), 422, "body.lines.0.period")


def test_budget_units_too_small_to_price_leave_the_gap_unsplit(client: TestClient) -> None:
    client.post(
        "/prices", json={"family_code": "F", "segment_code": "S", "period": "2026-01", "price": 1e9}
    )
    client.post(
        "/unit-costs", json={"family_code": "F", "effective_from": "2026-01", "variable_cost": 0}
    )
    client.post(
        "/aop", json={"period": "2026-01", "revenue": 1e13, "margin": 0, "quantity": 1e-300}
    )
    response = client.post("/aop-gaps", json={"lines": [line("F", "S", "2026-01", 1e12)]})
    assert response.status_code == 200, response.text
    revenue = response.json()["periods"][0]["revenue"]
    assert revenue["explained_by"]["not_decomposed"] == revenue["gap"] == 1e21 - 1e13
