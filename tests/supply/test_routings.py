from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.supply.test_resources import RESOURCE


def routing(family: str, hours: float = 0.5, resource: str = "ASSY-1", offset: int = 0) -> dict:
    return {
        "family_code": family,
        "resource_code": resource,
        "hours_per_unit": hours,
        "lead_time_offset": offset,
    }


def test_routing_crud_and_idempotent_bulk_load(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [routing(f"FAM-{i:02d}", hours=0.1 * (i + 1)) for i in range(5)]
    assert client.put("/routings", json=batch).json()["created"] == 5
    state = client.get("/routings").json()
    assert client.put("/routings", json=batch).json()["unchanged"] == 5
    assert client.get("/routings").json() == state
    batch[2]["hours_per_unit"] = 2.0
    assert client.put("/routings", json=batch).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 4,
    }
    only = client.get("/routings", params={"family_code": "FAM-02"}).json()["items"]
    assert [r["hours_per_unit"] for r in only] == [2.0]
    ident = only[0]["id"]
    assert client.patch(f"/routings/{ident}", json={"lead_time_offset": 1}).status_code == 200
    assert_problem(client.patch(f"/routings/{ident}", json={"hours_per_unit": 0}), 422, "hours")


def test_bad_routings_are_refused_and_nothing_is_written(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [
        routing("FAM-01"),
        routing("FAM-02", hours=0),
        routing("FAM-03", hours=-1),
        routing("FAM-04", offset=-1),
        routing("FAM-05", resource="GHOST"),
    ]
    body = assert_problem(client.put("/routings", json=batch), 422, "body.1.hours_per_unit")
    assert {e["field"] for e in body["errors"]} >= {
        "body.2.hours_per_unit",
        "body.3.lead_time_offset",
    }
    assert_problem(
        client.put("/routings", json=[routing("FAM-05", resource="GHOST")]),
        422,
        "body.0.resource_code",
    )
    assert_problem(client.put("/routings", json=[routing("F"), routing("F")]), 422, "body.1")
    assert client.get("/routings").json()["total"] == 0
    client.post("/routings", json=routing("FAM-01"))
    assert_problem(client.post("/routings", json=routing("FAM-01")), 409, "body.family_code")
