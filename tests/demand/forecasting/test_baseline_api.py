import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import (
    authored,
    create_plan,
    history_row,
    load_history,
    load_master,
    plan_edit,
    post_inputs,
    run_baseline,
    seasonal_history,
    waterfall,
)
from tests.demand.test_families import assert_problem


@pytest.fixture
def histories(client: TestClient) -> TestClient:
    """Three years of a seasonal series, four months of a young one, nothing for NEW."""
    load_master(client)
    load_history(
        client,
        seasonal_history("FAM-01", "KEY")
        + [
            history_row("FAM-02", "RET", f"2025-{m:02d}", q)
            for m, q in ((9, 12), (10, 18), (11, 15), (12, 21))
        ],
    )
    return client


def baseline_of(client: TestClient, plan_id: int, **params) -> list[dict]:
    response = client.get(f"/demand-plans/{plan_id}/baseline", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_every_series_gets_a_method_its_error_or_the_reason_it_fell_back(
    histories: TestClient,
) -> None:
    plan = create_plan(histories, horizon_months=12)
    summary = run_baseline(histories, plan["id"])
    assert summary["series"] == 2 and summary["fallbacks"] == 1
    assert sum(summary["methods"].values()) == 2
    seasonal, young = baseline_of(histories, plan["id"])
    assert (seasonal["family_code"], seasonal["segment_code"]) == ("FAM-01", "KEY")
    assert seasonal["method"] in {"seasonal_naive", "auto_ets"}
    assert not seasonal["fallback"] and seasonal["history_months"] == 36
    assert seasonal["cv_horizon"] == 12 and seasonal["cv_mae"] is not None
    assert seasonal["cv_mae"] == min(seasonal["candidates"].values())
    assert young["fallback"] and young["method"] == "moving_average"
    assert "only 4 month(s)" in young["note"] and young["cv_mae"] is None

    rows = waterfall(histories, plan["id"], family_code="FAM-02")
    assert [r["statistical"] for r in rows] == [pytest.approx(18.0)] * 12  # mean of 18, 15, 21
    assert all(r["consensus"] == r["statistical"] for r in rows)
    assert [s["family_code"] for s in baseline_of(histories, plan["id"], fallback=True)] == [
        "FAM-02"
    ]
    assert baseline_of(histories, plan["id"], method="croston") == []


def test_a_series_whose_last_months_are_missing_has_ended_and_is_forecast_at_zero(
    client: TestClient,
) -> None:
    """FAM-02 sold 1, 2, 1 a month until 2025-06; the extract has no row after (ERP style),
    while FAM-01 runs to 2025-12: FAM-02 has ended, its baseline is 0, not 1.33."""
    load_master(client)
    load_history(
        client,
        seasonal_history("FAM-01", "KEY")
        + [
            history_row("FAM-02", "RET", f"2025-{m:02d}", q)
            for m, q in ((1, 1), (2, 2), (3, 1), (4, 1), (5, 2), (6, 1))
        ],
    )
    plan = create_plan(client, horizon_months=3)
    run_baseline(client, plan["id"])
    ended = baseline_of(client, plan["id"], family_code="FAM-02")[0]
    assert ended["end_of_life"] and ended["method"] == "zero"
    assert "last 6 month(s)" in ended["note"]
    assert [r["statistical"] for r in waterfall(client, plan["id"], family_code="FAM-02")] == [
        0.0
    ] * 3


def test_only_history_before_the_horizon_is_used(histories: TestClient) -> None:
    plan = create_plan(histories, horizon_months=6)
    run_baseline(histories, plan["id"])
    before = waterfall(histories, plan["id"])
    # Actuals that arrive for the planned months must not leak into the plan's baseline.
    load_history(histories, [history_row("FAM-01", "KEY", "2026-01", 99999)])
    run_baseline(histories, plan["id"])
    assert waterfall(histories, plan["id"]) == before


def test_a_baseline_can_be_limited_to_a_family_and_a_history_window(
    histories: TestClient,
) -> None:
    plan = create_plan(histories, horizon_months=6)
    summary = run_baseline(histories, plan["id"], family_code="FAM-01", history_from="2025-01")
    assert summary["series"] == 1
    (series,) = baseline_of(histories, plan["id"])
    assert series["history_months"] == 12
    # Re-running for the other family keeps the first one.
    run_baseline(histories, plan["id"], family_code="FAM-02")
    assert [s["family_code"] for s in baseline_of(histories, plan["id"])] == ["FAM-01", "FAM-02"]


def test_bad_baseline_requests_are_4xx(histories: TestClient) -> None:
    def baseline(plan_id: int, body: dict):
        path = f"/demand-plans/{plan_id}/baseline"
        return histories.post(path, json=body, headers=plan_edit(histories, plan_id))

    plan = create_plan(histories, horizon_start="2020-01")
    assert_problem(baseline(plan["id"], {}), 422, "body")
    later = create_plan(histories)
    assert_problem(baseline(later["id"], {"family_code": "FAM-99"}), 422, "body.family_code")
    assert_problem(baseline(later["id"], {"history_from": "2025-1"}), 422, "body.history_from")
    assert_problem(baseline(later["id"], {"family_code": "NEW"}), 422, "body")
    # Nothing was written: the plan is still at its first revision.
    assert histories.get(f"/demand-plans/{later['id']}").headers["ETag"] == '"1"'
    assert_problem(
        histories.get(f"/demand-plans/{later['id']}/baseline", params={"fallback": "maybe"}),
        422,
        "fallback",
    )
    assert histories.get(f"/demand-plans/{later['id']}/waterfall").json()["total"] == 0


def test_a_new_baseline_that_breaks_a_stored_input_is_a_conflict(client: TestClient) -> None:
    load_master(client)
    flat = [
        history_row("FAM-01", "KEY", f"{y}-{m:02d}", 100)
        for y in (2024, 2025)
        for m in range(1, 13)
    ]
    load_history(client, flat)
    plan = create_plan(client, horizon_months=3)
    run_baseline(client, plan["id"])
    cut = post_inputs(
        client,
        plan["id"],
        "planner",
        [
            authored(
                kind="delta",
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=-90,
            )
        ],
    ).json()[0]
    load_history(client, [{**row, "quantity": 50} for row in flat])
    response = client.post(
        f"/demand-plans/{plan['id']}/baseline", json={}, headers=plan_edit(client, plan["id"])
    )
    body = assert_problem(response, 409, f"inputs.{cut['id']}.quantity")
    assert "-40" in body["errors"][0]["reason"]
    assert waterfall(client, plan["id"])[0]["statistical"] == 100
