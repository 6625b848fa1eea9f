from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

AOP = {"period": "2026-01", "revenue": 1_250_000, "margin": 310_000}


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/aop", json=AOP)
    assert created.status_code == 201, created.text
    aop_id = created.json()["id"]
    assert client.patch(f"/aop/{aop_id}", json={"margin": -5000}).json()["margin"] == -5000
    assert client.delete(f"/aop/{aop_id}").status_code == 204
    assert client.get(f"/aop/{aop_id}").status_code == 404


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    batch = [{**AOP, "period": f"2026-{m:02d}", "revenue": 1000 * m} for m in range(1, 13)]
    assert client.put("/aop", json=batch).json()["created"] == 12
    state = client.get("/aop").json()
    assert client.put("/aop", json=batch).json()["unchanged"] == 12
    assert client.get("/aop").json() == state
    q2 = client.get("/aop", params={"period_from": "2026-04", "period_to": "2026-06"}).json()
    assert [a["period"] for a in q2["items"]] == ["2026-04", "2026-05", "2026-06"]


def test_bad_input_writes_nothing(client: TestClient) -> None:
    assert_problem(client.post("/aop", json={**AOP, "revenue": -1}), 422, "body.revenue")
    assert_problem(client.post("/aop", json={**AOP, "period": "2026/01"}), 422, "body.period")
    assert_problem(client.post("/aop", json={**AOP, "margin": "lots"}), 422, "body.margin")
    assert_problem(client.post("/aop", json={**AOP, "margin": 1e300}), 422, "body.margin")
    assert_problem(client.put("/aop", json=[AOP, AOP]), 422, "body.1.")
    assert client.get("/aop").json()["total"] == 0
    client.post("/aop", json=AOP)
    assert_problem(client.post("/aop", json=AOP), 409, "body.period")
