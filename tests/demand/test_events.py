"""Locking a demand plan closes the demand review: subscribers hear ``demand_plan.locked``,
in the same transaction as the lock, and every write is in the audit trail."""

from fastapi.testclient import TestClient

from shared.auth import Role
from tests.demand.builders import create_plan, load_master, lock, sign_off
from tests.tokens import bearer

LINE = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-02", "quantity": 10}
HOOK = {
    "url": "http://receiver.invalid/hooks",
    "events": ["demand_plan.locked"],
    "secret": "a-long-enough-shared-secret",
}


def deliveries(client: TestClient) -> list[dict]:
    response = client.get("/webhooks/deliveries", params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


def test_a_lock_is_announced_to_subscribers_with_the_plan(client: TestClient) -> None:
    load_master(client)
    subscribed = client.post("/webhooks", json=HOOK, headers=bearer(Role.integration))
    assert subscribed.status_code == 201, subscribed.text
    # An event the service never emits is a typo waiting to miss every delivery: refused.
    other = client.post(
        "/webhooks",
        json={**HOOK, "events": ["demand_plan.locked", "something.else"]},
        headers=bearer(Role.integration),
    )
    assert other.status_code == 422, other.text
    assert [e["field"] for e in other.json()["errors"]] == ["body.events.1"]
    assert client.get("/webhooks").json()["total"] == 1

    plan = create_plan(client, horizon_months=6, lines=[LINE])
    assert deliveries(client) == []
    refused = client.post(f"/demand-plans/{plan['id']}/lock", headers={"If-Match": '"9"'})
    assert refused.status_code == 409
    assert deliveries(client) == []  # a refused lock announces nothing

    locked = lock(client, plan["id"])
    assert locked.status_code == 200, locked.text
    [delivery] = deliveries(client)
    assert delivery["event"] == "demand_plan.locked"
    assert delivery["subscription_id"] == subscribed.json()["id"]
    assert delivery["payload"] == {
        "plan_id": plan["id"],
        "version": 1,
        "name": plan["name"],
        "horizon_start": "2026-01",
        "horizon_months": 6,
        "horizon_end": "2026-06",
        "locked_at": delivery["payload"]["locked_at"],
        "locked_by": "j.doe",
    }
    assert delivery["payload"]["locked_at"].startswith(locked.json()["locked_at"][:19])


def test_every_write_is_audited_with_who_and_why(client: TestClient) -> None:
    load_master(client)
    plan = create_plan(client, horizon_months=6, lines=[LINE])
    sign_off(client, plan["id"])
    locked = client.post(
        f"/demand-plans/{plan['id']}/lock",
        headers={"If-Match": '"1"', "X-SOP-Reason": "demand review closed"},
    )
    assert locked.status_code == 200, locked.text
    trail = client.get("/audit", params={"entity": "demand_plan", "limit": 50}).json()["items"]
    assert [(e["action"], e["user"], e["roles"]) for e in trail] == [
        ("create", "j.doe", "demand_planner"),
        ("update", "j.doe", "demand_planner"),
    ]
    assert trail[1]["after"]["status"] == "locked" and trail[1]["before"]["status"] == "draft"
    assert trail[1]["reason"] == "demand review closed"
    families = client.get("/audit", params={"entity": "family"}).json()
    assert families["total"] == 3
