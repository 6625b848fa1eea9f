"""The overdue sweep: a step still open after its due day is announced late (``step.late``)
without waiting for its completion, once, whichever of the gateways sharing the database
sees it first (``gateway.cycle.events.announce_overdue``)."""

import asyncio
import logging
from contextlib import AsyncExitStack

from sqlalchemy.engine import Engine

from gateway.cycle.events import announce_overdue
from shared.db import run_in_session
from shared.errors import DomainError
from shared.types import utc_now

log = logging.getLogger("sop.cycle")


async def start_overdue_sweep(
    stack: AsyncExitStack, *, engine: Engine, interval_seconds: float
) -> None:
    """Sweeps every ``interval_seconds`` until ``stack`` closes."""

    async def sweep() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await run_in_session(
                    engine, lambda session: announce_overdue(session, now=utc_now())
                )
            except DomainError as busy:  # the database busy or away: try at the next sweep
                log.warning("overdue sweep: %s", busy.detail)

    async def stop(task: asyncio.Task[None]) -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # see gateway.jobs.runner._stop

    stack.push_async_callback(stop, asyncio.create_task(sweep()))
