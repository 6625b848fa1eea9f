"""Any plan in money through the gateway, against the small company worked out by hand."""

import pytest
from sqlmodel import Session

from gateway.plans import service as consensus
from shared.db import create_db_engine
from tests.gateway.company import Company
from tests.gateway.conftest import Platform
from tests.gateway.steps import (
    COGS,
    MARGIN,
    REGULAR_HOURS_COST,
    REVENUE,
    assert_problem,
    get_json,
    load,
    reconcile,
)

pytestmark = pytest.mark.anyio


async def test_consensus_plan_valued_by_finance(platform: Platform) -> None:
    await load(platform)
    plan = await reconcile(platform)

    valuation = await get_json(platform, f"/consensus-plans/{plan['id']}/valuation")

    assert valuation["plan"] == {
        "kind": "consensus",
        "id": plan["id"],
        "version": 1,
        "name": "Consensus plan v1 (Demand review)",
        "status": "recommended",
    }
    totals = valuation["totals"]
    assert totals["quantity"] == pytest.approx(140 * 3)
    assert totals["revenue"] == pytest.approx(3 * REVENUE)
    assert totals["cost"] == pytest.approx(sum(COGS.values()))
    assert totals["lever_costs"]["regular_hour"] == pytest.approx(3 * REGULAR_HOURS_COST)
    assert totals["margin"] == pytest.approx(sum(MARGIN.values()))  # 20,300
    assert totals["margin_pct"] == pytest.approx(20_300 / 42_000)
    assert [period["margin"] for period in valuation["periods"]] == pytest.approx(
        list(MARGIN.values())
    )
    # Every line sold: KEY 50 and RETAIL 20 of each family each month, at 100.
    assert len(valuation["lines"]) == 2 * 2 * 3
    assert {line["revenue"] for line in valuation["lines"]} == {5_000.0, 2_000.0}
    assert [r["regular_hours"] for r in valuation["resource_periods"]] == [140.0] * 3
    assert valuation["notes"] == []


