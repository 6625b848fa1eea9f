from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

RESOURCE = {"code": "ASSY-1", "name": "Assembly line 1", "site": "Lyon", "capacity_mode": "fixed"}


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/resources", json=RESOURCE)
    assert created.status_code == 201, created.text
    assert created.json()["capacity_mode"] == "fixed"
    assert client.get("/resources/ASSY-1").json()["site"] == "Lyon"
    patched = client.patch("/resources/ASSY-1", json={"capacity_mode": "workforce"})
    assert patched.json()["capacity_mode"] == "workforce"
    assert client.delete("/resources/ASSY-1").status_code == 204
    assert client.get("/resources/ASSY-1").status_code == 404


def test_duplicate_code_is_a_conflict(client: TestClient) -> None:
    client.post("/resources", json=RESOURCE)
    assert_problem(client.post("/resources", json=RESOURCE), 409, "body.code")
    assert client.get("/resources").json()["total"] == 1


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    batch = [{**RESOURCE, "code": f"R-{i}", "name": f"Resource {i}"} for i in range(8)]
    assert client.put("/resources", json=batch).json() == {
        "created": 8,
        "updated": 0,
        "unchanged": 0,
    }
    state = client.get("/resources").json()
    assert client.put("/resources", json=batch).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 8,
    }
    assert client.get("/resources").json() == state


def test_bad_resources_are_refused_and_nothing_is_written(client: TestClient) -> None:
    batch = [RESOURCE, {**RESOURCE, "code": "R-2", "capacity_mode": "robots"}]
    assert_problem(client.put("/resources", json=batch), 422, "body.1.capacity_mode")
    assert_problem(client.post("/resources", json={**RESOURCE, "name": 5}), 422, "body.name")
    assert_problem(client.post("/resources", json={**RESOURCE, "code": "a b"}), 422, "body.code")
    assert_problem(client.put("/resources", json=[RESOURCE, RESOURCE]), 422, "body.1.code")
    assert client.get("/resources").json()["total"] == 0


def test_filter_by_capacity_mode(client: TestClient) -> None:
    client.put(
        "/resources",
        json=[
            RESOURCE,
            {**RESOURCE, "code": "CREW", "capacity_mode": "workforce"},
        ],
    )
    crews = client.get("/resources", params={"capacity_mode": "workforce"}).json()
    assert [r["code"] for r in crews["items"]] == ["CREW"]
