import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import create_plan, lock
from tests.demand.hierarchy.builders import RECENT, item_row, load_items, seasonal_items
from tests.demand.test_families import assert_problem


@pytest.fixture
def recent(client: TestClient) -> TestClient:
    load_items(client, RECENT)
    return client


def report(client: TestClient, path: str, **params) -> list[dict]:
    response = client.get(path, params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_item_history_loads_are_idempotent_and_checked(recent: TestClient) -> None:
    again = recent.put("/item-history", json=RECENT)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": len(RECENT)}
    unknown = recent.put("/item-history", json=[item_row("ZZ", "LYON", "KEY", "2025-12", 1)])
    assert_problem(unknown, 422, "body.0.item_code")


def test_item_history_sums_to_every_level(recent: TestClient) -> None:
    by_segment = report(recent, "/hierarchy/history", level="family_segment", family_code="FAM-01")
    assert [(r["segment_code"], r["period"], r["quantity"]) for r in by_segment] == [
        ("KEY", "2025-11", 30.0),
        ("KEY", "2025-12", 70.0),  # 30 + 20 + 20
        ("RET", "2025-12", 10.0),
    ]
    by_region = report(recent, "/hierarchy/history", level="family_region", period_from="2025-12")
    assert [(r["family_code"], r["region"], r["quantity"]) for r in by_region] == [
        ("FAM-01", "CZ", 30.0),  # A1 Brno 20 + A2 Brno 10
        ("FAM-01", "FR", 50.0),  # A1 Lyon 30 + A2 Lyon 20
        ("FAM-02", "FR", 8.0),
        ("SYRUP", "FR", 12.0),
    ]
    in_kg = report(recent, "/hierarchy/history", level="item", family_code="FAM-01", unit="kg")
    assert [(r["item_code"], r["period"], r["quantity"], r["unit"]) for r in in_kg] == [
        ("A1", "2025-11", 225.0, "kg"),  # 30 x 7.5
        ("A1", "2025-12", 375.0, "kg"),  # 50 x 7.5
        ("A2", "2025-12", 225.0, "kg"),  # 30 x 7.5
    ]


def test_totals_are_split_by_unit_or_converted_to_one(recent: TestClient) -> None:
    split = recent.get("/hierarchy/totals").json()
    assert split == [
        {"unit": "litres", "quantity": 12.0, "families": ["SYRUP"]},
        {"unit": "units", "quantity": 118.0, "families": ["FAM-01", "FAM-02"]},  # 110 + 8
    ]
    pallets = recent.get("/hierarchy/totals", params={"unit": "pallets", "family_code": "FAM-01"})
    assert pallets.json() == [
        {"unit": "pallets", "quantity": pytest.approx(110 / 48), "families": ["FAM-01"]}
    ]
    mixed = recent.get("/hierarchy/totals", params={"unit": "kg"})
    body = assert_problem(mixed, 422, "query.unit")
    assert "FAM-02" in body["detail"] and "SYRUP" in body["detail"]
    # Hours come from routings and money from prices: neither is a unit of measure.
    assert_problem(recent.get("/hierarchy/totals", params={"unit": "hours"}), 422, "unit")


def test_coherence_lists_where_item_and_family_history_differ(recent: TestClient) -> None:
    family_history = [
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2025-11", "quantity": 30},
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2025-12", "quantity": 70},
        {"family_code": "FAM-01", "segment_code": "RET", "period": "2025-12", "quantity": 11},
    ]
    assert recent.put("/history", json=family_history).status_code == 200
    gaps = report(recent, "/hierarchy/coherence", family_code="FAM-01")
    assert gaps == [
        {
            "family_code": "FAM-01",
            "segment_code": "RET",
            "period": "2025-12",
            "family_history": 11.0,
            "item_history": 10.0,
            "difference": -1.0,
        }
    ]


def plan_with_lines(client: TestClient, *, locked: bool = True) -> dict:
    lines = [
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01", "quantity": 250},
        {"family_code": "FAM-01", "segment_code": "RET", "period": "2026-01", "quantity": 40},
        {"family_code": "FAM-02", "segment_code": "KEY", "period": "2026-01", "quantity": 9},
    ]
    plan = create_plan(client, horizon_months=3, lines=lines)
    if locked:
        assert lock(client, plan["id"]).status_code == 200
    return plan


def test_the_locked_plan_splits_by_history_mix(recent: TestClient) -> None:
    plan = plan_with_lines(recent)
    response = recent.get(
        f"/demand-plans/{plan['id']}/disaggregation", params={"unit": "kg", "family_code": "FAM-01"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["basis"] == "history" and "quantity x share" in body["rule"]
    # KEY mix over 2025: A1 Lyon 60, A1 Brno 20, A2 Lyon 20 -> 250 x (0.6, 0.2, 0.2) units,
    # in kg x 7.5: 1125, 375, 375. RET: A2 Brno alone takes the 40 (300 kg).
    assert [
        (line["segment_code"], line["item_code"], line["location_code"], line["quantity"])
        for line in body["lines"]
    ] == [
        ("KEY", "A1", "BRNO", pytest.approx(375.0)),
        ("KEY", "A1", "LYON", pytest.approx(1125.0)),
        ("KEY", "A2", "LYON", pytest.approx(375.0)),
        ("RET", "A2", "BRNO", pytest.approx(300.0)),
    ]
    assert {line["unit"] for line in body["lines"]} == {"kg"}
    # FAM-02 has no conversion to kg: asked for the whole plan in kg, refused naming it.
    whole = recent.get(f"/demand-plans/{plan['id']}/disaggregation", params={"unit": "pallets"})
    assert "FAM-02" in assert_problem(whole, 422, "query.unit")["detail"]


def test_a_line_without_items_in_its_segment_is_listed_unallocated(recent: TestClient) -> None:
    plan = plan_with_lines(recent)
    body = recent.get(
        f"/demand-plans/{plan['id']}/disaggregation", params={"family_code": "FAM-02"}
    ).json()
    assert body["lines"] == []
    assert [(u["family_code"], u["segment_code"], u["quantity"]) for u in body["unallocated"]] == [
        ("FAM-02", "KEY", 9.0)  # B1 sold only in RET
    ]


def test_a_draft_is_not_handed_to_master_scheduling(recent: TestClient) -> None:
    plan = plan_with_lines(recent, locked=False)
    assert_problem(recent.get(f"/demand-plans/{plan['id']}/disaggregation"), 409, "path.id")
    assert_problem(recent.get("/demand-plans/999/disaggregation"), 404, "path.id")


@pytest.fixture
def seasonal(client: TestClient) -> TestClient:
    load_items(client, seasonal_items())
    return client


def test_hierarchical_forecasts_are_coherent_at_every_level(seasonal: TestClient) -> None:
    response = seasonal.post(
        "/forecasts/hierarchical",
        json={"family_codes": ["FAM-01"], "horizon": 3, "unit": "kg", "method": "auto_ets"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["periods"] == ["2026-01", "2026-02", "2026-03"]
    nodes = {
        (s["level"], s["segment_code"], s["item_code"], s["location_code"]): s
        for s in body["series"]
    }
    family = nodes[("family", None, None, None)]
    assert family["unit"] == "kg"
    for method in ("bottom_up", "min_trace_shrink", "top_down_forecast_proportions"):
        bottoms = [s["reconciled"][method] for s in body["series"] if s["location_code"]]
        segments = [
            s["reconciled"][method] for s in body["series"] if s["level"] == "family_segment"
        ]
        for month in range(3):
            top = family["reconciled"][method][month]
            assert sum(b[month] for b in bottoms) == pytest.approx(top, rel=1e-6)
            assert sum(s[month] for s in segments) == pytest.approx(top, rel=1e-6)
    # Top-down keeps the family's own forecast; bottom-up the items' own.
    assert family["reconciled"]["top_down_forecast_proportions"] == pytest.approx(family["base"])
    a1_lyon = nodes[("item_location_segment", "KEY", "A1", "LYON")]
    assert a1_lyon["reconciled"]["bottom_up"] == pytest.approx(a1_lyon["base"])


def test_hierarchical_forecast_input_is_checked(seasonal: TestClient) -> None:
    unknown = seasonal.post("/forecasts/hierarchical", json={"family_codes": ["NOPE"]})
    assert_problem(unknown, 422, "body.family_codes.0")
    extra = seasonal.post("/forecasts/hierarchical", json={"levels": ["item"]})
    assert_problem(extra, 422, "levels")


def test_the_forecast_mix_follows_each_items_forecast(seasonal: TestClient) -> None:
    plan = plan_with_lines(seasonal)
    body = seasonal.get(
        f"/demand-plans/{plan['id']}/disaggregation",
        params={"basis": "forecast", "family_code": "FAM-01", "method": "seasonal_naive"},
    ).json()
    key = [line for line in body["lines"] if line["segment_code"] == "KEY"]
    # Seasonal naive repeats January 2025 (k = 24): A1 Lyon 60 + 7.2 = 67, A1 Brno 25 + 7.2
    # = 32, A2 Lyon 15 + 7.2 = 22 -> shares 67/121, 32/121, 22/121 of 250.
    assert [(line["item_code"], line["location_code"], line["quantity"]) for line in key] == [
        ("A1", "BRNO", pytest.approx(250 * 32 / 121)),
        ("A1", "LYON", pytest.approx(250 * 67 / 121)),
        ("A2", "LYON", pytest.approx(250 * 22 / 121)),
    ]
