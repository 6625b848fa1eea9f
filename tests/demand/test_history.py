from fastapi.testclient import TestClient

from tests.demand.test_families import FAMILY, assert_problem

SEGMENT = {"code": "KEY", "name": "Key accounts", "priority": 1, "strategic": True}


def row(period: str, quantity: float = 10.0, family: str = "FAM-01") -> dict:
    return {"family_code": family, "segment_code": "KEY", "period": period, "quantity": quantity}


def test_history_rejects_bad_rows_and_writes_nothing(client: TestClient) -> None:
    client.post("/families", json=FAMILY)
    client.post("/segments", json=SEGMENT)
    batch = [row("2026-01"), row("2026-13"), row("2026-02", -1), row("2026-03", family="FAM-99")]
    response = client.put("/history", json=batch)
    body = assert_problem(response, 422, "body.1.period")
    assert {e["field"] for e in body["errors"]} >= {"body.1.period", "body.2.quantity"}
    unknown = assert_problem(
        client.put("/history", json=[row("2026-03", family="FAM-99")]), 422, "body.0.family_code"
    )
    assert "FAM-99" in unknown["errors"][0]["reason"]
    assert client.get("/history").json()["total"] == 0


def test_history_filters_by_period_range(client: TestClient) -> None:
    client.post("/families", json=FAMILY)
    client.post("/segments", json=SEGMENT)
    periods = [f"2025-{m:02d}" for m in range(1, 13)]
    assert client.put("/history", json=[row(p) for p in periods]).json()["created"] == 12
    window = client.get(
        "/history", params={"period_from": "2025-04", "period_to": "2025-06"}
    ).json()
    assert [r["period"] for r in window["items"]] == ["2025-04", "2025-05", "2025-06"]
