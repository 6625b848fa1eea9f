"""Builders of demand test data, posted through the service's own API."""

import math

from fastapi.testclient import TestClient

from shared.auth import Role
from shared.periods import add_months
from tests.tokens import bearer

AUTHOR = "j.doe"
# The role that writes each stream; ``post_inputs`` posts as it.
ROLE_OF_STREAM = {
    "sales": Role.sales,
    "marketing": Role.marketing,
    "product": Role.product_manager,
    "planner": Role.demand_planner,
}

FAMILIES = [
    {"code": "FAM-01", "name": "Espresso machines"},
    {"code": "FAM-02", "name": "Grinders"},
    {"code": "NEW", "name": "Cold brew", "status": "npi"},
]
SEGMENTS = [
    {"code": "KEY", "name": "Key accounts", "priority": 1, "strategic": True},
    {"code": "RET", "name": "Retail", "priority": 3},
]


def current(client: TestClient, path: str) -> dict[str, str]:
    """If-Match with the ETag of ``path`` as read now: a client that reads before it edits."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["ETag"]}


def load_master(client: TestClient) -> None:
    assert client.put("/families", json=FAMILIES).status_code == 200
    assert client.put("/segments", json=SEGMENTS).status_code == 200


def history_row(family: str, segment: str, period: str, quantity: float) -> dict:
    return {"family_code": family, "segment_code": segment, "period": period, "quantity": quantity}


def seasonal_history(
    family: str, segment: str, *, start: str = "2023-01", months: int = 36, level: float = 100
) -> list[dict]:
    """A smooth seasonal series with a slight trend: every method can fit it."""
    return [
        history_row(
            family,
            segment,
            add_months(start, k),
            round(level + 0.2 * level * math.sin(2 * math.pi * k / 12) + 0.5 * k, 1),
        )
        for k in range(months)
    ]


def load_history(client: TestClient, rows: list[dict]) -> None:
    response = client.put("/history", json=rows)
    assert response.status_code == 200, response.text


def create_plan(client: TestClient, **changes) -> dict:
    body = {"name": "Demand review", "horizon_start": "2026-01", "horizon_months": 6, **changes}
    response = client.post("/demand-plans", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def plan_edit(client: TestClient, plan_id: int, **headers: str) -> dict[str, str]:
    """Headers of an edit of a plan: If-Match with its revision as read now, and more."""
    return {**current(client, f"/demand-plans/{plan_id}"), **headers}


def run_baseline(client: TestClient, plan_id: int, **body) -> dict:
    response = client.post(
        f"/demand-plans/{plan_id}/baseline", json=body, headers=plan_edit(client, plan_id)
    )
    assert response.status_code == 200, response.text
    return response.json()


def authored(**fields) -> dict:
    return {"author": AUTHOR, "reason_code": "TEST", "assumption": "as tested", **fields}


def writer_of(stream: str, subject: str = AUTHOR) -> dict[str, str]:
    """The bearer of the role that writes ``stream``, unknown streams as the planner."""
    return bearer(ROLE_OF_STREAM.get(stream, Role.demand_planner), subject=subject)


def post_inputs(client: TestClient, plan_id: int, stream: str, items: list[dict]):
    """Post as the stream's role, based on the plan's revision as read now; the caller is the
    author the items name (people write as themselves), else ``AUTHOR``."""
    named = {item.get("author") for item in items if isinstance(item, dict)} - {None}
    subject = named.pop() if len(named) == 1 else AUTHOR
    headers = plan_edit(client, plan_id, **writer_of(stream, subject))
    return client.post(f"/demand-plans/{plan_id}/inputs/{stream}", json=items, headers=headers)


OWNERS = (Role.sales, Role.marketing, Role.product_manager)
"""The roles that sign a plan off before its lock (``DemandSettings.signoff_roles``)."""


def sign_off(client: TestClient, plan_id: int) -> None:
    """Every owning role signs off the plan's revision as read now."""
    for owner in OWNERS:
        headers = plan_edit(client, plan_id, **bearer(owner, subject=owner.value))
        signed = client.post(f"/demand-plans/{plan_id}/sign-offs", headers=headers)
        assert signed.status_code == 200, signed.text


def lock(client: TestClient, plan_id: int):
    """Signed off by the owning roles, then locked by the demand planner."""
    sign_off(client, plan_id)
    return client.post(f"/demand-plans/{plan_id}/lock", headers=plan_edit(client, plan_id))


def withdraw(client: TestClient, plan_id: int, input_id: int, stream: str):
    headers = plan_edit(client, plan_id, **writer_of(stream))
    return client.delete(f"/demand-plans/{plan_id}/inputs/{input_id}", headers=headers)


def waterfall(client: TestClient, plan_id: int, **params) -> list[dict]:
    response = client.get(f"/demand-plans/{plan_id}/waterfall", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def lines(client: TestClient, plan_id: int, **params) -> list[dict]:
    response = client.get(f"/demand-plans/{plan_id}/lines", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]
