"""A demand review loaded through the demand service's own API, each write by its own role.

History is flat (so every baseline method forecasts the level exactly): F01 sells 100 a
month to KEY and 50 to RETAIL, F02 80 and 40, from 2024-01 to 2025-12. The past plan covers
2026-01..03: the baseline, then sales adds 40 a month to F01/KEY (s.ales), marketing lifts F02
by 25% in 2026-02 (m.arketing), product launches NEW in RETAIL from 2026-02 (30 a month after
a two-month ramp, p.roduct), the planner takes 10 off F01/KEY in 2026-01 (d.planner). Locked,
then the actuals arrive: F01/KEY sold 110, 100, 130 (340, so sales over-forecast by 80: 24%).
"""

from collections.abc import Mapping

import httpx

from shared.auth import Role
from shared.periods import add_months
from tests.gateway.company import put, sign_off
from tests.tokens import bearer

SALES = bearer(Role.sales, subject="s.ales")
MARKETING = bearer(Role.marketing, subject="m.arketing")
PRODUCT = bearer(Role.product_manager, subject="p.roduct")
PLANNER = bearer(Role.demand_planner, subject="d.planner")
WRITER_OF_STREAM = {"sales": SALES, "marketing": MARKETING, "product": PRODUCT, "planner": PLANNER}

LEVELS = {
    ("F01", "KEY"): 100.0,
    ("F01", "RETAIL"): 50.0,
    ("F02", "KEY"): 80.0,
    ("F02", "RETAIL"): 40.0,
}
HISTORY_START = "2024-01"
HISTORY_MONTHS = 24
PLAN_START = "2026-01"
PLAN_MONTHS = 3
ACTUALS = {
    ("F01", "KEY"): [110.0, 100.0, 130.0],
    ("F01", "RETAIL"): [50.0, 50.0, 50.0],
    ("F02", "KEY"): [80.0, 100.0, 80.0],
    ("F02", "RETAIL"): [40.0, 50.0, 40.0],
}
SEGMENTS = [
    {
        "code": "KEY",
        "name": "Key accounts",
        "fill_rate_target": 0.98,
        "priority": 1,
        "strategic": True,
    },
    {
        "code": "RETAIL",
        "name": "Retail",
        "fill_rate_target": 0.9,
        "priority": 5,
        "unmet_demand": "lost",
    },
]

# KEY: a core and a develop customer; RETAIL: a harvest and a review one (cuts 20% margin,
# importance 4).
CUSTOMERS = [
    {
        "code": "C1",
        "name": "Hotel chain",
        "segment_code": "KEY",
        "annual_revenue": 600000,
        "gross_margin_pct": 0.3,
        "strategic_importance": 5,
    },
    {
        "code": "C2",
        "name": "Airline",
        "segment_code": "KEY",
        "annual_revenue": 400000,
        "gross_margin_pct": 0.1,
        "strategic_importance": 4,
    },
    {
        "code": "C3",
        "name": "Corner shops",
        "segment_code": "RETAIL",
        "annual_revenue": 300000,
        "gross_margin_pct": 0.35,
        "strategic_importance": 2,
    },
    {
        "code": "C4",
        "name": "Discounter",
        "segment_code": "RETAIL",
        "annual_revenue": 100000,
        "gross_margin_pct": 0.05,
        "strategic_importance": 1,
    },
]


def authored(author: str, **fields: object) -> dict[str, object]:
    return {
        "author": author,
        "reason_code": "REVIEW",
        "assumption": f"{author} as tested",
        **fields,
    }


async def plan_headers(
    demand: httpx.AsyncClient, plan_id: int, writer: Mapping[str, str]
) -> dict[str, str]:
    """The writer's bearer, and If-Match with the plan's ETag when the service issues one
    (plan edits are optimistic-concurrency safe)."""
    read = await demand.get(f"/demand-plans/{plan_id}")
    assert read.status_code == 200, read.text
    etag = read.headers.get("etag")
    return {**writer, **({"If-Match": etag} if etag else {})}


