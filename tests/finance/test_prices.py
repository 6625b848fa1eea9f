from fastapi.testclient import TestClient

from tests.demand.test_families import assert_problem

PRICE = {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01", "price": 420.0}


def price(period: str, value: float = 100.0, family: str = "FAM-01", segment: str = "KEY") -> dict:
    return {"family_code": family, "segment_code": segment, "period": period, "price": value}


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/prices", json=PRICE)
    assert created.status_code == 201, created.text
    price_id = created.json()["id"]
    assert client.get(f"/prices/{price_id}").json()["price"] == 420.0
    assert client.patch(f"/prices/{price_id}", json={"price": 399.5}).json()["price"] == 399.5
    assert client.delete(f"/prices/{price_id}").status_code == 204
    assert client.get(f"/prices/{price_id}").status_code == 404


def test_bulk_upsert_twice_gives_the_same_state(client: TestClient) -> None:
    batch = [
        price(f"2026-{m:02d}", 100 + m, segment=s) for m in range(1, 13) for s in ("KEY", "RET")
    ]
    assert client.put("/prices", json=batch).json() == {"created": 24, "updated": 0, "unchanged": 0}
    state = client.get("/prices", params={"limit": 100}).json()
    assert client.put("/prices", json=batch).json() == {"created": 0, "updated": 0, "unchanged": 24}
    assert client.get("/prices", params={"limit": 100}).json() == state
    batch[5]["price"] = 1.0
    assert client.put("/prices", json=batch).json() == {"created": 0, "updated": 1, "unchanged": 23}


def test_list_filters_by_family_segment_and_period_range(client: TestClient) -> None:
    client.put(
        "/prices",
        json=[price(f"2026-{m:02d}", segment=s) for m in range(1, 7) for s in ("KEY", "RET")],
    )
    window = client.get(
        "/prices", params={"segment_code": "RET", "period_from": "2026-02", "period_to": "2026-04"}
    ).json()
    assert window["total"] == 3
    assert [(p["segment_code"], p["period"]) for p in window["items"]] == [
        ("RET", "2026-02"),
        ("RET", "2026-03"),
        ("RET", "2026-04"),
    ]


def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(client: TestClient) -> None:
    assert_problem(client.post("/prices", json={**PRICE, "price": -1}), 422, "body.price")
    assert_problem(client.post("/prices", json={**PRICE, "period": "2026-13"}), 422, "body.period")
    assert_problem(client.post("/prices", json={**PRICE, "period": "26-01"}), 422, "body.period")
    assert_problem(client.post("/prices", json={**PRICE, "price": "cheap"}), 422, "body.price")
    assert_problem(client.post("/prices", json={**PRICE, "price": "NaN"}), 422, "body.price")
    batch = [price("2026-01"), price("2026-02", -5), price("2026-14")]
    body = assert_problem(client.put("/prices", json=batch), 422, "body.1.price")
    assert {e["field"] for e in body["errors"]} >= {"body.1.price", "body.2.period"}
    assert client.get("/prices").json()["total"] == 0


def test_duplicate_key_is_refused(client: TestClient) -> None:
    assert client.post("/prices", json=PRICE).status_code == 201
    assert_problem(client.post("/prices", json={**PRICE, "price": 1}), 409, "body.period")
    duplicate_batch = [price("2026-02"), price("2026-03"), price("2026-02", 7)]
    assert_problem(client.put("/prices", json=duplicate_batch), 422, "body.2.period")
    assert client.get("/prices").json()["total"] == 1


def test_patch_rejects_bad_values(client: TestClient) -> None:
    price_id = client.post("/prices", json=PRICE).json()["id"]
    assert_problem(client.patch(f"/prices/{price_id}", json={"price": -3}), 422, "body.price")
    assert_problem(client.get("/prices/not-a-number"), 422, "path.id")
    assert client.get(f"/prices/{price_id}").json()["price"] == 420.0
