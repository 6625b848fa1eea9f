import asyncio
from collections import Counter

from fastapi.testclient import TestClient

from services.supply.main import create_app
from shared.auth import Role
from shared.settings import SupplySettings
from tests.concurrency import serving
from tests.demand.builders import current
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

PLAN = {"name": "Supply proposal", "horizon_start": "2026-01", "horizon_months": 6}


def line(family: str, period: str, production: float = 100, **fields: object) -> dict:
    return {"family_code": family, "period": period, "production": production, **fields}


def put_lines(client: TestClient, plan_id: int, lines: list[dict]) -> dict:
    path = f"/supply-plans/{plan_id}"
    response = client.put(f"{path}/lines", json=lines, headers=current(client, path))
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == client.get(path).headers["ETag"]
    body: dict = response.json()
    return body


def propose(client: TestClient, plan_id: int) -> dict:
    path = f"/supply-plans/{plan_id}"
    response = client.post(f"{path}/propose", headers=current(client, path))
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_create_with_lines_list_and_read(client: TestClient) -> None:
    body = {**PLAN, "lines": [line("FAM-01", "2026-01"), line("FAM-01", "2026-02", 80)]}
    created = client.post("/supply-plans", json=body)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["version"], plan["status"]) == (1, "draft")
    assert client.get(f"/supply-plans/{plan['id']}").json() == plan
    assert client.get("/supply-plans").json()["total"] == 1
    lines = client.get(f"/supply-plans/{plan['id']}/lines").json()
    assert [(x["period"], x["production"]) for x in lines["items"]] == [
        ("2026-01", 100),
        ("2026-02", 80),
    ]
    assert client.get("/supply-plans/latest").json()["id"] == plan["id"]


def test_lines_upsert_twice_is_idempotent_and_filterable(client: TestClient) -> None:
    plan_id = client.post("/supply-plans", json=PLAN).json()["id"]
    batch = [
        line(family, f"2026-{m:02d}", reason="base")
        for family in ("FAM-01", "FAM-02")
        for m in range(1, 7)
    ]
    assert put_lines(client, plan_id, batch)["created"] == 12
    state = client.get(f"/supply-plans/{plan_id}/lines").json()
    assert put_lines(client, plan_id, batch)["unchanged"] == 12
    assert client.get(f"/supply-plans/{plan_id}/lines").json() == state
    batch[0]["production"] = 140
    assert put_lines(client, plan_id, batch)["updated"] == 1
    page = client.get(
        f"/supply-plans/{plan_id}/lines",
        params={"family_code": "FAM-02", "period_from": "2026-03", "limit": 2},
    ).json()
    assert page["total"] == 4 and [x["period"] for x in page["items"]] == ["2026-03", "2026-04"]


def test_bad_lines_are_refused_and_nothing_is_written(client: TestClient) -> None:
    refused = client.post("/supply-plans", json={**PLAN, "lines": [line("FAM-01", "2027-01")]})
    assert_problem(refused, 422, "body.lines.0.period")
    assert client.get("/supply-plans").json()["total"] == 0
    plan_id = client.post("/supply-plans", json=PLAN).json()["id"]
    cases = [
        ([line("FAM-01", "2026-01", -5)], "body.0.production"),
        ([line("FAM-01", "2026-1")], "body.0.period"),
        ([line("FAM-01", "2026-01", overtime_hours="x")], "body.0.overtime_hours"),
        ([line("FAM-01", "2026-01"), line("FAM-01", "2026-01")], "body.1.period"),
        ([line("FAM-01", "2026-07")], "body.0.period"),
        ([line("bad code", "2026-01")], "body.0.family_code"),
    ]
    for batch, field in cases:
        headers = current(client, f"/supply-plans/{plan_id}")
        refused = client.put(f"/supply-plans/{plan_id}/lines", json=batch, headers=headers)
        assert_problem(refused, 422, field)
    assert client.get(f"/supply-plans/{plan_id}/lines").json()["total"] == 0
    assert_problem(client.post("/supply-plans", json={**PLAN, "horizon_months": 0}), 422, "months")
    assert client.get("/supply-plans/999/lines").status_code == 404
    assert_problem(client.get("/supply-plans/0"), 422, "plan_id")


def test_a_proposed_plan_is_frozen_and_revised_as_a_new_version(client: TestClient) -> None:
    plan = client.post("/supply-plans", json={**PLAN, "lines": [line("FAM-01", "2026-01")]})
    plan_id = plan.json()["id"]
    proposed = propose(client, plan_id)
    assert proposed["status"] == "proposed" and proposed["proposed_at"]
    headers = current(client, f"/supply-plans/{plan_id}")
    assert (
        client.put(
            f"/supply-plans/{plan_id}/lines", json=[line("FAM-01", "2026-02")], headers=headers
        ).status_code
        == 409
    )
    assert client.post(f"/supply-plans/{plan_id}/propose", headers=headers).status_code == 409
    assert client.get(f"/supply-plans/{plan_id}/lines").json()["total"] == 1

    revision = client.post(f"/supply-plans/{plan_id}/revise")
    assert revision.status_code == 201
    second = revision.json()
    assert (second["version"], second["status"], second["previous_version_id"]) == (
        2,
        "draft",
        plan_id,
    )
    copied = client.get(f"/supply-plans/{second['id']}/lines").json()["items"]
    assert [(x["family_code"], x["period"]) for x in copied] == [("FAM-01", "2026-01")]
    put_lines(client, second["id"], [line("FAM-01", "2026-01", 5)])
    assert client.get(f"/supply-plans/{plan_id}/lines").json()["items"][0]["production"] == 100
    # The latest plan is the proposed one while the revision is a draft.
    assert client.get("/supply-plans/latest").json()["id"] == plan_id
    again = client.post("/supply-plans", json=PLAN).json()
    assert again["version"] == 3
    assert client.get("/supply-plans", params={"status": "draft"}).json()["total"] == 2


