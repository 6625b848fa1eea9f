"""KPIs of any plan over REST and GraphQL, on the small company and its budget."""

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.reconcile.test_aop_gaps import BUDGET
from tests.gateway.steps import get_json, load, put_aop, reconcile

pytestmark = pytest.mark.anyio


async def test_consensus_plan_kpis(platform: Platform) -> None:
    await load(platform)
    await put_aop(platform, BUDGET)
    plan = await reconcile(platform)

    kpis = await get_json(platform, f"/consensus-plans/{plan['id']}/kpis")

    assert kpis["plan"]["kind"] == "consensus"
    assert kpis["revenue"] == pytest.approx(42_000)
    assert kpis["margin_pct"] == pytest.approx(20_300 / 42_000)
    assert kpis["cost_of_goods_sold"] == pytest.approx(17_500)
    assert kpis["inventory_turns"] is None  # nothing is held: no average inventory
    assert kpis["capacity_utilisation"] == pytest.approx(1.0)
    [assy] = kpis["resources"]
    assert (assy["resource_code"], assy["utilisation"], assy["peak_utilisation"]) == (
        "ASSY-1",
        1.0,
        1.0,
    )
    assert kpis["fill_rates"] == [
        {"segment_code": "KEY", "demand": 300.0, "sales": 300.0, "fill_rate": 1.0,
         "on_time_fill_rate": 1.0, "target": 0.98, "meets_target": True},
        {"segment_code": "RETAIL", "demand": 120.0, "sales": 120.0, "fill_rate": 1.0,
         "on_time_fill_rate": 1.0, "target": 0.9, "meets_target": True},
    ]  # fmt: skip
    assert kpis["gap_to_aop"]["margin"]["gap"] == pytest.approx(-1_700)
    assert kpis["gap_to_aop"]["revenue"]["gap"] == pytest.approx(1_000)
    assert len(kpis["flagged_gaps"]) == 5
    calm = await get_json(platform, f"/consensus-plans/{plan['id']}/kpis", tolerance=0.2)
    assert [(f["period"], f["measure"]) for f in calm["flagged_gaps"]] == [("2026-03", "margin")]


async def test_demand_plan_kpis_load_the_unconstrained_plan_on_capacity(
    platform: Platform,
) -> None:
    demand_plan_id = await load(platform)
    kpis = await get_json(platform, f"/demand-plans/{demand_plan_id}/kpis")
    assert kpis["margin_pct"] == pytest.approx(24_500 / 42_000)
    assert kpis["capacity_utilisation"] == pytest.approx(1.0)
    assert [fill["fill_rate"] for fill in kpis["fill_rates"]] == [1.0, 1.0]
    assert kpis["gap_to_aop"] is None
    assert kpis["flagged_gaps"] == []


async def test_kpis_in_the_graph(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    await put_aop(platform, BUDGET)
    plan = await reconcile(platform)
    data = await platform.graphql(
        """
        query($id: Int!, $demand: Int!) {
          consensusPlan(id: $id) {
            kpis(tolerance: 0.2) {
              marginPct capacityUtilisation inventoryTurns
              resources { resourceCode utilisation periodsAboveRegular }
              fillRates { segmentCode onTimeFillRate meetsTarget }
              gapToAop { margin { gap gapPct explainedBy { volume cost } } }
              flaggedGaps { period measure }
            }
            aopGap(tolerance: 0.2) { flagged { period } periods { period margin { gap } } }
          }
          demandPlan(id: $demand) { kpis { capacityUtilisation marginPct } }
        }
        """,
        id=plan["id"],
        demand=demand_plan_id,
    )
    kpis = data["consensusPlan"]["kpis"]  # type: ignore[index]
    assert kpis["marginPct"] == pytest.approx(20_300 / 42_000)
    assert kpis["capacityUtilisation"] == pytest.approx(1.0)
    assert kpis["resources"] == [
        {"resourceCode": "ASSY-1", "utilisation": 1.0, "periodsAboveRegular": []}
    ]
    assert [fill["meetsTarget"] for fill in kpis["fillRates"]] == [True, True]
    assert kpis["gapToAop"]["margin"]["gap"] == pytest.approx(-1_700)
    assert kpis["flaggedGaps"] == [{"period": "2026-03", "measure": "margin"}]
    gap = data["consensusPlan"]["aopGap"]  # type: ignore[index]
    assert gap["flagged"] == [{"period": "2026-03"}]
    assert [period["margin"]["gap"] for period in gap["periods"]] == pytest.approx(
        [-1_000, 1_000, -1_700]
    )
    assert data["demandPlan"]["kpis"]["marginPct"] == pytest.approx(24_500 / 42_000)  # type: ignore[index]

    query = "query($id: Int!) { consensusPlan(id: $id) { kpis(tolerance: 1.5) { marginPct } } }"
    refused = await platform.gateway.post(
        "/graphql", json={"query": query, "variables": {"id": plan["id"]}}
    )
    [error] = refused.json()["errors"]
    assert (error["extensions"]["status"], error["extensions"]["errors"][0]["field"]) == (
        422,
        "tolerance",
    )
