"""The finance service answers as its OpenAPI says (issue 10, "an honest contract")."""

import datetime as dt

from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.finance.test_prices import PRICE, price


def has_offset(timestamp: str) -> bool:
    return dt.datetime.fromisoformat(timestamp).utcoffset() is not None


def test_an_unknown_query_parameter_is_refused_not_ignored(client: TestClient) -> None:
    client.put("/prices", json=[price("2028-10"), price("2028-11")])
    body = assert_problem(client.get("/prices", params={"period": "2028-11"}), 422, "query.period")
    assert "period_from" in body["detail"]
    assert client.get("/prices", params={"period_from": "2028-11"}).json()["total"] == 1


def test_true_is_not_a_price_nor_text_a_number(client: TestClient) -> None:
    assert_problem(client.post("/prices", json={**PRICE, "price": True}), 422, "body.price")
    assert_problem(client.post("/prices", json={**PRICE, "price": "420"}), 422, "body.price")
    assert_problem(client.post("/prices", json={**PRICE, "colour": "red"}), 422, "body.colour")


def test_month_0000_01_is_refused_in_bodies_and_query_strings(client: TestClient) -> None:
    assert_problem(client.post("/prices", json=price("0000-01")), 422, "body.period")
    assert_problem(client.get("/prices", params={"period_from": "0000-01"}), 422, "period_from")
    lock = {"through_period": "0000-01"}
    assert_problem(client.post("/price-locks", json=lock), 422, "body.through_period")
    assert_problem(client.get("/aop", params={"period_to": "3000-01"}), 422, "period_to")


def test_price_locks_and_revisions_are_served_with_their_offset(client: TestClient) -> None:
    client.put("/prices", json=[price("2026-01")])
    created = client.post("/price-locks", json={"through_period": "2026-01", "reason": "Q1"})
    assert created.status_code == 201, created.text
    assert has_offset(created.json()["created_at"])
    assert has_offset(client.get("/price-locks/current").json()["created_at"])
    assert has_offset(client.get("/price-locks").json()["items"][0]["created_at"])
    revised = client.post(
        "/price-revisions", json={"reason": "typo", "prices": [price("2026-01", 101)]}
    )
    assert revised.status_code == 201, revised.text
    assert has_offset(revised.json()[0]["created_at"])
    assert has_offset(client.get("/price-revisions").json()["items"][0]["created_at"])


def test_a_patch_takes_null_only_where_the_row_may_be_empty(client: TestClient) -> None:
    created = client.post("/lever-costs", json={"lever": "overtime_hour", "code": "A", "cost": 4})
    lever_cost = created.json()["id"]
    assert_problem(client.patch(f"/lever-costs/{lever_cost}", json={"cost": None}), 422, "cost")
    schema = client.get("/openapi.json").json()["components"]["schemas"]["LeverCostUpdate"]
    assert schema["properties"]["cost"]["type"] == "number"  # no null offered
    aop = client.post(
        "/aop", json={"period": "2026-01", "revenue": 10, "margin": 2, "quantity": 5}
    ).json()
    cleared = client.patch(f"/aop/{aop['id']}", json={"quantity": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["quantity"] is None


def test_a_405_allows_every_method_of_its_path(client: TestClient) -> None:
    refused = client.options("/prices/1")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, PATCH, DELETE"
    assert client.put("/price-locks/current").headers["allow"] == "GET"
