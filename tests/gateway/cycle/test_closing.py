"""Closing a cycle rolls its demand plan into the next cycle's horizon.

The cycle of 2026-01 plans 2026-02..2027-01. Its demand plan is built from streams over a
flat history of 100 a month (F01/KEY, 2024-02..2026-01), so the baseline is 100 in every
month, with two sales inputs:
- a delta of +10 in 2026-02 only: it ends before 2026-03, the next cycle's first month;
- an override of 150 over 2026-03..2026-04: it still acts there.
Closing rolls the plan to 2026-03..2027-02: the override is carried (150, 150, then 100),
the delta dropped and listed; the next cycle's demand review takes the rolled plan.
"""

import datetime as dt
from typing import Any

import pytest

from shared.auth import Role
from shared.contracts.demand import DemandPlanPublic
from shared.periods import add_months
from tests.gateway.company import sign_off
from tests.gateway.cycle.world import (
    DEMAND_PLANNER,
    EXECUTIVE,
    HORIZON_START,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    VIEWER,
    World,
    assert_gate,
    token,
)

pytestmark = pytest.mark.anyio
SALES = token(Role.sales, subject="sally")


def sales(kind: str, period_from: str, period_to: str, quantity: float, reason: str) -> dict:
    return {
        "kind": kind,
        "family_code": "F01",
        "segment_code": "KEY",
        "period_from": period_from,
        "period_to": period_to,
        "quantity": quantity,
        "reason_code": reason,
        "assumption": f"{reason} as agreed",
    }


async def stream_plan(world: World) -> dict[str, Any]:
    """The locked stream-built plan of the docstring, in the real demand service."""
    for path, body in (
        ("/families", [{"code": "F01", "name": "Family one"}]),
        ("/segments", [{"code": "KEY", "name": "Key accounts"}]),
        (
            "/history",
            [
                {
                    "family_code": "F01",
                    "segment_code": "KEY",
                    "period": add_months("2024-02", k),
                    "quantity": 100,
                }
                for k in range(24)
            ],
        ),
    ):
        assert (await world.demand.put(path, json=body, headers=DEMAND_PLANNER)).status_code == 200
    created = await world.demand.post(
        "/demand-plans",
        json={"name": "January review", "horizon_start": HORIZON_START, "horizon_months": 12},
        headers=DEMAND_PLANNER,
    )
    plan_id = created.json()["id"]

    async def edit(path: str, body: Any, headers: dict[str, str]) -> None:
        etag = (await world.demand.get(f"/demand-plans/{plan_id}", headers=VIEWER)).headers["ETag"]
        answer = await world.demand.post(
            f"/demand-plans/{plan_id}{path}", json=body, headers={**headers, "If-Match": etag}
        )
        assert answer.status_code in (200, 201), answer.text

    await edit("/baseline", {}, DEMAND_PLANNER)
    await edit(
        "/inputs/sales",
        [
            sales("delta", "2026-02", "2026-02", 10, "TENDER"),
            sales("override", "2026-03", "2026-04", 150, "PROMO"),
        ],
        SALES,
    )
    await sign_off(world.demand, plan_id)
    await edit("/lock", None, DEMAND_PLANNER)
    return (await world.demand.get(f"/demand-plans/{plan_id}", headers=VIEWER)).json()


async def approve_with(world: World, cycle: dict[str, Any], demand_plan: dict[str, Any]) -> None:
    """Every step of ``cycle`` with ``demand_plan`` locked in its demand review."""
    steps = [
        ("data_gathering", PROCESS_OWNER, {"data_quality_report": "dq"}),
        ("demand_review", DEMAND_PLANNER, {"demand_plan_id": demand_plan["id"]}),
        ("supply_review", SUPPLY_PLANNER, {}),
    ]
    for step, headers, body in steps:
        ok = await world.complete(cycle, step, headers, **body)
        assert ok.status_code == 200, ok.text
    recommended = world.recommend(DemandPlanPublic.model_validate(demand_plan))
    ok = await world.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=recommended["id"])
    assert ok.status_code == 200, ok.text
    for item in recommended["items"]:
        decided = await world.decide(
            cycle["id"], item, {"option_index": 0, "rationale": "yes"}, EXECUTIVE
        )
        assert decided.status_code == 201, decided.text
    approved = await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text


