"""Finance actuals: bulk idempotent loads, partial rows refused, filters, rights and audit."""

from fastapi.testclient import TestClient

from shared.auth import Role
from tests.demand.test_families import assert_problem
from tests.tokens import bearer


def sold(period: str, quantity: float, revenue: float, segment: str = "KEY", family: str = "FAM-A"):
    return {
        "family_code": family,
        "segment_code": segment,
        "period": period,
        "quantity": quantity,
        "revenue": revenue,
    }


def cost(period: str, amount: float, family: str = "FAM-A") -> dict:
    return {"family_code": family, "period": period, "cost_of_goods_sold": amount}


def test_revenue_actuals_load_idempotently_and_filter(client: TestClient) -> None:
    batch = [
        sold("2026-01", 10, 1000.0),
        sold("2026-01", 5, 600.0, segment="RET"),
        sold("2026-02", 12, 1320.0),
    ]
    assert client.put("/revenue-actuals", json=batch).json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    listed = client.get("/revenue-actuals").json()["items"]
    round_trip = [{k: v for k, v in row.items() if k != "id"} for row in listed]
    assert client.put("/revenue-actuals", json=round_trip).json()["unchanged"] == 3
    batch[2] = sold("2026-02", 12, 1300.0)
    assert client.put("/revenue-actuals", json=batch).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
    }
    ret = client.get("/revenue-actuals", params={"segment_code": "RET"}).json()["items"]
    assert [(row["period"], row["revenue"]) for row in ret] == [("2026-01", 600.0)]
    feb = client.get("/revenue-actuals", params={"period_from": "2026-02"}).json()["items"]
    assert [row["revenue"] for row in feb] == [1300.0]


def test_partial_or_bad_finance_rows_are_refused_and_nothing_is_written(
    client: TestClient,
) -> None:
    client.put("/revenue-actuals", json=[sold("2026-01", 10, 1000.0)])
    partial = {"family_code": "FAM-A", "segment_code": "KEY", "period": "2026-01", "quantity": 3}
    assert_problem(
        client.put("/revenue-actuals", json=[sold("2026-02", 1, 1.0), partial]),
        422,
        "body.1.revenue",
    )
    assert client.get("/revenue-actuals").json()["total"] == 1
    assert_problem(
        client.put("/cost-actuals", json=[cost("2026-01", 1.0), cost("2026-01", 2.0)]),
        422,
        "body.1.period",
    )
    assert_problem(
        client.put("/cost-actuals", json=[{"family_code": "FAM-A", "period": "2026-01"}]),
        422,
        "body.0.cost_of_goods_sold",
    )
    assert client.get("/cost-actuals").json()["total"] == 0


def test_cost_actuals_load_idempotently_and_patch_keeps_the_rest(client: TestClient) -> None:
    batch = [cost("2026-01", 700.0), cost("2026-01", 300.0, family="FAM-B")]
    assert client.put("/cost-actuals", json=batch).json()["created"] == 2
    assert client.put("/cost-actuals", json=batch).json()["unchanged"] == 2
    row = client.get("/cost-actuals", params={"family_code": "FAM-B"}).json()["items"][0]
    patched = client.patch(f"/cost-actuals/{row['id']}", json={"cost_of_goods_sold": 310.0})
    assert patched.json() == {**row, "cost_of_goods_sold": 310.0}


def test_actuals_are_written_by_finance_only_and_audited(client: TestClient) -> None:
    refused = client.put("/cost-actuals", json=[cost("2026-01", 1.0)], headers=bearer(Role.sales))
    assert refused.status_code == 403
    client.put(
        "/revenue-actuals",
        json=[sold("2026-01", 10, 1000.0)],
        headers={**bearer(Role.finance, subject="fiona"), "X-SOP-Reason": "ledger close"},
    )
    trail = client.get("/audit", params={"user": "fiona"}, headers=bearer(Role.viewer)).json()
    assert [(e["action"], e["entity_key"]["segment_code"]) for e in trail["items"]] == [
        ("create", "KEY")
    ]
