"""The supply-review gate: an infeasible proposal passes only with every infeasible line
resolved, by a reason or an escalation item covering it.

The proposal plans F01 in January and February (100 units each) and February of F02 with
nothing: the supply service knows no routing of F01, so both F01 lines are infeasible
(``unrouted``: their load cannot be checked); the F02 line is feasible."""

from typing import Any

import pytest

from gateway.cycle.models import LineResolution
from gateway.cycle.supply_gate import escalation_covers, stray_resolutions, unresolved_lines
from shared.contracts.supply import InfeasibleLine
from shared.periods import add_months
from tests.gateway.cycle.world import (
    DEMAND_PLANNER,
    HORIZON_START,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    World,
    assert_gate,
    assert_problem,
)

pytestmark = pytest.mark.anyio

FEBRUARY = add_months(HORIZON_START, 1)


def infeasible(family: str, period: str) -> InfeasibleLine:
    return InfeasibleLine(line_id=1, family_code=family, period=period, kinds=["overload"])


def resolution(family: str, period: str, **how: Any) -> LineResolution:
    return LineResolution(family_code=family, period=period, **{"reason": "why", **how})


def test_unresolved_lines_are_those_no_resolution_names() -> None:
    lines = [infeasible("A", "2027-01"), infeasible("A", "2027-02"), infeasible("B", "2027-01")]
    assert unresolved_lines(lines, [resolution("A", "2027-02")]) == [lines[0], lines[2]]
    assert (
        unresolved_lines(
            lines,
            [resolution(f, p) for f, p in [("A", "2027-01"), ("A", "2027-02"), ("B", "2027-01")]],
        )
        == []
    )


def test_a_resolution_of_no_infeasible_line_or_twice_the_same_is_stray() -> None:
    lines = [infeasible("A", "2027-01")]
    found = [resolution("A", "2027-01"), resolution("A", "2027-01"), resolution("B", "2027-01")]
    assert stray_resolutions(lines, found) == [1, 2]


def test_an_escalation_covers_its_periods_and_families() -> None:
    assert escalation_covers(families=[], periods=["2027-01"], family_code="A", period="2027-01")
    assert escalation_covers(
        families=["A", "B"], periods=["2027-01"], family_code="B", period="2027-01"
    )
    assert not escalation_covers(
        families=["A"], periods=["2027-01"], family_code="B", period="2027-01"
    )
    assert not escalation_covers(
        families=[], periods=["2027-01"], family_code="A", period="2027-02"
    )


async def proposed_plan(world: World, demand_plan_id: int) -> int:
    created = await world.supply.post(
        "/supply-plans",
        json={
            "name": "Infeasible proposal",
            "horizon_start": HORIZON_START,
            "horizon_months": 12,
            "demand_plan_id": demand_plan_id,
            "lines": [
                {"family_code": "F01", "period": HORIZON_START, "production": 100},
                {"family_code": "F01", "period": FEBRUARY, "production": 100},
                {"family_code": "F02", "period": FEBRUARY, "production": 0},
            ],
        },
        headers=SUPPLY_PLANNER,
    )
    assert created.status_code == 201, created.text
    proposed = await world.supply.post(
        f"/supply-plans/{created.json()['id']}/propose",
        headers={**SUPPLY_PLANNER, "If-Match": created.headers["ETag"]},
    )
    assert proposed.status_code == 200, proposed.text
    plan_id: int = created.json()["id"]
    return plan_id


async def at_supply_review(world: World) -> tuple[dict[str, Any], int, Any]:
    cycle = await world.open_cycle()
    await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    demand_plan = await world.demand_plan()
    await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id)
    return cycle, await proposed_plan(world, demand_plan.id), demand_plan


async def test_an_unresolved_infeasible_line_keeps_the_gate_closed(world: World) -> None:
    cycle, plan_id, _ = await at_supply_review(world)
    closed = await world.complete(cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=plan_id)
    body = assert_gate(closed, "supply-plan-infeasibility-resolved")
    assert body["extra"]["unresolved_lines"] == [
        {"family_code": "F01", "period": HORIZON_START, "kinds": ["unrouted"]},
        {"family_code": "F01", "period": FEBRUARY, "kinds": ["unrouted"]},
    ]
    partly = await world.complete(
        cycle,
        "supply_review",
        SUPPLY_PLANNER,
        supply_plan_id=plan_id,
        resolutions=[{"family_code": "F01", "period": HORIZON_START, "reason": "routing due"}],
    )
    body = assert_gate(partly, "supply-plan-infeasibility-resolved")
    assert [line["period"] for line in body["extra"]["unresolved_lines"]] == [FEBRUARY]
    assert (await world.cycle(cycle["id"]))["version"] == cycle["version"] + 2  # two steps


