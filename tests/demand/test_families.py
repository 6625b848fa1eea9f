from fastapi.testclient import TestClient

FAMILY = {"code": "FAM-01", "name": "Espresso machines", "unit": "units", "status": "active"}


def assert_problem(response, status: int, field_fragment: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert any(field_fragment in error["field"] for error in body["errors"]), body
    return body


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/families", json=FAMILY)
    assert created.status_code == 201
    assert created.json()["code"] == "FAM-01"
    assert client.get("/families/FAM-01").json()["name"] == "Espresso machines"
    patched = client.patch("/families/FAM-01", json={"status": "phase_out"})
    assert patched.json()["status"] == "phase_out"
    assert client.delete("/families/FAM-01").status_code == 204
    assert client.get("/families/FAM-01").status_code == 404


def test_duplicate_code_is_a_conflict_naming_the_field(client: TestClient) -> None:
    client.post("/families", json=FAMILY)
    assert_problem(client.post("/families", json=FAMILY), 409, "code")


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    batch = [{**FAMILY, "code": f"FAM-{i:02d}", "name": f"Family {i}"} for i in range(1, 31)]
    first = client.put("/families", json=batch).json()
    assert first == {"created": 30, "updated": 0, "unchanged": 0}
    state = client.get("/families", params={"limit": 100}).json()
    second = client.put("/families", json=batch).json()
    assert second == {"created": 0, "updated": 0, "unchanged": 30}
    assert client.get("/families", params={"limit": 100}).json() == state
    batch[3]["name"] = "Renamed"
    assert client.put("/families", json=batch).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 29,
    }


def test_bad_item_in_a_batch_writes_nothing(client: TestClient) -> None:
    batch = [FAMILY, {**FAMILY, "code": "FAM-02", "status": "retired"}]
    assert_problem(client.put("/families", json=batch), 422, "body.1.status")
    assert client.get("/families").json()["total"] == 0


def test_duplicate_key_inside_a_batch_is_refused(client: TestClient) -> None:
    assert_problem(client.put("/families", json=[FAMILY, FAMILY]), 422, "body.1.code")
    assert client.get("/families").json()["total"] == 0


def test_wrong_type_and_malformed_code(client: TestClient) -> None:
    assert_problem(client.post("/families", json={**FAMILY, "name": 12}), 422, "body.name")
    assert_problem(client.post("/families", json={**FAMILY, "code": "bad code!"}), 422, "body.code")
    assert_problem(client.post("/families", json={**FAMILY, "name": "nul\x00"}), 422, "body.name")


def test_list_is_paginated_and_filtered(client: TestClient) -> None:
    batch = [
        {**FAMILY, "code": f"FAM-{i:02d}", "status": "npi" if i % 3 == 0 else "active"}
        for i in range(1, 13)
    ]
    client.put("/families", json=batch)
    page = client.get("/families", params={"limit": 5, "offset": 5}).json()
    assert page["total"] == 12 and [f["code"] for f in page["items"]] == [
        f"FAM-{i:02d}" for i in range(6, 11)
    ]
    npi = client.get("/families", params={"status": "npi"}).json()
    assert npi["total"] == 4
    assert_problem(client.get("/families", params={"limit": 0}), 422, "limit")
