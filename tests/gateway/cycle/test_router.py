"""The cycle's REST surface: an executive decision retried with its Idempotency-Key (after a
lost answer) is made once."""

import pytest

from tests.gateway.cycle.world import EXECUTIVE, VIEWER, World, versioned

pytestmark = pytest.mark.anyio

DECISION = {"option_index": 0, "rationale": "Overtime keeps key accounts served"}


async def test_a_decision_retried_with_its_key_is_made_once(world: World) -> None:
    cycle = await world.open_cycle()
    cid = cycle["id"]
    plan = await world.walk_to_pre_sop(cycle)
    first_item = plan["items"][0]
    path = f"/cycles/{cid}/escalations/{first_item}/decision"
    version = (await world.cycle(cid))["version"]
    headers = {**versioned(EXECUTIVE, version), "Idempotency-Key": "decide-overtime-1"}

    decided = await world.gateway.post(path, json=DECISION, headers=headers)
    assert decided.status_code == 201, decided.text
    # The answer was lost: the executive's client sends the same request again, with the
    # version it read before (stale by now).
    retried = await world.gateway.post(path, json=DECISION, headers=headers)

    assert retried.status_code == 201, retried.text
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.json() == decided.json()
    assert retried.headers["etag"] == decided.headers["etag"]
    assert retried.headers["location"] == f"/cycles/{cid}/decisions"
    decisions = await world.gateway.get(f"/cycles/{cid}/decisions", headers=VIEWER)
    assert [d["id"] for d in decisions.json()] == [decided.json()["id"]]
    # Without the key, the same retry is refused: the item is decided (and the version stale).
    unkeyed = await world.gateway.post(path, json=DECISION, headers=versioned(EXECUTIVE, version))
    assert unkeyed.status_code == 409
