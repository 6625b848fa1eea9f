from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem
from tests.supply.test_resources import RESOURCE


def capacity(period: str, regular: float = 640, overtime: float = 96, resource: str = "ASSY-1"):
    return {
        "resource_code": resource,
        "period": period,
        "regular_hours": regular,
        "max_overtime_hours": overtime,
    }


def workforce(period: str, workers: float = 10, resource: str = "CREW") -> dict:
    return {
        "resource_code": resource,
        "period": period,
        "workers": workers,
        "hours_per_worker": 140,
        "overtime_hours_per_worker": 12,
    }


def test_capacity_crud_and_idempotent_bulk_load(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [capacity(f"2026-{m:02d}") for m in range(1, 13)]
    assert client.put("/capacity", json=batch).json()["created"] == 12
    state = client.get("/capacity", params={"limit": 50}).json()
    assert client.put("/capacity", json=batch).json()["unchanged"] == 12
    assert client.get("/capacity", params={"limit": 50}).json() == state
    row = state["items"][0]
    patched = client.patch(f"/capacity/{row['id']}", json={"regular_hours": 500})
    assert patched.json()["regular_hours"] == 500
    window = client.get("/capacity", params={"period_from": "2026-03", "period_to": "2026-04"})
    assert [r["period"] for r in window.json()["items"]] == ["2026-03", "2026-04"]


def test_bad_capacity_rows_are_refused_and_nothing_is_written(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [
        capacity("2026-01"),
        capacity("2026-02", regular=-1),
        capacity("2026-3"),
        capacity("2026-04", overtime="lots"),  # type: ignore[arg-type]
    ]
    body = assert_problem(client.put("/capacity", json=batch), 422, "body.1.regular_hours")
    assert {e["field"] for e in body["errors"]} >= {
        "body.1.regular_hours",
        "body.2.period",
        "body.3.max_overtime_hours",
    }
    unknown = assert_problem(
        client.put("/capacity", json=[capacity("2026-01"), capacity("2026-02", resource="NOPE")]),
        422,
        "body.1.resource_code",
    )
    assert "NOPE" in unknown["errors"][0]["reason"]
    assert_problem(
        client.post("/capacity", json=capacity("2026-01", resource="NOPE")),
        422,
        "body.resource_code",
    )
    duplicate = [capacity("2026-01"), capacity("2026-01", regular=10)]
    assert_problem(client.put("/capacity", json=duplicate), 422, "body.1.period")
    assert client.get("/capacity").json()["total"] == 0


def test_a_resource_with_capacity_cannot_be_deleted(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    client.post("/capacity", json=capacity("2026-01"))
    assert client.delete("/resources/ASSY-1").status_code == 409
    assert client.get("/resources/ASSY-1").status_code == 200


def test_workforce_rows(client: TestClient) -> None:
    client.post("/resources", json={**RESOURCE, "code": "CREW", "capacity_mode": "workforce"})
    assert (
        client.put("/workforce", json=[workforce("2026-01"), workforce("2026-02")]).json()[
            "created"
        ]
        == 2
    )
    assert (
        client.put("/workforce", json=[workforce("2026-01"), workforce("2026-02")]).json()[
            "unchanged"
        ]
        == 2
    )
    assert_problem(
        client.put("/workforce", json=[workforce("2026-03", workers=-2)]), 422, "body.0.workers"
    )
    assert_problem(
        client.put("/workforce", json=[workforce("2026-03", resource="GHOST")]),
        422,
        "body.0.resource_code",
    )
    assert client.get("/workforce").json()["total"] == 2
