"""The cycle-over-cycle waterfall through the API, worked by hand on the small company.

Last month's plan (cycle 2026-01) reconciles a demand plan made of sales overrides (reason
BASE): KEY 50 and RETAIL 20 a month for F01 and F02, at 100 everywhere, unit cost 40, 40,
45, 140 regular hours at 10: 420 units, margin 7,000 + 7,000 + 6,300 = 20,300.
Then F01 to KEY rises to 110, and this month's demand plan (cycle 2026-02) adds a sales
delta of -10 on F01 to KEY (LOST_TENDER, by sally) and a planner delta of +10 on F02 to KEY
(WON_TENDER, by dana): the same 140 units a month, all served on the same 140 hours.
- prices: last month's 150 units of F01 to KEY at 110 instead of 100: +1,500;
- LOST_TENDER: -30 units at F01's KEY margin 110 - 40, 110 - 40, 110 - 45: -2,050;
- WON_TENDER: +30 units at F02's KEY margin 100 - 40, 100 - 40, 100 - 45: +1,750;
- costs, service, levers, decisions, months out and in: 0.
This month's plan: 420 units, margin 20,300 + 1,500 - 2,050 + 1,750 = 21,500.
"""

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.cycle.models import Cycle
from shared.auth import Role
from tests.gateway.company import PERIODS, START, put
from tests.gateway.conftest import Platform
from tests.gateway.process.builders import closed_then_open
from tests.gateway.steps import load, reconcile
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

WRITERS = {
    "sales": bearer(Role.sales, subject="sally"),
    "planner": bearer(Role.demand_planner, subject="dana"),
}
LAST = PERIODS[-1]


def adjustment(
    kind: str, family: str, segment: str, quantity: float, reason: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "family_code": family,
        "segment_code": segment,
        "period_from": START,
        "period_to": LAST,
        "quantity": quantity,
        "reason_code": reason,
        "assumption": "as worked out in the test",
    }


BASE = [
    adjustment("override", family, segment, quantity, "BASE")
    for family in ("F01", "F02")
    for segment, quantity in (("KEY", 50.0), ("RETAIL", 20.0))
]


async def stream_plan(platform: Platform, inputs: dict[str, list[dict[str, Any]]]) -> int:
    created = await platform.demand.post(
        "/demand-plans",
        json={"name": "Streams", "horizon_start": START, "horizon_months": len(PERIODS)},
    )
    assert created.status_code == 201, created.text
    plan_id: int = created.json()["id"]
    for stream, items in inputs.items():
        read = await platform.demand.get(f"/demand-plans/{plan_id}")
        posted = await platform.demand.post(
            f"/demand-plans/{plan_id}/inputs/{stream}",
            json=items,
            headers={**WRITERS[stream], "If-Match": read.headers["ETag"]},
        )
        assert posted.status_code == 201, posted.text
    return plan_id


def cycles(engine: Engine, *, approved: dict[str, Any], recommended: dict[str, Any]) -> int:
    """Cycle 2026-01 closed on ``approved``, 2026-02 open on ``recommended``; the latter's id."""
    with Session(engine) as session:
        _, now = closed_then_open(session, approved=approved, recommended=recommended)
        session.commit()
        assert now.id is not None
        return now.id


async def test_last_months_plan_to_this_months_in_units_and_margin(platform: Platform) -> None:
    await load(platform)
    last = await reconcile(platform, demand_plan_id=await stream_plan(platform, {"sales": BASE}))
    await put(
        platform.finance,
        "/prices",
        [
            {"family_code": "F01", "segment_code": "KEY", "period": period, "price": 110.0}
            for period in PERIODS
        ],
    )
    now = await reconcile(
        platform,
        demand_plan_id=await stream_plan(
            platform,
            {
                "sales": [*BASE, adjustment("delta", "F01", "KEY", -10, "LOST_TENDER")],
                "planner": [adjustment("delta", "F02", "KEY", 10, "WON_TENDER")],
            },
        ),
    )
    assert platform.engine is not None
    cycle_id = cycles(platform.engine, approved=last, recommended=now)

    response = await platform.gateway.get(f"/cycles/{cycle_id}/explanation")
    assert response.status_code == 200, response.text
    explained = response.json()
    assert (explained["last"]["units"], explained["last"]["money"]) == pytest.approx((420, 20_300))
    steps = {
        (step["kind"], step["stream"], step["reason_code"]): (
            round(step["units"], 6),
            round(step["money"], 6),
        )
        for step in explained["steps"]
    }
    assert steps == (
        {
            ("months_out", None, None): (0, 0),
            ("months_in", None, None): (0, 0),
            ("prices", None, None): (0, 1_500),
            ("costs", None, None): (0, 0),
            ("demand", "sales", "LOST_TENDER"): (-30, -2_050),
            ("demand", "planner", "WON_TENDER"): (30, 1_750),
            ("service", None, None): (0, 0),
            ("lever_costs", None, None): (0, 0),
            ("decisions", None, None): (0, 0),
        }
    )
    authors = {step["reason_code"]: step["authors"] for step in explained["steps"]}
    assert authors["LOST_TENDER"] == ["sally"] and authors["WON_TENDER"] == ["dana"]
    # The identity: the last step ends on this month's plan, which is the recommended one
    # (nothing decided yet), and its margin is the plan's own.
    final = explained["steps"][-1]
    assert (final["cumulative_units"], final["cumulative_money"]) == pytest.approx((420, 21_500))
    assert explained["current"]["plan_id"] == now["id"]
    assert explained["current"]["money"] == pytest.approx(21_500)
    assert now["totals"]["margin"] == pytest.approx(21_500)
    assert explained["common_months"] == PERIODS
    assert explained["capacity"] == []  # the same 140 hours, fully loaded, both months

    data = await platform.graphql(
        "query($id: Int!) { cycleExplanation(cycleId: $id) { current { money } "
        "steps { kind reasonCode money } } }",
        id=cycle_id,
    )
    graphed: Any = data["cycleExplanation"]
    assert graphed["current"]["money"] == pytest.approx(21_500)
    by_reason = {step["reasonCode"]: step for step in graphed["steps"] if step["kind"] == "demand"}
    assert by_reason["LOST_TENDER"]["money"] == pytest.approx(-2_050)
    (prices,) = [step for step in graphed["steps"] if step["kind"] == "prices"]
    assert prices["money"] == pytest.approx(1_500)


async def test_a_cycle_without_a_plan_to_compare_is_a_conflict(platform: Platform) -> None:
    await load(platform)
    plan = await reconcile(platform)
    assert platform.engine is not None
    with Session(platform.engine) as session:
        first = Cycle(
            period="2026-01",
            horizon_start=START,
            horizon_months=3,
            opened_by="pat",
            recommended_plan_id=plan["id"],
            recommended_plan_version=plan["version"],
        )
        session.add(first)
        session.commit()
        first_id = first.id
    nothing_before = await platform.gateway.get(f"/cycles/{first_id}/explanation")
    assert nothing_before.status_code == 409, nothing_before.text
    assert "nothing to compare" in nothing_before.json()["detail"]
