from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

COST = {"family_code": "FAM-01", "effective_from": "2026-01", "variable_cost": 250.0}


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/unit-costs", json=COST)
    assert created.status_code == 201, created.text
    cost_id = created.json()["id"]
    patched = client.patch(f"/unit-costs/{cost_id}", json={"variable_cost": 260})
    assert patched.json()["variable_cost"] == 260
    assert client.get("/unit-costs", params={"family_code": "FAM-01"}).json()["total"] == 1
    assert client.delete(f"/unit-costs/{cost_id}").status_code == 204
    assert client.get("/unit-costs").json()["total"] == 0


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    batch = [
        {**COST, "family_code": f"FAM-{f:02d}", "effective_from": f"2026-{m:02d}"}
        for f in range(1, 6)
        for m in (1, 7)
    ]
    assert client.put("/unit-costs", json=batch).json()["created"] == 10
    state = client.get("/unit-costs").json()
    assert client.put("/unit-costs", json=batch).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 10,
    }
    assert client.get("/unit-costs").json() == state


def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(client: TestClient) -> None:
    bad = [
        ({**COST, "variable_cost": -0.01}, "body.variable_cost"),
        ({**COST, "effective_from": "2026-1"}, "body.effective_from"),
        ({**COST, "variable_cost": [1]}, "body.variable_cost"),
        ({**COST, "family_code": "FAM 01"}, "body.family_code"),
    ]
    for payload, field in bad:
        assert_problem(client.post("/unit-costs", json=payload), 422, field)
    assert_problem(client.put("/unit-costs", json=[COST, COST]), 422, "body.1.effective_from")
    assert client.get("/unit-costs").json()["total"] == 0
    client.post("/unit-costs", json=COST)
    assert_problem(client.post("/unit-costs", json=COST), 409, "body.effective_from")