async def create_plan(demand: httpx.AsyncClient, *, start: str, months: int) -> int:
    created = await demand.post(
        "/demand-plans",
        json={"name": f"Demand review {start}", "horizon_start": start, "horizon_months": months},
        headers=PLANNER,
    )
    assert created.status_code == 201, created.text
    plan_id: int = created.json()["id"]
    return plan_id


async def run_baseline(demand: httpx.AsyncClient, plan_id: int) -> dict[str, object]:
    headers = await plan_headers(demand, plan_id, PLANNER)
    response = await demand.post(f"/demand-plans/{plan_id}/baseline", json={}, headers=headers)
    assert response.status_code == 200, response.text
    summary: dict[str, object] = response.json()
    return summary


async def post_inputs(
    demand: httpx.AsyncClient, plan_id: int, stream: str, items: list[dict[str, object]]
) -> list[dict[str, object]]:
    headers = await plan_headers(demand, plan_id, WRITER_OF_STREAM[stream])
    response = await demand.post(
        f"/demand-plans/{plan_id}/inputs/{stream}", json=items, headers=headers
    )
    assert response.status_code == 201, response.text
    created: list[dict[str, object]] = response.json()
    return created


async def lock(demand: httpx.AsyncClient, plan_id: int) -> None:
    """Signed off by the owning roles, then locked by the demand planner."""
    await sign_off(demand, plan_id)
    headers = await plan_headers(demand, plan_id, PLANNER)
    response = await demand.post(f"/demand-plans/{plan_id}/lock", headers=headers)
    assert response.status_code == 200, response.text


async def load_master(demand: httpx.AsyncClient, families: list[str]) -> None:
    await put(demand, "/families", [{"code": code, "name": f"Family {code}"} for code in families])
    await put(demand, "/segments", SEGMENTS)


async def load_history(
    demand: httpx.AsyncClient, levels: Mapping[tuple[str, str], float], *, start: str, months: int
) -> None:
    await put(
        demand,
        "/history",
        [
            {"family_code": f, "segment_code": s, "period": add_months(start, k), "quantity": q}
            for (f, s), q in levels.items()
            for k in range(months)
        ],
    )


async def load_actuals(
    demand: httpx.AsyncClient, actuals: Mapping[tuple[str, str], list[float]], *, start: str
) -> None:
    await put(
        demand,
        "/history",
        [
            {"family_code": f, "segment_code": s, "period": add_months(start, k), "quantity": q}
            for (f, s), quantities in actuals.items()
            for k, q in enumerate(quantities)
        ],
    )


async def past_review(demand: httpx.AsyncClient) -> int:
    """The locked past plan of the module docstring, with its actuals; its id."""
    await load_master(demand, ["F01", "F02"])
    await put(demand, "/families", [{"code": "NEW", "name": "Cold brew", "status": "npi"}])
    await put(demand, "/customers", CUSTOMERS)
    await load_history(demand, LEVELS, start=HISTORY_START, months=HISTORY_MONTHS)
    plan_id = await create_plan(demand, start=PLAN_START, months=PLAN_MONTHS)
    await run_baseline(demand, plan_id)
    await post_inputs(
        demand,
        plan_id,
        "sales",
        [
            authored(
                "s.ales",
                kind="delta",
                family_code="F01",
                segment_code="KEY",
                period_from="2026-01",
                period_to="2026-03",
                quantity=40,
            )
        ],
    )
    await post_inputs(
        demand,
        plan_id,
        "marketing",
        [authored("m.arketing", family_code="F02", period_from="2026-02", uplift_pct=0.25)],
    )
    await post_inputs(
        demand,
        plan_id,
        "product",
        [
            authored(
                "p.roduct",
                kind="launch",
                family_code="NEW",
                segment_code="RETAIL",
                period_from="2026-02",
                quantity=30,
                ramp_months=2,
            )
        ],
    )
    await post_inputs(
        demand,
        plan_id,
        "planner",
        [
            authored(
                "d.planner",
                kind="delta",
                family_code="F01",
                segment_code="KEY",
                period_from="2026-01",
                quantity=-10,
            )
        ],
    )
    await lock(demand, plan_id)
    await load_actuals(demand, ACTUALS, start=PLAN_START)
    return plan_id
