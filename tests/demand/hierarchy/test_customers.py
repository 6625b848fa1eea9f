"""The optional customer level: item history per customer, its sums, coherent forecasts and
the locked plan split down to customers by history mix."""

import pytest
from fastapi.testclient import TestClient

from shared.periods import add_months
from tests.demand.builders import create_plan, lock
from tests.demand.hierarchy.builders import item_row, load_items
from tests.demand.test_families import assert_problem

CUSTOMERS = [
    {"code": "HOTEL", "name": "Hotel chain", "segment_code": "KEY"},
    {"code": "CAFE", "name": "Cafe group", "segment_code": "KEY"},
    {"code": "SHOP", "name": "Kitchen shop", "segment_code": "RET"},
]


def customer_row(
    item: str, location: str, segment: str, customer: str | None, period: str, quantity: float
) -> dict:
    return {**item_row(item, location, segment, period, quantity), "customer_code": customer}


# FAM-01. A1 at Lyon in KEY: 2025-11 HOTEL 12 + CAFE 8 (20); 2025-12 HOTEL 18 + CAFE 6 and 6
# not split by customer (30). A2 at Lyon in KEY: HOTEL 10 in 2025-12. A2 at Brno in RET: SHOP 10.
BY_CUSTOMER = [
    customer_row("A1", "LYON", "KEY", "HOTEL", "2025-11", 12),
    customer_row("A1", "LYON", "KEY", "CAFE", "2025-11", 8),
    customer_row("A1", "LYON", "KEY", "HOTEL", "2025-12", 18),
    customer_row("A1", "LYON", "KEY", "CAFE", "2025-12", 6),
    customer_row("A1", "LYON", "KEY", None, "2025-12", 6),
    customer_row("A2", "LYON", "KEY", "HOTEL", "2025-12", 10),
    customer_row("A2", "BRNO", "RET", "SHOP", "2025-12", 10),
]


def load_customers(client: TestClient, history: list[dict]) -> None:
    load_items(client, [])
    assert client.put("/customers", json=CUSTOMERS).status_code == 200
    response = client.put("/item-history", json=history)
    assert response.status_code == 200, response.text


@pytest.fixture
def by_customer(client: TestClient) -> TestClient:
    load_customers(client, BY_CUSTOMER)
    return client


