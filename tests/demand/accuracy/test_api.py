"""Accuracy of the streams of a locked plan, worked by hand.

FAM-01/KEY sold 100 a month for two years, so every baseline method forecasts 100 and the
naive forecast (last actual before the horizon) is 100 too. The plan covers 2026-01..03.
"""

import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import (
    authored,
    create_plan,
    history_row,
    load_history,
    load_master,
    lock,
    post_inputs,
    run_baseline,
)
from tests.demand.test_families import assert_problem

ACTUALS = {"2026-01": 110, "2026-02": 100, "2026-03": 130}  # sum 340


def locked_plan(client: TestClient, *, sales_delta: float) -> int:
    plan = create_plan(client, horizon_months=3)
    pid = plan["id"]
    run_baseline(client, pid)
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
                period_to="2026-03",
                quantity=sales_delta,
                author="s.ales",
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
                family_code="FAM-01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=-10,
                author="d.planner",
            )
        ],
    )
    assert lock(client, pid).status_code == 200
    return pid


@pytest.fixture
def company(client: TestClient) -> TestClient:
    load_master(client)
    load_history(
        client,
        [
            history_row("FAM-01", "KEY", f"{y}-{m:02d}", 100)
            for y in (2024, 2025)
            for m in range(1, 13)
        ],
    )
    return client


def load_actuals(client: TestClient) -> None:
    load_history(client, [history_row("FAM-01", "KEY", p, q) for p, q in ACTUALS.items()])


