"""``step.late`` once a step: announced by the overdue sweep while the step is open, or at
its late completion when the sweep did not see it first.

A cycle opened for 2026-01 has its data gathering due on 2026-01-05 and the four steps after
it due on 01-10, 01-15, 01-18 and 01-22. Swept "on" 2026-01-12: data gathering (7 days) and
demand review (2 days) are late; the others are not due yet.
"""

import asyncio
import datetime as dt
from contextlib import AsyncExitStack
from typing import Any

import pytest
from sqlmodel import Session

from gateway.cycle.events import announce_overdue
from gateway.cycle.sweep import start_overdue_sweep
from tests.gateway.cycle.world import PROCESS_OWNER, VIEWER, World

pytestmark = pytest.mark.anyio

SWEPT_AT = dt.datetime(2026, 1, 12, 6, tzinfo=dt.UTC)


async def subscribe(world: World) -> None:
    subscribed = await world.gateway.post(
        "/webhooks",
        json={"url": "https://hooks.example/sop", "secret": "s" * 16, "events": ["step.late"]},
        headers=PROCESS_OWNER,
    )
    assert subscribed.status_code == 201, subscribed.text


async def late_payloads(world: World) -> list[dict[str, Any]]:
    answer = await world.gateway.get("/webhooks/deliveries", params={"limit": 100}, headers=VIEWER)
    return [d["payload"] for d in answer.json()["items"] if d["event"] == "step.late"]


def sweep(world: World, now: dt.datetime) -> int:
    with Session(world.engine) as session:
        announced = announce_overdue(session, now=now)
        session.commit()
    return announced


async def test_open_steps_past_due_are_announced_once(world: World) -> None:
    await subscribe(world)
    cycle = await world.open_cycle()
    assert [s["due_date"] for s in cycle["steps"]][:2] == ["2026-01-05", "2026-01-10"]

    assert sweep(world, SWEPT_AT) == 2
    assert sweep(world, SWEPT_AT + dt.timedelta(days=1)) == 0  # announced already
    late = await late_payloads(world)
    assert sorted((p["step"], p["days_late"], p["completed_at"]) for p in late) == [
        ("data_gathering", 7, None),
        ("demand_review", 2, None),
    ]
    assert {p["cycle_id"] for p in late} == {cycle["id"]}

    # Completed (late, today) after the sweep announced it: completed, not late again.
    done = await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    assert done.status_code == 200, done.text
    assert len(await late_payloads(world)) == 2


async def test_a_late_completion_the_sweep_did_not_see_is_announced_then(world: World) -> None:
    await subscribe(world)
    cycle = await world.open_cycle()
    done = await world.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
    assert done.status_code == 200, done.text
    [late] = await late_payloads(world)
    assert (late["step"], late["completed_at"] is not None) == ("data_gathering", True)
    assert late["days_late"] == (dt.date.today() - dt.date(2026, 1, 5)).days
    # The sweep now finds the demand review (and the rest, all past due today), not it.
    assert sweep(world, SWEPT_AT) == 1
    assert [p["step"] for p in await late_payloads(world)] == ["data_gathering", "demand_review"]


async def test_two_sweeps_at_once_announce_each_step_once(world: World) -> None:
    await subscribe(world)
    await world.open_cycle()
    counts = await asyncio.gather(*(asyncio.to_thread(sweep, world, SWEPT_AT) for _ in range(4)))
    assert sum(counts) == 2
    assert len(await late_payloads(world)) == 2


async def test_the_gateway_sweeps_on_its_own(world: World) -> None:
    await subscribe(world)
    await world.open_cycle()
    async with AsyncExitStack() as stack:
        await start_overdue_sweep(stack, engine=world.engine, interval_seconds=0.05)
        for _ in range(200):  # at most 10 s
            await asyncio.sleep(0.05)
            if await late_payloads(world):
                break
    # Today every step of a 2026-01 cycle is past due.
    assert sorted(p["step"] for p in await late_payloads(world)) == sorted(
        ["data_gathering", "demand_review", "supply_review", "pre_sop", "executive_sop"]
    )