def test_latest_without_plans_is_not_found(client: TestClient) -> None:
    assert_problem_status = client.get("/supply-plans/latest")
    assert assert_problem_status.status_code == 404


def test_edits_need_the_revision_they_read(client: TestClient) -> None:
    created = client.post("/supply-plans", json=PLAN)
    plan_id, first = created.json()["id"], created.headers["ETag"]
    assert first == '"1"'
    path = f"/supply-plans/{plan_id}"
    assert client.get(path).headers["ETag"] == first
    assert client.get(f"{path}/lines").headers["ETag"] == first

    for response in (
        client.put(f"{path}/lines", json=[line("FAM-01", "2026-01")]),
        client.post(f"{path}/propose"),
    ):
        missing = assert_problem(response, 428, "header.If-Match")
        assert missing["code"] == "precondition-required"
    malformed = client.post(f"{path}/propose", headers={"If-Match": "1"})
    assert_problem(malformed, 422, "header.If-Match")

    edited = client.put(
        f"{path}/lines", json=[line("FAM-01", "2026-01")], headers={"If-Match": first}
    )
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"'
    stale = client.post(f"{path}/propose", headers={"If-Match": first})
    assert stale.status_code == 409, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    conflict = stale.json()
    assert conflict["code"] == "version-conflict"
    assert conflict["extra"] == {"current_version": 2, "etag": '"2"'}
    assert client.get(path).json()["status"] == "draft"

    proposed = client.post(f"{path}/propose", headers={"If-Match": '"2"'})
    assert proposed.status_code == 200 and proposed.headers["ETag"] == '"3"'
    # A stale revision is told so before the plan's state, as the losers of a race are.
    late = client.put(
        f"{path}/lines", json=[line("FAM-01", "2026-02")], headers={"If-Match": first}
    )
    assert late.json()["code"] == "version-conflict"
    assert late.json()["extra"]["current_version"] == 3
    frozen = client.post(f"{path}/propose", headers={"If-Match": '"3"'})
    assert assert_problem(frozen, 409, "path.plan_id")["code"] == "conflict"
    # The plan's version numbers plan versions; its revision counts the edits of this one.
    assert proposed.json()["version"] == 1
    revised = client.post(f"{path}/revise")
    assert revised.status_code == 201 and revised.headers["ETag"] == '"1"'
    assert client.get("/supply-plans/latest").headers["ETag"] == '"3"'


def test_concurrent_edits_of_the_same_revision_one_wins(database_url: str) -> None:
    """Five line loads and a proposal, all based on revision 1: exactly one goes through, the
    others are told the current revision; nothing of the losers is written."""
    app = create_app(SupplySettings(database_url=database_url))

    async def scenario() -> None:
        async with serving(app, bearer(Role.supply_planner)) as supply:
            plan_id = (await supply.post("/supply-plans", json=PLAN)).json()["id"]
            path = f"/supply-plans/{plan_id}"
            based_on_first = {"If-Match": '"1"'}
            answers = await asyncio.gather(
                *(
                    supply.put(
                        f"{path}/lines",
                        json=[line("FAM-01", "2026-01", production)],
                        headers=based_on_first,
                    )
                    for production in range(1, 6)
                ),
                supply.post(f"{path}/propose", headers=based_on_first),
            )
            assert Counter(a.status_code for a in answers) == {200: 1, 409: 5}
            for loser in (a for a in answers if a.status_code == 409):
                assert loser.json()["code"] == "version-conflict"
                assert loser.json()["extra"]["current_version"] == 2
            winner = next(index for index, a in enumerate(answers) if a.status_code == 200)
            plan = (await supply.get(path)).json()
            stored = (await supply.get(f"{path}/lines")).json()["items"]
            if winner == 5:  # the proposal won: the plan is frozen without lines
                assert (plan["status"], stored) == ("proposed", [])
            else:
                assert plan["status"] == "draft"
                assert [x["production"] for x in stored] == [winner + 1]

    asyncio.run(scenario())


def test_a_horizon_starting_out_of_the_sane_window_is_refused(client: TestClient) -> None:
    # Months the period type accepts, outside the plans' sanity window.
    for start in ("2990-01", "1999-12"):
        body = assert_problem(
            client.post("/supply-plans", json={**PLAN, "horizon_start": start}),
            422,
            "body.horizon_start",
        )
        assert start in body["errors"][0]["reason"]
    assert client.get("/supply-plans").json()["total"] == 0


def test_a_creation_retried_with_its_idempotency_key_creates_one_plan(client: TestClient) -> None:
    body = {**PLAN, "lines": [line("FAM-01", "2026-01")]}
    key = {"Idempotency-Key": "supply-proposal-2026-01"}
    first = client.post("/supply-plans", json=body, headers=key)
    retried = client.post("/supply-plans", json=body, headers=key)
    assert (first.status_code, retried.status_code) == (201, 201), retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json() and retried.headers["ETag"] == first.headers["ETag"]
    assert client.get("/supply-plans").json()["total"] == 1
