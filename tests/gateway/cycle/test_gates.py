"""Every gate of the cycle refuses its transition with 409 naming it; bad input is a 422
naming the field; late steps show."""

import datetime as dt
from typing import Any

import pytest

from shared.periods import add_months
from tests.gateway.cycle.world import (
    DEMAND_PLANNER,
    EXECUTIVE,
    HORIZON_START,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    VIEWER,
    World,
    assert_gate,
    assert_problem,
    in_days,
    versioned,
)

pytestmark = pytest.mark.anyio


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


async def test_step_outputs_are_checked_before_anything_is_recorded(world: World) -> None:
    cycle = await world.open_cycle()
    missing = await world.complete(cycle, "data_gathering", PROCESS_OWNER)
    assert fields(assert_problem(missing, 422)) == ["body.data_quality_report"]
    foreign = await world.complete(
        cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq", demand_plan_id=3
    )
    assert fields(assert_problem(foreign, 422)) == ["body.demand_plan_id"]
    bad = await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="")
    assert "body.data_quality_report" in fields(assert_problem(bad, 422))
    extra = await world.complete(
        cycle, "data_gathering", PROCESS_OWNER, data_quality_report="x", unknown=1
    )
    assert "body.unknown" in fields(assert_problem(extra, 422))
    assert (await world.cycle(cycle["id"])) == cycle  # nothing recorded, version unchanged


async def test_the_executive_step_completes_only_by_approval(world: World) -> None:
    cycle = await world.open_cycle()
    assert_gate(
        await world.complete(cycle, "executive_sop", EXECUTIVE), "executive-step-by-approval"
    )
    unknown = await world.complete(cycle, "lunch", PROCESS_OWNER)
    assert "path.step" in fields(assert_problem(unknown, 422))


async def test_demand_review_needs_a_locked_plan_of_the_cycle_horizon(world: World) -> None:
    cycle = await world.open_cycle()
    await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    nowhere = await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=999)
    assert fields(assert_problem(nowhere, 422)) == ["body.demand_plan_id"]
    stale = await world.demand_plan(start=add_months(HORIZON_START, -1))
    assert_gate(
        await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=stale.id),
        "demand-plan-horizon",
    )


async def test_supply_review_records_a_proposed_supply_plan_of_the_demand_plan(
    world: World,
) -> None:
    cycle = await world.open_cycle()
    await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    demand_plan = await world.demand_plan()
    await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id)

    async def supply_plan(*, propose: bool, demand_plan_id: int | None) -> int:
        created = await world.supply.post(
            "/supply-plans",
            json={
                "name": f"Proposal {demand_plan_id}-{propose}",
                "horizon_start": HORIZON_START,
                "horizon_months": 12,
                "demand_plan_id": demand_plan_id,
            },
            headers=SUPPLY_PLANNER,
        )
        assert created.status_code == 201, created.text
        plan_id: int = created.json()["id"]
        if propose:
            proposed = await world.supply.post(
                f"/supply-plans/{plan_id}/propose",
                headers={**SUPPLY_PLANNER, "If-Match": created.headers["ETag"]},
            )
            assert proposed.status_code == 200, proposed.text
        return plan_id

    nowhere = await world.complete(cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=999)
    assert fields(assert_problem(nowhere, 422)) == ["body.supply_plan_id"]
    draft = await supply_plan(propose=False, demand_plan_id=demand_plan.id)
    assert_gate(
        await world.complete(cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=draft),
        "supply-plan-proposed",
    )
    other = await supply_plan(propose=True, demand_plan_id=demand_plan.id + 1)
    assert_gate(
        await world.complete(cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=other),
        "supply-plan-answers-demand-plan",
    )
    good = await supply_plan(propose=True, demand_plan_id=demand_plan.id)
    done = await world.complete(cycle, "supply_review", SUPPLY_PLANNER, supply_plan_id=good)
    assert done.status_code == 200, done.text
    assert done.json()["supply_plan_id"] == good
    assert done.json()["steps"][3]["inputs"][1] == {
        "kind": "supply_plan",
        "id": good,
        "version": 1,
        "ref": f"/supply-plans/{good}",
    }


async def test_pre_sop_records_a_recommended_plan_of_the_cycle_demand_plan(world: World) -> None:
    cycle = await world.open_cycle()
    await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    demand_plan = await world.demand_plan()
    await world.complete(cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id)
    await world.complete(cycle, "supply_review", SUPPLY_PLANNER)

    nowhere = await world.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=999)
    assert fields(assert_problem(nowhere, 422)) == ["body.consensus_plan_id"]
    another = await world.demand_plan()
    foreign = world.recommend(another)
    assert_gate(
        await world.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=foreign["id"]),
        "consensus-plan-reconciles-cycle-demand-plan",
    )
    plan = world.recommend(demand_plan)
    done = await world.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=plan["id"])
    assert done.status_code == 200
    again = await world.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=plan["id"])
    assert_gate(again, "step-open")


