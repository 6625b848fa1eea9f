"""Safety stock against a published worked example.

Source: S. Chopra and P. Meindl, *Supply Chain Management: Strategy, Planning, and
Operation* (Pearson), chapter 12 "Managing Uncertainty in a Supply Chain: Safety Inventory",
the B&M Office Supplies examples (12-1 to 12-5 in the 5th/6th editions; an excerpt of the
setup: https://phantran.net/?p=26417). Weekly demand is normal with mean 2,500 and standard
deviation 500, the lead time is 2 weeks, the lot size Q = 10,000, so sigma_L = 500 * sqrt(2)
= 707 units. The book's results:
* safety inventory 1,000 -> cycle service level 0.92 and ESC 25.13 units, fill rate 0.9975;
* desired cycle service level 0.90 -> ss = NORMSINV(0.90) * 707 = 906;
* desired fill rate 0.975 -> ESC = 250, ss = 67 (solved with Goal Seek in the book).
The example is in weeks; the formulas do not depend on the length of the period, so the
policy below states the error per period and the lead time in periods.
"""

import math

import pytest
from fastapi.testclient import TestClient

from services.supply.inventory.service import (
    MAD_TO_SIGMA,
    STANDARD_NORMAL,
    cover_safety_stock,
    cycle_service_safety_stock,
    fill_rate_safety_stock,
    inverse_unit_normal_loss,
    unit_normal_loss,
)
from tests.demand.test_families import assert_problem

SIGMA_L = 500 * math.sqrt(2)
BOOK = {
    "family_code": "PHONES",
    "safety_stock_method": "service_level",
    "forecast_error": 500,
    "lead_time_periods": 2,
    "order_quantity": 10000,
}


def test_evaluating_a_given_safety_inventory_matches_the_book() -> None:
    k = 1000 / SIGMA_L
    assert STANDARD_NORMAL.cdf(k) == pytest.approx(0.92, abs=0.005)
    expected_shortage = SIGMA_L * unit_normal_loss(k)
    assert expected_shortage == pytest.approx(25.13, abs=0.01)
    assert 1 - expected_shortage / 10000 == pytest.approx(0.9975, abs=1e-4)


def test_safety_inventory_for_a_cycle_service_level_matches_the_book() -> None:
    stock, z = cycle_service_safety_stock(cycle_service_level=0.90, lead_time_sigma=SIGMA_L)
    assert z == pytest.approx(1.2816, abs=1e-4)
    assert round(stock) == 906


def test_safety_inventory_for_a_fill_rate_matches_the_book() -> None:
    stock, k = fill_rate_safety_stock(
        fill_rate=0.975, order_quantity=10000, lead_time_sigma=SIGMA_L
    )
    assert round(stock) == 67
    assert k is not None and SIGMA_L * unit_normal_loss(k) == pytest.approx(250, abs=1e-6)


