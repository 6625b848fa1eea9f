"""A family's stored forecast method: CRUD with If-Match, parameters checked, and the plan
baseline forecasting the family with it (and saying so)."""

import pytest
from fastapi.testclient import TestClient

from shared.auth import Role
from tests.demand.builders import (
    create_plan,
    history_row,
    load_history,
    load_master,
    run_baseline,
    seasonal_history,
    waterfall,
)
from tests.demand.forecasting.test_baseline_api import baseline_of
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

# alpha 1: TSB forecasts the last demand size times the last occurrence (1).
TSB_LAST = {
    "family_code": "FAM-02",
    "method": "tsb",
    "parameters": {"alpha_d": 1.0, "alpha_p": 1.0},
    "reason": "Lumpy retail orders: follow the last one.",
}


@pytest.fixture
def families(client: TestClient) -> TestClient:
    load_master(client)
    return client


def test_an_override_is_created_read_changed_and_deleted_with_if_match(
    families: TestClient,
) -> None:
    created = families.post("/forecast-overrides", json=TSB_LAST)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/forecast-overrides/FAM-02"
    assert created.headers["ETag"] == '"1"'
    body = created.json()
    assert (body["method"], body["parameters"], body["version"]) == (
        "tsb",
        {"alpha_d": 1.0, "alpha_p": 1.0},
        1,
    )
    assert body["updated_by"] == "j.doe"
    assert families.get("/forecast-overrides/FAM-02").json() == body
    assert [o["family_code"] for o in families.get("/forecast-overrides").json()["items"]] == [
        "FAM-02"
    ]
    assert families.get("/forecast-overrides", params={"method": "auto_ets"}).json()["total"] == 0

    path = "/forecast-overrides/FAM-02"
    assert_problem(families.patch(path, json={"reason": "x"}), 428, "If-Match")
    # A new method without parameters starts from its defaults (TSB's alphas do not fit ETS).
    changed = families.patch(path, json={"method": "auto_ets"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert (changed.json()["method"], changed.json()["parameters"]) == ("auto_ets", {})
    assert changed.json()["reason"] == TSB_LAST["reason"]
    stale = families.patch(path, json={"reason": "y"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and 'If-Match: "2"' in stale.json()["detail"]
    assert families.delete(path, headers={"If-Match": '"1"'}).status_code == 409
    assert families.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    assert families.get(path).status_code == 404


def test_bad_overrides_are_422_naming_the_field_and_nothing_is_written(
    families: TestClient,
) -> None:
    post = lambda body: families.post("/forecast-overrides", json=body)  # noqa: E731
    assert_problem(post({**TSB_LAST, "family_code": "FAM-99"}), 422, "body.family_code")
    assert_problem(post({**TSB_LAST, "season_length": 4}), 422, "season_length")
    unknown = assert_problem(
        post({**TSB_LAST, "parameters": {"alpha": 1}}), 422, "body.parameters.alpha"
    )
    assert "not a parameter of tsb" in unknown["errors"][0]["reason"]
    assert_problem(post({**TSB_LAST, "parameters": {"alpha_d": 2}}), 422, "parameters.alpha_d")
    assert_problem(post({**TSB_LAST, "method": "holt"}), 422, "body.method")
    assert families.get("/forecast-overrides").json()["total"] == 0

    assert post(TSB_LAST).status_code == 201
    assert_problem(post(TSB_LAST), 409, "body.family_code")
    path = "/forecast-overrides/FAM-02"
    bad = families.patch(path, json={"parameters": {"model": "ZZZ"}}, headers={"If-Match": '"1"'})
    assert_problem(bad, 422, "body.parameters.model")
    assert families.get(path).headers["ETag"] == '"1"'  # refused before the version moved
    assert_problem(families.get("/forecast-overrides/FAM 1"), 422, "family_code")
    assert families.get("/forecast-overrides/FAM-01").status_code == 404


def test_only_the_demand_planner_or_an_integration_sets_a_family_method(
    families: TestClient,
) -> None:
    sales = bearer(Role.sales, subject="sam")
    assert families.post("/forecast-overrides", json=TSB_LAST, headers=sales).status_code == 403


def test_the_baseline_forecasts_a_family_with_its_override_and_says_so(
    families: TestClient,
) -> None:
    """FAM-02 RET sold 0, 2, 0, 4, 0, 0, 3, 4 in 2025-05..12; with TSB at alpha 1 its baseline
    is the last size (4) times the last occurrence (1): 4 a month. FAM-01 competes as before."""
    load_history(
        families,
        seasonal_history("FAM-01", "KEY")
        + [
            history_row("FAM-02", "RET", f"2025-{m:02d}", q)
            for m, q in zip(range(5, 13), (0, 2, 0, 4, 0, 0, 3, 4), strict=True)
        ],
    )
    assert families.post("/forecast-overrides", json=TSB_LAST).status_code == 201
    plan = create_plan(families, horizon_months=3)
    summary = run_baseline(families, plan["id"])
    assert summary["overridden"] == 1 and summary["candidates"] == "fast"
    assert summary["engine"] == "local"
    contest, overridden = baseline_of(families, plan["id"])
    assert not contest["overridden"] and len(contest["candidates"]) >= 2
    assert overridden["overridden"] and overridden["method"] == "tsb"
    assert list(overridden["candidates"]) == ["tsb"]
    assert "forecast override (version 1, j.doe): Lumpy retail orders" in overridden["note"]
    rows = waterfall(families, plan["id"], family_code="FAM-02")
    assert [r["statistical"] for r in rows] == [pytest.approx(4.0)] * 3


def test_the_full_candidate_set_can_be_asked_of_a_baseline(families: TestClient) -> None:
    load_history(families, seasonal_history("FAM-01", "KEY"))
    plan = create_plan(families, horizon_months=3)
    summary = run_baseline(families, plan["id"], candidates="full")
    assert summary["candidates"] == "full"
    (series,) = baseline_of(families, plan["id"])
    assert {"auto_arima", "auto_theta", "auto_ces"} <= set(series["candidates"])
