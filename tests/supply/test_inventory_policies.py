from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

POLICY = {"family_code": "FAM-01", "initial_on_hand": 300, "safety_stock": 120}
SERVICE_POLICY = {
    "family_code": "FAM-02",
    "safety_stock_method": "service_level",
    "service_measure": "fill_rate",
    "service_target": 0.98,
    "forecast_error": 40,
    "lead_time_periods": 1,
}


def test_policy_crud_and_idempotent_bulk_load(client: TestClient) -> None:
    assert client.put("/inventory-policies", json=[POLICY, SERVICE_POLICY]).json()["created"] == 2
    state = client.get("/inventory-policies").json()
    assert client.put("/inventory-policies", json=[POLICY, SERVICE_POLICY]).json()["unchanged"] == 2
    assert client.get("/inventory-policies").json() == state
    found = client.get("/inventory-policies", params={"family_code": "FAM-02"}).json()["items"]
    assert found[0]["service_target"] == 0.98
    ident = found[0]["id"]
    assert (
        client.patch(f"/inventory-policies/{ident}", json={"forecast_error": 55}).json()[
            "forecast_error"
        ]
        == 55
    )
    assert client.delete(f"/inventory-policies/{ident}").status_code == 204
    assert_problem(client.post("/inventory-policies", json=POLICY), 409, "body.family_code")


def test_a_method_needs_its_parameters(client: TestClient) -> None:
    body = assert_problem(
        client.post("/inventory-policies", json={**POLICY, "safety_stock_method": "service_level"}),
        422,
        "body.service_target",
    )
    assert {e["field"] for e in body["errors"]} == {
        "body.service_target",
        "body.forecast_error",
        "body.lead_time_periods",
    }
    assert_problem(
        client.post(
            "/inventory-policies", json={**POLICY, "safety_stock_method": "periods_of_cover"}
        ),
        422,
        "body.cover_periods",
    )
    ident = client.post("/inventory-policies", json=POLICY).json()["id"]
    # A patch valid on its own that leaves the merged policy without what it needs.
    assert_problem(
        client.patch(f"/inventory-policies/{ident}", json={"safety_stock_method": "service_level"}),
        422,
        "body.forecast_error",
    )
    assert client.get(f"/inventory-policies/{ident}").json()["safety_stock_method"] == "direct"


def test_bad_policy_values(client: TestClient) -> None:
    for field, value in [
        ("service_target", 1.0),
        ("service_target", 0),
        ("forecast_error", -3),
        ("lead_time_periods", 40),
        ("forecast_error_measure", "variance"),
        ("initial_on_hand", "many"),
    ]:
        assert_problem(
            client.post("/inventory-policies", json={**SERVICE_POLICY, field: value}),
            422,
            f"body.{field}",
        )
    assert client.get("/inventory-policies").json()["total"] == 0
