"""The roll: the next version over a horizon moved on, inputs carried or dropped visibly.

A flat history of 100 a month (FAM-01/KEY, 2024-01..2025-12) forecasts 100 in every month
whatever method wins. The plan over 2026-01..2026-06 has three inputs:
- a sales delta of +10 in 2026-01 only: it ends before 2026-02, so a roll by one drops it;
- a sales override of 150 over 2026-02..2026-03: carried, demand 150 there;
- a launch of NEW/RET from 2026-02, 30 a month after a 3-month ramp (10, 20, 30): carried,
  a launch acts for ever.
Rolled by one month (2026-02..2026-07), FAM-01/KEY is 150, 150, 100, 100, 100, 100 and
NEW/RET 10, 20, 30, 30, 30, 30.
"""

import pytest
from fastapi.testclient import TestClient

from shared.periods import add_months
from tests.demand.builders import (
    authored,
    create_plan,
    history_row,
    load_history,
    load_master,
    lock,
    post_inputs,
    run_baseline,
    waterfall,
)
from tests.demand.test_families import assert_problem


@pytest.fixture
def plan(client: TestClient) -> dict:
    load_master(client)
    load_history(
        client, [history_row("FAM-01", "KEY", add_months("2024-01", k), 100) for k in range(24)]
    )
    draft = create_plan(client)
    run_baseline(client, draft["id"])
    sales = [
        authored(
            kind="delta",
            family_code="FAM-01",
            segment_code="KEY",
            period_from="2026-01",
            quantity=10,
            reason_code="TENDER",
        ),
        authored(
            kind="override",
            family_code="FAM-01",
            segment_code="KEY",
            period_from="2026-02",
            period_to="2026-03",
            quantity=150,
            reason_code="PROMO",
        ),
    ]
    launch = authored(
        kind="launch",
        family_code="NEW",
        segment_code="RET",
        period_from="2026-02",
        quantity=30,
        ramp_months=3,
        reason_code="NPI",
    )
    assert post_inputs(client, draft["id"], "sales", sales).status_code == 201
    assert post_inputs(client, draft["id"], "product", [launch]).status_code == 201
    assert lock(client, draft["id"]).status_code == 200
    return draft


def consensus(client: TestClient, plan_id: int, family: str, segment: str) -> list[float]:
    cells = waterfall(client, plan_id, family_code=family, segment_code=segment)
    return [round(cell["consensus"], 6) for cell in sorted(cells, key=lambda c: c["period"])]


def test_roll_carries_inputs_that_still_act_and_drops_those_that_ended(
    client: TestClient, plan: dict
) -> None:
    assert consensus(client, plan["id"], "FAM-01", "KEY") == [110, 150, 150, 100, 100, 100]
    response = client.post(f"/demand-plans/{plan['id']}/roll", json={})
    assert response.status_code == 201, response.text
    rolled = response.json()
    new = rolled["plan"]
    assert (new["horizon_start"], new["horizon_months"], new["status"]) == ("2026-02", 6, "draft")
    assert new["built_from_streams"] and rolled["baseline_series"] == 1
    assert response.headers["ETag"]
    assert [(i["kind"], i["reason_code"], i["author"]) for i in rolled["carried"]] == [
        ("override", "PROMO", "j.doe"),
        ("launch", "NPI", "j.doe"),
    ]
    assert [(i["kind"], i["reason_code"], i["note"]) for i in rolled["dropped"]] == [
        ("delta", "TENDER", "ended 2026-01, before the rolled horizon starts in 2026-02")
    ]
    assert consensus(client, new["id"], "FAM-01", "KEY") == [150, 150, 100, 100, 100, 100]
    assert consensus(client, new["id"], "NEW", "RET") == [10, 20, 30, 30, 30, 30]
    inputs = client.get(f"/demand-plans/{new['id']}/inputs").json()["items"]
    assert sorted((i["reason_code"], i["assumption"]) for i in inputs) == [
        ("NPI", "as tested"),
        ("PROMO", "as tested"),
    ]
    # The source plan is untouched.
    assert consensus(client, plan["id"], "FAM-01", "KEY") == [110, 150, 150, 100, 100, 100]


def test_roll_by_three_months_drops_the_override_too(client: TestClient, plan: dict) -> None:
    response = client.post(f"/demand-plans/{plan['id']}/roll", json={"months": 3})
    assert response.status_code == 201, response.text
    rolled = response.json()
    assert rolled["plan"]["horizon_start"] == "2026-04"
    assert [i["reason_code"] for i in rolled["dropped"]] == ["TENDER", "PROMO"]
    assert consensus(client, rolled["plan"]["id"], "FAM-01", "KEY") == [100] * 6
    assert consensus(client, rolled["plan"]["id"], "NEW", "RET") == [30] * 6


def test_roll_of_a_plan_loaded_line_by_line_keeps_its_lines_in_the_new_horizon(
    client: TestClient,
) -> None:
    load_master(client)
    lines = [
        {"family_code": "FAM-01", "segment_code": "KEY", "period": f"2026-0{m}", "quantity": m}
        for m in (1, 2, 3)
    ]
    source = create_plan(client, lines=lines)
    rolled = client.post(f"/demand-plans/{source['id']}/roll", json={"months": 2}).json()
    stored = client.get(f"/demand-plans/{rolled['plan']['id']}/lines").json()["items"]
    assert [(line["period"], line["quantity"]) for line in stored] == [("2026-03", 3)]
    assert rolled["carried"] == rolled["dropped"] == []


def test_roll_refuses_bad_months_and_unknown_plans(client: TestClient, plan: dict) -> None:
    assert_problem(
        client.post(f"/demand-plans/{plan['id']}/roll", json={"months": 0}), 422, "body.months"
    )
    assert_problem(client.post("/demand-plans/999/roll", json={}), 404, "path.id")
