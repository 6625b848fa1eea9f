"""The demand service answers as its OpenAPI says (issue 10, "an honest contract")."""

import datetime as dt

from fastapi.testclient import TestClient

from tests.demand.builders import plan_edit
from tests.demand.test_families import assert_problem
from tests.demand.test_plans import PLAN, create_plan, line, lines_of, master, put_lines

__all__ = ["master"]  # the fixture


def test_unknown_query_parameters_are_refused_beside_a_filter_model_and_a_page(
    master: TestClient,
) -> None:
    plan = create_plan(master)
    put_lines(master, plan["id"], [line("2026-01"), line("2026-02")])
    lines = f"/demand-plans/{plan['id']}/lines"
    body = assert_problem(master.get(lines, params={"period": "2026-01"}), 422, "query.period")
    assert "period_from" in body["detail"] and "limit" in body["detail"]
    assert lines_of(master, plan["id"], period_from="2026-02", offset=0)["total"] == 1
    assert_problem(master.get("/demand-plans/latest", params={"v": "2"}), 422, "query.v")


def test_true_is_not_a_quantity(master: TestClient) -> None:
    plan = create_plan(master)
    refused = put_lines(master, plan["id"], [{**line("2026-01"), "quantity": True}])
    assert_problem(refused, 422, "body.0.quantity")
    history = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01"}
    assert_problem(master.post("/history", json={**history, "quantity": True}), 422, "quantity")
    assert_problem(master.post("/history", json={**history, "quantity": "5"}), 422, "quantity")
    assert master.post("/history", json={**history, "quantity": 5}).status_code == 201


def test_month_0000_01_is_refused_everywhere(master: TestClient) -> None:
    history = {"family_code": "FAM-01", "segment_code": "KEY", "quantity": 1}
    assert_problem(master.post("/history", json={**history, "period": "0000-01"}), 422, "period")
    assert_problem(master.get("/history", params={"period_from": "0000-01"}), 422, "period_from")
    refused = master.post("/demand-plans", json={**PLAN, "horizon_start": "0000-01"})
    assert_problem(refused, 422, "body.horizon_start")
    plan = create_plan(master)
    cells = f"/demand-plans/{plan['id']}/waterfall"
    assert_problem(master.get(cells, params={"period_to": "0000-01"}), 422, "query.period_to")


def test_a_horizon_ends_by_2999_12(master: TestClient) -> None:
    late = {**PLAN, "horizon_start": "2999-06", "horizon_months": 12}
    assert_problem(master.post("/demand-plans", json=late), 422, "body.horizon_months")
    # Within the period range, a start this far out is refused by the plan's sanity window.
    far = {**PLAN, "horizon_start": "2999-01", "horizon_months": 12}
    assert_problem(master.post("/demand-plans", json=far), 422, "body.horizon_start")


def test_plans_and_inputs_are_served_with_their_offset(master: TestClient) -> None:
    plan = create_plan(master)
    for timestamp in (plan["created_at"], master.get("/demand-plans/latest").json()["created_at"]):
        assert dt.datetime.fromisoformat(timestamp).utcoffset() is not None


def test_a_405_allows_every_method_of_its_path(master: TestClient) -> None:
    plan = create_plan(master)
    # DELETE .../inputs/{input_id} takes a number: "sales" is not one.
    refused = master.delete(
        f"/demand-plans/{plan['id']}/inputs/sales", headers=plan_edit(master, plan["id"])
    )
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert master.delete("/families").headers["allow"] == "GET, POST, PUT, PATCH"
