"""Optimistic concurrency of demand plans: every read answers the plan's revision as ETag,
every edit needs it in If-Match (428 without), a stale one is refused with the current
revision (409), and of concurrent edits based on the same revision exactly one wins."""

import asyncio
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.demand.main import create_app
from shared.auth import Role
from shared.settings import DemandSettings
from tests.concurrency import serving
from tests.demand.builders import (
    AUTHOR,
    FAMILIES,
    OWNERS,
    SEGMENTS,
    authored,
    create_plan,
    history_row,
    load_history,
    load_master,
    sign_off,
    writer_of,
)
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

FLAT = [
    history_row("FAM-01", "KEY", f"{y}-{m:02d}", 100) for y in (2024, 2025) for m in range(1, 13)
]
SALES_DELTA = authored(
    kind="delta", family_code="FAM-01", segment_code="KEY", period_from="2026-02", quantity=5
)
READS = ("", "/lines", "/inputs", "/waterfall", "/baseline", "/consensus")


def etags(client: TestClient, plan_id: int) -> set[str]:
    """The ETag of every read of the plan (one, if they agree)."""
    answers = [client.get(f"/demand-plans/{plan_id}{suffix}") for suffix in READS]
    assert all(answer.status_code == 200 for answer in answers)
    return {answer.headers["ETag"] for answer in answers}


def version_conflict(response: Any, current: int) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "version-conflict"
    assert body["extra"] == {"current_version": current, "etag": f'"{current}"'}


@pytest.fixture
def stream_plan(client: TestClient) -> dict:
    load_master(client)
    load_history(client, FLAT)
    return create_plan(client, horizon_months=3)


def test_each_edit_moves_the_revision_that_every_read_answers(
    client: TestClient, stream_plan: dict
) -> None:
    pid = stream_plan["id"]
    created = client.get(f"/demand-plans/{pid}")
    assert etags(client, pid) == {'"1"'} == {created.headers["ETag"]}

    baseline = client.post(f"/demand-plans/{pid}/baseline", json={}, headers={"If-Match": '"1"'})
    assert baseline.status_code == 200 and baseline.headers["ETag"] == '"2"'
    sales = {**writer_of("sales"), "If-Match": '"2"'}
    posted = client.post(f"/demand-plans/{pid}/inputs/sales", json=[SALES_DELTA], headers=sales)
    assert posted.status_code == 201 and posted.headers["ETag"] == '"3"'
    assert etags(client, pid) == {'"3"'}
    input_path = f"/demand-plans/{pid}/inputs/{posted.json()[0]['id']}"
    withdrawn = client.delete(input_path, headers={**sales, "If-Match": '"3"'})
    assert withdrawn.status_code == 204 and withdrawn.headers["ETag"] == '"4"'
    rebuilt = client.post(f"/demand-plans/{pid}/consensus", headers={"If-Match": '"4"'})
    assert rebuilt.status_code == 200 and rebuilt.headers["ETag"] == '"5"'
    sign_off(client, pid)  # not an edit: the revision stays 5
    locked = client.post(f"/demand-plans/{pid}/lock", headers={"If-Match": 'W/"5"'})
    assert locked.status_code == 200 and locked.headers["ETag"] == '"6"'
    assert client.get("/demand-plans/latest").headers["ETag"] == '"6"'
    # The plan's version numbers plan versions; the revision counts the edits of one.
    assert locked.json()["version"] == 1

    draft = client.post(f"/demand-plans/{pid}/versions", json={})
    assert draft.status_code == 201 and draft.headers["ETag"] == '"1"'
    assert etags(client, pid) == {'"6"'}