async def test_decisions_are_made_on_the_cycle_recommended_plan_only(world: World) -> None:
    cycle = await world.open_cycle()
    plan = await world.walk_to_pre_sop(cycle)
    other = world.recommend(await world.demand_plan())
    cid, item = cycle["id"], plan["items"][0]

    assert_gate(
        await world.decide(
            cid, other["items"][0], {"option_index": 0, "rationale": "r"}, EXECUTIVE
        ),
        "escalation-of-recommended-plan",
    )
    missing = await world.decide(cid, 99999, {"option_index": 0, "rationale": "r"}, EXECUTIVE)
    assert fields(assert_problem(missing, 404)) == ["path.escalation_id"]
    refusals = {
        "body.option_index": {"option_index": 5, "rationale": "r"},
        "body": {"option_index": 0, "override": "both", "rationale": "r"},
        "body.rationale": {"option_index": 0, "rationale": "   "},
        "body.action_items.0": {
            "option_index": 0,
            "rationale": "r",
            "action_items": [{"title": "t", "due_date": in_days(1)}],
        },
        "body.action_items.0.due_date": {
            "option_index": 0,
            "rationale": "r",
            "action_items": [{"title": "t", "owner_role": "hr", "due_date": in_days(-1)}],
        },
        "body.action_items.0.owner_role": {
            "option_index": 0,
            "rationale": "r",
            "action_items": [{"title": "t", "owner_role": "janitor", "due_date": in_days(1)}],
        },
    }
    for field, body in refusals.items():
        refused = assert_problem(await world.decide(cid, item, body, EXECUTIVE), 422)
        assert field in fields(refused), (field, refused)
    neither = assert_problem(await world.decide(cid, item, {"rationale": "r"}, EXECUTIVE), 422)
    assert "body" in fields(neither)
    infeasible = await world.decide(cid, item, {"option_index": 1, "rationale": "r"}, EXECUTIVE)
    assert "infeasible" in assert_problem(infeasible, 422)["detail"]
    assert (await world.gateway.get(f"/cycles/{cid}/decisions", headers=VIEWER)).json() == []

    # After approval the executive step is over: no more decisions, no second approval.
    for escalation in plan["items"]:
        made = await world.decide(cid, escalation, {"option_index": 0, "rationale": "r"}, EXECUTIVE)
        assert made.status_code == 201
    assert (await world.post_versioned(cid, "/approve", EXECUTIVE)).status_code == 200
    assert_gate(await world.post_versioned(cid, "/approve", EXECUTIVE), "step-open")
    assert_gate(
        await world.decide(
            cid, other["items"][1], {"option_index": 0, "rationale": "r"}, EXECUTIVE
        ),
        "step-open",
    )


async def test_a_cycle_closes_after_approval_and_is_final_once_closed(world: World) -> None:
    cycle = await world.open_cycle()
    assert_gate(
        await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER), "executive-step-completed"
    )
    one_more = await world.gateway.post(
        "/cycles", json={"period": "2026-02"}, headers=PROCESS_OWNER
    )
    assert_gate(one_more, "one-open-cycle")

    plan = await world.walk_to_pre_sop(cycle)
    for escalation in plan["items"]:
        await world.decide(
            cycle["id"], escalation, {"option_index": 0, "rationale": "r"}, EXECUTIVE
        )
    await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)
    closed = await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER)
    assert closed.status_code == 200
    assert_gate(await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER), "cycle-open")
    final = await world.cycle(cycle["id"])
    moved = await world.gateway.patch(
        f"/cycles/{cycle['id']}/calendar",
        json={"due_dates": {"executive_sop": "2026-01-30"}},
        headers=versioned(PROCESS_OWNER, final["version"]),
    )
    assert_gate(moved, "cycle-open")


