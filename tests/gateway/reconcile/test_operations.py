"""Operations' proposal against the plan a reconcile makes, by the one comparison.

The company of ``tests.gateway.company`` with 2 families: 70 units a family a month (KEY 50,
RETAIL 20), 1 hour a unit on ASSY-1 with exactly 140 regular hours a month, so the plan makes
70 of each family every month and loads ASSY-1 140 hours. Operations propose the same except
F02: 60 in January and 80 in February. Production differs on two family-months: -10 in
January (10/70 = 14.3 % of the larger quantity) and +10 in February (10/80 = 12.5 %); ASSY-1
is loaded 130 and 150 hours against 140 (10/140 = 7.1 % and 10/150 = 6.7 %).
"""

from typing import Any

import pytest

from shared.auth import Role
from tests.gateway.company import PERIODS, Company
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem, create_supply_plan, get_json, load, reconcile
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

SUPPLY_PLANNER = bearer(Role.supply_planner, subject="sam")
PROPOSED = {"F01": [70, 70, 70], "F02": [60, 80, 70]}

OPERATIONS = """
query ($id: Int!) {
  consensusPlan(id: $id) {
    operationsComparison {
      reason
      comparison {
        supplyPlan { id kind }
        differingLines
        resources { resourceCode period load { supplyPlan consensus difference } }
        summary {
          tolerance productionLines productionLinesBeyond loadLines loadLinesBeyond text
          largest { measure code period difference }
        }
      }
    }
  }
}
"""


async def propose(platform: Platform, demand_plan_id: int) -> int:
    plan_id = await create_supply_plan(
        platform,
        demand_plan_id=demand_plan_id,
        lines=[
            {"family_code": family, "period": period, "production": units[index]}
            for family, units in PROPOSED.items()
            for index, period in enumerate(PERIODS)
        ],
    )
    read = await platform.supply.get(f"/supply-plans/{plan_id}")
    proposed = await platform.supply.post(
        f"/supply-plans/{plan_id}/propose",
        headers={**SUPPLY_PLANNER, "If-Match": read.headers["ETag"]},
    )
    assert proposed.status_code == 200, proposed.text
    return plan_id


async def test_without_a_proposal_the_answer_says_so(platform: Platform) -> None:
    demand_plan_id = await load(platform, Company(families=2))
    demand = (await platform.demand.get(f"/demand-plans/{demand_plan_id}")).json()
    plan = await reconcile(platform)
    reason = (
        f"no proposed supply plan answers demand plan {demand_plan_id} ('Demand review', "
        f"version {demand['version']}): operations have proposed none to compare"
    )
    assert plan["operations_comparison"] == {"comparison": None, "reason": reason}
    stored = await get_json(platform, f"/consensus-plans/{plan['id']}")
    assert stored["operations_comparison"] == plan["operations_comparison"]
    graph = await platform.graphql(OPERATIONS, id=plan["id"])
    assert graph["consensusPlan"] == {
        "operationsComparison": {"reason": reason, "comparison": None}
    }
    # A draft is not a proposal: still nothing to compare.
    await create_supply_plan(platform, demand_plan_id=demand_plan_id, lines=[])
    again = await reconcile(platform)
    assert again["operations_comparison"]["comparison"] is None


async def test_the_reconcile_compares_operations_proposal_with_its_plan(
    platform: Platform,
) -> None:
    demand_plan_id = await load(platform, Company(families=2))
    supply_plan_id = await propose(platform, demand_plan_id)
    plan = await reconcile(platform)
    operations = plan["operations_comparison"]
    assert operations["reason"] is None
    comparison: dict[str, Any] = operations["comparison"]
    assert comparison["supply_plan"]["id"] == supply_plan_id
    assert comparison["consensus_plan"]["id"] == plan["id"]
    production = {
        (line["family_code"], line["period"]): line["production"]["difference"]
        for line in comparison["lines"]
    }
    assert production == {
        ("F01", "2026-01"): 0,
        ("F01", "2026-02"): 0,
        ("F01", "2026-03"): 0,
        ("F02", "2026-01"): -10,
        ("F02", "2026-02"): 10,
        ("F02", "2026-03"): 0,
    }
    assert [
        (row["resource_code"], row["period"], row["load"]["supply_plan"], row["load"]["consensus"])
        for row in comparison["resources"]
    ] == [
        ("ASSY-1", "2026-01", 130, 140),
        ("ASSY-1", "2026-02", 150, 140),
        ("ASSY-1", "2026-03", 140, 140),
    ]
    summary = comparison["summary"]
    assert (summary["production_lines"], summary["production_lines_beyond"]) == (6, 2)
    assert (summary["load_lines"], summary["load_lines_beyond"]) == (3, 2)
    # Largest first by share of the larger quantity: 10/70, 10/80, 10/140, 10/150.
    assert [
        (d["measure"], d["code"], d["period"], d["difference"]) for d in summary["largest"]
    ] == [
        ("production", "F02", "2026-01", -10),
        ("production", "F02", "2026-02", 10),
        ("load", "ASSY-1", "2026-01", -10),
        ("load", "ASSY-1", "2026-02", 10),
    ]
    assert summary["text"] == (
        "2 of 6 family-months differ in production and 2 of 3 resource-months in load beyond "
        "1%; largest: F02 2026-01 production -10 units (operations 60, plan 70)"
    )

    # One comparison: the stored plan, the supply plan's comparison route and GraphQL agree.
    stored = await get_json(platform, f"/consensus-plans/{plan['id']}")
    assert stored["operations_comparison"] == operations
    route = await get_json(
        platform, f"/supply-plans/{supply_plan_id}/comparison", consensus_plan_id=plan["id"]
    )
    assert route == comparison
    graph = await platform.graphql(OPERATIONS, id=plan["id"])
    twin = graph["consensusPlan"]["operationsComparison"]  # type: ignore[index]
    assert twin["reason"] is None
    assert twin["comparison"]["supplyPlan"] == {"id": supply_plan_id, "kind": "supply"}
    assert twin["comparison"]["summary"]["text"] == summary["text"]
    assert twin["comparison"]["summary"]["loadLinesBeyond"] == 2
    assert twin["comparison"]["resources"][1] == {
        "resourceCode": "ASSY-1",
        "period": "2026-02",
        "load": {"supplyPlan": 150, "consensus": 140, "difference": 10},
    }

    # A tolerance of a fifth: 14.3 % and the rest are within it.
    loose = await reconcile(platform, comparison_tolerance=0.2)
    summary = loose["operations_comparison"]["comparison"]["summary"]
    assert (summary["production_lines_beyond"], summary["load_lines_beyond"]) == (0, 0)


async def test_a_named_proposal_must_exist(platform: Platform) -> None:
    await load(platform, Company(families=2))
    refused = await platform.gateway.post("/reconcile", json={"supply_plan_id": 999})
    assert_problem(refused, 422, "body.supply_plan_id")