async def test_demand_plan_in_money_is_every_unit_of_demand_sold(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    valuation = await get_json(platform, f"/demand-plans/{demand_plan_id}/valuation")
    assert valuation["plan"]["kind"] == "demand"
    assert valuation["plan"]["status"] == "locked"
    assert valuation["totals"]["revenue"] == pytest.approx(3 * REVENUE)
    # Unconstrained: no lever costs, so the margin is revenue - cost of goods sold.
    assert valuation["totals"]["margin"] == pytest.approx(3 * REVENUE - sum(COGS.values()))
    assert valuation["resource_periods"] == valuation["family_periods"] == []


async def test_graphql_valuation_of_plans(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    plan = await reconcile(platform)
    data = await platform.graphql(
        """
        query($id: Int!, $demand: Int!) {
          consensusPlan(id: $id) {
            valuation {
              plan { kind id }
              totals { revenue margin marginPct leverCosts { regularHour } }
              periods { period margin }
              lines(familyCode: "F01", period: "2026-03") {
                segmentCode quantity price unitCost revenue cost margin }
            }
          }
          demandPlan(id: $demand) { valuation { totals { revenue margin } } }
        }
        """,
        id=plan["id"],
        demand=demand_plan_id,
    )
    valuation = data["consensusPlan"]["valuation"]  # type: ignore[index]
    assert valuation["plan"] == {"kind": "consensus", "id": plan["id"]}
    assert valuation["totals"]["margin"] == pytest.approx(20_300)
    assert valuation["totals"]["leverCosts"]["regularHour"] == pytest.approx(4_200)
    assert sorted(valuation["lines"], key=lambda line: line["segmentCode"]) == [
        {"segmentCode": "KEY", "quantity": 50.0, "price": 100.0, "unitCost": 45.0,
         "revenue": 5_000.0, "cost": 2_250.0, "margin": 2_750.0},
        {"segmentCode": "RETAIL", "quantity": 20.0, "price": 100.0, "unitCost": 45.0,
         "revenue": 2_000.0, "cost": 900.0, "margin": 1_100.0},
    ]  # fmt: skip
    demand = data["demandPlan"]["valuation"]["totals"]  # type: ignore[index]
    assert demand == {"revenue": pytest.approx(42_000), "margin": pytest.approx(24_500)}


async def test_unknown_plans_bad_ids_and_missing_prices(platform: Platform) -> None:
    for kind in ("consensus-plans", "demand-plans", "supply-plans"):
        for figure in ("valuation", "aop-gap", "kpis"):
            missing = await platform.gateway.get(f"/{kind}/99/{figure}")
            assert_problem(missing, 404, "path.id")
    for path in ("/consensus-plans/0/valuation", "/demand-plans/abc/kpis"):
        assert_problem(await platform.gateway.get(path), 422, "path.id")
    assert_problem(
        await platform.gateway.get("/consensus-plans/1/aop-gap", params={"tolerance": 2}),
        422,
        "query.tolerance",
    )

    demand_plan_id = await load(platform, Company(families=2, no_price={("F02", "RETAIL")}))
    refused = await platform.gateway.get(f"/demand-plans/{demand_plan_id}/valuation")
    body = assert_problem(refused, 422, "finance.lines.F02.RETAIL.2026-01.period")
    assert body["code"] == "validation-error"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {f"finance.lines.F02.RETAIL.2026-0{month}.period" for month in (1, 2, 3)}
    assert "no price for F02/RETAIL in 2026-01" in {error["reason"] for error in body["errors"]}


PLAN_MONEY = """
query ($id: Int!) {
  consensusPlan(id: $id) {
    totals { margin revenue totalCost planningPenalties { backlog lostSale total } }
    valuation { totals { margin revenue planningPenalties { backlog lostSale } } }
  }
}
"""


async def test_the_plans_totals_and_its_valuation_agree_to_the_cent(platform: Platform) -> None:
    """One money model: REST and GraphQL show the plan's totals and finance's valuation of it
    with one margin, to the cent; the model's penalties apart from it."""
    await load(platform, Company(families=3))
    plan = await reconcile(platform)
    valuation = await get_json(platform, f"/consensus-plans/{plan['id']}/valuation")
    assert round(plan["totals"]["margin"], 2) == round(valuation["totals"]["margin"], 2)
    assert round(plan["totals"]["revenue"], 2) == round(valuation["totals"]["revenue"], 2)
    penalties = plan["totals"]["planning_penalties"]
    for kind in ("backlog", "lost_sale"):
        assert round(penalties[kind], 2) == round(
            valuation["totals"]["planning_penalties"][kind], 2
        )
    graph = await platform.graphql(PLAN_MONEY, id=plan["id"])
    twin = graph["consensusPlan"]
    assert isinstance(twin, dict)
    assert round(twin["totals"]["margin"], 2) == round(plan["totals"]["margin"], 2)
    assert round(twin["valuation"]["totals"]["margin"], 2) == round(plan["totals"]["margin"], 2)


async def test_an_approved_plans_money_never_moves(platform: Platform, database_url: str) -> None:
    """Approval freezes the money (``approve_plan`` calls ``freeze_money``): a later price
    change moves what finance says of a recommended plan, never the approved plan's."""
    await load(platform)
    approved = await reconcile(platform)
    recommended = await reconcile(platform)
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        consensus.freeze_money(session, plan_id=approved["id"])
        session.commit()
    engine.dispose()
    path = f"/consensus-plans/{approved['id']}/valuation"
    before = await get_json(platform, path)
    assert "approved: valued at the prices and costs frozen" in before["notes"][-1]

    prices = (await platform.finance.get("/prices", params={"limit": 1})).json()["items"]
    changed = await platform.finance.patch(f"/prices/{prices[0]['id']}", json={"price": 200})
    assert changed.status_code == 200, changed.text

    after = await get_json(platform, path)
    assert after["totals"] == before["totals"]
    assert after["lines"] == before["lines"]
    # The recommended plan's valuation follows finance: 100 more on one line's units.
    moved = await get_json(platform, f"/consensus-plans/{recommended['id']}/valuation")
    assert moved["totals"]["revenue"] > before["totals"]["revenue"]
    assert round(approved["totals"]["margin"], 2) == round(after["totals"]["margin"], 2)
