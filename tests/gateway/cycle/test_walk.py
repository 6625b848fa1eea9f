"""A whole cycle through the API, a token per role, and the next cycle it opens."""

from typing import Any

import pytest

from shared.auth import Role
from shared.periods import add_months
from tests.gateway.company import sign_off
from tests.gateway.cycle.world import (
    DEMAND_PLANNER,
    EXECUTIVE,
    HORIZON_START,
    PERIOD,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    VIEWER,
    World,
    assert_gate,
    in_days,
    token,
    versioned,
)

pytestmark = pytest.mark.anyio
STEPS = ["data_gathering", "demand_review", "supply_review", "pre_sop", "executive_sop"]


def statuses(cycle: dict[str, Any]) -> list[str]:
    return [step["status"] for step in cycle["steps"]]


async def test_a_whole_cycle_from_data_gathering_to_the_next_cycle(world: World) -> None:
    subscribed = await world.gateway.post(
        "/webhooks",
        json={
            "url": "http://receiver.test/hook",
            "events": ["consensus.recommended", "escalation.decided", "plan.approved"],
            "secret": "a-webhook-secret-of-some-length",
        },
        headers=PROCESS_OWNER,
    )
    assert subscribed.status_code == 201, subscribed.text

    cycle = await world.open_cycle()
    assert cycle["period"] == PERIOD and cycle["horizon_start"] == HORIZON_START
    assert cycle["horizon_months"] == 24 and cycle["horizon_end"] == add_months(HORIZON_START, 23)
    assert [s["step"] for s in cycle["steps"]] == STEPS
    assert [s["owner_role"] for s in cycle["steps"]] == [
        "process_owner",
        "demand_planner",
        "supply_planner",
        "process_owner",
        "executive_sponsor",
    ]
    assert statuses(cycle) == ["in_progress", "pending", "pending", "pending", "pending"]
    assert cycle["current_step"] == "data_gathering" and cycle["version"] == 1
    assert [s["due_date"] for s in cycle["steps"]] == [
        "2026-01-05",
        "2026-01-10",
        "2026-01-15",
        "2026-01-20",
        "2026-01-25",
    ]
    cid = cycle["id"]

    # Out of order: supply review before demand review, demand review before data gathering.
    assert_gate(
        await world.complete(cycle, "supply_review", SUPPLY_PLANNER), "previous-step-completed"
    )
    demand_plan = await world.demand_plan(lock=False)
    early = await world.complete(
        cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id
    )
    assert_gate(early, "previous-step-completed")

    gathered = await world.complete(
        cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq-2026-01", note="clean"
    )
    assert gathered.status_code == 200, gathered.text
    assert gathered.headers["ETag"] == '"2"'
    assert statuses(gathered.json())[:2] == ["completed", "in_progress"]
    assert gathered.json()["steps"][0]["completed_by"] == "pat"
    assert gathered.json()["data_quality_report"] == "dq-2026-01"

    # Demand review ends with a LOCKED demand plan, checked in the demand service.
    assert_gate(
        await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id),
        "demand-plan-locked",
    )
    await sign_off(world.demand, demand_plan.id)
    locked = await world.demand.post(
        f"/demand-plans/{demand_plan.id}/lock", headers=versioned(DEMAND_PLANNER, 1)
    )
    assert locked.status_code == 200
    reviewed = await world.complete(
        cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["demand_plan_id"] == demand_plan.id
    assert reviewed.json()["demand_plan_version"] == demand_plan.version
    # The demand service was asked with the caller's own credentials.
    asked = [
        auth for path, auth in world.upstream_calls if path == f"/demand-plans/{demand_plan.id}"
    ]
    assert asked and asked[-1] == DEMAND_PLANNER["Authorization"]

    # The executive step needs a recommended plan: nothing to approve or decide yet.
    assert_gate(await world.post_versioned(cid, "/approve", EXECUTIVE), "recommended-plan")

    supplied = await world.complete(cycle, "supply_review", SUPPLY_PLANNER, note="RCCP ok")
    assert supplied.status_code == 200, supplied.text

    plan = world.recommend(demand_plan)
    recommended = await world.complete(
        cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=plan["id"]
    )
    assert recommended.status_code == 200, recommended.text
    body = recommended.json()
    assert body["recommended_plan_id"] == plan["id"] and body["current_step"] == "executive_sop"
    executive_step = body["steps"][4]
    assert executive_step["inputs"] == [
        {
            "kind": "recommended_plan",
            "id": plan["id"],
            "version": plan["version"],
            "ref": f"/consensus-plans/{plan['id']}",
        }
    ]

    # Approval waits for every escalation item to be decided.
    refused = assert_gate(
        await world.post_versioned(cid, "/approve", EXECUTIVE), "escalations-decided"
    )
    assert refused["extra"]["undecided"] == plan["items"]

    first, second = plan["items"]
    decided = await world.decide(
        cid,
        first,
        {
            "option_index": 0,
            "rationale": "Overtime keeps key accounts served at the lowest cost",
            "action_items": [
                {
                    "title": "Book overtime crews",
                    "owner_role": "operations",
                    "due_date": in_days(10),
                },
                {
                    "title": "Confirm budget",
                    "owner_user": "fran",
                    "owner_role": "finance",
                    "due_date": in_days(20),
                },
            ],
        },
        EXECUTIVE,
    )
    assert decided.status_code == 201, decided.text
    decision = decided.json()
    assert decision["decided_by"] == "eve" and decision["plan_id"] == plan["id"]
    assert decision["plan_version"] == plan["version"]
    assert decision["option"]["lever"] == "overtime" and len(decision["action_item_ids"]) == 2
    again = await world.decide(
        cid, first, {"override": "No", "rationale": "changed mind"}, EXECUTIVE
    )
    assert_gate(again, "escalation-undecided")
    overridden = await world.decide(
        cid,
        second,
        {"override": "Delay the launch one month", "rationale": "Cash first"},
        EXECUTIVE,
    )
    assert overridden.status_code == 201, overridden.text

    escalations = (await world.gateway.get(f"/cycles/{cid}/escalations", headers=VIEWER)).json()
    assert [e["decision"]["escalation_id"] for e in escalations] == [first, second]
    assert escalations[0]["escalation"]["options"][0]["lever"] == "overtime"

    approved = await world.post_versioned(cid, "/approve", EXECUTIVE, json={"note": "Go"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_plan_id"] == plan["id"]
    assert statuses(approved.json()) == ["completed"] * 5
    current = await world.gateway.get("/cycles/current-plan", headers=VIEWER)
    assert current.status_code == 200 and current.json()["id"] == plan["id"]
    assert current.json()["status"] == "approved"

    # Closing opens the next month's cycle, its horizon rolled forward one month.
    closed = await world.post_versioned(cid, "/close", PROCESS_OWNER)
    assert closed.status_code == 200, closed.text
    transition = closed.json()
    assert transition["closed"]["status"] == "closed"
    following = transition["opened"]
    assert following["period"] == add_months(PERIOD, 1)
    assert following["horizon_start"] == add_months(HORIZON_START, 1)
    assert following["previous_cycle_id"] == cid
    assert closed.headers["ETag"] == f'"{following["version"]}"'
    assert (await world.gateway.get("/cycles/current", headers=VIEWER)).json()["id"] == (
        following["id"]
    )

    # The open action items carry into the next cycle's data gathering.
    carried = (
        await world.gateway.get(f"/cycles/{following['id']}/action-items", headers=VIEWER)
    ).json()
    assert [(i["title"], i["carried_over"], i["raised_in_period"]) for i in carried] == [
        ("Book overtime crews", True, PERIOD),
        ("Confirm budget", True, PERIOD),
    ]
    assert following["open_action_items"] == 2

    # The events went out through the outbox, in order.
    deliveries = (await world.gateway.get("/webhooks/deliveries", headers=VIEWER)).json()
    assert [d["event"] for d in deliveries["items"]] == [
        "consensus.recommended",
        "escalation.decided",
        "escalation.decided",
        "plan.approved",
    ]
    assert deliveries["items"][-1]["payload"]["plan_id"] == plan["id"]

    # Every write is in the audit trail with who made it.
    trail = (
        await world.gateway.get("/audit", params={"user": "eve", "limit": 500}, headers=VIEWER)
    ).json()["items"]
    entities = {entry["entity"] for entry in trail}
    assert {"sop_decision", "sop_action_item", "consensus_plan", "sop_cycle_step"} <= entities
    approval = [e for e in trail if e["entity"] == "consensus_plan"]
    assert approval[-1]["after"] == {"status": "approved"}
    assert approval[-1]["roles"] == "executive_sponsor"
    # ... filed under the cycle it belongs to, without the client naming it.
    january = (
        await world.gateway.get("/audit", params={"cycle": PERIOD, "limit": 500}, headers=VIEWER)
    ).json()["items"]
    assert {e["user"] for e in january} == {"pat", "dana", "sam", "eve"}
    completions = [
        e
        for e in january
        if e["entity"] == "sop_cycle_step"
        and e["action"] == "update"
        and (e["after"] or {}).get("status") == "completed"
    ]
    assert [e["user"] for e in completions] == ["pat", "dana", "sam", "pat", "eve"]


async def test_the_second_approval_supersedes_the_first(world: World) -> None:
    cycle = await world.open_cycle()
    first = await world.walk_to_pre_sop(cycle)
    for item in first["items"]:
        ok = await world.decide(
            cycle["id"], item, {"option_index": 0, "rationale": "yes"}, EXECUTIVE
        )
        assert ok.status_code == 201
    assert (await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)).status_code == 200
    following = (await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER)).json()["opened"]

    second = await world.walk_to_pre_sop(following)
    for item in second["items"]:
        ok = await world.decide(
            following["id"], item, {"override": "hold", "rationale": "r"}, EXECUTIVE
        )
        assert ok.status_code == 201
    approved = await world.post_versioned(following["id"], "/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text

    plans = (await world.gateway.get("/cycles/current-plan", headers=VIEWER)).json()
    assert plans["id"] == second["id"]
    deliveries = (await world.gateway.get("/webhooks/deliveries", headers=VIEWER)).json()
    assert deliveries["total"] == 0  # nobody subscribed: nothing queued
    cycles = (await world.gateway.get("/cycles", headers=VIEWER)).json()
    assert [c["period"] for c in cycles["items"]] == [following["period"], cycle["period"]]
    assert [c["approved_plan_id"] for c in cycles["items"]] == [second["id"], first["id"]]


async def test_action_items_stay_on_later_cycles_until_done(world: World) -> None:
    cycle = await world.open_cycle()
    plan = await world.walk_to_pre_sop(cycle)
    decided = await world.decide(
        cycle["id"],
        plan["items"][0],
        {
            "option_index": 0,
            "rationale": "r",
            "action_items": [
                {"title": "Hire two welders", "owner_role": "hr", "due_date": in_days(30)}
            ],
        },
        EXECUTIVE,
    )
    item_id = decided.json()["action_item_ids"][0]
    await world.decide(
        cycle["id"], plan["items"][1], {"option_index": 0, "rationale": "r"}, EXECUTIVE
    )
    await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)
    february = (await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER)).json()["opened"]

    hr = token(Role.hr, subject="harriet")
    read = await world.gateway.get(f"/action-items/{item_id}", headers=hr)
    assert read.headers["ETag"] == '"1"'
    started = await world.gateway.patch(
        f"/action-items/{item_id}", json={"status": "in_progress"}, headers=versioned(hr, 1)
    )
    assert started.status_code == 200, started.text
    assert started.headers["ETag"] == '"2"' and started.json()["status"] == "in_progress"

    # February's data gathering reviews it; done during February, it leaves March's list.
    listed = (
        await world.gateway.get(f"/cycles/{february['id']}/action-items", headers=VIEWER)
    ).json()
    assert [(i["id"], i["carried_over"]) for i in listed] == [(item_id, True)]
    done = await world.gateway.patch(
        f"/action-items/{item_id}",
        json={"status": "done", "note": "hired"},
        headers=versioned(hr, 2),
    )
    assert done.status_code == 200 and done.json()["done_at"] is not None
    reopened = await world.gateway.patch(
        f"/action-items/{item_id}", json={"status": "open"}, headers=versioned(hr, 3)
    )
    assert_gate(reopened, "action-item-open")

    march = await world.walk_to_pre_sop(february)
    for escalation in march["items"]:
        await world.decide(
            february["id"], escalation, {"option_index": 0, "rationale": "r"}, EXECUTIVE
        )
    await world.post_versioned(february["id"], "/approve", EXECUTIVE)
    opened = (await world.post_versioned(february["id"], "/close", PROCESS_OWNER)).json()["opened"]
    february_list = await world.gateway.get(
        f"/cycles/{february['id']}/action-items", headers=VIEWER
    )
    assert [i["id"] for i in february_list.json()] == [item_id]  # open when February opened
    march_list = await world.gateway.get(f"/cycles/{opened['id']}/action-items", headers=VIEWER)
    assert march_list.json() == []
    listed_all = (
        await world.gateway.get("/action-items", params={"status": "done"}, headers=VIEWER)
    ).json()
    assert [i["id"] for i in listed_all["items"]] == [item_id]
