"""The demo company at its executive S&OP meeting, in-process: the three services and the
gateway (``tests.gateway.conftest.Platform``), the demo loaded through the services' APIs,
``POST /reconcile`` as the process owner and the cycle walked to its executive step."""

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.periods import add_months
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from sop.demo import ServiceClients, build_demo, load_into, people_tokens
from tests.conftest import sibling_database
from tests.gateway.conftest import Platform
from tests.tokens import bearer

TODAY = dt.date(2026, 11, 22)
LOADER = bearer(Role.integration, subject="demo-loader")
EXECUTIVE = bearer(Role.executive_sponsor, subject="eve")
PROCESS_OWNER = bearer(Role.process_owner, subject="olivia")
DEMAND_PLANNER = bearer(Role.demand_planner, subject="dana")
SUPPLY_PLANNER = bearer(Role.supply_planner, subject="sam")


def versioned(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


@asynccontextmanager
async def demo_platform(database_url: str) -> AsyncIterator[tuple[Platform, int]]:
    """The platform with the demo loaded; the id of its locked demand plan."""
    services = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    gateway = create_gateway(
        GatewaySettings(database_url=database_url, solve_time_limit_seconds=120, solver_workers=1),
        transports={name: httpx.ASGITransport(app=app) for name, app in services.items()},
    )
    async with AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        for name, app in [*services.items(), ("gateway", gateway)]:
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=PROCESS_OWNER if name == "gateway" else LOADER,
                    timeout=600,
                )
            )
        report = await load_into(
            ServiceClients(clients["demand"], clients["supply"], clients["finance"]),
            build_demo(TODAY),
            people=people_tokens(),
        )
        assert report.plan is not None and report.plan.id is not None
        yield (
            Platform(
                gateway=clients["gateway"],
                demand=clients["demand"],
                supply=clients["supply"],
                finance=clients["finance"],
                engine=gateway.state.engine,
            ),
            report.plan.id,
        )


@dataclass
class Meeting:
    """A demo cycle at its executive step, with the recommended plan of its reconcile."""

    platform: Platform
    id: int
    version: int
    plan: dict[str, Any]

    @classmethod
    async def reach(cls, platform: Platform, demand_plan_id: int) -> "Meeting":
        gateway = platform.gateway
        reconciled = await gateway.post("/reconcile", json={"demand_plan_id": demand_plan_id})
        assert reconciled.status_code == 201, reconciled.text[:2000]
        plan = reconciled.json()
        start = plan["horizon_start"]
        opened = await gateway.post(
            "/cycles",
            json={
                "period": add_months(start, -1),
                "horizon_start": start,
                "horizon_months": len(plan["periods"]),
            },
            headers=PROCESS_OWNER,
        )
        assert opened.status_code == 201, opened.text
        cycle = opened.json()
        for step, who, body in (
            (
                "data_gathering",
                PROCESS_OWNER,
                {"data_quality_report": "dq", "readiness_override": "demo"},
            ),
            ("demand_review", DEMAND_PLANNER, {"demand_plan_id": demand_plan_id}),
            ("supply_review", SUPPLY_PLANNER, {}),
            ("pre_sop", PROCESS_OWNER, {"consensus_plan_id": plan["id"]}),
        ):
            done = await gateway.post(
                f"/cycles/{cycle['id']}/steps/{step}/complete",
                json=body,
                headers=versioned(who, cycle["version"]),
            )
            assert done.status_code == 200, f"{step}: {done.text}"
            cycle = done.json()
        return cls(platform, cycle["id"], cycle["version"], plan)

    async def post(self, path: str, who: dict[str, str], body: Any = None) -> httpx.Response:
        answer = await self.platform.gateway.post(
            f"/cycles/{self.id}{path}", json=body, headers=versioned(who, self.version)
        )
        if "ETag" in answer.headers:
            self.version = int(answer.headers["ETag"].strip('"'))
        return answer

    async def decide_all(self, chosen: dict[int, int]) -> httpx.Response:
        """Every item: the option chosen for it, else accepted as planned (option 0)."""
        return await self.post(
            "/decisions",
            EXECUTIVE,
            {
                "decisions": [
                    {
                        "escalation_id": item["id"],
                        "option_index": chosen.get(item["id"], 0),
                        "rationale": f"decided {item['title']}",
                    }
                    for item in self.plan["escalations"]
                ]
            },
        )
