"""The supply service answers as its OpenAPI says (issue 10, "an honest contract")."""

import datetime as dt

from fastapi.testclient import TestClient

from tests.demand.builders import current
from tests.demand.test_families import assert_problem
from tests.supply.test_capacity import capacity
from tests.supply.test_resources import RESOURCE
from tests.supply.test_supply_plans import PLAN


def test_unknown_query_parameters_and_body_fields_are_refused(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    client.put("/capacity", json=[capacity("2026-01"), capacity("2026-02")])
    body = assert_problem(client.get("/capacity", params={"period": "2026-01"}), 422, "period")
    assert body["errors"][0]["field"] == "query.period"
    assert client.get("/capacity", params={"period_to": "2026-01"}).json()["total"] == 1
    extra = {**capacity("2026-03"), "shift": "night"}
    assert_problem(client.post("/capacity", json=extra), 422, "body.shift")


def test_true_is_not_an_hour_nor_a_lead_time(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    refused = client.post("/capacity", json={**capacity("2026-01"), "regular_hours": True})
    assert_problem(refused, 422, "body.regular_hours")
    routing = {"family_code": "F", "resource_code": "ASSY-1", "hours_per_unit": 1}
    refused = client.post("/routings", json={**routing, "lead_time_offset": True})
    assert_problem(refused, 422, "body.lead_time_offset")
    # An integer may be written 1.0, as JSON Schema reads "integer".
    created = client.post("/routings", json={**routing, "lead_time_offset": 1.0})
    assert created.status_code == 201, created.text


def test_month_0000_01_is_refused_everywhere(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    assert_problem(client.post("/capacity", json=capacity("0000-01")), 422, "body.period")
    assert_problem(client.get("/capacity", params={"period_from": "0000-01"}), 422, "period")
    safety = {"lines": [{"family_code": "F", "period": "0000-01", "quantity": 1}]}
    refused = client.post("/inventory-policies/safety-stock", json=safety)
    assert_problem(refused, 422, "body.lines.0.period")
    refused = client.post("/supply-plans", json={**PLAN, "horizon_start": "0000-01"})
    assert_problem(refused, 422, "body.horizon_start")


def test_supply_plans_are_served_with_their_offset(client: TestClient) -> None:
    created = client.post("/supply-plans", json=PLAN)
    assert created.status_code == 201, created.text
    path = f"/supply-plans/{created.json()['id']}"
    proposed = client.post(f"{path}/propose", headers=current(client, path))
    for plan in (created.json(), proposed.json(), client.get("/supply-plans/latest").json()):
        for field in ("created_at", "proposed_at"):
            if plan[field] is not None:
                assert dt.datetime.fromisoformat(plan[field]).utcoffset() is not None, plan


def test_a_405_allows_every_method_of_its_path(client: TestClient) -> None:
    # /inventory-policies/{id} takes a number: safety-stock is a path of its own.
    refused = client.patch("/inventory-policies/safety-stock", json={})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert client.post("/capacity/1").headers["allow"] == "GET, PATCH, DELETE"
