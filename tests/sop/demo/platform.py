"""The services and the gateway in-process, a generated company loaded through their APIs."""

from contextlib import AsyncExitStack

import httpx

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from sop.demo import LoadReport, ServiceClients, people_tokens
from sop.demo.generator import CompanyData
from sop.demo.load import load_company
from tests.conftest import sibling_database
from tests.tokens import bearer


async def load_and_reconcile(
    data: CompanyData, *, solver_workers: int | None = None
) -> tuple[LoadReport, httpx.Response, httpx.Response | None]:
    """The three services and the gateway in-process: load through the services' APIs as
    an integration, then ``POST /reconcile`` as the process owner. Answers the load's
    report, the reconcile's answer and, when it stored a plan, its problem
    (``GET /consensus-plans/{id}/problem``)."""
    services = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    settings = GatewaySettings(
        database_url=sibling_database("gateway"), solve_time_limit_seconds=60
    )
    if solver_workers is not None:
        settings = settings.model_copy(update={"solver_workers": solver_workers})
    gateway = create_gateway(
        settings,
        transports={name: httpx.ASGITransport(app=app) for name, app in services.items()},
    )
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in services.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=bearer(Role.integration, subject="generator"),
                    timeout=120,
                )
            )
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        report = await load_company(ServiceClients(**clients), data, people=people_tokens())
        owner = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway),
                base_url="http://gateway",
                headers=bearer(Role.process_owner, subject="owner"),
                timeout=300,
            )
        )
        answer = await owner.post("/reconcile", json={})
        if answer.status_code != 201:
            return report, answer, None
        return report, answer, await owner.get(f"/consensus-plans/{answer.json()['id']}/problem")
