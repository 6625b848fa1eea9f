"""The FastAPI application every service is built from."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi_pagination import add_pagination
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from shared.audit import audit_router
from shared.auth import Principal, Role, current_principal
from shared.db import create_db_engine, run_in_session, worker_threads
from shared.errors import Forbidden, install_problem_handlers
from shared.schema import Migrations, migrate
from shared.settings import ServiceSettings
from shared.webhooks import Dispatcher, WebhookTables, webhook_router


def create_service_app(
    *,
    title: str,
    description: str,
    settings: ServiceSettings,
    migrations: Migrations,
    routers: Sequence[APIRouter],
    writers: Iterable[Role] | None = None,
    open_routers: Sequence[APIRouter] = (),
    audit_table: type[SQLModel] | None = None,
    webhooks: WebhookTables | None = None,
) -> FastAPI:
    """A service app: its engine and migrated tables, problem+json errors, ``/health``, pages.

    Given ``writers``, every route needs a bearer token: reads any role, writes (POST, PUT,
    PATCH, DELETE) one of ``writers``; ``open_routers`` hold computations (a valuation, a
    capacity check) that any authenticated caller may POST to. Given its audit table, every
    write is recorded and ``GET /audit`` serves the trail. Given webhook tables, clients
    subscribe at ``/webhooks`` and a background dispatcher delivers the events the service
    emits.
    """
    engine = create_db_engine(settings.database_url, limits=settings.pool_limits)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        migrate(engine, migrations)
        # Sync endpoints and dependencies run on these threads: as many as connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads(engine)
        async with AsyncExitStack() as stack:
            if webhooks is not None:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
                dispatcher = Dispatcher(engine=engine, tables=webhooks, client=client)
                task = asyncio.create_task(dispatcher.run())
                stack.callback(task.cancel)
            yield
        engine.dispose()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings
    app.state.audit_table = audit_table
    install_problem_handlers(app)
    guard = [Depends(write_guard(writers))] if writers is not None else []
    reader = [Depends(current_principal)] if writers is not None else []
    for router in routers:
        app.include_router(router, dependencies=guard)
    for router in open_routers:
        app.include_router(router, dependencies=reader)
    if audit_table is not None:
        app.include_router(audit_router(audit_table), dependencies=reader)
    if webhooks is not None:
        app.state.webhooks = webhooks
        app.include_router(webhook_router(webhooks), dependencies=guard)

    @app.get("/health", tags=["health"], summary="Liveness and database reachability")
    async def health(request: Request) -> dict[str, Any]:
        await run_in_session(request.app.state.engine, work=_ping)
        return {"status": "ok", "service": title}

    add_pagination(app)
    return app


def _ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def write_guard(writers: Iterable[Role] | None) -> Callable[[Request, Principal], None]:
    """Reads need any authenticated caller, writes one of the service's writer roles."""
    allowed = frozenset(writers or ())

    def guard(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> None:
        if request.method not in READ_METHODS and not principal.has_any(allowed):
            raise Forbidden(
                f"writing here needs one of the roles {', '.join(sorted(allowed))}; "
                f"you have {', '.join(sorted(principal.roles)) or 'none'}"
            )

    return guard
