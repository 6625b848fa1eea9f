import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import (
    authored,
    create_plan,
    lines,
    load_history,
    load_master,
    lock,
    plan_edit,
    post_inputs,
    run_baseline,
    seasonal_history,
    waterfall,
    withdraw,
    writer_of,
)
from tests.demand.test_families import assert_problem


@pytest.fixture
def draft(client: TestClient) -> dict:
    """A draft over 2026-01..2026-06 without any stream yet."""
    load_master(client)
    return create_plan(client)


@pytest.fixture
def plan(client: TestClient, draft: dict) -> dict:
    """The draft with the baseline of three series (two years of history each)."""
    load_history(
        client,
        seasonal_history("FAM-01", "KEY", start="2024-01", months=24)
        + seasonal_history("FAM-01", "RET", start="2024-01", months=24, level=60)
        + seasonal_history("FAM-02", "KEY", start="2024-01", months=24, level=40),
    )
    run_baseline(client, draft["id"])
    return draft


def consensus_of(client: TestClient, plan_id: int) -> dict[tuple[str, str, str], float]:
    return {
        (r["family_code"], r["segment_code"], r["period"]): r["consensus"]
        for r in waterfall(client, plan_id)
    }


def stored_lines(client: TestClient, plan_id: int) -> dict[tuple[str, str, str], float]:
    return {
        (r["family_code"], r["segment_code"], r["period"]): r["quantity"]
        for r in lines(client, plan_id)
    }


def test_each_role_writes_its_stream_and_the_plan_lines_follow(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    before = consensus_of(client, pid)
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
                period_to="2026-03",
                quantity=25,
                author="s.ales",
            )
        ],
    )
    assert sales.status_code == 201, sales.text
    assert sales.json()[0]["role"] == "sales" and sales.json()[0]["stream"] == "sales"
    marketing = post_inputs(
        client,
        pid,
        "marketing",
        [
            authored(
                family_code="FAM-01",
                period_from="2026-04",
                uplift_pct=0.5,
                cannibalised_family_code="FAM-02",
                cannibalisation_share=0.1,
            )
        ],
    )
    assert marketing.status_code == 201, marketing.text
    assert marketing.json()[0]["kind"] == "event" and marketing.json()[0]["role"] == "marketing"
    product = post_inputs(
        client,
        pid,
        "product",
        [
            authored(
                kind="launch",
                family_code="NEW",
                segment_code="RET",
                period_from="2026-03",
                quantity=40,
                ramp_months=2,
            )
        ],
    )
    assert product.status_code == 201 and product.json()[0]["role"] == "product_manager"
    planner = post_inputs(
        client,
        pid,
        "planner",
        [
            authored(
                kind="override",
                family_code="FAM-01",
                segment_code="RET",
                period_from="2026-06",
                quantity=0,
            )
        ],
    )
    assert planner.status_code == 201 and planner.json()[0]["role"] == "demand_planner"

    after = consensus_of(client, pid)
    assert after[("FAM-01", "KEY", "2026-02")] == pytest.approx(
        before[("FAM-01", "KEY", "2026-02")] + 25
    )
    assert after[("FAM-01", "KEY", "2026-01")] == before[("FAM-01", "KEY", "2026-01")]
    assert after[("FAM-01", "KEY", "2026-04")] == pytest.approx(
        1.5 * before[("FAM-01", "KEY", "2026-04")]
    )
    # 10% of the uplift on FAM-01 in both segments comes out of FAM-02 in KEY (its only series).
    uplift_key = 0.5 * before[("FAM-01", "KEY", "2026-04")]
    assert after[("FAM-02", "KEY", "2026-04")] == pytest.approx(
        before[("FAM-02", "KEY", "2026-04")] - 0.1 * uplift_key
    )
    assert [after[("NEW", "RET", p)] for p in ("2026-01", "2026-02", "2026-03", "2026-04")] == [
        0,
        0,
        20,
        40,
    ]
    assert after[("FAM-01", "RET", "2026-06")] == 0
    assert stored_lines(client, pid) == after
    assert client.get(f"/demand-plans/{pid}").json()["built_from_streams"] is True


