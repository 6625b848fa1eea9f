"""Readiness, apart from liveness: ``GET /health`` says the process answers, ``GET /ready``
says it can serve: its schema migrated and its database writable (the gateway adds its
upstreams' readiness). Not ready is a 503 problem+json with ``Retry-After``.

Nothing caches a failure, so a database that was unreachable or read-only when the process
started serves again as soon as it recovers, without a restart:

- the migration a process runs at start is tried again, in the background, while the
  database cannot take it (``Schema``), instead of the process failing to start;
- no connection that may be read-only is kept once the database may not be
  (``install_recovery``): a connection opened while the database was read-only stays so
  (SQLite opens the file read-only; PostgreSQL keeps the ``default_transaction_read_only``
  of the moment it connected), and a ping does not notice.
"""

import asyncio
import logging
import threading
from contextlib import AsyncExitStack, suppress
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from shared.db import connection_slot
from shared.errors import DomainError, Problem
from shared.schema import Migrations, migrate

log = logging.getLogger("sop.readiness")

RETRY_AFTER_SECONDS = 5
MIGRATION_RETRY_SECONDS = (1.0, 30.0)
"""The first and the longest wait between attempts to migrate a database that cannot yet."""
READ_ONLY_SQLSTATE = "25006"  # PostgreSQL's read_only_sql_transaction


class NotReady(DomainError):
    """The process cannot serve now (database read-only or unreachable, schema not migrated,
    an upstream not ready); ``Retry-After`` says when to ask again."""

    status = 503
    code = "not-ready"

    def __init__(self, detail: str, *, checks: dict[str, str]) -> None:
        super().__init__(detail, extra={"checks": checks})
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    service: str
    checks: dict[str, str] = Field(
        description="What was checked, each `ok`: the database, and the gateway's upstreams.",
        examples=[{"database": "ok"}],
    )


READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "Not ready: `extra.checks` says what is not, `Retry-After` when to ask",
    }
}
READY_DESCRIPTION = (
    "200 when the process can serve: its schema is migrated and its database takes a write "
    "(made in a transaction rolled back). 503 problem+json otherwise, e.g. while the database "
    "is read-only or unreachable; it recovers without a restart. `GET /health` is liveness."
)


