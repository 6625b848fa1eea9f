"""The cycle through GraphQL, merged into the gateway's schema: the same walk, the same
rights, the same versions as REST."""

from typing import Any

import pytest

from gateway.graph.cycle import PlanDiff
from gateway.plans.models import (
    Change,
    FamilyUnitsChange,
    ResourceLoadChange,
    SegmentServiceChange,
)
from gateway.plans.models import PlanDiff as PlanDiffModel
from shared.auth import Role
from tests.gateway.cycle.world import (
    DEMAND_PLANNER,
    EXECUTIVE,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    VIEWER,
    World,
    in_days,
    token,
)

pytestmark = pytest.mark.anyio

CYCLE_FIELDS = """
  id period version currentStep lateSteps openActionItems horizonStart
  demandPlanId recommendedPlanId approvedPlanId
  steps { step status ownerRole dueDate isLate completedBy inputs { kind id ref } }
"""
COMPLETE = f"""
mutation($cycle: Int!, $step: StepName!, $version: Int!, $input: StepCompletionInput) {{
  completeCycleStep(cycleId: $cycle, step: $step, expectedVersion: $version, input: $input) {{
    {CYCLE_FIELDS}
  }}
}}"""
DECIDE = """
mutation($cycle: Int!, $item: Int!, $version: Int!, $input: DecisionInput!) {
  decideEscalation(cycleId: $cycle, escalationId: $item, expectedVersion: $version,
                   input: $input) {
    id escalationId optionIndex option override rationale decidedBy actionItemIds
  }
}"""


async def graphql(
    world: World, query: str, headers: dict[str, str], **variables: Any
) -> dict[str, Any]:
    response = await world.gateway.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def data(world: World, query: str, headers: dict[str, str], **variables: Any) -> Any:
    answer = await graphql(world, query, headers, **variables)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


async def problem(world: World, query: str, headers: dict[str, str], **variables: Any) -> Any:
    answer = await graphql(world, query, headers, **variables)
    assert answer.get("errors"), answer
    extensions: dict[str, Any] = answer["errors"][0]["extensions"]
    return extensions


