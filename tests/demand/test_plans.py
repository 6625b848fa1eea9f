import json

import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import lock, plan_edit
from tests.demand.test_families import FAMILY, assert_problem
from tests.demand.test_history import SEGMENT

PLAN = {"name": "Demand review", "horizon_start": "2026-01", "horizon_months": 12, "note": ""}


def line(period: str, quantity: float = 100.0, family: str = "FAM-01", segment: str = "KEY"):
    return {"family_code": family, "segment_code": segment, "period": period, "quantity": quantity}


@pytest.fixture
def master(client: TestClient) -> TestClient:
    client.put("/families", json=[FAMILY, {**FAMILY, "code": "FAM-02", "name": "Grinders"}])
    client.put("/segments", json=[SEGMENT, {**SEGMENT, "code": "RET", "strategic": False}])
    return client


def create_plan(client: TestClient, **changes) -> dict:
    response = client.post("/demand-plans", json={**PLAN, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def put_lines(client: TestClient, plan_id: int, batch: list[dict]):
    """PUT lines based on the plan's revision as read now."""
    path = f"/demand-plans/{plan_id}/lines"
    return client.put(path, json=batch, headers=plan_edit(client, plan_id))


def lines_of(client: TestClient, plan_id: int, **params) -> dict:
    response = client.get(f"/demand-plans/{plan_id}/lines", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_create_add_lines_and_lock(master: TestClient) -> None:
    plan = create_plan(master)
    assert plan["status"] == "draft" and plan["version"] == 1 and plan["locked_at"] is None
    assert plan["created_at"].endswith("+00:00") or plan["created_at"].endswith("Z")
    batch = [line(f"2026-{m:02d}", 10 * m) for m in range(1, 13)]
    first = put_lines(master, plan["id"], batch)
    assert first.json() == {"created": 12, "updated": 0, "unchanged": 0}
    batch[0]["quantity"] = 999
    second = put_lines(master, plan["id"], batch)
    assert second.json() == {"created": 0, "updated": 1, "unchanged": 11}
    assert lines_of(master, plan["id"])["items"][0]["quantity"] == 999

    locked = lock(master, plan["id"])
    assert locked.status_code == 200, locked.text
    assert locked.json()["status"] == "locked" and locked.json()["locked_at"] is not None
    assert master.get(f"/demand-plans/{plan['id']}").json()["status"] == "locked"
    assert_problem(master.post(f"/demand-plans/{plan['id']}/lock"), 409, "path.id")


def test_versions_increase_and_plan_posted_whole(master: TestClient) -> None:
    first = create_plan(master)
    whole = create_plan(master, lines=[line("2026-01"), line("2026-02", family="FAM-02")])
    assert (first["version"], whole["version"]) == (1, 2)
    assert lines_of(master, whole["id"])["total"] == 2
    listed = master.get("/demand-plans").json()
    assert [p["version"] for p in listed["items"]] == [1, 2]


def test_write_after_lock_is_a_conflict_and_changes_nothing(master: TestClient) -> None:
    plan = create_plan(master, lines=[line("2026-01", 50)])
    assert lock(master, plan["id"]).status_code == 200
    before = lines_of(master, plan["id"])
    response = put_lines(master, plan["id"], [line("2026-01", 70), line("2026-02", 5)])
    assert assert_problem(response, 409, "path.id")["code"] == "conflict"
    # A write based on a revision older than the lock hears that first, as a race's losers do.
    stale = master.put(
        f"/demand-plans/{plan['id']}/lines", json=[line("2026-01", 70)], headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "version-conflict"
    assert lines_of(master, plan["id"]) == before


def test_lock_of_an_empty_plan_is_refused(master: TestClient) -> None:
    plan = create_plan(master)
    assert_problem(lock(master, plan["id"]), 422, "path.id")
    assert master.get(f"/demand-plans/{plan['id']}").json()["status"] == "draft"


def test_latest_is_the_latest_locked_else_the_latest_draft(master: TestClient) -> None:
    missing = master.get("/demand-plans/latest")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    v1 = create_plan(master, lines=[line("2026-01")])
    v2 = create_plan(master, lines=[line("2026-01")])
    assert master.get("/demand-plans/latest").json()["id"] == v2["id"]
    assert lock(master, v1["id"]).status_code == 200
    assert master.get("/demand-plans/latest").json()["id"] == v1["id"]
    v3 = create_plan(master, lines=[line("2026-01")])
    assert master.get("/demand-plans/latest").json()["id"] == v1["id"]
    assert lock(master, v3["id"]).status_code == 200
    assert master.get("/demand-plans/latest").json()["id"] == v3["id"]
    locked = master.get("/demand-plans", params={"status": "locked"}).json()
    assert [p["version"] for p in locked["items"]] == [1, 3]


def test_unknown_family_in_a_line_names_the_field_and_writes_nothing(master: TestClient) -> None:
    plan = create_plan(master)
    batch = [line("2026-01"), line("2026-02", family="FAM-99"), line("2026-03", segment="NOPE")]
    body = assert_problem(put_lines(master, plan["id"], batch), 422, "body.1.family_code")
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"body.1.family_code", "body.2.segment_code"}
    assert "FAM-99" in body["errors"][0]["reason"]
    assert lines_of(master, plan["id"])["total"] == 0


def test_plan_posted_with_a_bad_line_is_not_created(master: TestClient) -> None:
    body = assert_problem(
        master.post("/demand-plans", json={**PLAN, "lines": [line("2026-01", family="FAM-99")]}),
        422,
        "body.lines.0.family_code",
    )
    assert body["code"] == "validation-error"
    assert master.get("/demand-plans").json()["total"] == 0
    # The refused creation used no version number.
    assert create_plan(master)["version"] == 1


def test_period_outside_the_horizon_is_refused(master: TestClient) -> None:
    plan = create_plan(master)  # 2026-01 .. 2026-12
    batch = [line("2025-12"), line("2026-12"), line("2027-01")]
    body = assert_problem(put_lines(master, plan["id"], batch), 422, "body.0.period")
    assert [e["field"] for e in body["errors"]] == ["body.0.period", "body.2.period"]
    assert "2026-01..2026-12" in body["errors"][0]["reason"]
    assert lines_of(master, plan["id"])["total"] == 0


@pytest.mark.parametrize(
    ("quantity", "field"),
    [(-1, "body.0.quantity"), ("NaN", "body.0.quantity"), ("lots", "body.0.quantity")],
)
def test_bad_quantities_are_refused(master: TestClient, quantity, field: str) -> None:
    plan = create_plan(master)
    bad = {**line("2026-01"), "quantity": quantity}
    assert_problem(put_lines(master, plan["id"], [bad]), 422, field)
    assert lines_of(master, plan["id"])["total"] == 0


def test_duplicate_line_in_a_batch_is_refused(master: TestClient) -> None:
    plan = create_plan(master)
    response = put_lines(master, plan["id"], [line("2026-01"), line("2026-01", 5)])
    assert_problem(response, 422, "body.1.period")
    assert lines_of(master, plan["id"])["total"] == 0


def test_lines_are_paginated_and_filtered(master: TestClient) -> None:
    batch = [
        line(f"2026-{m:02d}", m, family=family, segment=segment)
        for family in ("FAM-01", "FAM-02")
        for segment in ("KEY", "RET")
        for m in range(1, 13)
    ]
    plan = create_plan(master, lines=batch)
    other = create_plan(master, lines=[line("2026-01")])
    page = lines_of(master, plan["id"], limit=10, offset=20)
    assert page["total"] == 48 and page["limit"] == 10 and page["offset"] == 20
    assert len(page["items"]) == 10
    everything = [
        (r["family_code"], r["segment_code"], r["period"])
        for offset in range(0, 48, 10)
        for r in lines_of(master, plan["id"], limit=10, offset=offset)["items"]
    ]
    assert len(set(everything)) == 48 and everything == sorted(everything)
    window = lines_of(
        master,
        plan["id"],
        family_code="FAM-02",
        segment_code="RET",
        period_from="2026-03",
        period_to="2026-05",
    )
    assert [(r["period"], r["quantity"]) for r in window["items"]] == [
        ("2026-03", 3),
        ("2026-04", 4),
        ("2026-05", 5),
    ]
    assert all(r["plan_id"] == plan["id"] for r in window["items"])
    assert lines_of(master, other["id"])["total"] == 1
    assert_problem(
        master.get(f"/demand-plans/{plan['id']}/lines", params={"limit": 0}), 422, "limit"
    )


def test_unknown_plan_and_bad_ids_are_4xx(master: TestClient) -> None:
    assert_problem(master.get("/demand-plans/999"), 404, "path.id")
    assert_problem(master.get("/demand-plans/999/lines"), 404, "path.id")
    assert_problem(master.put("/demand-plans/999/lines", json=[line("2026-01")]), 404, "path.id")
    assert_problem(master.post("/demand-plans/999/lock"), 404, "path.id")
    assert_problem(master.get("/demand-plans/abc"), 422, "id")
    assert_problem(master.get("/demand-plans/0"), 422, "id")
    assert_problem(master.get("/demand-plans/99999999999999999999999"), 422, "id")
    assert_problem(master.get("/demand-plans", params={"status": "open"}), 422, "status")
    assert_problem(
        master.post("/demand-plans", json={**PLAN, "horizon_months": 0}), 422, "horizon_months"
    )
    assert_problem(
        master.post("/demand-plans", json={**PLAN, "horizon_start": "2026-13"}),
        422,
        "horizon_start",
    )
    assert_problem(master.put("/demand-plans/1/lines", json={"not": "a list"}), 422, "body")


@pytest.mark.parametrize("start", ["2990-01", "1999-12"])
def test_a_horizon_starting_out_of_the_sane_window_is_refused(
    master: TestClient, start: str
) -> None:
    body = assert_problem(
        master.post("/demand-plans", json={**PLAN, "horizon_start": start}),
        422,
        "body.horizon_start",
    )
    assert start in body["errors"][0]["reason"]
    assert master.get("/demand-plans").json()["total"] == 0


def test_lines_export_is_every_line_in_order_with_the_revision(master: TestClient) -> None:
    plan = create_plan(master)
    # 2 families x 2 segments x 3 months = 12 lines, sent out of order.
    batch = [
        line(f"2026-0{m}", 10 * m, family, segment)
        for m in (3, 1, 2)
        for family in ("FAM-02", "FAM-01")
        for segment in ("RET", "KEY")
    ]
    assert put_lines(master, plan["id"], batch).json()["created"] == 12

    export = master.get(f"/demand-plans/{plan['id']}/lines/export")
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/x-ndjson"
    assert export.headers["ETag"] == master.get(f"/demand-plans/{plan['id']}").headers["ETag"]
    exported = [json.loads(text) for text in export.text.splitlines()]
    assert exported == lines_of(master, plan["id"])["items"]
    assert [(e["family_code"], e["segment_code"], e["period"]) for e in exported[:4]] == [
        ("FAM-01", "KEY", "2026-01"),
        ("FAM-01", "KEY", "2026-02"),
        ("FAM-01", "KEY", "2026-03"),
        ("FAM-01", "RET", "2026-01"),
    ]
    only = master.get(
        f"/demand-plans/{plan['id']}/lines/export",
        params={"family_code": "FAM-02", "period_from": "2026-02"},
    )
    assert len(only.text.splitlines()) == 2 * 2  # 2 segments x months 02 and 03
    assert_problem(master.get("/demand-plans/999/lines/export"), 404, "path.id")
