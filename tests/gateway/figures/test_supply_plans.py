"""Operations' supply plan through the gateway: compared with the consensus plan, in money,
and its KPIs.

February's regular capacity is cut to 130 hours: the consensus plan makes 70 units of each
family every month and works ASSY-1's 10 overtime hours in February (shared 5 / 5 by the
families' hours). Operations propose the same, except F02 makes only 60 in February and no
overtime: its RETAIL customers (served after the strategic KEY) lose 10 units.
"""

import pytest

from tests.gateway.company import PERIODS, put
from tests.gateway.conftest import Platform
from tests.gateway.steps import (
    assert_problem,
    create_supply_plan,
    get_json,
    load,
    reconcile,
)

pytestmark = pytest.mark.anyio

PROPOSAL = [
    {"family_code": "F01", "period": p, "production": 70, "overtime_hours": 5 * (p == "2026-02"),
     "reason": "level"}
    for p in PERIODS
] + [
    {"family_code": "F02", "period": p, "production": 60 if p == "2026-02" else 70,
     "reason": "no overtime" if p == "2026-02" else "level"}
    for p in PERIODS
]  # fmt: skip


async def prepare(platform: Platform) -> tuple[int, int, int]:
    """The demand plan, the consensus plan and the supply plan ids."""
    demand_plan_id = await load(platform)
    await put(
        platform.supply,
        "/capacity",
        [{"resource_code": "ASSY-1", "period": "2026-02", "regular_hours": 130,
          "max_overtime_hours": 10}],
    )  # fmt: skip
    consensus = await reconcile(platform)
    assert [line["overtime"] for line in consensus["resource_lines"]] == [0, 10, 0]
    supply_plan_id = await create_supply_plan(
        platform, demand_plan_id=demand_plan_id, lines=PROPOSAL
    )
    return demand_plan_id, consensus["id"], supply_plan_id


async def test_supply_plan_compared_with_the_consensus_plan(platform: Platform) -> None:
    _, consensus_id, supply_plan_id = await prepare(platform)

    comparison = await get_json(platform, f"/supply-plans/{supply_plan_id}/comparison")

    assert comparison["consensus_plan"]["id"] == consensus_id  # the newest by default
    assert comparison["supply_plan"]["kind"] == "supply"
    lines = {(line["family_code"], line["period"]): line for line in comparison["lines"]}
    assert len(lines) == 6
    f01 = lines[("F01", "2026-02")]
    assert f01["production"]["larger"] == f01["overtime_hours"]["larger"] == "equal"
    assert f01["overtime_hours"]["consensus"] == pytest.approx(5)
    f02 = lines[("F02", "2026-02")]
    assert f02["production"] == {
        "supply_plan": 60.0,
        "consensus": 70.0,
        "difference": -10.0,
        "larger": "consensus",
    }
    assert (f02["overtime_hours"]["difference"], f02["overtime_hours"]["larger"]) == (
        pytest.approx(-5),
        "consensus",
    )
    assert comparison["differing_lines"] == 1
    assert comparison["totals"]["production"]["difference"] == -10
    assert comparison["totals"]["overtime_hours"] == {
        "supply_plan": 5.0,
        "consensus": 10.0,
        "difference": -5.0,
        "larger": "consensus",
    }
    explicit = await get_json(
        platform, f"/supply-plans/{supply_plan_id}/comparison", consensus_plan_id=consensus_id
    )
    assert explicit == comparison


async def test_supply_plan_in_money_and_its_kpis(platform: Platform) -> None:
    """Shipped: 140, 130 and 140 units; F02's February 60 go to KEY 50 and RETAIL 10 (10 lost,
    penalty 10 each). Revenue 410 x 100 = 41,000; cost 5,600 + 5,200 + 6,300 = 17,100;
    regular hours 140 + 130 + 140 at 10 = 4,100 (no overtime needed for 130 units); margin
    41,000 - 17,100 - 4,100 = 19,800; the lost-sale penalty of 100 apart."""
    _, _, supply_plan_id = await prepare(platform)

    valuation = await get_json(platform, f"/supply-plans/{supply_plan_id}/valuation")

    totals = valuation["totals"]
    assert totals["revenue"] == pytest.approx(41_000)
    assert totals["cost"] == pytest.approx(17_100)
    assert totals["lever_costs"]["regular_hour"] == pytest.approx(4_100)
    assert totals["planning_penalties"]["lost_sale"] == pytest.approx(100)
    assert totals["margin"] == pytest.approx(19_800)
    lost = [line for line in valuation["lines"] if line["lost"]]
    assert [(ln["family_code"], ln["segment_code"], ln["period"], ln["quantity"], ln["lost"])
            for ln in lost] == [("F02", "RETAIL", "2026-02", 10.0, 10.0)]  # fmt: skip

    kpis = await get_json(platform, f"/supply-plans/{supply_plan_id}/kpis")
    assert kpis["plan"]["kind"] == "supply"
    assert kpis["margin_pct"] == pytest.approx(19_800 / 41_000)
    assert kpis["capacity_utilisation"] == pytest.approx(1.0)
    fills = {fill["segment_code"]: fill for fill in kpis["fill_rates"]}
    assert fills["KEY"]["fill_rate"] == 1.0
    assert fills["RETAIL"]["fill_rate"] == pytest.approx(110 / 120)
    assert (fills["RETAIL"]["target"], fills["RETAIL"]["meets_target"]) == (0.9, True)
    assert kpis["inventory_turns"] is None  # nothing held
    assert kpis["gap_to_aop"] is None  # no AOP loaded


