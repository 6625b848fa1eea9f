from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

LEVER_COSTS = [
    {"lever": "regular_hour", "code": "ASSY-1", "cost": 30.0},
    {"lever": "overtime_hour", "code": "ASSY-1", "cost": 45.0},
    {"lever": "outsourcing_unit", "code": "FAM-01", "cost": 80.0},
    {"lever": "holding_unit_period", "code": "FAM-01", "cost": 2.5},
    {"lever": "backlog_unit_period", "code": "KEY", "cost": 12.0},
    {"lever": "lost_sale_unit", "code": "RET", "cost": 50.0},
]


def test_every_lever_round_trips_and_filters(client: TestClient) -> None:
    assert client.put("/lever-costs", json=LEVER_COSTS).json()["created"] == 6
    overtime = client.get("/lever-costs", params={"lever": "overtime_hour"}).json()
    assert [(c["code"], c["cost"]) for c in overtime["items"]] == [("ASSY-1", 45.0)]
    assert client.get("/lever-costs", params={"code": "ASSY-1"}).json()["total"] == 2
    lever_id = overtime["items"][0]["id"]
    assert client.patch(f"/lever-costs/{lever_id}", json={"cost": 50}).json()["cost"] == 50
    assert client.delete(f"/lever-costs/{lever_id}").status_code == 204
    assert client.get("/lever-costs").json()["total"] == 5


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    client.put("/lever-costs", json=LEVER_COSTS)
    state = client.get("/lever-costs").json()
    assert client.put("/lever-costs", json=LEVER_COSTS).json()["unchanged"] == 6
    assert client.get("/lever-costs").json() == state


def test_unknown_lever_and_bad_values_write_nothing(client: TestClient) -> None:
    batch = [*LEVER_COSTS, {"lever": "magic", "code": "X", "cost": 1}]
    assert_problem(client.put("/lever-costs", json=batch), 422, "body.6.lever")
    assert_problem(client.post("/lever-costs", json={**LEVER_COSTS[0], "cost": -1}), 422, "cost")
    assert_problem(client.get("/lever-costs", params={"lever": "magic"}), 422, "query.lever")
    assert client.get("/lever-costs").json()["total"] == 0
    client.post("/lever-costs", json=LEVER_COSTS[0])
    assert_problem(client.post("/lever-costs", json=LEVER_COSTS[0]), 409, "body.code")
