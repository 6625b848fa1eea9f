"""Extreme but valid numbers give answers, never a server error (no infinity or NaN in JSON)."""

from fastapi.testclient import TestClient


def test_rccp_against_next_to_no_capacity(client: TestClient) -> None:
    client.post("/resources", json={"code": "R", "name": "Resource"})
    client.post(
        "/routings", json={"family_code": "F", "resource_code": "R", "hours_per_unit": 1e12}
    )
    client.post(
        "/capacity", json={"resource_code": "R", "period": "2026-01", "regular_hours": 1e-300}
    )
    lines = [{"family_code": "F", "period": "2026-01", "quantity": 1e12}]
    response = client.post("/rccp", json={"lines": lines})
    assert response.status_code == 200, response.text
    row = response.json()["rows"][0]
    assert (row["status"], row["utilisation"], row["load_hours"]) == ("overload", None, 1e24)


def test_safety_stock_with_next_to_no_error(client: TestClient) -> None:
    policy = {
        "family_code": "F",
        "safety_stock_method": "service_level",
        "service_target": 0.99,
        "forecast_error": 1e-300,
        "lead_time_periods": 36,
        "order_quantity": 1e12,
    }
    client.post("/inventory-policies", json=policy)
    lines = [{"family_code": "F", "period": "2026-01", "quantity": 1}]
    response = client.post("/inventory-policies/safety-stock", json={"lines": lines})
    assert response.status_code == 200, response.text
    assert response.json()["families"][0]["by_period"][0]["quantity"] == 0


def test_turns_with_next_to_no_inventory(client: TestClient) -> None:
    lines = [
        {"family_code": "F", "period": "2026-01", "production": 1e12, "ending_inventory": 1e-300}
    ]
    plan = {"name": "P", "horizon_start": "2026-01", "horizon_months": 1, "lines": lines}
    plan_id = client.post("/supply-plans", json=plan).json()["id"]
    response = client.get(f"/supply-plans/{plan_id}/kpis")
    assert response.status_code == 200, response.text
    assert response.json()["inventory_turns"][0]["turns"] is None
