"""Database work of a cycle request, in a worker thread, audited as the caller's.

Writes that wait on other services (a step whose output lives in the demand or supply
service) cannot hold one request session across the upstream call without blocking a
thread on the network; they read in one short transaction, verify upstream, then write
in another, guarded by the cycle's version (``gateway.cycle.concurrency``). GraphQL
resolvers use the same runner for every read and write.
"""

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from fastapi import Request
from sqlmodel import Session

from shared.db import run_in_session

ResultT = TypeVar("ResultT")


class SessionRunner(Protocol):
    def __call__(self, work: Callable[[Session], ResultT]) -> Awaitable[ResultT]: ...


def session_runner(request: Request) -> SessionRunner:
    """Runs work in its own committed transaction; the audit hook (``shared.audit``) sees
    the caller (``request.state.principal``) and the app's audit table, as in
    ``shared.db.get_session``."""
    engine = request.app.state.engine
    audit_table = getattr(request.app.state, "audit_table", None)

    def run(work: Callable[[Session], ResultT]) -> Awaitable[ResultT]:
        def audited(session: Session) -> ResultT:
            session.info["request"] = request
            session.info["audit_table"] = audit_table
            return work(session)

        return run_in_session(engine, audited)

    return run