async def test_the_calendar_keeps_the_step_order_and_completed_dates(world: World) -> None:
    cycle = await world.open_cycle()
    path = f"/cycles/{cycle['id']}/calendar"
    disorder = await world.gateway.patch(
        path,
        json={"due_dates": {"supply_review": "2026-01-02"}},
        headers=versioned(PROCESS_OWNER, 1),
    )
    assert fields(assert_problem(disorder, 422)) == ["body.due_dates.supply_review"]
    refused: list[dict[str, Any]] = [
        {"due_dates": {}},
        {"due_dates": {"lunch": "2026-01-02"}},
        {"due_dates": {"pre_sop": "tomorrow"}},
    ]
    for bad in refused:
        assert_problem(
            await world.gateway.patch(path, json=bad, headers=versioned(PROCESS_OWNER, 1)), 422
        )
    moved = await world.gateway.patch(
        path,
        json={"due_dates": {"pre_sop": "2026-01-21", "executive_sop": "2026-01-28"}},
        headers=versioned(PROCESS_OWNER, 1),
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"2"'
    assert [s["due_date"] for s in moved.json()["steps"]][3:] == ["2026-01-21", "2026-01-28"]

    await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    history = await world.gateway.patch(
        path,
        json={"due_dates": {"data_gathering": "2026-01-06"}},
        headers=versioned(PROCESS_OWNER, 3),
    )
    assert fields(assert_gate(history, "step-open")) == ["body.due_dates.data_gathering"]


async def test_late_steps_are_visible(world: World) -> None:
    today = dt.date.today()
    past = {
        step: (today - dt.timedelta(days=10 - i)).isoformat()
        for i, step in enumerate(["data_gathering", "demand_review", "supply_review", "pre_sop"])
    }
    cycle = await world.open_cycle(
        due_dates={**past, "executive_sop": (today + dt.timedelta(days=3)).isoformat()}
    )
    assert cycle["late_steps"] == ["data_gathering", "demand_review", "supply_review", "pre_sop"]
    first = cycle["steps"][0]
    assert first["is_late"] and first["days_late"] == 10
    assert not cycle["steps"][4]["is_late"] and cycle["steps"][4]["days_late"] == 0

    done = await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    step = done.json()["steps"][0]
    assert step["status"] == "completed" and step["is_late"] and step["days_late"] == 10

    moved = await world.gateway.patch(
        f"/cycles/{cycle['id']}/calendar",
        json={
            "due_dates": {
                step: (today + dt.timedelta(days=1)).isoformat()
                for step in ["demand_review", "supply_review", "pre_sop"]
            }
        },
        headers=versioned(PROCESS_OWNER, 2),
    )
    assert moved.json()["late_steps"] == ["data_gathering"]


async def test_opening_a_cycle_validates_every_field(world: World) -> None:
    for body, field in (
        ({"period": "2026-13"}, "body.period"),
        ({"period": "2026-01", "horizon_months": 6}, "body.horizon_months"),
        ({"period": "2026-01", "horizon_start": "26-01"}, "body.horizon_start"),
        ({"period": "2026-01", "due_dates": {"pre_sop": "2026-01-02"}}, "body.due_dates.pre_sop"),
        ({"period": "2026-01", "owner": "me"}, "body.owner"),
    ):
        refused = await world.gateway.post("/cycles", json=body, headers=PROCESS_OWNER)
        assert field in fields(assert_problem(refused, 422)), (body, refused.text)
    assert (await world.gateway.get("/cycles", headers=VIEWER)).json()["total"] == 0
    assert_problem(await world.gateway.get("/cycles/current", headers=VIEWER), 404)
    assert_problem(await world.gateway.get("/cycles/current-plan", headers=VIEWER), 404)
    assert_problem(await world.gateway.get("/cycles/77", headers=VIEWER), 404)


async def test_hostile_input_is_a_4xx_never_a_500(world: World) -> None:
    cycle = await world.open_cycle()
    cid = cycle["id"]
    nul, huge = "a\x00b", 2**70
    attempts: list[tuple[str, str, Any, dict[str, str]]] = [
        ("POST", "/cycles", {"period": nul}, PROCESS_OWNER),
        ("POST", "/cycles", {"period": "2026-02", "horizon_months": huge}, PROCESS_OWNER),
        (
            "PATCH",
            f"/cycles/{cid}/calendar",
            {"due_dates": {"pre_sop": "0000-01-01"}},
            versioned(PROCESS_OWNER, 1),
        ),
        ("PATCH", f"/cycles/{cid}/calendar", [1, 2], versioned(PROCESS_OWNER, 1)),
        (
            "POST",
            f"/cycles/{cid}/steps/data_gathering/complete",
            {"data_quality_report": nul},
            versioned(PROCESS_OWNER, 1),
        ),
        (
            "POST",
            f"/cycles/{cid}/steps/demand_review/complete",
            {"demand_plan_id": huge},
            versioned(DEMAND_PLANNER, 1),
        ),
        (
            "POST",
            f"/cycles/{huge}/steps/data_gathering/complete",
            {"data_quality_report": "dq"},
            versioned(PROCESS_OWNER, 1),
        ),
        (
            "POST",
            f"/cycles/{cid}/escalations/1/decision",
            {"option_index": huge, "rationale": "r"},
            versioned(EXECUTIVE, 1),
        ),
        (
            "POST",
            f"/cycles/{cid}/escalations/1/decision",
            {"override": "x", "rationale": nul},
            versioned(EXECUTIVE, 1),
        ),
        ("POST", f"/cycles/{cid}/approve", {"note": nul}, versioned(EXECUTIVE, 1)),
        ("PATCH", "/action-items/1", {"status": "done"}, versioned(PROCESS_OWNER, huge)),
        (
            "POST",
            f"/cycles/{cid}/close",
            None,
            {**PROCESS_OWNER, "If-Match": '"99999999999999999999"'},
        ),
        ("GET", "/cycles", {"period_from": nul}, VIEWER),
    ]
    for method, path, body, headers in attempts:
        if method == "GET":
            response = await world.gateway.get(path, params=body, headers=headers)
        else:
            response = await world.gateway.request(method, path, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (method, path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await world.cycle(cid))["version"] == 1
