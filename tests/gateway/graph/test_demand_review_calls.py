"""The demand-review fields of families and segments cost the same upstream calls for 2 rows
as for 20: one list call per loader batch, never one per family or segment."""

from collections import Counter
from typing import Any

import pytest

from tests.gateway.company import family_codes, put
from tests.gateway.conftest import Platform
from tests.gateway.review import (
    authored,
    create_plan,
    load_master,
    post_inputs,
)

pytestmark = pytest.mark.anyio

FAMILIES = 20
PERIODS = ["2026-01", "2026-02", "2026-03"]

FAMILY_QUERY = """
query Families($codes: [Code!], $planId: Int) {
  families(codes: $codes) {
    code
    waterfall(planId: $planId) { familyCode segmentCode period sales consensus
                                 contributions { author delta } }
    keyOnly: waterfall(planId: $planId, segmentCode: "KEY", periodFrom: "2026-02") { period }
    inputs(planId: $planId) { familyCode stream author quantity }
    salesInputs: inputs(planId: $planId, stream: sales, segmentCode: "KEY") { id }
  }
}
"""
SEGMENT_QUERY = """
query Segments($codes: [Code!]) { segments(codes: $codes) { code customers { code } } }
"""


def quantity_of(code: str) -> float:
    return 10.0 * int(code[1:])


async def load(platform: Platform) -> int:
    """20 families; sales overrides each one's KEY demand (10 x its number a month)."""
    codes = family_codes(FAMILIES)
    await load_master(platform.demand, codes)
    await put(
        platform.demand,
        "/customers",
        [
            {"code": f"C{index:02d}", "name": f"Customer {index}", "segment_code": segment}
            for index, segment in enumerate(["KEY", "RETAIL"] * 5)
        ],
    )
    plan_id = await create_plan(platform.demand, start=PERIODS[0], months=len(PERIODS))
    await post_inputs(
        platform.demand,
        plan_id,
        "sales",
        [
            authored(
                "s.ales",
                kind="override",
                family_code=code,
                segment_code="KEY",
                period_from=PERIODS[0],
                period_to=PERIODS[-1],
                quantity=quantity_of(code),
            )
            for code in codes
        ],
    )
    return plan_id


async def calls_of(
    platform: Platform, query: str, **variables: object
) -> tuple[dict[str, Any], Counter[str]]:
    platform.calls.clear()
    data: dict[str, Any] = await platform.graphql(query, **variables)
    return data, Counter(f"{call.method} {call.path}" for call in platform.calls)


async def test_family_waterfall_and_inputs_cost_the_same_calls_for_2_and_20_families(
    platform: Platform,
) -> None:
    plan_id = await load(platform)

    two, calls_for_two = await calls_of(platform, FAMILY_QUERY, codes=family_codes(2))
    twenty, calls_for_twenty = await calls_of(platform, FAMILY_QUERY, codes=None)
    one, calls_for_one = await calls_of(platform, FAMILY_QUERY, codes=["F07"])

    assert [len(data["families"]) for data in (one, two, twenty)] == [1, 2, 20]
    assert calls_for_two == calls_for_twenty == calls_for_one
    # One family catalog, the latest plan once, and one call per distinct filter of a field.
    assert calls_for_twenty == {
        "GET /families": 1,
        "GET /demand-plans/latest": 1,
        f"GET /demand-plans/{plan_id}/waterfall": 2,
        f"GET /demand-plans/{plan_id}/inputs": 2,
    }
    # Each family gets its own rows out of the shared call.
    families = twenty["families"]
    assert isinstance(families, list)
    for family in families:
        code = family["code"]
        assert {row["familyCode"] for row in family["waterfall"]} == {code}
        key = [row for row in family["waterfall"] if row["segmentCode"] == "KEY"]
        assert [row["consensus"] for row in key] == [quantity_of(code)] * len(PERIODS)
        assert [row["contributions"][0]["author"] for row in key] == ["s.ales"] * len(PERIODS)
        assert [row["period"] for row in family["keyOnly"]] == PERIODS[1:]
        assert family["inputs"] == [
            {
                "familyCode": code,
                "stream": "sales",
                "author": "s.ales",
                "quantity": quantity_of(code),
            }
        ]
        assert len(family["salesInputs"]) == 1

    # With the plan named, no call for the latest plan; still nothing per family.
    _, named_for_two = await calls_of(platform, FAMILY_QUERY, codes=family_codes(2), planId=plan_id)
    _, named_for_twenty = await calls_of(platform, FAMILY_QUERY, codes=None, planId=plan_id)
    assert named_for_two == named_for_twenty
    assert "GET /demand-plans/latest" not in named_for_twenty
    assert sum(named_for_twenty.values()) == 5


async def test_segment_customers_cost_one_call_for_any_number_of_segments(
    platform: Platform,
) -> None:
    await load(platform)
    one, calls_for_one = await calls_of(platform, SEGMENT_QUERY, codes=["KEY"])
    both, calls_for_both = await calls_of(platform, SEGMENT_QUERY, codes=None)
    assert calls_for_one == calls_for_both == {"GET /segments": 1, "GET /customers": 1}
    assert one == {
        "segments": [{"code": "KEY", "customers": [{"code": f"C0{i}"} for i in (0, 2, 4, 6, 8)]}]
    }
    segments = both["segments"]
    assert isinstance(segments, list)
    assert [len(segment["customers"]) for segment in segments] == [5, 5]