def test_unknown_codes_and_periods_outside_the_horizon_write_nothing(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    before = stored_lines(client, pid)
    batch = [
        authored(
            kind="delta",
            family_code="FAM-99",
            segment_code="KEY",
            period_from="2026-01",
            quantity=1,
        ),
        authored(
            kind="delta",
            family_code="FAM-01",
            segment_code="NOPE",
            period_from="2026-01",
            quantity=1,
        ),
        authored(
            kind="delta",
            family_code="FAM-01",
            segment_code="KEY",
            period_from="2025-12",
            period_to="2026-07",
            quantity=1,
        ),
    ]
    body = assert_problem(post_inputs(client, pid, "sales", batch), 422, "body.0.family_code")
    assert {e["field"] for e in body["errors"]} == {
        "body.0.family_code",
        "body.1.segment_code",
        "body.2.period_from",
        "body.2.period_to",
    }
    assert (
        "FAM-99" in next(e for e in body["errors"] if e["field"] == "body.0.family_code")["reason"]
    )
    event = authored(
        family_code="FAM-01",
        period_from="2026-01",
        uplift_pct=0.1,
        cannibalised_family_code="GONE",
        cannibalisation_share=0.2,
    )
    assert_problem(
        post_inputs(client, pid, "marketing", [event]), 422, "body.0.cannibalised_family_code"
    )
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 0
    assert stored_lines(client, pid) == before


def test_a_delta_driving_demand_negative_is_refused_and_nothing_is_written(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    before = stored_lines(client, pid)
    fine = authored(
        kind="delta", family_code="FAM-02", segment_code="KEY", period_from="2026-01", quantity=5
    )
    negative = authored(
        kind="delta",
        family_code="FAM-01",
        segment_code="KEY",
        period_from="2026-01",
        period_to="2026-06",
        quantity=-10000,
    )
    body = assert_problem(
        post_inputs(client, pid, "planner", [fine, negative]), 422, "body.1.quantity"
    )
    assert "cannot be negative" in body["errors"][0]["reason"]
    assert "5 more cell(s)" in body["errors"][0]["reason"]
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 0
    assert stored_lines(client, pid) == before


@pytest.mark.parametrize(
    ("stream", "item", "field"),
    [
        ("sales", dict(kind="override", quantity=-1), "body.0.quantity"),
        ("sales", dict(kind="delta", quantity=1, period_to="2025-01"), "body.0.period_to"),
        ("sales", dict(kind="launch", quantity=1), "body.0.kind"),
        ("sales", dict(kind="delta", quantity="NaN"), "body.0.quantity"),
        ("sales", dict(kind="delta", quantity=1e13), "body.0.quantity"),
        ("marketing", dict(), "body.0.uplift_pct"),
        (
            "marketing",
            dict(uplift_pct=0.1, cannibalised_family_code="FAM-02"),
            "body.0.cannibalisation_share",
        ),
        (
            "marketing",
            dict(uplift_pct=0.1, cannibalisation_share=0.2),
            "body.0.cannibalised_family_code",
        ),
        (
            "marketing",
            dict(uplift_pct=0.1, cannibalised_family_code="FAM-01", cannibalisation_share=0.2),
            "body.0.cannibalised_family_code",
        ),
        ("marketing", dict(uplift_pct=-2), "body.0.uplift_pct"),
        ("product", dict(kind="launch", segment_code=None, quantity=10), "body.0.segment_code"),
        ("product", dict(kind="launch"), "body.0.quantity"),
        ("product", dict(kind="launch", quantity=5, period_to="2026-05"), "body.0.period_to"),
        ("product", dict(kind="phase_out"), "body.0.period_to"),
        ("product", dict(kind="phase_out", period_to="2026-04", quantity=3), "body.0.quantity"),
        ("product", dict(kind="launch", quantity=5, ramp_months=0), "body.0.ramp_months"),
        ("planner", dict(kind="delta", quantity=1, assumption=""), "body.0.assumption"),
        ("planner", dict(kind="delta", quantity=1, author="nul\x00"), "body.0.author"),
        ("planner", dict(kind="delta", quantity=1, reason_code="bad code"), "body.0.reason_code"),
    ],
)
def test_each_kind_of_input_has_its_rules(
    client: TestClient, draft: dict, stream: str, item: dict, field: str
) -> None:
    body = authored(family_code="FAM-01", segment_code="KEY", period_from="2026-02") | item
    assert_problem(post_inputs(client, draft["id"], stream, [body]), 422, field)
    assert client.get(f"/demand-plans/{draft['id']}/inputs").json()["total"] == 0


def test_empty_or_malformed_batches_are_refused(client: TestClient, draft: dict) -> None:
    plan = draft
    assert_problem(post_inputs(client, plan["id"], "sales", []), 422, "body")
    sales = {**writer_of("sales"), "If-Match": '"1"'}
    assert_problem(
        client.post(f"/demand-plans/{plan['id']}/inputs/sales", json={"a": 1}, headers=sales),
        422,
        "body",
    )
    # No stream "finance": the path names nothing (DELETE .../inputs/{input_id} takes digits).
    assert client.post(f"/demand-plans/{plan['id']}/inputs/finance", json=[]).status_code == 404
    assert_problem(
        client.post(
            "/demand-plans/999/inputs/sales",
            json=[
                authored(
                    kind="delta",
                    family_code="FAM-01",
                    segment_code="KEY",
                    period_from="2026-01",
                    quantity=1,
                )
            ],
            headers=sales,
        ),
        404,
        "path.id",
    )


def test_withdrawing_an_input_rebuilds_and_may_not_break_another(
    client: TestClient, plan: dict
) -> None:
    pid = plan["id"]
    before = consensus_of(client, pid)
    cell = ("FAM-02", "KEY", "2026-01")
    support = post_inputs(
        client,
        pid,
        "sales",
        [
            authored(
                kind="delta",
                family_code="FAM-02",
                segment_code="KEY",
                period_from="2026-01",
                quantity=100,
            )
        ],
    ).json()[0]
    cut = post_inputs(
        client,
        pid,
        "planner",
        [
            authored(
                kind="delta",
                family_code="FAM-02",
                segment_code="KEY",
                period_from="2026-01",
                quantity=-(before[cell] + 50),
            )
        ],
    ).json()[0]
    assert consensus_of(client, pid)[cell] == pytest.approx(50)

    refused = withdraw(client, pid, support["id"], "sales")
    body = assert_problem(refused, 409, f"inputs.{cut['id']}.quantity")
    assert client.get(f"/demand-plans/{pid}/inputs").json()["total"] == 2

    assert withdraw(client, pid, cut["id"], "planner").status_code == 204
    assert withdraw(client, pid, support["id"], "sales").status_code == 204
    assert consensus_of(client, pid) == before
    assert stored_lines(client, pid) == before
    assert_problem(client.delete(f"/demand-plans/{pid}/inputs/{cut['id']}"), 404, "path.input_id")
    other = create_plan(client)
    assert_problem(
        client.delete(f"/demand-plans/{other['id']}/inputs/{support['id']}"), 404, "path.input_id"
    )
    assert body["code"] == "conflict"


def test_a_locked_plan_refuses_every_write(client: TestClient, plan: dict) -> None:
    pid = plan["id"]
    kept = post_inputs(
        client,
        pid,
        "sales",
        [
            authored(
                kind="delta",
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=3,
            )
        ],
    ).json()[0]
    assert lock(client, pid).status_code == 200
    frozen = waterfall(client, pid)
    delta = authored(
        kind="delta", family_code="FAM-01", segment_code="KEY", period_from="2026-01", quantity=1
    )
    for stream in ("sales", "planner"):
        assert_problem(post_inputs(client, pid, stream, [delta]), 409, "path.id")
    assert_problem(withdraw(client, pid, kept["id"], "sales"), 409, "path.id")
    assert_problem(client.post(f"/demand-plans/{pid}/baseline", json={}), 409, "path.id")
    assert_problem(client.post(f"/demand-plans/{pid}/consensus"), 409, "path.id")
    assert waterfall(client, pid) == frozen


def test_stream_plans_and_directly_loaded_plans_do_not_mix(client: TestClient, plan: dict) -> None:
    line = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01", "quantity": 1}
    body = assert_problem(
        client.put(
            f"/demand-plans/{plan['id']}/lines", json=[line], headers=plan_edit(client, plan["id"])
        ),
        409,
        "path.id",
    )
    assert "planner adjustment" in body["detail"]
    manual = create_plan(client, lines=[line])
    delta = authored(
        kind="delta", family_code="FAM-01", segment_code="KEY", period_from="2026-01", quantity=1
    )
    assert_problem(post_inputs(client, manual["id"], "sales", [delta]), 409, "path.id")
    assert_problem(
        client.post(
            f"/demand-plans/{manual['id']}/baseline",
            json={},
            headers=plan_edit(client, manual["id"]),
        ),
        409,
        "path.id",
    )


def test_inputs_are_listed_by_stream_author_and_page(client: TestClient, plan: dict) -> None:
    pid = plan["id"]
    for month in range(1, 7):
        post_inputs(
            client,
            pid,
            "sales",
            [
                authored(
                    kind="delta",
                    family_code="FAM-01",
                    segment_code="KEY",
                    period_from=f"2026-{month:02d}",
                    quantity=month,
                    author=f"rep-{month % 2}",
                )
            ],
        )
    post_inputs(
        client,
        pid,
        "planner",
        [
            authored(
                kind="delta",
                family_code="FAM-02",
                segment_code="KEY",
                period_from="2026-01",
                quantity=1,
            )
        ],
    )
    listed = client.get(f"/demand-plans/{pid}/inputs", params={"limit": 3, "offset": 3}).json()
    assert listed["total"] == 7 and len(listed["items"]) == 3
    by_author = client.get(f"/demand-plans/{pid}/inputs", params={"author": "rep-1"}).json()
    assert [i["quantity"] for i in by_author["items"]] == [1, 3, 5]
    planner = client.get(f"/demand-plans/{pid}/inputs", params={"stream": "planner"}).json()
    assert planner["total"] == 1 and planner["items"][0]["family_code"] == "FAM-02"
    assert (
        client.get(f"/demand-plans/{pid}/inputs", params={"segment_code": "RET"}).json()["total"]
        == 0
    )
    assert_problem(
        client.get(f"/demand-plans/{pid}/inputs", params={"stream": "hr"}), 422, "stream"
    )


def test_demand_beyond_a_storable_quantity_is_a_422_not_a_crash(
    client: TestClient, plan: dict
) -> None:
    huge = authored(
        kind="delta", family_code="FAM-01", segment_code="KEY", period_from="2026-01", quantity=1e12
    )
    body = assert_problem(
        post_inputs(client, plan["id"], "sales", [huge, huge]), 422, "body.0.quantity"
    )
    assert "cannot exceed" in body["errors"][0]["reason"]
