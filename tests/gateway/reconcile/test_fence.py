"""The time fence: the near-term months of the approved plan hold their production.

The company of ``tests/gateway/company.py`` (two families, 70 a month each, capacity 140 +
10 overtime hours) reconciles to production 70 per family and month: that plan is approved.
The next demand plan raises F01/KEY in 2026-01 from 50 to 60, so F01 needs 80 there. With a
two-month fence (2026-01, 2026-02) F01 is held at 70 in January: 10 RETAIL units are lost
(penalty 10 each). Released in 2026-01 with a reason, F01 makes 80 in January with the 10
overtime hours (50 an hour), which earns 10 x (100 - 40) - 500 + 100 = 200 more margin.
"""

from typing import Any

import pytest
from sqlmodel import Session

from gateway.plans.models import ConsensusPlan, ConsensusStatus
from gateway.reconcile.fence import fenced_cells, fixed_production
from tests.gateway.company import DEMAND, PERIODS, START, family_codes
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem, load, reconcile

pytestmark = pytest.mark.anyio


def production(plan: dict[str, Any], family: str) -> list[float]:
    lines = sorted(
        (line for line in plan["family_lines"] if line["family_code"] == family),
        key=lambda line: line["period"],
    )
    return [round(line["production"], 6) for line in lines]


def approve(platform: Platform, plan_id: int) -> None:
    assert platform.engine is not None
    with Session(platform.engine) as session:
        plan = session.get(ConsensusPlan, plan_id)
        assert plan is not None
        plan.status = ConsensusStatus.approved
        session.add(plan)
        session.commit()


async def january_cut(platform: Platform) -> int:
    """The next demand plan: F01/KEY in 2026-01 falls from 50 to 10."""
    lines = [
        {"family_code": c, "segment_code": s, "period": p,
         "quantity": 60 if (c, s, p) == ("F01", "KEY", START) else q}
        for c in family_codes(2)
        for s, q in DEMAND.items()
        for p in PERIODS
    ]  # fmt: skip
    created = await platform.demand.post(
        "/demand-plans",
        json={"name": "Next review", "horizon_start": START, "horizon_months": 3, "lines": lines},
    )
    assert created.status_code == 201, created.text
    plan_id: int = created.json()["id"]
    return plan_id


async def test_fenced_months_hold_the_approved_production_unless_released(
    platform: Platform,
) -> None:
    await load(platform)
    first = await reconcile(platform)
    assert production(first, "F01") == production(first, "F02") == [70, 70, 70]
    approve(platform, first["id"])
    demand_plan_id = await january_cut(platform)

    fenced = await reconcile(platform, demand_plan_id=demand_plan_id)
    assert production(fenced, "F01") == [70, 70, 70]
    assert production(fenced, "F02") == [70, 70, 70]
    # The 10 more F01 units of January are not made: 10 RETAIL units lost at 10 each.
    assert fenced["totals"]["planning_penalties"]["lost_sale"] == 100
    assert fenced["totals"]["overtime_cost"] == 0
    assert production(fenced, "F02") == [70, 70, 70]

    released = await reconcile(
        platform,
        demand_plan_id=demand_plan_id,
        fence_overrides=[
            {"family_code": "F01", "period": START, "reason": "Key account order cancelled"}
        ],
    )
    assert production(released, "F01") == [80, 70, 70]
    # 10 overtime hours at 50; margin + 10 x (100 - 40) - 500 = +100 (the 100 of lost-sale
    # penalty saved is a planning penalty, never money: shared.money).
    assert released["totals"]["overtime_cost"] == 500
    assert released["totals"]["margin"] == fenced["totals"]["margin"] + 100
    assert released["totals"]["planning_penalties"]["lost_sale"] == 0


async def test_an_override_outside_the_fence_or_without_reason_is_refused(
    platform: Platform,
) -> None:
    await load(platform)
    approve(platform, (await reconcile(platform))["id"])
    outside = await platform.gateway.post(
        "/reconcile",
        json={"fence_overrides": [{"family_code": "F01", "period": "2026-03", "reason": "r"}]},
    )
    body = assert_problem(outside, 422, "body.fence_overrides.0.period")
    assert len(body["errors"]) == 1
    blank = await platform.gateway.post(
        "/reconcile",
        json={"fence_overrides": [{"family_code": "F01", "period": START, "reason": ""}]},
    )
    assert_problem(blank, 422, "body.fence_overrides.0.reason")


def test_without_an_approved_plan_nothing_is_fenced() -> None:
    assert fenced_cells(periods=PERIODS, fence_months=2, approved={}) == set()


def test_the_fence_holds_only_approved_cells_of_its_months() -> None:
    approved = {("F01", "2026-01"): 5.0, ("F01", "2026-02"): 6.0, ("F01", "2026-03"): 7.0}
    fenced = fenced_cells(periods=PERIODS, fence_months=2, approved=approved)
    assert fenced == {("F01", "2026-01"), ("F01", "2026-02")}
    fixed = fixed_production(
        families=["F01", "F02"],
        periods=PERIODS,
        fenced=fenced,
        approved=approved,
        released={("F01", "2026-02")},
    )
    assert fixed == {"F01": [5.0, None, None]}
