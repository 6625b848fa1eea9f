"""The demo company in-process: the three services and the gateway
(``tests.gateway.conftest.Platform``), the demo loaded through the services' APIs; its
executive meeting is ``tests.gateway.meeting.Meeting``."""

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from sop.demo import ServiceClients, build_demo, load_into, people_tokens
from tests.conftest import sibling_database
from tests.gateway.conftest import Platform
from tests.gateway.meeting import PROCESS_OWNER, Meeting
from tests.tokens import bearer

TODAY = dt.date(2026, 11, 22)
LOADER = bearer(Role.integration, subject="demo-loader")


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


async def demo_meeting(platform: Platform, demand_plan_id: int) -> Meeting:
    """The demo reconciled as the process owner and its cycle walked to the executive step."""
    reconciled = await platform.gateway.post("/reconcile", json={"demand_plan_id": demand_plan_id})
    assert reconciled.status_code == 201, reconciled.text[:2000]
    return await Meeting.reach(
        platform, demand_plan_id=demand_plan_id, plan=reconciled.json(), readiness_override="demo"
    )
