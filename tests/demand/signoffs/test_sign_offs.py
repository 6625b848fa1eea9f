"""Demand sign-off: the roles that own the consensus sign off a revision before the lock, or
the process owner overrides with a recorded reason."""

from fastapi.testclient import TestClient

from services.demand.main import create_app
from services.demand.signoffs.rules import missing_sign_offs
from shared.auth import Role
from shared.settings import DemandSettings
from tests.demand.builders import (
    AUTHOR,
    OWNERS,
    create_plan,
    load_master,
    plan_edit,
    sign_off,
)
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

SALES, MARKETING, PRODUCT = OWNERS
LINE = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-02", "quantity": 10}


def test_the_rule_counts_sign_offs_of_the_current_revision_or_an_override() -> None:
    required = [SALES, MARKETING, PRODUCT]
    signed = [(SALES, 3), (MARKETING, 2), (PRODUCT, 3)]
    assert missing_sign_offs(required=required, signed=signed, revision=3) == [MARKETING]
    assert missing_sign_offs(required=required, signed=signed, revision=4) == required
    overridden = [*signed, (Role.process_owner, 4)]
    assert missing_sign_offs(required=required, signed=overridden, revision=4) == []
    assert missing_sign_offs(required=[], signed=[], revision=1) == []


def sign(client: TestClient, plan_id: int, role: Role, **body: object):
    headers = plan_edit(client, plan_id, **bearer(role, subject=role.value))
    return client.post(f"/demand-plans/{plan_id}/sign-offs", json=body or None, headers=headers)


def lock(client: TestClient, plan_id: int):
    return client.post(f"/demand-plans/{plan_id}/lock", headers=plan_edit(client, plan_id))


def test_the_plan_locks_once_every_owning_role_signed_its_revision(client: TestClient) -> None:
    load_master(client)
    plan_id = create_plan(client, horizon_months=6, lines=[LINE])["id"]
    refused = lock(client, plan_id)
    assert_problem(refused, 409, "path.id")
    assert refused.json()["extra"] == {"missing": ["sales", "marketing", "product_manager"]}

    assert sign(client, plan_id, SALES, comment="Volumes agreed").status_code == 200
    status = sign(client, plan_id, MARKETING).json()
    assert (status["revision"], status["missing"]) == (1, ["product_manager"])
    assert [(s["role"], s["signed_by"], s["current"]) for s in status["sign_offs"]] == [
        ("sales", "sales", True),
        ("marketing", "marketing", True),
    ]
    assert status["sign_offs"][0]["comment"] == "Volumes agreed"
    assert lock(client, plan_id).json()["extra"] == {"missing": ["product_manager"]}

    sign(client, plan_id, PRODUCT)
    assert client.get(f"/demand-plans/{plan_id}").headers["ETag"] == '"1"'  # not an edit
    locked = lock(client, plan_id)
    assert locked.status_code == 200, locked.text
    assert locked.json()["status"] == "locked"
    assert_problem(sign(client, plan_id, SALES), 409, "path.id")  # nothing left to sign


def test_an_edit_after_the_sign_offs_needs_them_again(client: TestClient) -> None:
    load_master(client)
    plan_id = create_plan(client, horizon_months=6, lines=[LINE])["id"]
    sign_off(client, plan_id)
    changed = client.put(
        f"/demand-plans/{plan_id}/lines",
        json=[{**LINE, "quantity": 12}],
        headers=plan_edit(client, plan_id),
    )
    assert changed.status_code == 200, changed.text
    status = client.get(f"/demand-plans/{plan_id}/sign-offs").json()
    assert status["revision"] == 2
    assert status["missing"] == ["sales", "marketing", "product_manager"]
    assert not any(s["current"] for s in status["sign_offs"])
    assert lock(client, plan_id).status_code == 409
    sign_off(client, plan_id)
    assert lock(client, plan_id).status_code == 200


def test_only_the_owning_roles_sign_and_on_the_revision_they_read(client: TestClient) -> None:
    load_master(client)
    plan_id = create_plan(client, horizon_months=6, lines=[LINE])["id"]
    for role in (Role.demand_planner, Role.viewer, Role.process_owner):
        assert sign(client, plan_id, role).status_code == 403
    path = f"/demand-plans/{plan_id}/sign-offs"
    assert_problem(client.post(path, headers=bearer(SALES)), 428, "header.If-Match")
    stale = client.post(path, headers={**bearer(SALES), "If-Match": '"7"'})
    assert stale.status_code == 409
    unknown = client.post(
        path, json={"comment": "ok", "mood": 1}, headers=plan_edit(client, plan_id, **bearer(SALES))
    )
    assert_problem(unknown, 422, "body.mood")
    assert client.get(path).json()["sign_offs"] == []


def test_the_process_owner_overrides_with_a_recorded_reason(client: TestClient) -> None:
    load_master(client)
    plan_id = create_plan(client, horizon_months=6, lines=[LINE])["id"]
    path = f"/demand-plans/{plan_id}/sign-offs/override"
    owner = plan_edit(client, plan_id, **bearer(Role.process_owner, subject="olga"))
    assert_problem(client.post(path, json={"reason": "late"}, headers=owner), 422, "body.reason")
    sales = plan_edit(client, plan_id, **bearer(SALES))
    reason = "Marketing is away; the volumes were agreed in the meeting."
    assert client.post(path, json={"reason": reason}, headers=sales).status_code == 403
    status = client.post(path, json={"reason": reason}, headers=owner).json()
    assert (status["overridden"], status["missing"]) == (True, [])
    assert status["sign_offs"][0] | {"signed_at": None} == {
        "role": "process_owner",
        "plan_revision": 1,
        "signed_by": "olga",
        "signed_at": None,
        "comment": reason,
        "current": True,
    }
    assert lock(client, plan_id).status_code == 200


def test_a_company_without_sign_off_locks_as_before(database_url: str) -> None:
    settings = DemandSettings(database_url=database_url, signoff_roles=[])
    with TestClient(
        create_app(settings), headers=bearer(Role.demand_planner, subject=AUTHOR)
    ) as client:
        load_master(client)
        plan_id = create_plan(client, horizon_months=6, lines=[LINE])["id"]
        assert client.get(f"/demand-plans/{plan_id}/sign-offs").json()["required"] == []
        assert lock(client, plan_id).status_code == 200
