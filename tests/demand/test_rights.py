"""Who may write what in a demand plan, table-driven over every role.

Each input stream is written (and withdrawn from) only by its role, or by an integration
loading for it; drafting plans and the statistical baseline are the demand planner's (or an
integration's); the lock, which closes the demand review, is the demand planner's alone. A
person is the author of what they post; only an integration names authors for others.
"""

import pytest
from fastapi.testclient import TestClient

from shared.auth import DEMAND_WRITERS, Role
from tests.demand.builders import (
    authored,
    create_plan,
    history_row,
    load_history,
    load_master,
    plan_edit,
    post_inputs,
    run_baseline,
    sign_off,
    writer_of,
)
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

STREAM_ROLE = {
    "sales": Role.sales,
    "marketing": Role.marketing,
    "product": Role.product_manager,
    "planner": Role.demand_planner,
}
ITEM = {
    "sales": {"kind": "delta", "segment_code": "KEY", "quantity": 5},
    "marketing": {"segment_code": "KEY", "uplift_pct": 0.1},
    "product": {"kind": "phase_out", "period_to": "2026-06"},
    "planner": {"kind": "override", "segment_code": "KEY", "quantity": 90},
}


@pytest.fixture
def plan(client: TestClient) -> dict:
    """A draft over 2026-01..06 with a flat baseline of FAM-01/KEY (100 a month)."""
    load_master(client)
    load_history(
        client,
        [
            history_row("FAM-01", "KEY", f"{y}-{m:02d}", 100)
            for y in (2024, 2025)
            for m in range(1, 13)
        ],
    )
    draft = create_plan(client)
    run_baseline(client, draft["id"])
    return draft


def item_of(stream: str, **fields: object) -> dict:
    body = {"family_code": "FAM-01", "period_from": "2026-02", **ITEM[stream], **fields}
    return {key: value for key, value in authored(**body).items() if key != "author"}


@pytest.mark.parametrize("stream", sorted(STREAM_ROLE))
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_stream_is_written_only_by_its_role(
    client: TestClient, plan: dict, stream: str, role: Role
) -> None:
    path = f"/demand-plans/{plan['id']}/inputs/{stream}"
    headers = plan_edit(client, plan["id"], **bearer(role, subject="someone"))
    response = client.post(path, json=[item_of(stream)], headers=headers)
    if role in (STREAM_ROLE[stream], Role.integration):
        assert response.status_code == 201, response.text
        assert response.json()[0]["author"] == "someone"
        assert response.json()[0]["role"] == STREAM_ROLE[stream].value
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
        if role in DEMAND_WRITERS:
            assert f"writing the {stream} stream is for" in response.json()["detail"]
        assert client.get(f"/demand-plans/{plan['id']}/inputs").json()["total"] == 0


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_the_demand_planner_locks_and_drafts_with_the_integration(
    client: TestClient, plan: dict, role: Role
) -> None:
    as_role = bearer(role)
    created = client.post(
        "/demand-plans",
        json={"name": "Next", "horizon_start": "2026-01", "horizon_months": 6},
        headers=as_role,
    )
    baseline = client.post(
        f"/demand-plans/{plan['id']}/baseline",
        json={},
        headers=plan_edit(client, plan["id"], **as_role),
    )
    sign_off(client, plan["id"])
    locked = client.post(
        f"/demand-plans/{plan['id']}/lock", headers=plan_edit(client, plan["id"], **as_role)
    )
    keeps_plans = role in (Role.demand_planner, Role.integration)
    assert created.status_code == (201 if keeps_plans else 403), created.text
    assert baseline.status_code == (200 if keeps_plans else 403), baseline.text
    assert locked.status_code == (200 if role is Role.demand_planner else 403), locked.text
    status = client.get(f"/demand-plans/{plan['id']}").json()["status"]
    assert status == ("locked" if role is Role.demand_planner else "draft")
    assert client.get("/demand-plans", headers=as_role).status_code == 200


def test_the_author_is_the_caller_unless_an_integration_loads(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    mine = post_inputs(client, pid, "sales", [item_of("sales")])
    assert mine.status_code == 201 and mine.json()[0]["author"] == "j.doe"
    same = post_inputs(client, pid, "sales", [{**item_of("sales"), "author": "j.doe"}])
    assert same.status_code == 201 and same.json()[0]["author"] == "j.doe"

    # A sales person cannot post in someone else's name: the whole batch is refused.
    as_someone_else = [item_of("sales"), {**item_of("sales"), "author": "k.smith"}]
    refused = client.post(
        f"/demand-plans/{pid}/inputs/sales",
        json=as_someone_else,
        headers=plan_edit(client, pid, **writer_of("sales", "j.doe")),
    )
    body = assert_problem(refused, 422, "body.1.author")
    assert [error["field"] for error in body["errors"]] == ["body.1.author"]
    assert "'j.doe'" in body["errors"][0]["reason"]

    # The ERP integration loads a CRM forecast on behalf of its author.
    loaded = client.post(
        f"/demand-plans/{pid}/inputs/sales",
        json=[{**item_of("sales"), "author": "k.smith"}, item_of("sales")],
        headers=plan_edit(client, pid, **bearer(Role.integration, subject="erp")),
    )
    assert loaded.status_code == 201, loaded.text
    assert [i["author"] for i in loaded.json()] == ["k.smith", "erp"]
    authors = client.get(f"/demand-plans/{pid}/inputs", params={"limit": 50}).json()["items"]
    assert [i["author"] for i in authors] == ["j.doe", "j.doe", "k.smith", "erp"]


def test_an_input_is_withdrawn_only_by_its_streams_writers(client: TestClient, plan: dict) -> None:
    pid = plan["id"]
    sales = post_inputs(client, pid, "sales", [item_of("sales")]).json()[0]
    path = f"/demand-plans/{pid}/inputs/{sales['id']}"
    # The demand planner facilitates, but the sales input is sales'.
    refused = client.delete(path, headers=plan_edit(client, pid))
    assert refused.status_code == 403 and "sales stream" in refused.json()["detail"]
    marketing = client.delete(path, headers=plan_edit(client, pid, **writer_of("marketing")))
    assert marketing.status_code == 403
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 1
    withdrawn = client.delete(path, headers=plan_edit(client, pid, **writer_of("sales", "other")))
    assert withdrawn.status_code == 204, withdrawn.text
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 0


def test_without_a_token_nothing_is_served(client: TestClient, plan: dict) -> None:
    anonymous = {"Authorization": ""}
    assert client.get("/demand-plans", headers=anonymous).status_code == 401
    assert client.post(f"/demand-plans/{plan['id']}/lock", headers=anonymous).status_code == 401
    assert client.get("/health", headers=anonymous).status_code == 200
