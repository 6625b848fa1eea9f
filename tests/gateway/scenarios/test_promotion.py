"""A promoted scenario goes through the executive's decision, the authorisation and the
approval like any escalation item; its demand changes go back to the demand review.

The company of ``tests.gateway.cycle.test_decisions``: ASSY-1 has 110 regular + 10 overtime
hours for 140 units a month (1 hour a unit), so RETAIL gets 20 of its 40 units (50 %). The
scenario adds 20 overtime hours a month on ASSY-1: every unit can be made.
"""

from typing import Any

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.meeting import EXECUTIVE, PROCESS_OWNER, Meeting, fill, small_company_meeting
from tests.gateway.steps import assert_problem

pytestmark = pytest.mark.anyio

MORE_OVERTIME = {"kind": "overtime", "resource": "ASSY-1", "mode": "add", "value": 20}


async def plan_problem(platform: Platform, cycle: Meeting) -> dict[str, Any]:
    problem = await platform.gateway.get(
        f"/consensus-plans/{cycle.plan['id']}/problem", headers=PROCESS_OWNER
    )
    assert problem.status_code == 200, problem.text
    body: dict[str, Any] = problem.json()
    return body


async def scenario_over_the_plan(
    platform: Platform,
    cycle: Meeting,
    changes: list[dict[str, Any]],
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    created = await platform.gateway.post(
        "/scenarios",
        json={
            "name": "overtime on ASSY-1",
            "base": base or await plan_problem(platform, cycle),
            "changes": changes,
        },
        headers=PROCESS_OWNER,
    )
    assert created.status_code == 201, created.text
    scenario: dict[str, Any] = created.json()
    return scenario


async def promote(platform: Platform, cycle: Meeting, scenario_id: int) -> Any:
    return await platform.gateway.post(
        f"/scenarios/{scenario_id}/promote",
        json={"cycle_id": cycle.id, "rationale": "RETAIL served in full for 20 h of overtime"},
        headers=PROCESS_OWNER,
    )


async def test_a_promoted_scenario_is_decided_authorised_and_approved(platform: Platform) -> None:
    cycle = await small_company_meeting(platform)
    scenario = await scenario_over_the_plan(platform, cycle, [MORE_OVERTIME])
    solved = await platform.gateway.post(
        f"/scenarios/{scenario['id']}/solve", headers=PROCESS_OWNER
    )
    assert solved.status_code == 200, solved.text
    assert fill(cycle.plan, "RETAIL") == pytest.approx(0.5, abs=1e-6)

    promoted = await promote(platform, cycle, scenario["id"])

    assert promoted.status_code == 201, promoted.text
    assert promoted.json()["proposed_by"] == "olivia"
    item_id = promoted.json()["escalation_id"]
    # The record stays: a promoted scenario cannot be deleted.
    kept = await platform.gateway.delete(
        f"/scenarios/{scenario['id']}", headers={**PROCESS_OWNER, "If-Match": '"1"'}
    )
    assert kept.status_code == 422
    plan = (await platform.gateway.get(f"/consensus-plans/{cycle.plan['id']}")).json()
    item = next(e for e in plan["escalations"] if e["id"] == item_id)
    assert item["kind"] == "executive_lever" and item["severity"] == "high"
    assert [o["lever"] for o in item["options"]] == ["scenario", "accept"]
    assert item["options"][0]["changes"] == [{**MORE_OVERTIME, "periods": [], "unit": "hours"}]
    # The scenario earned more than its base: the option says how much.
    assert item["options"][0]["margin_delta"] > 0
    assert plan["status"] == "recommended"  # nothing of the plan itself changed
    assert fill(plan, "RETAIL") == pytest.approx(0.5, abs=1e-6)

    # Undecided, the proposal holds the approval like any item.
    cycle.plan = plan
    undecided = await cycle.post("/approve", EXECUTIVE)
    assert undecided.status_code == 409, undecided.text

    decided = await cycle.decide_all({item_id: 0})
    assert decided.status_code == 201, decided.text
    authorised = await cycle.post("/authorise", EXECUTIVE)
    assert authorised.status_code == 201, authorised.text
    body = authorised.json()
    service = {row["segment"]: row["fill_rate"] for row in body["diff"]["service"]}
    assert service["RETAIL"]["b"] == pytest.approx(1.0, abs=1e-6)
    load = {row["resource"]: row for row in body["diff"]["resources"]}
    assert load["ASSY-1"]["overtime"]["delta"] > 0

    approved = await cycle.post("/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    current = (await platform.gateway.get("/cycles/current-plan")).json()
    assert current["id"] == body["plan_id"]
    assert fill(current, "RETAIL") == pytest.approx(1.0, abs=1e-6)


async def test_demand_changes_go_back_to_the_demand_review(platform: Platform) -> None:
    cycle = await small_company_meeting(platform)
    family = (await plan_problem(platform, cycle))["families"][0]["code"]
    demand = {"kind": "demand", "family": family, "value": 10}
    scenario = await scenario_over_the_plan(platform, cycle, [MORE_OVERTIME, demand])

    refused = await promote(platform, cycle, scenario["id"])

    problem = assert_problem(refused, 422, "scenario.changes.1")
    assert "demand review" in problem["detail"]
    plan = (await platform.gateway.get(f"/consensus-plans/{cycle.plan['id']}")).json()
    assert len(plan["escalations"]) == len(cycle.plan["escalations"])  # nothing added


async def test_changes_the_recommended_plan_cannot_take_are_refused(platform: Platform) -> None:
    cycle = await small_company_meeting(platform)
    # A scenario over another base: its resource ASSY-9 is not the plan's.
    other = await plan_problem(platform, cycle)
    other["resources"] = [
        {**r, "code": "ASSY-9"} if r["code"] == "ASSY-1" else r for r in other["resources"]
    ]
    other["routings"] = [
        {**r, "resource": "ASSY-9"} if r["resource"] == "ASSY-1" else r for r in other["routings"]
    ]
    elsewhere = {**MORE_OVERTIME, "resource": "ASSY-9"}
    scenario = await scenario_over_the_plan(platform, cycle, [elsewhere], base=other)

    refused = await promote(platform, cycle, scenario["id"])

    assert_problem(refused, 422, "scenario.changes.0.resource")
    plan = (await platform.gateway.get(f"/consensus-plans/{cycle.plan['id']}")).json()
    assert len(plan["escalations"]) == len(cycle.plan["escalations"])
