"""The FastAPI application every process (the services and the gateway) is built from."""

import asyncio
import gc
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi_pagination import add_pagination
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from shared.audit import audit_router
from shared.auth import Principal, Role, current_principal
from shared.contract import install_contract
from shared.db import create_db_engine, run_in_session, worker_threads
from shared.errors import Forbidden, install_problem_handlers
from shared.observability import configure_logging, install_observability
from shared.readiness import Schema, install_recovery, ready_router
from shared.schema import Migrations
from shared.security import install_security
from shared.settings import ServiceSettings
from shared.webhooks import Dispatcher, WebhookTables, webhook_router


@dataclass(frozen=True)
class Mount:
    """A router of an app, with the dependencies every one of its routes runs first."""

    router: APIRouter
    dependencies: Sequence[Any] = ()
    prefix: str = ""
    tags: Sequence[str] = ()


DISPATCHER_GRACE_SECONDS = 10.0

Resources = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]
"""Opens what a process holds while it runs (clients, pools) on the stack, closed at exit."""


def create_process_app(
    *,
    title: str,
    description: str,
    settings: ServiceSettings,
    migrations: Migrations,
    mounts: Sequence[Mount],
    audit_table: type[SQLModel] | None = None,
    audit_access: Sequence[Any] = (),
    webhooks: WebhookTables | None = None,
    webhook_access: Sequence[Any] = (),
    resources: Resources | None = None,
) -> FastAPI:
    """The app every process (each service, the gateway) is built from: its engine and tables
    migrated at start, ``shared.security``'s start-up check, body limit and headers,
    problem+json errors, its routers, the audit trail (every write through a session is
    recorded in ``audit_table``, served at ``GET /audit``), webhooks with their background
    dispatcher, and pages. ``*_access`` are the dependencies that guard those routers.

    ``resources`` opens what else the process holds while it runs, after the migration.
    A database that cannot be migrated at start (unreachable, read-only) does not stop the
    process: it starts not ready and migrates when the database allows (``shared.readiness``).
    """
    engine = create_db_engine(settings.database_url, limits=settings.pool_limits)
    install_recovery(engine)
    schema = Schema(engine=engine, migrations=migrations)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints and dependencies run on these threads: as many as connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads(engine)
        async with AsyncExitStack() as stack:
            await schema.start(stack)
            if resources is not None:
                await resources(app, stack)
            stack.enter_context(long_lived_heap(young_threshold=settings.gc_young_threshold))
            if webhooks is not None:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
                dispatcher = Dispatcher(engine=engine, tables=webhooks, client=client)
                task = asyncio.create_task(dispatcher.run())
                stack.push_async_callback(stop_dispatcher, dispatcher, task)
            yield
        engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_security(app, settings=settings)
    install_observability(app, service=settings.process, otel_enabled=settings.otel_enabled)
    if settings.log_json:
        configure_logging(settings.log_level)
    # The request-scoped session of shared.db reads the engine here; the audit hook
    # (shared.audit) the audit table; events go out through the webhook tables.
    app.state.engine = engine
    app.state.schema = schema
    app.state.settings = settings
    app.state.audit_table = audit_table
    install_problem_handlers(app)
    install_contract(app)
    for mount in mounts:
        app.include_router(
            mount.router,
            prefix=mount.prefix,
            tags=list(mount.tags),
            dependencies=list(mount.dependencies),
        )
    if audit_table is not None:
        app.include_router(audit_router(audit_table), dependencies=list(audit_access))
    if webhooks is not None:
        app.state.webhooks = webhooks
        app.include_router(webhook_router(webhooks), dependencies=list(webhook_access))
    add_pagination(app)
    return app


@contextmanager
def long_lived_heap(*, young_threshold: int) -> Iterator[None]:
    """What a started process holds for good (modules, schemas, the app) is moved out of the
    garbage collector's sight (``gc.freeze``), and young collections run every
    ``young_threshold`` allocations instead of 700, so that full collections over that heap
    stop pausing the event loop. Measured on the demo's GraphQL planner reads (50 users
    pausing 1 s, ``bench/load_bench.py``): the collector took 19 % of the gateway's event
    loop, and p99 fell from 514 to 167 ms. Unfrozen at shutdown, so that an app stopped
    inside a longer-lived process (the tests) can be collected."""
    previous = gc.get_threshold()
    gc.set_threshold(young_threshold, 20, 100)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)


async def stop_dispatcher(dispatcher: Dispatcher, task: asyncio.Task[None]) -> None:
    """Let the dispatcher finish its pass (its database work in a worker thread must end
    before the engine is disposed: a connection closed under a running query crashes
    SQLite); a pass still retrying deliveries after the grace period is cancelled."""
    dispatcher.stop()
    try:
        async with asyncio.timeout(DISPATCHER_GRACE_SECONDS):
            await asyncio.shield(task)
    except TimeoutError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def operation_id(route: APIRoute) -> str:
    """``<tag>-<name>``: the route's first tag and its function's name (``capacity-list_items``,
    ``cycles-approve_cycle``), stable for generated clients as long as neither is renamed,
    unlike FastAPI's default, which spells the path and method out."""
    tag = re.sub(r"[^a-z0-9]+", "-", str(route.tags[0] if route.tags else "default").lower())
    tag = tag.strip("-")
    return f"{tag}-{route.name}"


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
    """A service app (``create_process_app``) with ``/health`` (liveness) and ``/ready``
    (readiness: ``shared.readiness``).

    Given ``writers``, every route needs a bearer token: reads any role, writes (POST, PUT,
    PATCH, DELETE) one of ``writers``; ``open_routers`` hold computations (a valuation, a
    capacity check) that any authenticated caller may POST to. Given its audit table, every
    write is recorded and ``GET /audit`` serves the trail. Given webhook tables, clients
    subscribe at ``/webhooks`` and a background dispatcher delivers the events the service
    emits.
    """
    guard = [Depends(write_guard(writers))] if writers is not None else []
    reader = [Depends(current_principal)] if writers is not None else []
    return create_process_app(
        title=title,
        description=description,
        settings=settings,
        migrations=migrations,
        mounts=[
            *(Mount(router, guard) for router in routers),
            *(Mount(router, reader) for router in open_routers),
            Mount(health_router(title)),
            Mount(ready_router(title)),
        ],
        audit_table=audit_table,
        audit_access=reader,
        webhooks=webhooks,
        webhook_access=guard,
    )


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Liveness and database reachability")
    async def health(request: Request) -> dict[str, Any]:
        await run_in_session(request.app.state.engine, work=_ping)
        return {"status": "ok", "service": service}

    return router


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
