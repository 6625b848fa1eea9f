"""Optimistic concurrency: If-Match on every write; of concurrent writes based on the same
version exactly one wins and the others get 409 with the current version."""

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session

from gateway.cycle.concurrency import check_version, claim
from gateway.cycle.models import Cycle
from gateway.cycle.problems import VersionConflict
from tests.gateway.cycle.world import (
    EXECUTIVE,
    PROCESS_OWNER,
    World,
    assert_problem,
    versioned,
    world_over,
)

pytestmark = pytest.mark.anyio


async def test_a_write_needs_the_version_it_read(world: World) -> None:
    cycle = await world.open_cycle()
    path = f"/cycles/{cycle['id']}/calendar"
    body = {"due_dates": {"executive_sop": "2026-01-27"}}
    missing = assert_problem(
        await world.gateway.patch(path, json=body, headers=PROCESS_OWNER),
        428,
        "precondition-required",
    )
    assert missing["errors"][0]["field"] == "header.If-Match"
    for malformed in ("1", '"one"', '"1", "2"', "*"):
        refused = await world.gateway.patch(
            path, json=body, headers={**PROCESS_OWNER, "If-Match": malformed}
        )
        assert assert_problem(refused, 422)["errors"][0]["field"] == "header.If-Match"

    weak = await world.gateway.patch(
        path, json=body, headers={**PROCESS_OWNER, "If-Match": 'W/"1"'}
    )
    assert weak.status_code == 200 and weak.headers["ETag"] == '"2"'
    stale = await world.gateway.patch(
        path,
        json={"due_dates": {"executive_sop": "2026-01-29"}},
        headers=versioned(PROCESS_OWNER, 1),
    )
    conflict = assert_problem(stale, 409, "version-conflict")
    assert conflict["extra"] == {"current_version": 2, "etag": '"2"'}
    assert (await world.cycle(cycle["id"]))["steps"][4]["due_date"] == "2026-01-27"


def _gather(*requests: Any) -> Any:
    return asyncio.gather(*requests)


async def test_concurrent_edits_of_the_same_version_one_wins(shared_database_url: str) -> None:
    async with world_over(shared_database_url) as world:
        cycle = await world.open_cycle()
        path = f"/cycles/{cycle['id']}/calendar"
        answers = await _gather(
            *(
                world.gateway.patch(
                    path,
                    json={"due_dates": {"executive_sop": f"2026-01-{26 + index}"}},
                    headers=versioned(PROCESS_OWNER, 1),
                )
                for index in range(5)
            )
        )
        assert Counter(a.status_code for a in answers) == {200: 1, 409: 4}
        winner = next(a for a in answers if a.status_code == 200)
        for loser in (a for a in answers if a.status_code == 409):
            assert loser.json()["extra"]["current_version"] == 2
        after = await world.cycle(cycle["id"])
        assert after["version"] == 2
        assert after["steps"][4]["due_date"] == winner.json()["steps"][4]["due_date"]

        # The same on a step completion, which reads, asks upstream (readiness), then writes.
        steps = await _gather(
            *(
                world.gateway.post(
                    f"/cycles/{cycle['id']}/steps/data_gathering/complete",
                    json={"data_quality_report": f"dq-{index}", "readiness_override": "test"},
                    headers=versioned(PROCESS_OWNER, 2),
                )
                for index in range(4)
            )
        )
        assert Counter(a.status_code for a in steps) == {200: 1, 409: 3}


async def test_concurrent_decisions_one_wins_the_loser_rereads(shared_database_url: str) -> None:
    async with world_over(shared_database_url) as world:
        cycle = await world.open_cycle()
        plan = await world.walk_to_pre_sop(cycle)
        version = (await world.cycle(cycle["id"]))["version"]
        first, second = plan["items"]

        def decide(item: int) -> Any:
            return world.gateway.post(
                f"/cycles/{cycle['id']}/escalations/{item}/decision",
                json={"option_index": 0, "rationale": f"item {item}"},
                headers=versioned(EXECUTIVE, version),
            )

        same = await _gather(decide(first), decide(first), decide(first))
        assert Counter(a.status_code for a in same) == {201: 1, 409: 2}
        decisions = await world.gateway.get(f"/cycles/{cycle['id']}/decisions", headers=EXECUTIVE)
        assert [d["escalation_id"] for d in decisions.json()] == [first]

        # A decision on another item based on the old version is refused, not lost: re-read.
        stale = await decide(second)
        assert assert_problem(stale, 409, "version-conflict")["extra"]["current_version"] == (
            version + 1
        )
        retried = await world.decide(
            cycle["id"], second, {"option_index": 0, "rationale": "r"}, EXECUTIVE
        )
        assert retried.status_code == 201


def test_the_version_moves_once_even_when_both_writers_passed_the_check(
    shared_database_url: str,
) -> None:
    """The conditional UPDATE, not the early check, is what decides: the second writer
    waits for the first one's transaction, then finds the version moved."""
    from gateway.tables import metadata
    from shared.db import create_db_engine

    engine = create_db_engine(shared_database_url)
    metadata.create_all(engine)
    with Session(engine) as setup:
        cycle = Cycle(period="2026-01", horizon_start="2026-02", horizon_months=24, opened_by="pat")
        setup.add(cycle)
        setup.commit()
        cycle_id = cycle.id
    outcome: dict[str, Any] = {}
    with Session(engine) as first, Session(engine) as second:
        mine, theirs = first.get(Cycle, cycle_id), second.get(Cycle, cycle_id)
        assert mine is not None and theirs is not None
        check_version(mine, 1, what="the cycle")
        check_version(theirs, 1, what="the cycle")
        claim(first, mine, 1, what="the cycle")  # holds the row until it commits

        def race() -> None:
            try:
                claim(second, theirs, 1, what="the cycle")
            except VersionConflict as exc:
                outcome["conflict"] = exc.extra
            outcome["finished_at"] = time.monotonic()

        racer = threading.Thread(target=race)
        racer.start()
        time.sleep(0.3)
        committed_at = time.monotonic()
        first.commit()
        racer.join(timeout=10)
        second.rollback()
    assert outcome["conflict"] == {"current_version": 2, "etag": '"2"'}
    assert outcome["finished_at"] >= committed_at  # it waited for the winner
    with Session(engine) as check:
        stored = check.get(Cycle, cycle_id)
        assert stored is not None and stored.version == 2
    engine.dispose()
