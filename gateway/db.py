"""The gateway's database work, run in worker threads so the event loop never blocks."""

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session

ResultT = TypeVar("ResultT")


async def run_in_session(engine: Engine, work: Callable[[Session], ResultT]) -> ResultT:
    """Run ``work`` in one session and transaction in a worker thread: committed when it
    returns, rolled back when it raises."""

    def run() -> ResultT:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    return await anyio.to_thread.run_sync(run)