def read_only_error(exc: BaseException | None) -> bool:
    """Whether a driver error says the database (or this connection to it) is read-only:
    SQLite's SQLITE_READONLY family, PostgreSQL's SQLSTATE 25006 (a read-only transaction,
    which a standby or ``default_transaction_read_only`` makes of every transaction)."""
    if getattr(exc, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == 8:  # SQLITE_READONLY and its extended codes
        return True
    return "readonly database" in str(exc)


def unavailable(exc: DBAPIError) -> bool:
    """Whether a database error says the database cannot serve for now (unreachable,
    read-only, shutting down, out of connections) rather than that the statement is wrong."""
    return (
        isinstance(exc, OperationalError) or exc.connection_invalidated or read_only_error(exc.orig)
    )


def describe(exc: BaseException) -> str:
    """The driver's one-line reason for a database error."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0][:300] if str(orig).strip() else type(orig).__name__


WRITES = ("INSERT", "UPDATE", "DELETE")


def install_recovery(engine: Engine) -> None:
    """Never keep a connection that may be read-only once the database may not be.

    A connection opened while the database was read-only stays so after it recovers
    (SQLite opened the file read-only; PostgreSQL keeps the ``default_transaction_read_only``
    of the moment it connected), and no ping notices. So: a read-only error discards every
    pooled connection (as a lost connection does); from then on, until a write succeeds,
    each checkout takes a new connection (which sees the database as it is now); and the
    connections opened meanwhile are discarded at their next checkout after that write.
    """
    read_only_seen = False

    def on_error(context: ExceptionContext) -> None:
        nonlocal read_only_seen
        if read_only_error(context.original_exception):
            read_only_seen = True
            context.is_disconnect = True  # SQLAlchemy discards the pool's connections

    def on_connect(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["fresh"] = True
        record.info["opened_read_only"] = read_only_seen

    def on_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        fresh = record.info.pop("fresh", False)
        if read_only_seen and not fresh:
            raise DisconnectionError("pooled while the database was read-only")
        if not read_only_seen and record.info.get("opened_read_only"):
            raise DisconnectionError("opened while the database was read-only")

    def after_execute(_connection: Any, _cursor: Any, statement: str, *_: Any, **__: Any) -> None:
        nonlocal read_only_seen
        if read_only_seen and statement.lstrip()[:6].upper() in WRITES:
            read_only_seen = False

    event.listen(engine, "handle_error", on_error)
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "after_cursor_execute", after_execute)


class Schema:
    """A process's schema, migrated to the newest revision when the database allows it."""

    def __init__(self, *, engine: Engine, migrations: Migrations) -> None:
        self.engine = engine
        self.migrations = migrations
        self.migrated = False
        self.problem: str | None = None
        self._lock = threading.Lock()

    def migrate(self) -> bool:
        """Migrate unless done already; whether the schema is at the newest revision. A
        database that cannot take it now leaves ``problem`` set; any other error (a broken
        revision) is raised."""
        with self._lock:
            if self.migrated:
                return True
            try:
                migrate(self.engine, self.migrations)
            except DBAPIError as exc:
                if not unavailable(exc):
                    raise
                self.problem = describe(exc)
                return False
            self.migrated, self.problem = True, None
            return True

    async def start(self, stack: AsyncExitStack) -> None:
        """Migrate now; when the database cannot take it yet, keep trying in the background
        (until the app stops) and start anyway, not ready."""
        if self.migrate():
            return
        log.warning(
            "%s: the database cannot be migrated yet (%s); trying again in the background",
            self.migrations.name,
            self.problem,
        )
        task = asyncio.create_task(self._keep_migrating())

        async def stop() -> None:
            # Waited for: a migration running in a worker thread ends before the engine goes.
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

        stack.push_async_callback(stop)

    async def _keep_migrating(self) -> None:
        first, longest = MIGRATION_RETRY_SECONDS
        wait = first
        while True:
            async with connection_slot(self.engine):
                if await anyio.to_thread.run_sync(self.migrate):
                    break
            await asyncio.sleep(wait)
            wait = min(longest, wait * 2)
        log.info("%s: the database is migrated", self.migrations.name)


def database_problem(schema: Schema) -> str | None:
    """Why the process's database cannot serve now, or ``None``: the schema is migrated
    (tried again here if it is not yet) and a write succeeds in a transaction rolled back
    (the version table's row set to itself)."""
    if not schema.migrate():
        return f"the schema is not migrated yet: {schema.problem}"
    table = schema.migrations.version_table
    try:
        with schema.engine.connect() as connection, connection.begin() as transaction:
            if connection.dialect.name == "postgresql":
                # A probe waits for no one: a lock held elsewhere answers "not ready".
                connection.execute(text("SET LOCAL lock_timeout = '2s'"))
            updated = connection.execute(text(f"UPDATE {table} SET version_num = version_num"))
            transaction.rollback()
    except DBAPIError as exc:
        reason = "read-only" if read_only_error(exc.orig) else "unavailable"
        return f"the database is {reason}: {describe(exc)}"
    if updated.rowcount != 1:
        return f"the schema's version table {table} holds no revision"
    return None


async def check_database(request: Request) -> str | None:
    """``database_problem`` of the app's schema (``create_process_app`` keeps it), in a
    worker thread holding one of the engine's connection slots (``shared.db``)."""
    schema: Schema = request.app.state.schema
    async with connection_slot(schema.engine):
        return await anyio.to_thread.run_sync(database_problem, schema)


def ready_router(service: str) -> APIRouter:
    """``GET /ready`` of a service: its database (``database_problem``)."""
    router = APIRouter(tags=["health"])

    @router.get(
        "/ready",
        summary="Readiness: the schema migrated and the database writable",
        description=READY_DESCRIPTION,
        responses=READY_RESPONSES,
    )
    async def ready(request: Request) -> Readiness:
        problem = await check_database(request)
        if problem is not None:
            raise NotReady(f"not ready: {problem}", checks={"database": problem})
        return Readiness(service=service, checks={"database": "ok"})

    return router
