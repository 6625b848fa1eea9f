"""Two approved plans of the small company (``tests.gateway.company``) and January's actuals,
a known perturbation of the second plan, worked out by hand.

Retail sells at 80 instead of 100 (KEY 100), so lines differ in unit margin (KEY 100 - 40 =
60, RETAIL 80 - 40 = 40) and the mix effect is not zero. Plan 1 reconciles the company's
demand (KEY 50 + RETAIL 20 per family and month: 70 units, 140 hours on ASSY-1); plan 2 a
demand plan where 10 units of KEY demand move from F01 to F02: F01 makes 60, F02 80, ASSY-1
still works its 140 regular hours (no spare hour, so no stock built ahead).
Cycle 2025-11 approved plan 1, cycle 2025-12 plan 2: January is held against plan 2.
"""

import datetime as dt

from sqlalchemy import create_engine
from sqlmodel import Session

from gateway.cycle.models import Cycle, CycleStatus
from tests.gateway.company import DEMAND, PERIODS, START, family_codes, put
from tests.gateway.conftest import Platform

RETAIL_PRICE = 80.0
PLAN_2_KEY = {"F01": 40.0, "F02": 60.0}

# January, against plan 2 (F01 60, F02 80 units; 140 hours):
PRODUCTION = {"F01": (66.0, 6.0), "F02": (72.0, 0.0)}  # (produced, ending inventory)
HOURS_USED = 126.0
# (units sold, revenue) per family and segment
SOLD = {
    ("F01", "KEY"): (44.0, 44 * 105.0),  # 4 more than plan, at 105
    ("F01", "RETAIL"): (20.0, 20 * 80.0),  # as planned
    ("F02", "KEY"): (55.0, 55 * 100.0),  # 5 fewer, at plan price
    ("F02", "RETAIL"): (18.0, 18 * 76.0),  # 2 fewer, at 76
}
COST_OF_GOODS_SOLD = {"F01": 64 * 41.0, "F02": 73 * 40.0}  # F01's units cost 41, not 40
DEMAND_HISTORY = {
    ("F01", "KEY"): 46.0,
    ("F01", "RETAIL"): 20.0,
    ("F02", "KEY"): 60.0,
    ("F02", "RETAIL"): 20.0,
}


async def retail_at_80(platform: Platform) -> None:
    await put(
        platform.finance,
        "/prices",
        [
            {"family_code": c, "segment_code": "RETAIL", "period": p, "price": RETAIL_PRICE}
            for c in family_codes(2)
            for p in PERIODS
        ],
    )


async def demand_plan_with_key_moved_to_f02(platform: Platform) -> int:
    created = await platform.demand.post(
        "/demand-plans",
        json={
            "name": "Demand review, KEY moves to F02",
            "horizon_start": START,
            "horizon_months": len(PERIODS),
            "lines": [
                {
                    "family_code": c,
                    "segment_code": s,
                    "period": p,
                    "quantity": PLAN_2_KEY[c] if s == "KEY" else q,
                }
                for c in family_codes(2)
                for s, q in DEMAND.items()
                for p in PERIODS
            ],
        },
    )
    assert created.status_code == 201, created.text
    plan_id: int = created.json()["id"]
    return plan_id


def approve_in_cycles(database_url: str, approved: dict[str, tuple[int, int]]) -> None:
    """Closed cycles (month -> approved plan id, version), stored as the executive step
    leaves them: the cycle's walk is tested with the cycle (tests/gateway/cycle)."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        for period, (plan_id, version) in approved.items():
            cycle = Cycle(
                period=period,
                horizon_start=START,
                horizon_months=len(PERIODS),
                status=CycleStatus.closed,
                opened_by="olivia",
                closed_by="olivia",
                closed_at=dt.datetime(2025, 12, 20, tzinfo=dt.UTC),
                approved_plan_id=plan_id,
                approved_plan_version=version,
            )
            session.add(cycle)
            session.flush()
            cycle.open_marker = None  # closed as the cycle closes one: no longer the open one
            session.flush()
        session.commit()
    engine.dispose()


async def load_january_actuals(platform: Platform) -> None:
    january = PERIODS[0]
    await put(
        platform.supply,
        "/production-actuals",
        [
            {"family_code": c, "period": january, "production": made, "ending_inventory": held}
            for c, (made, held) in PRODUCTION.items()
        ],
    )
    await put(
        platform.supply,
        "/resource-actuals",
        [{"resource_code": "ASSY-1", "period": january, "hours_used": HOURS_USED}],
    )
    await put(
        platform.finance,
        "/revenue-actuals",
        [
            {"family_code": c, "segment_code": s, "period": january, "quantity": q, "revenue": r}
            for (c, s), (q, r) in SOLD.items()
        ],
    )
    await put(
        platform.finance,
        "/cost-actuals",
        [
            {"family_code": c, "period": january, "cost_of_goods_sold": cost}
            for c, cost in COST_OF_GOODS_SOLD.items()
        ],
    )
    await put(
        platform.demand,
        "/history",
        [
            {"family_code": c, "segment_code": s, "period": january, "quantity": q}
            for (c, s), q in DEMAND_HISTORY.items()
        ],
    )
