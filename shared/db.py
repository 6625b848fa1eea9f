"""Database engine, its connection slots, and the request-scoped session that owns the
transaction.

One transaction per request: the session dependency commits when the endpoint returns
and rolls back on any error, before the response is sent (``scope="function"``), so a
failed commit is reported to the client and nothing is half-written. Services only flush.

Connections are waited for on the event loop, never in a worker thread. Whatever uses an
engine (a request's session, the webhook dispatcher, ``/health``) first takes one of its
connection slots, as many as its pool may open, so a worker thread's checkout never waits:
a request may then keep its connection across thread hops (its dependencies, its endpoint,
the response's validation, the commit) without ever starving the threads that would free
one. When no slot comes free within the pool timeout, the request is answered 503
(``DatabaseBusy``) without having taken a thread.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from shared.errors import DatabaseBusy
from shared.settings import DEFAULT_POOL, PoolLimits

ResultT = TypeVar("ResultT")

# The limits each engine was made with, and per event loop its slots (anyio primitives
# belong to the loop that first waits on them; a test may serve one app from several loops).
_LIMITS: WeakKeyDictionary[Engine, PoolLimits] = WeakKeyDictionary()
_SLOTS: RunVar[WeakKeyDictionary[Engine, anyio.Semaphore]] = RunVar("sop_connection_slots")


def create_db_engine(url: str, *, limits: PoolLimits = DEFAULT_POOL) -> Engine:
    """An engine for a SQLite file (directory created), in-memory SQLite, or PostgreSQL, its
    pool opening at most ``limits.connections``."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            # One connection holds the whole in-memory database, and a sqlite3 connection
            # used from two threads at once can crash the interpreter: one slot, so its
            # users take turns.
            kwargs["poolclass"] = StaticPool
            limits = PoolLimits(size=1, max_overflow=0, timeout_seconds=limits.timeout_seconds)
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    if "poolclass" not in kwargs:
        kwargs |= {
            "pool_size": limits.size,
            "max_overflow": limits.max_overflow,
            "pool_timeout": limits.timeout_seconds,
        }
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _LIMITS[engine] = limits
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed during a bulk load; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def worker_threads(engine: Engine) -> int:
    """Threads to run sync code with: one per connection the engine's pool may open."""
    return _LIMITS[engine].connections


@asynccontextmanager
async def connection_slot(engine: Engine) -> AsyncIterator[None]:
    """Hold one of ``engine``'s connection slots; ``DatabaseBusy`` if none comes free within
    its pool timeout."""
    limits = _LIMITS[engine]
    try:
        slots = _SLOTS.get()
    except LookupError:
        slots = WeakKeyDictionary()
        _SLOTS.set(slots)
    slot = slots.get(engine)
    if slot is None:
        slot = slots[engine] = anyio.Semaphore(limits.connections)
    try:
        with anyio.fail_after(limits.timeout_seconds):
            await slot.acquire()
    except TimeoutError:
        raise DatabaseBusy(
            f"no database connection came free within {limits.timeout_seconds:g} s; retry shortly"
        ) from None
    try:
        yield
    finally:
        slot.release()


async def run_in_session(engine: Engine, work: Callable[[Session], ResultT]) -> ResultT:
    """Run ``work`` in one session and transaction, in a worker thread, holding a connection
    slot: committed when it returns, rolled back when it raises."""

    def run() -> ResultT:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    async with connection_slot(engine):
        return await anyio.to_thread.run_sync(run)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, within a connection slot; its commit or rollback runs in a
    worker thread (async, so that taking the slot waits on the loop, not in a thread)."""
    engine: Engine = request.app.state.engine
    async with connection_slot(engine):
        session = Session(engine, expire_on_commit=False)
        # Read by the audit hook (shared.audit) when the request flushes its writes.
        session.info["request"] = request
        session.info["audit_table"] = getattr(request.app.state, "audit_table", None)
        try:
            yield session
        except BaseException:
            await _end(session, commit=False)
            raise
        await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    """Commit (or not) and close, which rolls back whatever was not committed and returns
    the connection. Shielded: a cancelled request still ends its transaction."""

    def end() -> None:
        with session:
            if commit:
                session.commit()

    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(end)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
