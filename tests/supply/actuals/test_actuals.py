"""Supply actuals: bulk idempotent loads, partial rows refused, filters, rights and audit."""

from fastapi.testclient import TestClient

from shared.auth import Role
from tests.demand.test_families import assert_problem
from tests.supply.test_resources import RESOURCE
from tests.tokens import bearer


def production(period: str, produced: float = 400, inventory: float = 90, family: str = "FAM-01"):
    return {
        "family_code": family,
        "period": period,
        "production": produced,
        "ending_inventory": inventory,
    }


def hours(period: str, used: float = 600, resource: str = "ASSY-1") -> dict:
    return {"resource_code": resource, "period": period, "hours_used": used}


def test_production_actuals_load_idempotently_and_filter(client: TestClient) -> None:
    batch = [production(f"2026-{m:02d}") for m in range(1, 7)]
    assert client.put("/production-actuals", json=batch).json() == {
        "created": 6,
        "updated": 0,
        "unchanged": 0,
    }
    listed = client.get("/production-actuals", params={"limit": 50}).json()["items"]
    # GET -> PUT round trip: what was read loads as unchanged.
    round_trip = [{k: v for k, v in row.items() if k != "id"} for row in listed]
    assert client.put("/production-actuals", json=round_trip).json()["unchanged"] == 6
    batch[0] = production("2026-01", produced=420)
    assert client.put("/production-actuals", json=batch).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 5,
    }
    window = client.get(
        "/production-actuals", params={"period_from": "2026-02", "period_to": "2026-03"}
    ).json()["items"]
    assert [(row["period"], row["production"]) for row in window] == [
        ("2026-02", 400),
        ("2026-03", 400),
    ]
    assert client.get("/production-actuals", params={"family_code": "FAM-02"}).json()["total"] == 0


def test_a_partial_production_row_is_refused_and_nothing_is_written(client: TestClient) -> None:
    client.put("/production-actuals", json=[production("2026-01")])
    partial = {"family_code": "FAM-01", "period": "2026-01", "production": 10}
    assert_problem(
        client.put("/production-actuals", json=[production("2026-02"), partial]),
        422,
        "body.1.ending_inventory",
    )
    rows = client.get("/production-actuals").json()["items"]
    assert [(row["period"], row["ending_inventory"]) for row in rows] == [("2026-01", 90)]
    row_id = rows[0]["id"]
    patched = client.patch(f"/production-actuals/{row_id}", json={"production": 10})
    assert patched.json()["ending_inventory"] == 90 and patched.json()["production"] == 10


def test_resource_actuals_name_known_resources_and_load_idempotently(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    batch = [hours("2026-01"), hours("2026-02", used=610.5)]
    assert client.put("/resource-actuals", json=batch).json()["created"] == 2
    assert client.put("/resource-actuals", json=batch).json()["unchanged"] == 2
    unknown = assert_problem(
        client.put("/resource-actuals", json=[hours("2026-03"), hours("2026-03", resource="NOPE")]),
        422,
        "body.1.resource_code",
    )
    assert "NOPE" in unknown["errors"][0]["reason"]
    assert_problem(
        client.put("/resource-actuals", json=[{"resource_code": "ASSY-1", "period": "2026-04"}]),
        422,
        "body.0.hours_used",
    )
    assert_problem(
        client.put("/resource-actuals", json=[hours("2026-05", used=-1)]), 422, "body.0.hours_used"
    )
    assert client.get("/resource-actuals").json()["total"] == 2
    feb = client.get("/resource-actuals", params={"period_from": "2026-02"}).json()["items"]
    assert [row["hours_used"] for row in feb] == [610.5]


def test_actuals_are_written_by_supply_roles_only_and_audited(client: TestClient) -> None:
    refused = client.put(
        "/production-actuals", json=[production("2026-01")], headers=bearer(Role.sales)
    )
    assert refused.status_code == 403
    client.put(
        "/production-actuals",
        json=[production("2026-01")],
        headers={**bearer(Role.supply_planner, subject="olga"), "X-SOP-Reason": "month end"},
    )
    trail = client.get("/audit", params={"user": "olga"}, headers=bearer(Role.viewer)).json()
    assert [(e["action"], e["entity_key"]["period"], e["reason"]) for e in trail["items"]] == [
        ("create", "2026-01", "month end")
    ]
    assert client.get("/production-actuals", headers=bearer(Role.viewer)).json()["total"] == 1
