"""The data-gathering gate: the world loads no AOP, so the cycle of 2026-01 (horizon
2026-02..2028-01, 24 months) has 24 AOP holes; data gathering refuses them unless the
process owner states why the cycle goes on, which the step's note records."""

import pytest

from tests.gateway.cycle.world import PROCESS_OWNER, World, assert_gate

pytestmark = pytest.mark.anyio


async def test_holes_close_the_gate_unless_overridden_with_a_reason(world: World) -> None:
    cycle = await world.open_cycle()
    refused = await world.complete(
        cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq", readiness_override=None
    )
    body = assert_gate(refused, "data-ready")
    assert body["extra"]["holes"] == 24 and body["extra"]["counts"]["aop"] == 24
    assert body["errors"][0] == {
        "field": "finance.aop.2026-02",
        "reason": "no company AOP in the month (owner: finance)",
    }
    done = await world.complete(
        cycle,
        "data_gathering",
        PROCESS_OWNER,
        data_quality_report="dq",
        note="checked",
        readiness_override="budget 2026 not yet approved",
    )
    assert done.status_code == 200, done.text
    step = done.json()["steps"][0]
    assert step["status"] == "completed"
    assert step["note"] == "checked\nreadiness overridden: budget 2026 not yet approved"
