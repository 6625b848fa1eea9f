"""A small company loaded through the services' own APIs, numbers chosen to check by hand.

Every family takes 1 hour a unit on ASSY-1; demand per family is KEY 50 and RETAIL 20 a
month, so ``families`` families need 70 x families hours a month. ASSY-1 has exactly that as
regular capacity (utilisation 100%, above the 95% threshold: an escalation), 10 overtime
hours at 50. Price 100 everywhere; unit cost 40, 45 from the third month. Expansion steps on
ASSY-1, when given, are supply's steps with their fixed cost as finance's expansion_step cost.
"""

from dataclasses import dataclass, field

import httpx

from shared.auth import Role
from shared.periods import horizon
from tests.tokens import bearer

START = "2026-01"
MONTHS = 3
PERIODS = horizon(START, MONTHS)
DEMAND = {"KEY": 50.0, "RETAIL": 20.0}
PRICE = 100.0
UNIT_COSTS = {"2026-01": 40.0, "2026-03": 45.0}
REGULAR_HOUR_COST = 10.0
DEMAND_PLANNER = bearer(Role.demand_planner, subject="dana")


def family_codes(count: int) -> list[str]:
    return [f"F{index:02d}" for index in range(1, count + 1)]


@dataclass(frozen=True)
class Step:
    """A capacity expansion step on ASSY-1: ``extra_hours`` a month from ``lead_time_periods``
    months on, for ``fixed_cost`` (finance's ``expansion_step`` lever cost of ``code``)."""

    code: str = "ASSY-1-SHIFT2"
    extra_hours: float = 20.0
    lead_time_periods: int = 0
    fixed_cost: float = 5_000.0


@dataclass
class Company:
    families: int = 2
    # What to leave out, to make gaps: (family, segment) without prices, families without
    # unit costs, months without capacity, families without routing, levers without cost.
    no_price: set[tuple[str, str]] = field(default_factory=set)
    no_unit_cost: set[str] = field(default_factory=set)
    no_capacity: set[str] = field(default_factory=set)
    no_routing: set[str] = field(default_factory=set)
    no_lever_cost: set[str] = field(default_factory=set)
    lock: bool = True
    # Regular hours a month taken off ASSY-1, to make a shortage (the lowest priority is cut).
    hours_short: float = 0.0
    expansion_steps: list[Step] = field(default_factory=list)

    async def load(
        self, *, demand: httpx.AsyncClient, supply: httpx.AsyncClient, finance: httpx.AsyncClient
    ) -> int:
        """Load everything; the demand plan's id."""
        codes = family_codes(self.families)
        await put(demand, "/families", [{"code": c, "name": f"Family {c}"} for c in codes])
        await put(
            demand,
            "/segments",
            [
                {
                    "code": "KEY",
                    "name": "Key accounts",
                    "fill_rate_target": 0.98,
                    "priority": 1,
                    "strategic": True,
                    "unmet_demand": "backlog",
                },
                {
                    "code": "RETAIL",
                    "name": "Retail",
                    "fill_rate_target": 0.9,
                    "priority": 5,
                    "unmet_demand": "lost",
                },
            ],
        )
        await put(supply, "/resources", [{"code": "ASSY-1", "name": "Assembly line 1"}])
        await put(
            supply,
            "/capacity",
            [
                {
                    "resource_code": "ASSY-1",
                    "period": period,
                    "regular_hours": sum(DEMAND.values()) * self.families - self.hours_short,
                    "max_overtime_hours": 10,
                }
                for period in PERIODS
                if period not in self.no_capacity
            ],
        )
        await put(
            supply,
            "/routings",
            [
                {"family_code": c, "resource_code": "ASSY-1", "hours_per_unit": 1.0}
                for c in codes
                if c not in self.no_routing
            ],
        )
        await put(supply, "/inventory-policies", [{"family_code": c} for c in codes])
        if self.expansion_steps:
            await put(
                supply,
                "/expansion-steps",
                [
                    {
                        "code": step.code,
                        "resource_code": "ASSY-1",
                        "extra_hours": step.extra_hours,
                        "lead_time_periods": step.lead_time_periods,
                    }
                    for step in self.expansion_steps
                ],
            )
        await put(
            finance,
            "/prices",
            [
                {"family_code": c, "segment_code": s, "period": p, "price": PRICE}
                for c in codes
                for s in DEMAND
                for p in PERIODS
                if (c, s) not in self.no_price
            ],
        )
        await put(
            finance,
            "/unit-costs",
            [
                {"family_code": c, "effective_from": month, "variable_cost": cost}
                for c in codes
                if c not in self.no_unit_cost
                for month, cost in UNIT_COSTS.items()
            ],
        )
        await put(
            finance,
            "/lever-costs",
            [
                row
                for row in [
                    {"lever": "regular_hour", "code": "ASSY-1", "cost": REGULAR_HOUR_COST},
                    {"lever": "overtime_hour", "code": "ASSY-1", "cost": 50},
                    {"lever": "backlog_unit_period", "code": "KEY", "cost": 5},
                    {"lever": "lost_sale_unit", "code": "RETAIL", "cost": 10},
                    *({"lever": "holding_unit_period", "code": c, "cost": 1} for c in codes),
                    *(
                        {"lever": "expansion_step", "code": step.code, "cost": step.fixed_cost}
                        for step in self.expansion_steps
                    ),
                ]
                if row["lever"] not in self.no_lever_cost
            ],
        )
        created = await demand.post(
            "/demand-plans",
            json={
                "name": "Demand review",
                "horizon_start": START,
                "horizon_months": MONTHS,
                "lines": [
                    {"family_code": c, "segment_code": s, "period": p, "quantity": q}
                    for c in codes
                    for s, q in DEMAND.items()
                    for p in PERIODS
                ],
            },
        )
        assert created.status_code == 201, created.text
        plan_id: int = created.json()["id"]
        if self.lock:
            # Locking closes the demand review: the demand planner's, on the revision read
            # and signed off by the roles that own the plan.
            await sign_off(demand, plan_id)
            locked = await demand.post(
                f"/demand-plans/{plan_id}/lock",
                headers={**DEMAND_PLANNER, "If-Match": created.headers["ETag"]},
            )
            assert locked.status_code == 200, locked.text
        return plan_id


async def sign_off(demand: httpx.AsyncClient, plan_id: int) -> None:
    """Every role the demand service requires signs off the plan's revision as read now."""
    status = await demand.get(f"/demand-plans/{plan_id}/sign-offs", headers=DEMAND_PLANNER)
    assert status.status_code == 200, status.text
    for owner in status.json()["required"]:
        read = await demand.get(f"/demand-plans/{plan_id}", headers=DEMAND_PLANNER)
        headers = {**bearer(Role(owner), subject=owner), "If-Match": read.headers["ETag"]}
        signed = await demand.post(f"/demand-plans/{plan_id}/sign-offs", headers=headers)
        assert signed.status_code == 200, signed.text


async def put(client: httpx.AsyncClient, path: str, items: list[dict[str, object]]) -> None:
    response = await client.put(path, json=items)
    assert response.status_code == 200, f"{path}: {response.text}"