def accuracy(client: TestClient, **params) -> dict[str, dict]:
    response = client.get("/accuracy", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return {row["stream"]: row for row in response.json()["items"]}


def test_accuracy_bias_tracking_signal_and_fva_per_stream(company: TestClient) -> None:
    pid = locked_plan(company, sales_delta=20)  # sales 120 each month, planner 110 in January
    assert accuracy(company) == {}  # no actuals yet
    load_actuals(company)
    rows = accuracy(company, group_by="family")
    assert list(rows) == [
        "naive",
        "statistical",
        "sales",
        "marketing",
        "product",
        "planner",
        "consensus",
    ]
    stat = rows["statistical"]  # errors 10, 0, 30
    assert (stat["family_code"], stat["segment_code"], stat["lag"]) == ("FAM-01", None, None)
    assert stat["observations"] == 3 and stat["actual_total"] == 340
    assert stat["forecast_total"] == pytest.approx(300)
    assert stat["mae"] == pytest.approx(40 / 3)
    assert stat["mse"] == pytest.approx(1000 / 3)
    assert stat["mape"] == pytest.approx((10 / 110 + 30 / 130) / 3)
    assert stat["wmape"] == pytest.approx(40 / 340)
    assert stat["bias"] == pytest.approx(40 / 3) and stat["bias_pct"] == pytest.approx(40 / 340)
    assert stat["tracking_signal"] == pytest.approx(3.0) and not stat["tracking_alarm"]
    assert stat["fva_vs_statistical"] == pytest.approx(0)
    assert stat["fva_vs_naive"] == pytest.approx(0)

    sales = rows["sales"]  # errors -10, -20, 10
    assert sales["bias"] == pytest.approx(-20 / 3)
    assert sales["tracking_signal"] == pytest.approx(-20 / (40 / 3))
    assert sales["fva_vs_statistical"] == pytest.approx(0)

    consensus = rows["consensus"]  # 110, 120, 120 against 110, 100, 130: errors 0, -20, 10
    assert consensus["mae"] == pytest.approx(10)
    assert consensus["wmape"] == pytest.approx(30 / 340)
    assert consensus["tracking_signal"] == pytest.approx(-1.0)
    assert consensus["fva_vs_statistical"] == pytest.approx(40 / 340 - 30 / 340)
    assert consensus["fva_vs_naive"] == pytest.approx(10 / 340)
    assert rows["planner"]["wmape"] == consensus["wmape"]

    by_lag = company.get("/accuracy", params={"stream": "consensus", "limit": 10}).json()
    assert [(r["lag"], r["actual_total"], r["forecast_total"]) for r in by_lag["items"]] == [
        (0, 110, 110),
        (1, 100, 120),
        (2, 130, 120),
    ]
    lag_one = accuracy(company, stream="sales", lag=1, group_by="plan")
    assert lag_one["sales"]["plan_id"] == pid and lag_one["sales"]["bias"] == -20
    assert accuracy(company, segment_code="RET") == {}
    window = accuracy(company, stream="statistical", period_to="2026-01", group_by="segment")
    assert window["statistical"]["observations"] == 1


def test_drafts_are_not_scored_and_directly_loaded_plans_score_their_consensus(
    company: TestClient,
) -> None:
    locked_plan(company, sales_delta=20)
    load_actuals(company)
    before = accuracy(company, group_by="family")
    draft = create_plan(company, horizon_months=3)
    run_baseline(company, draft["id"])
    assert accuracy(company, group_by="family") == before

    manual = create_plan(
        company,
        horizon_months=3,
        lines=[
            {"family_code": "FAM-01", "segment_code": "KEY", "period": p, "quantity": 100}
            for p in ACTUALS
        ],
    )
    assert lock(company, manual["id"]).status_code == 200
    rows = accuracy(company, plan_id=manual["id"], group_by="plan")
    assert list(rows) == ["naive", "consensus"]
    assert rows["consensus"]["wmape"] == pytest.approx(40 / 340)
    assert rows["consensus"]["fva_vs_statistical"] is None
    assert rows["consensus"]["fva_vs_naive"] == pytest.approx(0)


def test_persistent_over_forecasting_is_flagged_per_stream_and_author(
    company: TestClient,
) -> None:
    locked_plan(company, sales_delta=40)  # sales 140: errors -30, -40, -10, all too high
    load_actuals(company)
    response = company.get("/accuracy/bias-flags")
    assert response.status_code == 200, response.text
    flags = response.json()["items"]
    # Sales moved every month (over by 80 of 340); the consensus keeps most of it (70 of 340).
    assert [(f["stream"], f["author"], f["severity"]) for f in flags] == [
        ("sales", None, "high"),
        ("sales", "s.ales", "high"),
        ("consensus", None, "high"),
    ]
    sales = next(f for f in flags if f["stream"] == "sales" and f["author"] == "s.ales")
    assert sales["direction"] == "over_forecast" and sales["severity"] == "high"
    assert sales["bias_pct"] == pytest.approx(-80 / 340)
    assert sales["same_sign_share"] == 1 and sales["periods"] == 3
    assert sales["tracking_signal"] == pytest.approx(-3.0)
    assert (sales["first_period"], sales["last_period"]) == ("2026-01", "2026-03")
    assert sales["message"] == (
        "sales forecast by s.ales for segment KEY over-forecast by 24% over 3 months "
        "(2026-01..2026-03); tracking signal -3.0"
    )
    # The statistical baseline under-forecast by 12%, but not persistently (one month exact).
    assert not any(f["stream"] == "statistical" for f in flags)
    # The planner touched one month only: too few periods to call it a bias.
    assert not any(f["stream"] == "planner" for f in flags)

    only_author = company.get("/accuracy/bias-flags", params={"author": "s.ales"}).json()
    assert [f["author"] for f in only_author["items"]] == ["s.ales"]
    loose = company.get(
        "/accuracy/bias-flags", params={"stream": "statistical", "min_same_sign": 0.6}
    ).json()["items"]
    assert [(f["direction"], f["severity"]) for f in loose] == [("under_forecast", "medium")]
    strict = company.get("/accuracy/bias-flags", params={"threshold": 0.5}).json()
    assert strict["total"] == 0
    by_family = company.get("/accuracy/bias-flags", params={"by_family": True}).json()["items"]
    assert {f["family_code"] for f in by_family} == {"FAM-01"}


def test_bad_accuracy_queries_are_422(company: TestClient) -> None:
    assert_problem(company.get("/accuracy", params={"group_by": "colour"}), 422, "group_by")


def test_an_empty_group_by_sums_over_every_dimension(company: TestClient) -> None:
    locked_plan(company, sales_delta=20)
    load_actuals(company)
    response = company.get("/accuracy", params={"group_by": ""})
    assert response.status_code == 200, response.text
    rows = response.json()["items"]
    assert [r["stream"] for r in rows] == list(accuracy(company))  # one row per stream
    assert all(r["family_code"] is r["lag"] is r["plan_id"] is None for r in rows)
    by_lag = company.get("/accuracy", params={"group_by": "lag", "stream": "consensus"})
    (consensus,) = [r for r in rows if r["stream"] == "consensus"]
    assert len(by_lag.json()["items"]) > 1
    assert consensus["observations"] == sum(r["observations"] for r in by_lag.json()["items"])
    assert_problem(company.get("/accuracy", params={"lag": -1}), 422, "lag")
    assert_problem(company.get("/accuracy", params={"plan_id": 0}), 422, "plan_id")
    assert_problem(company.get("/accuracy", params={"stream": "hr"}), 422, "stream")
    assert_problem(
        company.get("/accuracy/bias-flags", params={"threshold": "nan"}), 422, "threshold"
    )
    assert_problem(
        company.get("/accuracy/bias-flags", params={"window_months": 0}), 422, "window_months"
    )
