import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import (
    authored,
    create_plan,
    history_row,
    lines,
    load_history,
    load_master,
    lock,
    plan_edit,
    post_inputs,
    run_baseline,
    waterfall,
)
from tests.demand.test_families import assert_problem

LAYERS = ["statistical", "sales", "marketing", "product", "planner", "consensus"]


@pytest.fixture
def plan(client: TestClient) -> dict:
    """Two flat series (KEY 100, RET 40 a month for two years): the baseline is exact."""
    load_master(client)
    load_history(
        client,
        [
            history_row("FAM-01", segment, f"{year}-{month:02d}", level)
            for segment, level in (("KEY", 100), ("RET", 40))
            for year in (2024, 2025)
            for month in range(1, 13)
        ],
    )
    created = create_plan(client, horizon_months=3)
    run_baseline(client, created["id"])
    return created


def test_the_waterfall_shows_each_stream_and_who_moved_the_number(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    sales = post_inputs(
        client,
        pid,
        "sales",
        [
            authored(
                kind="delta",
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-02",
                quantity=30,
                author="s.ales",
                reason_code="TENDER",
                assumption="tender won",
            )
        ],
    ).json()[0]
    post_inputs(
        client,
        pid,
        "marketing",
        [
            authored(
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-02",
                uplift_pct=0.1,
                author="m.arketing",
                reason_code="PROMO",
            )
        ],
    )
    post_inputs(
        client,
        pid,
        "planner",
        [
            authored(
                kind="override",
                family_code="FAM-01",
                segment_code="RET",
                period_from="2026-03",
                quantity=35,
                author="d.planner",
                reason_code="CAP",
            )
        ],
    )

    rows = waterfall(client, pid)
    assert [(r["segment_code"], r["period"]) for r in rows] == [
        (s, p) for s in ("KEY", "RET") for p in ("2026-01", "2026-02", "2026-03")
    ]
    feb = next(r for r in rows if r["segment_code"] == "KEY" and r["period"] == "2026-02")
    assert [feb[layer] for layer in LAYERS] == pytest.approx([100, 130, 143, 143, 143, 143])
    assert [
        (c["stream"], c["author"], c["reason_code"], c["delta"]) for c in feb["contributions"]
    ] == [
        ("sales", "s.ales", "TENDER", 30),
        ("marketing", "m.arketing", "PROMO", pytest.approx(13)),
    ]
    assert feb["contributions"][0]["input_id"] == sales["id"]
    ret_march = rows[-1]
    assert [ret_march[layer] for layer in LAYERS] == [40, 40, 40, 40, 35, 35]
    assert ret_march["contributions"][0]["kind"] == "override"

    only = waterfall(client, pid, segment_code="KEY", period_from="2026-02", period_to="2026-02")
    assert only == [feb]
    page = client.get(f"/demand-plans/{pid}/waterfall", params={"limit": 2, "offset": 4}).json()
    assert page["total"] == 6 and page["items"] == rows[4:6]

    summary = client.get(f"/demand-plans/{pid}/consensus").json()
    assert summary["series"] == 2 and summary["cells"] == 6 and summary["inputs"] == 3
    assert summary["totals"] == {
        layer: pytest.approx(sum(r[layer] for r in rows)) for layer in LAYERS
    }
    assert {(r["segment_code"], r["period"]): r["quantity"] for r in lines(client, pid)} == {
        (r["segment_code"], r["period"]): r["consensus"] for r in rows
    }


def test_an_explicit_rebuild_changes_nothing_when_nothing_changed(
    client: TestClient, plan: dict
) -> None:
    before = waterfall(client, plan["id"])
    rebuilt = client.post(
        f"/demand-plans/{plan['id']}/consensus", headers=plan_edit(client, plan["id"])
    )
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json()["totals"]["consensus"] == pytest.approx(3 * 100 + 3 * 40)
    assert waterfall(client, plan["id"]) == before


def test_a_locked_consensus_is_the_latest_and_a_new_version_carries_its_streams(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    post_inputs(
        client,
        pid,
        "sales",
        [
            authored(
                kind="delta",
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=5,
                author="s.ales",
            )
        ],
    )
    locked = lock(client, pid).json()
    assert client.get("/demand-plans/latest").json()["id"] == pid

    response = client.post(f"/demand-plans/{pid}/versions", json={"note": "after the review"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["version"], draft["status"], draft["note"]) == (2, "draft", "after the review")
    assert draft["horizon_start"] == locked["horizon_start"] and draft["built_from_streams"]
    old_inputs = client.get(f"/demand-plans/{pid}/inputs").json()["items"]
    new_inputs = client.get(f"/demand-plans/{draft['id']}/inputs").json()["items"]
    assert [(i["author"], i["quantity"], i["created_at"]) for i in new_inputs] == [
        (i["author"], i["quantity"], i["created_at"]) for i in old_inputs
    ]
    strip = [
        {k: v for k, v in r.items() if k not in ("plan_id", "contributions")}
        for r in waterfall(client, pid)
    ]
    assert [
        {k: v for k, v in r.items() if k not in ("plan_id", "contributions")}
        for r in waterfall(client, draft["id"])
    ] == strip
    assert client.get(f"/demand-plans/{draft['id']}/baseline").json()["total"] == 2

    # The new draft moves on; the locked version does not.
    post_inputs(
        client,
        draft["id"],
        "planner",
        [
            authored(
                kind="delta",
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=1,
            )
        ],
    )
    assert waterfall(client, draft["id"])[0]["consensus"] == 106
    assert waterfall(client, pid)[0]["consensus"] == 105
    assert client.get("/demand-plans/latest").json()["id"] == pid


def test_a_new_version_of_a_directly_loaded_plan_copies_its_lines(client: TestClient) -> None:
    load_master(client)
    line = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-02", "quantity": 7}
    source = create_plan(client, lines=[line])
    response = client.post(f"/demand-plans/{source['id']}/versions", json={"name": "v2"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["name"] == "v2" and not draft["built_from_streams"]
    assert [(r["period"], r["quantity"]) for r in lines(client, draft["id"])] == [("2026-02", 7)]
    assert_problem(client.post("/demand-plans/999/versions"), 404, "path.id")
    assert_problem(
        client.post(f"/demand-plans/{source['id']}/versions", json={"name": ""}), 422, "body.name"
    )


def test_consensus_reads_of_unknown_plans_are_404(client: TestClient) -> None:
    for path in (
        "/demand-plans/999/consensus",
        "/demand-plans/999/waterfall",
        "/demand-plans/999/baseline",
        "/demand-plans/999/inputs",
    ):
        assert_problem(client.get(path), 404, "path.id")
    assert_problem(client.post("/demand-plans/999/consensus"), 404, "path.id")
    empty = create_plan(client)
    rebuilt = client.post(
        f"/demand-plans/{empty['id']}/consensus", headers=plan_edit(client, empty["id"])
    )
    assert_problem(rebuilt, 422, "path.id")
    assert client.get(f"/demand-plans/{empty['id']}").json()["built_from_streams"] is False