async def consensus(world: World, plan_id: int) -> list[float]:
    rows = (
        await world.demand.get(
            f"/demand-plans/{plan_id}/waterfall", params={"limit": 100}, headers=VIEWER
        )
    ).json()["items"]
    return [round(row["consensus"], 6) for row in sorted(rows, key=lambda row: row["period"])]


async def test_closing_rolls_the_demand_plan_carrying_and_dropping_inputs(world: World) -> None:
    hook = {"url": "https://hooks.example/sop", "secret": "s" * 16}
    typo = await world.gateway.post(
        "/webhooks", json={**hook, "events": ["cycle.closd"]}, headers=PROCESS_OWNER
    )
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "body.events.0"
    subscribed = await world.gateway.post(
        "/webhooks",
        json={**hook, "events": ["cycle.closed", "step.completed", "step.late"]},
        headers=PROCESS_OWNER,
    )
    assert subscribed.status_code == 201, subscribed.text
    cycle = await world.open_cycle()
    plan = await stream_plan(world)
    assert await consensus(world, plan["id"]) == [110, 150, 150] + [100] * 9
    await approve_with(world, cycle, plan)

    closed = await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER)
    assert closed.status_code == 200, closed.text
    transition = closed.json()
    roll = transition["roll"]
    assert transition["opened"]["horizon_start"] == roll["plan"]["horizon_start"] == "2026-03"
    assert (roll["source_plan_id"], roll["months"], roll["baseline_series"]) == (plan["id"], 1, 1)
    assert [(i["reason_code"], i["author"], i["note"]) for i in roll["carried"]] == [
        ("PROMO", "sally", "acts through 2026-04")
    ]
    assert [(i["reason_code"], i["note"]) for i in roll["dropped"]] == [
        ("TENDER", "ended 2026-02, before the rolled horizon starts in 2026-03")
    ]
    rolled_id = roll["plan"]["id"]
    assert await consensus(world, rolled_id) == [150, 150] + [100] * 10

    # The next cycle's demand review takes the rolled plan once it is signed off and locked.
    await sign_off(world.demand, rolled_id)
    etag = (await world.demand.get(f"/demand-plans/{rolled_id}", headers=VIEWER)).headers["ETag"]
    locked = await world.demand.post(
        f"/demand-plans/{rolled_id}/lock", headers={**DEMAND_PLANNER, "If-Match": etag}
    )
    assert locked.status_code == 200, locked.text
    following = transition["opened"]
    ok = await world.complete(following, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    assert ok.status_code == 200, ok.text
    ok = await world.complete(following, "demand_review", DEMAND_PLANNER, demand_plan_id=rolled_id)
    assert ok.status_code == 200, ok.text

    deliveries = (
        await world.gateway.get("/webhooks/deliveries", params={"limit": 100}, headers=VIEWER)
    ).json()["items"]
    closings = [d["payload"] for d in deliveries if d["event"] == "cycle.closed"]
    assert closings == [
        {
            "cycle_id": cycle["id"],
            "period": "2026-01",
            "approved_plan_id": transition["closed"]["approved_plan_id"],
            "closed_by": "pat",
            "next_cycle_id": following["id"],
            "next_period": "2026-02",
            "rolled_demand_plan_id": rolled_id,
        }
    ]
    completed = [
        (d["payload"]["period"], d["payload"]["step"])
        for d in deliveries
        if d["event"] == "step.completed"
    ]
    assert completed == [
        ("2026-01", "data_gathering"),
        ("2026-01", "demand_review"),
        ("2026-01", "supply_review"),
        ("2026-01", "pre_sop"),
        ("2026-01", "executive_sop"),
        ("2026-02", "data_gathering"),
        ("2026-02", "demand_review"),
    ]
    # The cycle of 2026-01 had its data gathering due on 2026-01-05: completed today, late.
    late = [d["payload"] for d in deliveries if d["event"] == "step.late"]
    assert len(late) == len(completed)
    assert late[0]["due_date"] == "2026-01-05"
    assert late[0]["days_late"] == (dt.date.today() - dt.date(2026, 1, 5)).days
    assert_gate(await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER), "cycle-open")