async def test_a_whole_cycle_through_graphql(world: World) -> None:
    opened = await data(
        world,
        f'mutation {{ openCycle(input: {{period: "2026-01"}}) {{ {CYCLE_FIELDS} }} }}',
        PROCESS_OWNER,
    )
    cycle = opened["openCycle"]
    assert cycle["version"] == 1 and cycle["currentStep"] == "data_gathering"
    cid = cycle["id"]

    async def complete(step: str, headers: dict[str, str], **values: Any) -> dict[str, Any]:
        nonlocal cycle
        done = await data(
            world, COMPLETE, headers, cycle=cid, step=step, version=cycle["version"], input=values
        )
        cycle = done["completeCycleStep"]
        return cycle

    wrong = await problem(
        world,
        COMPLETE,
        token(Role.sales),
        cycle=cid,
        step="data_gathering",
        version=1,
        input={"dataQualityReport": "dq"},
    )
    assert (wrong["status"], wrong["code"]) == (403, "forbidden")
    early = await problem(
        world,
        COMPLETE,
        DEMAND_PLANNER,
        cycle=cid,
        step="demand_review",
        version=1,
        input={"demandPlanId": 1},
    )
    assert (early["status"], early["code"]) == (409, "gate-closed")
    invalid = await problem(
        world,
        COMPLETE,
        PROCESS_OWNER,
        cycle=cid,
        step="data_gathering",
        version=1,
        input={"dataQualityReport": ""},
    )
    assert invalid["status"] == 422
    assert [e["field"] for e in invalid["errors"]] == ["input.dataQualityReport"]
    foreign = await problem(
        world,
        COMPLETE,
        PROCESS_OWNER,
        cycle=cid,
        step="data_gathering",
        version=1,
        input={"dataQualityReport": "dq", "demandPlanId": 4},
    )
    assert [e["field"] for e in foreign["errors"]] == ["input.demandPlanId"]

    await complete(
        "data_gathering",
        PROCESS_OWNER,
        dataQualityReport="dq-2026-01",
        readinessOverride="no master data in this world",
    )
    stale = await problem(
        world,
        COMPLETE,
        DEMAND_PLANNER,
        cycle=cid,
        step="demand_review",
        version=1,
        input={"demandPlanId": 1},
    )
    assert (stale["status"], stale["code"]) == (409, "version-conflict")
    demand_plan = await world.demand_plan(start=cycle["horizonStart"])
    await complete("demand_review", DEMAND_PLANNER, demandPlanId=demand_plan.id)
    assert cycle["demandPlanId"] == demand_plan.id
    await complete("supply_review", SUPPLY_PLANNER)
    plan = world.recommend(demand_plan)
    await complete("pre_sop", PROCESS_OWNER, consensusPlanId=plan["id"])
    assert cycle["currentStep"] == "executive_sop"

    first, second = plan["items"]
    blank = await problem(
        world,
        DECIDE,
        EXECUTIVE,
        cycle=cid,
        item=first,
        version=cycle["version"],
        input={"optionIndex": 0, "rationale": " "},
    )
    assert [e["field"] for e in blank["errors"]] == ["input.rationale"]
    made = await data(
        world,
        DECIDE,
        EXECUTIVE,
        cycle=cid,
        item=first,
        version=cycle["version"],
        input={
            "optionIndex": 0,
            "rationale": "Overtime is cheapest",
            "actionItems": [
                {"title": "Book crews", "ownerRole": "operations", "dueDate": in_days(7)}
            ],
        },
    )
    decision = made["decideEscalation"]
    assert decision["option"]["lever"] == "overtime" and decision["decidedBy"] == "eve"
    await data(
        world,
        DECIDE,
        EXECUTIVE,
        cycle=cid,
        item=second,
        version=cycle["version"] + 1,
        input={"override": "Delay", "rationale": "Cash"},
    )

    approved = await data(
        world,
        "mutation($c: Int!, $v: Int!) { approvePlan(cycleId: $c, expectedVersion: $v, "
        'note: "go") { version approvedPlanId steps { status } } }',
        EXECUTIVE,
        c=cid,
        v=cycle["version"] + 2,
    )
    assert approved["approvePlan"]["approvedPlanId"] == plan["id"]

    read = await data(
        world,
        """query($id: Int!) {
          cycle(id: $id) {
            decisions { escalationId rationale actionItemIds }
            escalations { escalation { id title options { lever } } decision { override } }
            actionItems { title ownerRole carriedOver }
            recommendedPlan { id status }
            approvedPlan { id version status }
          }
          currentPlan { id status }
          raci { activity role letters }
          decisionRights { action roles }
        }""",
        VIEWER,
        id=cid,
    )
    seen = read["cycle"]
    assert [d["escalationId"] for d in seen["decisions"]] == [first, second]
    assert [e["decision"]["override"] for e in seen["escalations"]] == [None, "Delay"]
    assert seen["escalations"][0]["escalation"]["options"][0]["lever"] == "overtime"
    assert seen["actionItems"] == [
        {"title": "Book crews", "ownerRole": "operations", "carriedOver": False}
    ]
    assert seen["approvedPlan"] == {
        "id": plan["id"],
        "version": plan["version"],
        "status": "approved",
    }
    assert read["currentPlan"] == {"id": plan["id"], "status": "approved"}
    assert {"activity": "plan_approval", "role": "executive_sponsor", "letters": "RA"} in (
        read["raci"]
    )

    closed = await data(
        world,
        "mutation($c: Int!, $v: Int!) { closeCycle(cycleId: $c, expectedVersion: $v) "
        "{ closed { status } opened { period horizonStart openActionItems "
        "actionItems { title carriedOver } } } }",
        PROCESS_OWNER,
        c=cid,
        v=cycle["version"] + 3,
    )
    opened_next = closed["closeCycle"]["opened"]
    assert closed["closeCycle"]["closed"]["status"] == "closed"
    assert opened_next["period"] == "2026-02" and opened_next["horizonStart"] == "2026-03"
    assert opened_next["actionItems"] == [{"title": "Book crews", "carriedOver": True}]

    listed = await data(
        world,
        '{ cycles { period } actionItems(ownerRole: "operations") { id version status } }',
        VIEWER,
    )
    assert [c["period"] for c in listed["cycles"]] == ["2026-02", "2026-01"]
    item = listed["actionItems"][0]
    progressed = await data(
        world,
        "mutation($id: Int!, $v: Int!) { updateActionItem(id: $id, expectedVersion: $v, "
        "input: {status: done}) { status version } }",
        token(Role.operations),
        id=item["id"],
        v=item["version"],
    )
    assert progressed["updateActionItem"] == {"status": "done", "version": 2}


async def test_graphql_needs_a_token_and_the_right_role(world: World) -> None:
    anonymous = await world.gateway.post("/graphql", json={"query": "{ cycles { id } }"})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    refused = await problem(
        world,
        'mutation { openCycle(input: {period: "2026-01"}) { id } }',
        token(Role.executive_sponsor),
    )
    assert refused["status"] == 403
    bad = await problem(
        world, 'mutation { openCycle(input: {period: "2026-1"}) { id } }', PROCESS_OWNER
    )
    assert bad["status"] == 422 and bad["errors"][0]["field"] == "input.period"
    assert (await data(world, "{ cycles { id } currentCycle { id } }", VIEWER)) == {
        "cycles": [],
        "currentCycle": None,
    }


def test_a_diff_with_service_families_and_resources_reads_through_graphql() -> None:
    """Each row keeps its name and turns every measure into a change."""
    one = Change(a=0.5, b=0.6, delta=0.1)
    diff = PlanDiffModel(
        plan_a_id=1,
        plan_b_id=2,
        units={"sales": one},
        money={"margin": one},
        service=[SegmentServiceChange(segment="DIST", fill_rate=one, sales=one)],
        families=[
            FamilyUnitsChange(family="F", sales=one, production=one, outsourced=one, lost=one)
        ],
        resources=[ResourceLoadChange(resource="R", load=one, overtime=one, peak_utilisation=one)],
    )
    graphed = PlanDiff.of(diff)
    assert graphed.service[0].segment == "DIST" and graphed.service[0].fill_rate.delta == 0.1
    assert graphed.families[0].family == "F" and graphed.resources[0].resource == "R"
    assert graphed.resources[0].peak_utilisation.b == 0.6
