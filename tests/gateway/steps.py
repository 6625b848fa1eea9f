"""Loading the small company of ``tests.gateway.company`` with what supply review and finance
need on top: a budget (AOP), operations' supply plans, and a consensus plan."""

from typing import Any

from tests.gateway.company import PERIODS, START, Company, put
from tests.gateway.conftest import Platform

# Each month of the small company's two-family consensus plan, worked out by hand: 140 units
# sold at 100; unit cost 40, 40, 45; 140 regular hours at 10 (no overtime, no stock).
REVENUE = 14_000.0
COGS = {"2026-01": 5_600.0, "2026-02": 5_600.0, "2026-03": 6_300.0}
REGULAR_HOURS_COST = 1_400.0
MARGIN = {period: REVENUE - cost - REGULAR_HOURS_COST for period, cost in COGS.items()}


async def load(platform: Platform, company: Company | None = None) -> int:
    """The company loaded; its demand plan's id."""
    return await (company or Company(families=2)).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )


async def put_aop(platform: Platform, rows: dict[str, tuple[float, float, float | None]]) -> None:
    """AOP per month: (revenue, margin, units)."""
    await put(
        platform.finance,
        "/aop",
        [
            {"period": period, "revenue": revenue, "margin": margin, "quantity": units}
            for period, (revenue, margin, units) in rows.items()
        ],
    )


async def reconcile(platform: Platform, **body: Any) -> dict[str, Any]:
    response = await platform.gateway.post("/reconcile", json=body)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def create_supply_plan(
    platform: Platform, *, demand_plan_id: int | None, lines: list[dict[str, Any]]
) -> int:
    response = await platform.supply.post(
        "/supply-plans",
        json={
            "name": "Operations proposal",
            "horizon_start": START,
            "horizon_months": len(PERIODS),
            "demand_plan_id": demand_plan_id,
            "lines": lines,
        },
    )
    assert response.status_code == 201, response.text
    plan_id: int = response.json()["id"]
    return plan_id


async def get_json(platform: Platform, path: str, **params: Any) -> dict[str, Any]:
    response = await platform.gateway.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert any(error["field"] == field for error in body["errors"]), body
    return body
