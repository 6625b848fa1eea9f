from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.finance.test_prices import price

COST = {"family_code": "FAM-01", "effective_from": "2026-01", "variable_cost": 250.0}


def locked(client: TestClient) -> TestClient:
    """Prices for January to June and a unit cost from January, locked through March."""
    client.put("/prices", json=[price(f"2026-{m:02d}") for m in range(1, 7)])
    client.post("/unit-costs", json=COST)
    response = client.post("/price-locks", json={"through_period": "2026-03", "reason": "Q1"})
    assert response.status_code == 201, response.text
    return client


def prices_by_period(client: TestClient) -> dict[str, float]:
    return {p["period"]: p["price"] for p in client.get("/prices").json()["items"]}


def test_writes_to_locked_months_are_conflicts_naming_the_field(client: TestClient) -> None:
    locked(client)
    before = prices_by_period(client)
    body = assert_problem(client.post("/prices", json=price("2026-02", segment="RET")), 409, "")
    assert body["errors"][0]["field"] == "body.period"
    assert body["extra"] == {"locked_through": "2026-03"}
    batch = [price("2026-04", 120), price("2026-03", 99), price("2026-01", 98)]
    body = assert_problem(client.put("/prices", json=batch), 409, "body.1.period")
    assert [e["field"] for e in body["errors"]] == ["body.1.period", "body.2.period"]
    march_id = next(
        p["id"] for p in client.get("/prices").json()["items"] if p["period"] == "2026-03"
    )
    assert_problem(client.patch(f"/prices/{march_id}", json={"price": 1}), 409, "path.id")
    assert_problem(client.delete(f"/prices/{march_id}"), 409, "path.id")
    assert prices_by_period(client) == before  # nothing written, April included


def test_unchanged_reloads_and_open_months_pass(client: TestClient) -> None:
    locked(client)
    reload = [price(f"2026-{m:02d}") for m in range(1, 7)]
    reload[4]["price"] = 130.0  # May is open
    assert client.put("/prices", json=reload).json() == {"created": 0, "updated": 1, "unchanged": 5}
    assert client.put("/unit-costs", json=[COST]).json()["unchanged"] == 1
    # A cost effective from April never changes a closed month.
    april = {**COST, "effective_from": "2026-04", "variable_cost": 260}
    assert client.post("/unit-costs", json=april).status_code == 201
    changed = {**COST, "variable_cost": 1}
    assert_problem(client.put("/unit-costs", json=[changed]), 409, "body.0.effective_from")


def test_a_lock_only_moves_forward(client: TestClient) -> None:
    locked(client)
    assert_problem(
        client.post("/price-locks", json={"through_period": "2026-02"}), 409, "body.through_period"
    )
    assert_problem(
        client.post("/price-locks", json={"through_period": "2026-3"}), 422, "body.through_period"
    )
    assert client.post("/price-locks", json={"through_period": "2026-05"}).status_code == 201
    assert client.get("/price-locks/current").json()["through_period"] == "2026-05"
    assert client.get("/price-locks").json()["total"] == 2
    assert_problem(client.post("/prices", json=price("2026-05", segment="RET")), 409, "body.period")


def test_locked_months_change_only_as_recorded_restatements(client: TestClient) -> None:
    locked(client)
    restatement = {
        "reason": "Retroactive list-price correction",
        "prices": [price("2026-02", 95), price("2026-05", 100)],  # May is unchanged
        "unit_costs": [{**COST, "variable_cost": 240}],
    }
    response = client.post("/price-revisions", json=restatement)
    assert response.status_code == 201, response.text
    revisions = response.json()
    changes = [(r["kind"], r["period"], r["old_value"], r["new_value"]) for r in revisions]
    assert changes == [("price", "2026-02", 100, 95), ("unit_cost", "2026-01", 250, 240)]
    assert [r["version"] for r in revisions] == [2, 2]
    assert revisions[0]["locked_through"] == "2026-03"
    assert prices_by_period(client)["2026-02"] == 95
    again = client.post("/price-revisions", json={**restatement, "prices": [price("2026-02", 97)]})
    assert again.json()[0]["version"] == 3
    listed = client.get("/price-revisions", params={"kind": "price"}).json()
    assert [r["new_value"] for r in listed["items"]] == [95, 97]
    audit = client.get("/audit", params={"entity": "price"}).json()
    assert any(entry["after"] == {"price": 97} for entry in audit["items"])


def test_bad_restatements_write_nothing(client: TestClient) -> None:
    locked(client)
    before = prices_by_period(client)
    no_reason = {"prices": [price("2026-02", 1)]}
    assert_problem(client.post("/price-revisions", json=no_reason), 422, "body.reason")
    assert_problem(client.post("/price-revisions", json={"reason": "x"}), 422, "body.prices")
    twice = {"reason": "x", "prices": [price("2026-02", 1), price("2026-02", 2)]}
    assert_problem(client.post("/price-revisions", json=twice), 422, "body.prices.1.period")
    negative = {"reason": "x", "prices": [price("2026-02", -1)]}
    assert_problem(client.post("/price-revisions", json=negative), 422, "body.prices.0.price")
    assert prices_by_period(client) == before
    assert client.get("/price-revisions").json()["total"] == 0
