"""Capacity expansion steps: supply keeps what a step adds and when; finance its fixed cost."""

from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.supply.test_resources import RESOURCE

SHIFT = {
    "code": "ASSY-1-SHIFT3",
    "resource_code": "ASSY-1",
    "name": "Third shift",
    "extra_hours": 320,
    "lead_time_periods": 2,
}


def test_expansion_step_crud_and_idempotent_bulk_load(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [SHIFT, {**SHIFT, "code": "ASSY-1-CELL", "extra_hours": 80, "lead_time_periods": 0}]
    assert client.put("/expansion-steps", json=batch).json()["created"] == 2
    assert client.put("/expansion-steps", json=batch).json()["unchanged"] == 2
    listed = client.get("/expansion-steps", params={"resource_code": "ASSY-1"}).json()["items"]
    assert sorted((s["code"], s["extra_hours"], s["lead_time_periods"]) for s in listed) == [
        ("ASSY-1-CELL", 80, 0),
        ("ASSY-1-SHIFT3", 320, 2),
    ]
    moved = client.patch("/expansion-steps/ASSY-1-SHIFT3", json={"lead_time_periods": 3})
    assert moved.status_code == 200 and moved.json()["lead_time_periods"] == 3
    assert client.delete("/expansion-steps/ASSY-1-CELL").status_code == 204
    assert [s["code"] for s in client.get("/expansion-steps").json()["items"]] == ["ASSY-1-SHIFT3"]


def test_bad_expansion_steps_are_refused_naming_the_field(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    assert_problem(
        client.post("/expansion-steps", json={**SHIFT, "extra_hours": 0}), 422, "body.extra_hours"
    )
    assert_problem(
        client.post("/expansion-steps", json={**SHIFT, "lead_time_periods": 121}),
        422,
        "body.lead_time_periods",
    )
    unknown = client.post("/expansion-steps", json={**SHIFT, "resource_code": "NOPE"})
    assert unknown.status_code in (404, 409, 422), unknown.text
    assert client.get("/expansion-steps").json()["items"] == []