def report(client: TestClient, **params) -> list[tuple]:
    response = client.get("/hierarchy/history", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return [
        (r["segment_code"], r["item_code"], r["customer_code"], r["period"], r["quantity"])
        for r in response.json()["items"]
    ]


def test_a_customer_is_optional_and_must_be_of_the_rows_segment(by_customer: TestClient) -> None:
    again = by_customer.put("/item-history", json=BY_CUSTOMER)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": len(BY_CUSTOMER)}
    # The row not split by customer is its own key: changing it leaves the customers' rows.
    changed = by_customer.put(
        "/item-history", json=[customer_row("A1", "LYON", "KEY", None, "2025-12", 7)]
    )
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    other_segment = customer_row("A1", "LYON", "KEY", "SHOP", "2025-12", 1)
    body = assert_problem(
        by_customer.put("/item-history", json=[other_segment]), 422, "body.0.customer_code"
    )
    assert "segment RET, not KEY" in body["errors"][0]["reason"]
    unknown = customer_row("A1", "LYON", "KEY", "NOBODY", "2025-12", 1)
    assert_problem(by_customer.put("/item-history", json=[unknown]), 422, "body.0.customer_code")
    filtered = by_customer.get("/item-history", params={"customer_code": "CAFE"}).json()
    assert [(r["period"], r["quantity"]) for r in filtered["items"]] == [
        ("2025-11", 8.0),
        ("2025-12", 6.0),
    ]


def test_customer_history_sums_to_the_family_segment_and_customer_levels(
    by_customer: TestClient,
) -> None:
    assert report(by_customer, level="family_segment", family_code="FAM-01") == [
        ("KEY", None, None, "2025-11", 20.0),  # HOTEL 12 + CAFE 8
        ("KEY", None, None, "2025-12", 40.0),  # A1: 18 + 6 + 6 not split; A2: HOTEL 10
        ("RET", None, None, "2025-12", 10.0),
    ]
    assert report(by_customer, level="family_customer", family_code="FAM-01") == [
        ("KEY", None, None, "2025-12", 6.0),  # not split by customer
        ("KEY", None, "CAFE", "2025-11", 8.0),
        ("KEY", None, "CAFE", "2025-12", 6.0),
        ("KEY", None, "HOTEL", "2025-11", 12.0),
        ("KEY", None, "HOTEL", "2025-12", 28.0),  # A1 18 + A2 10
        ("RET", None, "SHOP", "2025-12", 10.0),
    ]
    at_lyon = report(
        by_customer, level="item_location_customer", family_code="FAM-01", period_from="2025-12"
    )
    assert at_lyon == [
        ("KEY", "A1", None, "2025-12", 6.0),
        ("KEY", "A1", "CAFE", "2025-12", 6.0),
        ("KEY", "A1", "HOTEL", "2025-12", 18.0),
        ("KEY", "A2", "HOTEL", "2025-12", 10.0),
        ("RET", "A2", "SHOP", "2025-12", 10.0),
    ]
    # The family history S&OP plans on adds up with the customers' rows: no coherence gap.
    family_history = [
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2025-11", "quantity": 20},
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2025-12", "quantity": 40},
        {"family_code": "FAM-01", "segment_code": "RET", "period": "2025-12", "quantity": 10},
    ]
    assert by_customer.put("/history", json=family_history).status_code == 200
    gaps = by_customer.get("/hierarchy/coherence", params={"family_code": "FAM-01"})
    assert gaps.json()["items"] == []


def test_the_locked_plan_splits_down_to_customers_by_history_mix(by_customer: TestClient) -> None:
    lines = [
        {"family_code": "FAM-01", "segment_code": "KEY", "period": "2026-01", "quantity": 240},
        {"family_code": "FAM-01", "segment_code": "RET", "period": "2026-01", "quantity": 40},
    ]
    plan = create_plan(by_customer, horizon_months=3, lines=lines)
    assert lock(by_customer, plan["id"]).status_code == 200
    path = f"/demand-plans/{plan['id']}/disaggregation"
    response = by_customer.get(path, params={"by_customer": True})
    assert response.status_code == 200, response.text
    # KEY mix over 2025: A1 Lyon CAFE 8 + 6 = 14, HOTEL 12 + 18 = 30, not split 6; A2 Lyon
    # HOTEL 10: 60 in all. 240 x 14/60 = 56, x 30/60 = 120, x 6/60 = 24, x 10/60 = 40.
    assert [
        (line["item_code"], line["location_code"], line["customer_code"], line["quantity"])
        for line in response.json()["lines"]
    ] == [
        ("A1", "LYON", None, pytest.approx(24.0)),
        ("A1", "LYON", "CAFE", pytest.approx(56.0)),
        ("A1", "LYON", "HOTEL", pytest.approx(120.0)),
        ("A2", "LYON", "HOTEL", pytest.approx(40.0)),
        ("A2", "BRNO", "SHOP", pytest.approx(40.0)),  # RET: SHOP alone takes the 40
    ]
    # Without customers A1 Lyon takes 240 x 50/60 = 200 = 24 + 56 + 120: the same split above.
    plain = by_customer.get(path).json()["lines"]
    assert [(line["item_code"], line["customer_code"], line["quantity"]) for line in plain] == [
        ("A1", None, pytest.approx(200.0)),
        ("A2", None, pytest.approx(40.0)),
        ("A2", None, pytest.approx(40.0)),
    ]
    refused = by_customer.get(path, params={"by_customer": True, "basis": "forecast"})
    assert_problem(refused, 422, "query.by_customer")


def test_hierarchical_forecasts_reconcile_with_the_customer_level(client: TestClient) -> None:
    """Seasonal naive repeats each node's month a year before; bottom-up sums the customers'."""
    levels = {("A1", "HOTEL"): 40, ("A1", "CAFE"): 20, ("A1", None): 5}
    history = [
        customer_row("A1", "LYON", "KEY", customer, add_months("2023-01", k), level + k % 12)
        for (_, customer), level in levels.items()
        for k in range(36)
    ] + [customer_row("A2", "BRNO", "RET", "SHOP", add_months("2023-01", k), 30) for k in range(36)]
    load_customers(client, history)
    body = {
        "family_codes": ["FAM-01"],
        "horizon": 2,
        "method": "seasonal_naive",
        "by_customer": True,
        "reconciliation": ["bottom_up", "min_trace_ols"],
    }
    response = client.post("/forecasts/hierarchical", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["levels"][-1] == "item_location_customer"
    nodes = {
        (s["level"], s["segment_code"], s["item_code"], s["customer_code"]): s
        for s in answer["series"]
    }
    # 2026-01 repeats 2025-01 (k = 24, k % 12 = 0): HOTEL 40, CAFE 20, not split 5.
    bottom = "item_location_customer"
    assert nodes[(bottom, "KEY", "A1", "HOTEL")]["base"] == [40, 41]
    assert nodes[(bottom, "KEY", "A1", None)]["base"] == [5, 6]
    at_lyon = nodes[("item_location_segment", "KEY", "A1", None)]["reconciled"]["bottom_up"]
    assert at_lyon == [65, 68]  # 40 + 20 + 5, 41 + 21 + 6
    family = nodes[("family", None, None, None)]["reconciled"]
    for method in ("bottom_up", "min_trace_ols"):
        customers = [s["reconciled"][method] for key, s in nodes.items() if key[0] == bottom]
        assert family[method] == pytest.approx(
            [sum(month) for month in zip(*customers, strict=True)]
        )