async def test_every_line_resolved_by_a_reason_or_an_escalation_opens_it(world: World) -> None:
    cycle, plan_id, demand_plan = await at_supply_review(world)
    item = world.recommend(demand_plan, escalations=1)["items"][0]  # covers HORIZON_START
    resolutions = [
        {"family_code": "F01", "period": HORIZON_START, "escalation_id": item},
        {"family_code": "F01", "period": FEBRUARY, "reason": "the routing arrives in January"},
    ]
    done = await world.complete(
        cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=plan_id, resolutions=resolutions
    )
    assert done.status_code == 200, done.text
    step = done.json()["steps"][2]
    assert step["step"] == "supply_review"
    assert step["resolutions"] == [
        {"family_code": "F01", "period": HORIZON_START, "reason": None, "escalation_id": item},
        {
            "family_code": "F01",
            "period": FEBRUARY,
            "reason": "the routing arrives in January",
            "escalation_id": None,
        },
    ]


async def test_resolutions_must_resolve_lines_of_the_plan(world: World) -> None:
    cycle, plan_id, demand_plan = await at_supply_review(world)
    item = world.recommend(demand_plan, escalations=1)["items"][0]
    reasons = [
        {"family_code": "F01", "period": HORIZON_START, "reason": "routing due"},
        {"family_code": "F01", "period": FEBRUARY, "reason": "routing due"},
    ]
    feasible_line = await world.complete(
        cycle,
        "supply_review",
        SUPPLY_PLANNER,
        supply_plan_id=plan_id,
        resolutions=[*reasons, {"family_code": "F02", "period": FEBRUARY, "reason": "none"}],
    )
    assert [e["field"] for e in assert_problem(feasible_line, 422)["errors"]] == [
        "body.resolutions.2"
    ]
    # The escalation item covers HORIZON_START only.
    uncovered = await world.complete(
        cycle,
        "supply_review",
        SUPPLY_PLANNER,
        supply_plan_id=plan_id,
        resolutions=[reasons[0], {"family_code": "F01", "period": FEBRUARY, "escalation_id": item}],
    )
    assert [e["field"] for e in assert_problem(uncovered, 422)["errors"]] == [
        "body.resolutions.1.escalation_id"
    ]
    undocumented = await world.complete(
        cycle,
        "supply_review",
        SUPPLY_PLANNER,
        supply_plan_id=plan_id,
        resolutions=[{"family_code": "F01", "period": FEBRUARY}],
    )
    assert "body.resolutions.0" in [e["field"] for e in assert_problem(undocumented, 422)["errors"]]
    without_plan = await world.complete(cycle, "supply_review", SUPPLY_PLANNER, resolutions=reasons)
    assert [e["field"] for e in assert_problem(without_plan, 422)["errors"]] == ["body.resolutions"]


GRAPHQL_COMPLETE = """
mutation($cycle: Int!, $version: Int!, $input: StepCompletionInput) {
  completeCycleStep(cycleId: $cycle, step: supply_review, expectedVersion: $version,
                    input: $input) {
    steps { step resolutions { familyCode period reason escalationId } }
  }
}"""


async def test_the_graphql_twin_holds_the_same_gate(world: World) -> None:
    cycle, plan_id, _ = await at_supply_review(world)

    async def complete(**values: Any) -> dict[str, Any]:
        current = await world.cycle(cycle["id"])
        response = await world.gateway.post(
            "/graphql",
            json={
                "query": GRAPHQL_COMPLETE,
                "variables": {"cycle": cycle["id"], "version": current["version"], "input": values},
            },
            headers=SUPPLY_PLANNER,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    closed = await complete(supplyPlanId=plan_id)
    extensions = closed["errors"][0]["extensions"]
    assert (extensions["status"], extensions["code"]) == (409, "gate-closed")
    assert [e["reason"] for e in extensions["errors"]] == [
        f"F01 {HORIZON_START}: unrouted",
        f"F01 {FEBRUARY}: unrouted",
    ]
    reasons = [
        {"familyCode": "F01", "period": period, "reason": "routing due"}
        for period in (HORIZON_START, FEBRUARY)
    ]
    done = await complete(supplyPlanId=plan_id, resolutions=reasons)
    assert "errors" not in done, done
    steps = done["data"]["completeCycleStep"]["steps"]
    assert steps[2]["resolutions"] == [{**r, "escalationId": None} for r in reasons]
