"""The gateway application (port 8000): GraphQL, reconciliation, consensus plans."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import Depends, FastAPI
from fastapi_pagination import add_pagination

from gateway.clients import UPSTREAM_NAMES, Upstreams
from gateway.clients.forwarding import ForwardAuthorization
from gateway.cycle.router import router as cycle_router
from gateway.figures.router import router as planning_router
from gateway.graph.schema import graphql_router
from gateway.health import router as health_router
from gateway.plans.router import router as consensus_router
from gateway.reconcile.router import router as reconcile_router
from gateway.solver.runner import SolverRunner
from gateway.state import GatewayState
from gateway.tables import WEBHOOKS, AuditEntry, migrations
from shared.audit import audit_router
from shared.auth import WEBHOOK_SUBSCRIBERS, current_principal, require_roles
from shared.db import create_db_engine
from shared.errors import install_problem_handlers
from shared.http import make_client
from shared.schema import migrate
from shared.settings import GatewaySettings
from shared.webhooks import Dispatcher, webhook_router


def create_app(
    settings: GatewaySettings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The gateway over the demand, supply and finance services.

    ``transports`` replaces the network to an upstream by name (``demand``, ``supply``,
    ``finance``), e.g. ``httpx.ASGITransport(app=...)`` to call an in-process app in tests.
    """
    settings = settings or GatewaySettings()
    transports = transports or {}
    unknown = sorted(set(transports) - set(UPSTREAM_NAMES))
    if unknown:
        raise ValueError(f"unknown upstream(s) {unknown}; expected some of {UPSTREAM_NAMES}")
    base_urls = {
        "demand": settings.demand_url,
        "supply": settings.supply_url,
        "finance": settings.finance_url,
    }
    engine = create_db_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(engine, migrations)
        async with AsyncExitStack() as stack:
            http_clients = {
                name: await stack.enter_async_context(
                    make_client(
                        base_urls[name],
                        timeout_seconds=settings.upstream_timeout_seconds,
                        transport=transports.get(name),
                    )
                )
                for name in UPSTREAM_NAMES
            }
            app.state.gateway = GatewayState(
                settings=settings,
                engine=engine,
                upstreams=Upstreams.over(http_clients),
                solver=SolverRunner(max_concurrent=os.cpu_count() or 1),
            )
            webhook_client = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
            dispatcher = Dispatcher(engine=engine, tables=WEBHOOKS, client=webhook_client)
            dispatch = asyncio.create_task(dispatcher.run())
            stack.callback(dispatch.cancel)
            yield
        engine.dispose()

    app = FastAPI(
        title="S&OP gateway",
        description=(
            "One GraphQL graph over the demand, supply and finance services; the reconciliation "
            "of their data into versioned consensus plans with escalation items; the stateless "
            "planning solver."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    # The request-scoped session of shared.db reads the engine here.
    app.state.engine = engine
    app.state.settings = settings
    # Every write through the gateway's sessions is audited; events go out as webhooks.
    app.state.audit_table = AuditEntry
    app.state.webhooks = WEBHOOKS
    install_problem_handlers(app)
    app.add_middleware(ForwardAuthorization)
    app.include_router(graphql_router(), prefix="/graphql", tags=["graphql"])
    reader = [Depends(current_principal)]
    app.include_router(reconcile_router)
    app.include_router(consensus_router, dependencies=reader)
    app.include_router(planning_router, dependencies=reader)
    # The cycle checks each write's decision rights itself (gateway.cycle.raci).
    app.include_router(cycle_router)
    app.include_router(audit_router(AuditEntry), dependencies=reader)
    app.include_router(
        webhook_router(WEBHOOKS), dependencies=[Depends(require_roles(WEBHOOK_SUBSCRIBERS))]
    )
    app.include_router(health_router)
    add_pagination(app)
    return app