async def test_supply_plans_in_the_graph(platform: Platform) -> None:
    demand_plan_id, consensus_id, supply_plan_id = await prepare(platform)
    data = await platform.graphql(
        """
        query($id: Int!, $consensus: Int!) {
          supplyPlans { id status }
          latestSupplyPlan { id }
          supplyPlan(id: $id) {
            name demandPlan { id }
            lines(familyCode: "F02") { period production reason }
            comparison(consensusPlanId: $consensus) {
              consensusPlan { id } differingLines
              lines(onlyDiffering: true) { familyCode period
                production { supplyPlan consensus difference larger } }
              totals { overtimeHours { difference larger } }
            }
            valuation { totals { margin } }
            kpis { capacityUtilisation fillRates { segmentCode meetsTarget } }
          }
        }
        """,
        id=supply_plan_id,
        consensus=consensus_id,
    )
    assert data["supplyPlans"] == [{"id": supply_plan_id, "status": "draft"}]
    assert data["latestSupplyPlan"] == {"id": supply_plan_id}
    plan = data["supplyPlan"]
    assert isinstance(plan, dict)
    assert plan["demandPlan"] == {"id": demand_plan_id}
    assert [line["production"] for line in plan["lines"]] == [70.0, 60.0, 70.0]
    comparison = plan["comparison"]
    assert comparison["consensusPlan"] == {"id": consensus_id}
    assert comparison["lines"] == [
        {
            "familyCode": "F02",
            "period": "2026-02",
            "production": {
                "supplyPlan": 60.0, "consensus": 70.0, "difference": -10.0, "larger": "consensus",
            },
        }
    ]  # fmt: skip
    assert comparison["totals"]["overtimeHours"] == {"difference": -5.0, "larger": "consensus"}
    assert plan["valuation"]["totals"]["margin"] == pytest.approx(19_800)
    assert plan["kpis"]["capacityUtilisation"] == pytest.approx(1.0)
    missing = await platform.graphql("{ supplyPlan(id: 42) { id } }")
    assert missing == {"supplyPlan": None}


async def test_supply_plan_validation_in_the_graph(platform: Platform) -> None:
    """The proposal fits: 130 h of ASSY-1 in February, all regular. A second one makes 150 of
    F01 in February: 210 h against 130 + 10, so 70 h overload, and 10 h overtime needed that
    it does not plan (F01's share 150/210 of it)."""
    demand_plan_id, _, supply_plan_id = await prepare(platform)
    over = [
        {**line, "production": 150} if (line["family_code"], line["period"]) == ("F01", "2026-02")
        else line
        for line in PROPOSAL
    ]  # fmt: skip
    overloaded_id = await create_supply_plan(platform, demand_plan_id=demand_plan_id, lines=over)
    query = """
        query($id: Int!) { supplyPlan(id: $id) { validation {
          feasible
          infeasibleLines { familyCode period kinds }
          issues { kind familyCode resourceCode period field amount }
        } } }
    """
    fits = (await platform.graphql(query, id=supply_plan_id))["supplyPlan"]["validation"]
    assert fits == {"feasible": True, "infeasibleLines": [], "issues": []}
    overloaded = (await platform.graphql(query, id=overloaded_id))["supplyPlan"]["validation"]
    assert overloaded["feasible"] is False
    assert overloaded["infeasibleLines"] == [
        {"familyCode": "F01", "period": "2026-02", "kinds": ["overload", "overtime_short"]},
        {"familyCode": "F02", "period": "2026-02", "kinds": ["overload", "overtime_short"]},
    ]
    overloads = {
        issue["familyCode"]: issue["amount"]
        for issue in overloaded["issues"]
        if issue["kind"] == "overload"
    }
    assert overloads == {"F01": 70, "F02": 70}


async def test_comparison_refusals(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    supply_plan_id = await create_supply_plan(
        platform, demand_plan_id=demand_plan_id, lines=PROPOSAL
    )
    path = f"/supply-plans/{supply_plan_id}/comparison"
    body = assert_problem(await platform.gateway.get(path), 422, "query.consensus_plan_id")
    assert "POST /reconcile" in body["errors"][0]["reason"]
    await reconcile(platform)
    assert_problem(
        await platform.gateway.get(path, params={"consensus_plan_id": 5}),
        422,
        "query.consensus_plan_id",
    )
    assert_problem(
        await platform.gateway.get(path, params={"consensus_plan_id": "first"}),
        422,
        "query.consensus_plan_id",
    )
    assert_problem(await platform.gateway.get("/supply-plans/77/comparison"), 404, "path.id")
    refused = await platform.gateway.post(
        "/graphql",
        json={"query": f"{{ supplyPlan(id: {supply_plan_id}) {{ comparison(consensusPlanId: 0)"
              " { differingLines } } }"},
    )  # fmt: skip
    [error] = refused.json()["errors"]
    assert error["extensions"]["errors"][0]["field"] == "consensusPlanId"

    # A supply plan answering a demand plan the demand service does not have.
    orphan = await create_supply_plan(platform, demand_plan_id=99, lines=PROPOSAL)
    assert_problem(
        await platform.gateway.get(f"/supply-plans/{orphan}/valuation"),
        422,
        f"supply.supply_plans.{orphan}.demand_plan_id",
    )