def test_an_edit_without_the_revision_is_428_and_a_malformed_one_422(
    client: TestClient, stream_plan: dict
) -> None:
    pid = stream_plan["id"]
    manual = create_plan(
        client,
        lines=[
            {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01", "quantity": 1}
        ],
    )
    edits = [
        ("POST", f"/demand-plans/{pid}/baseline", {}, {}),
        ("POST", f"/demand-plans/{pid}/inputs/sales", [SALES_DELTA], writer_of("sales")),
        ("POST", f"/demand-plans/{pid}/consensus", None, {}),
        ("POST", f"/demand-plans/{pid}/lock", None, {}),
        ("PUT", f"/demand-plans/{manual['id']}/lines", [], {}),
    ]
    for method, path, body, headers in edits:
        missing = client.request(method, path, json=body, headers=headers)
        assert assert_problem(missing, 428, "header.If-Match")["code"] == "precondition-required"
        assert "revision" in missing.json()["detail"]
        for malformed in ("1", '"one"', '"1", "2"', "*"):
            refused = client.request(
                method, path, json=body, headers={**headers, "If-Match": malformed}
            )
            assert_problem(refused, 422, "header.If-Match")
    assert etags(client, pid) == {'"1"'}
    assert client.get(f"/demand-plans/{manual['id']}").headers["ETag"] == '"1"'


def test_a_stale_revision_is_refused_with_the_current_one_and_changes_nothing(
    client: TestClient, stream_plan: dict
) -> None:
    pid = stream_plan["id"]
    read = client.get(f"/demand-plans/{pid}").headers["ETag"]
    assert (
        client.post(
            f"/demand-plans/{pid}/baseline", json={}, headers={"If-Match": read}
        ).status_code
        == 200
    )
    # Sales read the plan before the baseline ran: their edit would be based on what it was.
    stale = client.post(
        f"/demand-plans/{pid}/inputs/sales",
        json=[SALES_DELTA],
        headers={**writer_of("sales"), "If-Match": read},
    )
    version_conflict(stale, 2)
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 0
    version_conflict(client.post(f"/demand-plans/{pid}/lock", headers={"If-Match": read}), 2)
    assert client.get(f"/demand-plans/{pid}").json()["status"] == "draft"
    # A refused edit (here 422) does not move the revision either.
    bad = client.post(
        f"/demand-plans/{pid}/inputs/sales",
        json=[{**SALES_DELTA, "family_code": "FAM-99"}],
        headers={**writer_of("sales"), "If-Match": '"2"'},
    )
    assert_problem(bad, 422, "body.0.family_code")
    assert etags(client, pid) == {'"2"'}


def test_rights_come_before_the_revision(client: TestClient, stream_plan: dict) -> None:
    """A wrong role learns 403, not 428: the revision is judged after the rights."""
    pid = stream_plan["id"]
    assert client.post(f"/demand-plans/{pid}/lock", headers=bearer(Role.sales)).status_code == 403
    viewer = client.post(f"/demand-plans/{pid}/baseline", json={}, headers=bearer(Role.viewer))
    assert viewer.status_code == 403


def test_concurrent_edits_of_the_same_revision_one_wins(database_url: str) -> None:
    app = create_app(DemandSettings(database_url=database_url))
    planner = bearer(Role.demand_planner, subject=AUTHOR)

    async def scenario() -> None:
        async with serving(app, planner) as demand:
            for path, items in (
                ("/families", FAMILIES),
                ("/segments", SEGMENTS),
                ("/history", FLAT),
            ):
                assert (await demand.put(path, json=items)).status_code == 200
            created = await demand.post(
                "/demand-plans",
                json={"name": "Race", "horizon_start": "2026-01", "horizon_months": 3},
            )
            manual = (
                await demand.post(
                    "/demand-plans",
                    json={"name": "Loaded", "horizon_start": "2026-01", "horizon_months": 3},
                )
            ).json()["id"]
            pid = created.json()["id"]

            # Five loads of the same plan's lines, all based on revision 1.
            lines = f"/demand-plans/{manual}/lines"
            answers = await asyncio.gather(
                *(
                    demand.put(
                        lines,
                        json=[
                            {
                                "family_code": "FAM-01",
                                "segment_code": "KEY",
                                "period": "2026-01",
                                "quantity": q,
                            }
                        ],
                        headers={"If-Match": '"1"'},
                    )
                    for q in range(1, 6)
                )
            )
            assert Counter(a.status_code for a in answers) == {200: 1, 409: 4}
            for loser in (a for a in answers if a.status_code == 409):
                version_conflict(loser, 2)
            winner = answers.index(next(a for a in answers if a.status_code == 200))
            stored = (await demand.get(lines)).json()["items"]
            assert [line["quantity"] for line in stored] == [winner + 1]

            # Sales post while the planner locks, both having read revision 2: one wins.
            baseline = await demand.post(
                f"/demand-plans/{pid}/baseline", json={}, headers={"If-Match": '"1"'}
            )
            assert baseline.status_code == 200
            for owner in OWNERS:
                signed = await demand.post(
                    f"/demand-plans/{pid}/sign-offs", headers={**bearer(owner), "If-Match": '"2"'}
                )
                assert signed.status_code == 200, signed.text
            sales, lock = await asyncio.gather(
                demand.post(
                    f"/demand-plans/{pid}/inputs/sales",
                    json=[SALES_DELTA],
                    headers={**writer_of("sales"), "If-Match": '"2"'},
                ),
                demand.post(f"/demand-plans/{pid}/lock", headers={"If-Match": '"2"'}),
            )
            assert sorted([sales.status_code, lock.status_code]) in ([200, 409], [201, 409])
            if lock.status_code == 200:
                # The sales post either lost the revision race or found the plan locked.
                assert sales.status_code == 409
                assert sales.json()["code"] in {"version-conflict", "conflict"}
            else:
                version_conflict(lock, 3)
            plan = (await demand.get(f"/demand-plans/{pid}")).json()
            inputs = (await demand.get(f"/demand-plans/{pid}/inputs")).json()["total"]
            # Never both: a locked plan holds exactly what it had when it was locked.
            assert (plan["status"], inputs) == (
                ("locked", 0) if lock.status_code == 200 else ("draft", 1)
            )

    asyncio.run(scenario())
