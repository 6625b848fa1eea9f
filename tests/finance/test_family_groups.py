from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

MEMBER = {"family_code": "FAM-01", "family_group": "COFFEE"}
AOP = {"period": "2026-01", "revenue": 1000, "margin": 300}


def test_family_groups_round_trip(client: TestClient) -> None:
    batch = [MEMBER, {"family_code": "FAM-02", "family_group": "TEA"}]
    assert client.put("/family-groups", json=batch).json()["created"] == 2
    assert client.put("/family-groups", json=batch).json()["unchanged"] == 2
    coffee = client.get("/family-groups", params={"family_group": "COFFEE"}).json()
    assert [m["family_code"] for m in coffee["items"]] == ["FAM-01"]
    member_id = coffee["items"][0]["id"]
    moved = client.patch(f"/family-groups/{member_id}", json={"family_group": "TEA"})
    assert moved.json()["family_group"] == "TEA"
    assert_problem(client.post("/family-groups", json=MEMBER | {"family_code": "FAM-02"}), 409, "")
    assert_problem(client.post("/family-groups", json={**MEMBER, "family_group": ""}), 422, "group")


def test_aop_holds_one_company_row_and_one_row_per_group_a_month(client: TestClient) -> None:
    rows = [AOP, {**AOP, "family_group": "COFFEE", "quantity": 40}, {**AOP, "family_group": "TEA"}]
    assert client.put("/aop", json=rows).json()["created"] == 3
    assert client.put("/aop", json=rows).json()["unchanged"] == 3
    assert_problem(client.post("/aop", json=AOP), 409, "body.period")
    assert_problem(client.post("/aop", json={**AOP, "family_group": "TEA"}), 409, "family_group")
    coffee = client.get("/aop", params={"family_group": "COFFEE"}).json()["items"]
    assert [(a["period"], a["quantity"]) for a in coffee] == [("2026-01", 40)]
    assert client.get("/aop").json()["total"] == 3
    assert_problem(client.post("/aop", json={**AOP, "quantity": -1}), 422, "body.quantity")