def test_the_loss_function_and_its_inverse() -> None:
    assert unit_normal_loss(0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    for k in (-2.5, -0.3, 0.0, 0.8, 2.0, 3.5):
        assert inverse_unit_normal_loss(unit_normal_loss(k)) == pytest.approx(k, abs=1e-8)
    # No uncertainty or no demand: no buffer; a lax target: never a negative buffer.
    assert fill_rate_safety_stock(fill_rate=0.9, order_quantity=100, lead_time_sigma=0) == (0, None)
    assert fill_rate_safety_stock(fill_rate=0.5, order_quantity=1000, lead_time_sigma=10)[0] == 0
    assert cycle_service_safety_stock(cycle_service_level=0.3, lead_time_sigma=10)[0] == 0


def test_periods_of_cover_by_hand() -> None:
    # 1.5 months of cover: the next month plus half the one after; beyond the forecast the
    # last month's demand is assumed to go on.
    stock = cover_safety_stock(forecast=[100, 200, 300, 400], cover_periods=1.5)
    assert stock == [200 + 150, 300 + 200, 400 + 200, 400 + 200]


def lines(family: str, quantities: list[float], start_month: int = 1) -> list[dict]:
    return [
        {"family_code": family, "period": f"2026-{start_month + i:02d}", "quantity": quantity}
        for i, quantity in enumerate(quantities)
    ]


def test_safety_stock_endpoint_applies_each_method(client: TestClient) -> None:
    policies = [
        {**BOOK, "service_measure": "fill_rate", "service_target": 0.975},
        {
            **BOOK,
            "family_code": "PHONES-CSL",
            "service_measure": "cycle_service_level",
            "service_target": 0.9,
        },
        {
            "family_code": "COVER",
            "safety_stock_method": "periods_of_cover",
            "cover_periods": 1.5,
        },
        {"family_code": "FIXED", "safety_stock": 42},
        {
            "family_code": "MAD",
            "safety_stock_method": "service_level",
            "service_measure": "cycle_service_level",
            "service_target": 0.9,
            "forecast_error": 400,
            "forecast_error_measure": "mad",
            "lead_time_periods": 1,
        },
    ]
    assert client.put("/inventory-policies", json=policies).status_code == 200
    body = {
        "lines": [
            *lines("PHONES", [2500, 2500]),
            *lines("PHONES-CSL", [2500]),
            *lines("COVER", [100, 200]),
            *lines("FIXED", [5]),
            *lines("MAD", [10]),
            *lines("UNKNOWN", [7]),
        ],
    }
    response = client.post("/inventory-policies/safety-stock", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["periods"] == ["2026-01", "2026-02"]
    assert answer["families_without_policy"] == ["UNKNOWN"]
    found = {family["family_code"]: family for family in answer["families"]}
    assert [round(p["quantity"]) for p in found["PHONES"]["by_period"]] == [67, 67]
    assert found["PHONES"]["lead_time_sigma"] == pytest.approx(SIGMA_L)
    assert round(found["PHONES-CSL"]["by_period"][0]["quantity"]) == 906
    # COVER: January covers 1 x February (200) + 0.5 x March (taken as February's 200).
    assert [p["quantity"] for p in found["COVER"]["by_period"]] == [300, 300]
    assert [p["quantity"] for p in found["FIXED"]["by_period"]] == [42, 42]
    mad = found["MAD"]["by_period"][0]["quantity"]
    assert mad == pytest.approx(1.2815515655 * 400 * MAD_TO_SIGMA, rel=1e-6)

    # A segment's fill-rate target replaces the policy's: a higher target needs more stock.
    override = {**body, "overrides": [{"family_code": "PHONES", "service_target": 0.99}]}
    higher = client.post("/inventory-policies/safety-stock", json=override).json()
    stricter = next(f for f in higher["families"] if f["family_code"] == "PHONES")
    assert stricter["by_period"][0]["quantity"] > 67


def test_fill_rate_defaults_to_mean_monthly_demand(client: TestClient) -> None:
    policy = {**BOOK, "service_target": 0.975}
    del policy["order_quantity"]
    client.post("/inventory-policies", json=policy)
    answer = client.post(
        "/inventory-policies/safety-stock", json={"lines": lines("PHONES", [8000, 12000])}
    ).json()
    assert answer["families"][0]["order_quantity"] == 10000
    assert round(answer["families"][0]["by_period"][0]["quantity"]) == 67


def test_bad_safety_stock_requests(client: TestClient) -> None:
    assert_problem(
        client.post("/inventory-policies/safety-stock", json={"lines": []}), 422, "body.lines"
    )
    one = lines("PHONES", [1])
    twice = {"lines": one, "overrides": [{"family_code": "PHONES"}, {"family_code": "PHONES"}]}
    assert_problem(
        client.post("/inventory-policies/safety-stock", json=twice),
        422,
        "body.overrides.1.family_code",
    )
    too_sure = {"lines": one, "overrides": [{"family_code": "PHONES", "service_target": 1}]}
    assert_problem(
        client.post("/inventory-policies/safety-stock", json=too_sure),
        422,
        "body.overrides.0.service_target",
    )
    far = {"lines": [*one, {"family_code": "PHONES", "period": "2999-01", "quantity": 1}]}
    assert_problem(client.post("/inventory-policies/safety-stock", json=far), 422, "body.lines")
