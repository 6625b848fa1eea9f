"""Decision rights, table-driven: every write of the cycle by every role, and by nobody.

The expected rights are written out here from the process (not read from the code): the
process owner opens, closes and schedules cycles and runs data gathering and pre-S&OP;
the demand planner completes demand review, the supply planner supply review; only the
executive sponsor decides escalations and approves; an action item is progressed by its
owner or the process owner. A caller with the right role gets past the rights check and
stops at the next rule (428 without If-Match, or the gate of the current state).
"""

from dataclasses import dataclass
from typing import Any

import pytest

from shared.auth import Role
from tests.gateway.cycle.world import (
    EXECUTIVE,
    VIEWER,
    World,
    assert_problem,
    in_days,
    token,
)

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    allowed: frozenset[Role]
    allowed_status: int = 428  # past the rights check, stopped for lack of If-Match


PO, DP, SP, ES, FI = (
    Role.process_owner,
    Role.demand_planner,
    Role.supply_planner,
    Role.executive_sponsor,
    Role.finance,
)
WRITES = [
    Write("open a cycle", "POST", "/cycles", {"period": "2026-06"}, frozenset({PO}), 409),
    Write(
        "edit the calendar",
        "PATCH",
        "/cycles/{cycle}/calendar",
        {"due_dates": {"executive_sop": "2026-01-28"}},
        frozenset({PO}),
    ),
    Write(
        "complete data gathering",
        "POST",
        "/cycles/{cycle}/steps/data_gathering/complete",
        {"data_quality_report": "dq"},
        frozenset({PO}),
    ),
    Write(
        "complete demand review",
        "POST",
        "/cycles/{cycle}/steps/demand_review/complete",
        {"demand_plan_id": 1},
        frozenset({DP}),
    ),
    Write(
        "complete supply review",
        "POST",
        "/cycles/{cycle}/steps/supply_review/complete",
        {},
        frozenset({SP}),
    ),
    Write(
        "complete pre-S&OP",
        "POST",
        "/cycles/{cycle}/steps/pre_sop/complete",
        {"consensus_plan_id": 1},
        frozenset({PO}),
    ),
    Write(
        "decide an escalation",
        "POST",
        "/cycles/{cycle}/escalations/{escalation}/decision",
        {"option_index": 0, "rationale": "because"},
        # The delegated roles reach the item check (gateway.cycle.rules; test_delegation).
        frozenset({ES, PO, SP}),
    ),
    Write(
        "decide escalations at once",
        "POST",
        "/cycles/{cycle}/decisions",
        {"decisions": [{"escalation_id": 1, "option_index": 0, "rationale": "because"}]},
        frozenset({ES, PO, SP}),
    ),
    Write("authorise the plan", "POST", "/cycles/{cycle}/authorise", None, frozenset({ES})),
    Write("approve the plan", "POST", "/cycles/{cycle}/approve", {}, frozenset({ES})),
    Write("close the cycle", "POST", "/cycles/{cycle}/close", None, frozenset({PO})),
    Write(
        "progress an action item",
        "PATCH",
        "/action-items/{item}",
        {"status": "in_progress"},
        frozenset({FI, PO}),
    ),
]


async def _state(world: World) -> dict[str, int]:
    """A cycle at its executive step, one item decided with an action item owned by the
    finance role and by the user 'fran'."""
    cycle = await world.open_cycle()
    plan = await world.walk_to_pre_sop(cycle)
    decided = await world.decide(
        cycle["id"],
        plan["items"][0],
        {
            "option_index": 0,
            "rationale": "r",
            "action_items": [
                {
                    "title": "Budget",
                    "owner_role": "finance",
                    "owner_user": "fran",
                    "due_date": in_days(5),
                }
            ],
        },
        EXECUTIVE,
    )
    assert decided.status_code == 201, decided.text
    return {
        "cycle": cycle["id"],
        "escalation": plan["items"][1],
        "item": decided.json()["action_item_ids"][0],
    }


@pytest.mark.parametrize("write", WRITES, ids=[write.name for write in WRITES])
async def test_each_write_is_refused_to_every_role_without_the_right(
    world: World, write: Write
) -> None:
    ids = await _state(world)
    before = await world.cycle(ids["cycle"])
    path = write.path.format(**ids)

    async def attempt(headers: dict[str, str]) -> Any:
        return await world.gateway.request(write.method, path, json=write.body, headers=headers)

    wrong: list[str] = []
    for role in Role:
        response = await attempt(token(role))
        expected = write.allowed_status if role in write.allowed else 403
        if response.status_code != expected:
            wrong.append(f"{role}: {response.status_code} (expected {expected}) {response.text}")
        elif expected == 403:
            assert_problem(response, 403, "forbidden")
    assert not wrong, "\n".join(wrong)

    assert_problem(await attempt({}), 401, "unauthorized")
    assert_problem(await attempt({"Authorization": "Bearer forged.token.value"}), 401)
    # Several roles: the right one among them is enough.
    mixed = await attempt(token(Role.viewer, Role.sales, *write.allowed))
    assert mixed.status_code == write.allowed_status, mixed.text
    after = await world.cycle(ids["cycle"])
    assert after == before, "a refused write changed the cycle"


async def test_an_action_item_is_progressed_by_its_named_owner_whatever_their_role(
    world: World,
) -> None:
    ids = await _state(world)
    path = f"/action-items/{ids['item']}"
    fran = token(Role.viewer, subject="fran")
    other = token(Role.viewer, subject="frank")
    body = {"status": "done"}
    assert_problem(await world.gateway.patch(path, json=body, headers=other), 403)
    assert_problem(await world.gateway.patch(path, json=body, headers=fran), 428)
    done = await world.gateway.patch(path, json=body, headers={**fran, "If-Match": '"1"'})
    assert done.status_code == 200 and done.json()["status"] == "done"


async def test_reads_need_a_token_and_any_role(world: World) -> None:
    cycle = await world.open_cycle()
    for path in (
        "/raci",
        "/cycles",
        f"/cycles/{cycle['id']}",
        "/cycles/current",
        f"/cycles/{cycle['id']}/action-items",
        "/action-items",
    ):
        assert_problem(await world.gateway.get(path), 401)
        assert (await world.gateway.get(path, headers=VIEWER)).status_code == 200, path
        assert (await world.gateway.get(path, headers=token(Role.integration))).status_code == 200
