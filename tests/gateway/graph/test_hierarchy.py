"""The hand-off to master scheduling in the graph: the locked past plan of
``tests/gateway/review.py`` split to items and locations by the demand service."""

from typing import Any

import pytest

from tests.gateway.company import put
from tests.gateway.conftest import Platform
from tests.gateway.review import PLAN_START, create_plan, past_review

pytestmark = pytest.mark.anyio

QUERY = """
query Split($id: Int, $unit: MeasureUnit) {
  demandDisaggregation(planId: $id, familyCode: "F01", periodTo: "2026-01", unit: $unit) {
    planId basis rule
    lines { segmentCode itemCode locationCode period quantity share unit }
    unallocated { segmentCode }
  }
}
"""


def item_row(item: str, location: str, segment: str, quantity: float) -> dict[str, object]:
    return {
        "item_code": item,
        "location_code": location,
        "segment_code": segment,
        "period": "2025-12",
        "quantity": quantity,
    }


async def load_items(platform: Platform) -> None:
    demand = platform.demand
    await put(demand, "/locations", [
        {"code": "LYON", "name": "Lyon", "region": "FR"},
        {"code": "BRNO", "name": "Brno", "region": "CZ"},
    ])  # fmt: skip
    await put(demand, "/items", [
        {"code": "A1", "name": "Item A1", "family_code": "F01"},
        {"code": "A2", "name": "Item A2", "family_code": "F01"},
    ])  # fmt: skip
    await put(demand, "/unit-conversions", [
        {"family_code": "F01", "unit": "kg", "per_base_unit": 2.0},
    ])  # fmt: skip
    # KEY's mix in December: A1 Lyon 60, A1 Brno 30, A2 Lyon 10; RETAIL: A2 Lyon alone.
    await put(demand, "/item-history", [
        item_row("A1", "LYON", "KEY", 60),
        item_row("A1", "BRNO", "KEY", 30),
        item_row("A2", "LYON", "KEY", 10),
        item_row("A2", "LYON", "RETAIL", 50),
    ])  # fmt: skip


async def test_the_locked_plan_goes_to_items_and_locations(platform: Platform) -> None:
    plan_id = await past_review(platform.demand)
    await load_items(platform)
    data: dict[str, Any] = await platform.graphql(QUERY, id=plan_id, unit="kg")
    split = data["demandDisaggregation"]
    assert (split["planId"], split["basis"]) == (plan_id, "history")
    assert "quantity x share" in split["rule"]
    # F01/KEY in 2026-01: baseline 100 + sales 40 - planner 10 = 130 units, split 0.3, 0.6,
    # 0.1 = 39, 78, 13 units, x 2 kg = 78, 156, 26 kg. RETAIL: 50 units to A2 Lyon, 100 kg.
    assert [
        (line["segmentCode"], line["itemCode"], line["locationCode"], line["quantity"])
        for line in split["lines"]
    ] == [
        ("KEY", "A1", "BRNO", pytest.approx(78.0)),
        ("KEY", "A1", "LYON", pytest.approx(156.0)),
        ("KEY", "A2", "LYON", pytest.approx(26.0)),
        ("RETAIL", "A2", "LYON", pytest.approx(100.0)),
    ]
    assert {line["unit"] for line in split["lines"]} == {"kg"}
    assert split["unallocated"] == []


async def test_a_draft_and_a_missing_conversion_are_refused(platform: Platform) -> None:
    await past_review(platform.demand)
    await load_items(platform)
    draft = await create_plan(platform.demand, start=PLAN_START, months=3)
    response = await platform.gateway.post(
        "/graphql", json={"query": QUERY, "variables": {"id": draft}}
    )
    [error] = response.json()["errors"]
    assert "draft" in error["message"]
    response = await platform.gateway.post(
        "/graphql", json={"query": QUERY.replace('"F01"', '"F02"'), "variables": {"unit": "kg"}}
    )
    [error] = response.json()["errors"]
    assert [e["field"] for e in error["extensions"]["errors"]] == ["unit"]


async def test_the_locked_plan_goes_down_to_customers(platform: Platform) -> None:
    plan_id = await past_review(platform.demand)
    await load_items(platform)
    # A1 at Brno's 30 in KEY: 20 for the hotel chain (C1), 10 for the airline (C2), 0 unsplit.
    brno = item_row("A1", "BRNO", "KEY", 0)
    await put(platform.demand, "/item-history", [
        brno,
        {**brno, "customer_code": "C1", "quantity": 20},
        {**brno, "customer_code": "C2", "quantity": 10},
    ])  # fmt: skip
    query = QUERY.replace("unit: $unit)", "unit: $unit, byCustomer: true)").replace(
        "locationCode period", "locationCode customerCode period"
    )
    data: dict[str, Any] = await platform.graphql(query, id=plan_id, unit="kg")
    # KEY's 130 units: A1 Brno's share 0.3 goes 0.2 to C1 and 0.1 to C2 (26 and 13 units,
    # 52 and 26 kg); A1 Lyon and A2 Lyon keep 0.6 and 0.1 (156 and 26 kg) as without customers.
    assert [
        (line["itemCode"], line["locationCode"], line["customerCode"], line["quantity"])
        for line in data["demandDisaggregation"]["lines"]
        if line["segmentCode"] == "KEY"
    ] == [
        ("A1", "BRNO", None, pytest.approx(0.0)),
        ("A1", "BRNO", "C1", pytest.approx(52.0)),
        ("A1", "BRNO", "C2", pytest.approx(26.0)),
        ("A1", "LYON", None, pytest.approx(156.0)),
        ("A2", "LYON", None, pytest.approx(26.0)),
    ]
