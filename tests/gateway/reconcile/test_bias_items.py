"""POST /reconcile turns the demand service's bias flags into ``forecast_bias`` items.

The company of ``tests/gateway/company.py`` (KEY 50 and RETAIL 20 a month per family, price
100, unit cost 40 then 45 in March, 10 a regular hour, capacity exactly the demand) plans
2026-01..03. Its previous review planned 2025-10..12 from a flat history at those levels, and
sales added 25 a month to each family's KEY demand: 75 against actuals of 50, so sales, and
the consensus that kept it, over-forecast KEY by 50% of actual demand.
"""

from typing import Any

import pytest

from gateway.clients import DemandClient
from shared.errors import UpstreamFailed
from tests.gateway.company import DEMAND, Company, family_codes
from tests.gateway.conftest import Platform
from tests.gateway.review import (
    authored,
    create_plan,
    load_actuals,
    load_history,
    lock,
    post_inputs,
    run_baseline,
)

pytestmark = pytest.mark.anyio

PAST_START = "2025-10"
SALES_DELTA = 25.0
FAMILIES = family_codes(2)
LEVELS = {(family, segment): level for family in FAMILIES for segment, level in DEMAND.items()}

ESCALATIONS_QUERY = """
query($id: Int!) { consensusPlan(id: $id) {
  escalations(kind: forecast_bias) { kind severity title segmentCode amount unit periods
    options { lever costDelta marginDelta revenueDelta itemMetric } recommendedOption }
} }
"""


async def company(platform: Platform, *, families: int) -> int:
    """The company's plan for 2026-01..03, locked by the demand planner."""
    plan_id = await Company(families=families, lock=False).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    await lock(platform.demand, plan_id)
    return plan_id


async def biased_past_review(platform: Platform) -> None:
    demand = platform.demand
    await load_history(demand, LEVELS, start="2023-10", months=24)
    plan_id = await create_plan(demand, start=PAST_START, months=3)
    await run_baseline(demand, plan_id)
    await post_inputs(
        demand,
        plan_id,
        "sales",
        [
            authored(
                "s.ales",
                kind="delta",
                family_code=family,
                segment_code="KEY",
                period_from=PAST_START,
                period_to="2025-12",
                quantity=SALES_DELTA,
            )
            for family in FAMILIES
        ],
    )
    await lock(demand, plan_id)
    await load_actuals(
        demand, {key: [level] * 3 for key, level in LEVELS.items()}, start=PAST_START
    )


async def reconcile(platform: Platform, plan_id: int) -> dict[str, Any]:
    response = await platform.gateway.post("/reconcile", json={"demand_plan_id": plan_id})
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


def bias_items(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in plan["escalations"] if item["kind"] == "forecast_bias"]


async def test_a_biased_sales_stream_becomes_escalation_items_with_options(
    platform: Platform,
) -> None:
    plan_id = await company(platform, families=len(FAMILIES))
    await biased_past_review(platform)
    platform.calls.clear()

    plan = await reconcile(platform, plan_id)

    assert ("GET", "/accuracy/bias-flags") in {(c.method, c.path) for c in platform.calls}
    # In the demand service's order: high severity first, then the largest bias (ties by
    # stream name).
    consensus, sales = bias_items(plan)
    assert sales["title"] == "Sales forecast for segment KEY over-forecast by 50% over 3 months"
    assert consensus["title"].startswith("Consensus forecast for segment KEY over-forecast by 50%")
    assert "s.ales" in sales["detail"] and "It reaches the plan" in sales["detail"]
    for item in (sales, consensus):
        assert (item["severity"], item["segment_code"], item["family_code"]) == (
            "high",
            "KEY",
            None,
        )
        assert item["families"] == FAMILIES
        assert (item["amount"], item["unit"]) == (-50.0, "% of actual demand")
        assert item["periods"] == ["2025-10", "2025-11", "2025-12"]
        assert [o["lever"] for o in item["options"]] == [
            "accept",
            "correct_at_source",
            "correct_plan",
        ]
        assert item["recommended_option"] == 2

    accept, source, replan = sales["options"]
    assert (accept["margin_delta"], source["margin_delta"]) == (0, 0)
    assert "not quantified" in source["description"]
    # Actuals were 2/3 of the forecast: KEY's 300 planned units become 200. The 100 units
    # gone took 100 each of revenue, and 50, 50 and 45 of margin in the three months. The
    # hours they free in January and February pre-build 100/3 units each for March, at 40
    # instead of 45 a unit, held 2 and 1 months at 1: 7 x 100/3 of margin back.
    third = 100 / 3
    assert replan["item_metric"] == pytest.approx(-100)
    assert replan["revenue_delta"] == pytest.approx(-10_000, abs=0.01)
    assert replan["margin_delta"] == pytest.approx(-third * (50 + 50 + 45) - 3 * third, abs=0.01)
    assert replan["cost_delta"] == pytest.approx(
        replan["revenue_delta"] - replan["margin_delta"], abs=0.01
    )
    assert replan["inventory_delta"] == pytest.approx((third + 2 * third + 0) / 3, abs=1e-3)
    assert replan["fill_rate_delta"] == pytest.approx({"KEY": 0.0, "RETAIL": 0.0}, abs=1e-6)
    assert any(note.startswith("forecast bias: 2 item(s)") for note in plan["stats"]["notes"])
    assert plan["escalation_count"] == len(plan["escalations"])

    data: dict[str, Any] = await platform.graphql(ESCALATIONS_QUERY, id=plan["id"])
    stored = data["consensusPlan"]["escalations"]
    assert [item["title"] for item in stored] == [consensus["title"], sales["title"]]
    assert stored[1]["options"][2]["marginDelta"] == pytest.approx(replan["margin_delta"])


async def test_without_actuals_there_is_no_bias_item(platform: Platform) -> None:
    plan_id = await company(platform, families=1)
    plan = await reconcile(platform, plan_id)
    assert bias_items(plan) == []
    assert not any(note.startswith("forecast bias") for note in plan["stats"]["notes"])


async def test_a_failing_flag_read_does_not_break_reconcile(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = await company(platform, families=len(FAMILIES))
    await biased_past_review(platform)

    async def failing(self: DemandClient, **_: object) -> None:
        raise UpstreamFailed("the demand service answered 503")

    monkeypatch.setattr(DemandClient, "bias_flags", failing)
    plan = await reconcile(platform, plan_id)
    assert bias_items(plan) == []
    assert (
        "forecast bias: flags not read (the demand service answered 503)"
        in (plan["stats"]["notes"])
    )
