"""Solver runners over real local worker processes, and work for them that tests control
(the functions run in the workers, so they live in an importable module)."""

import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gateway.solver.pool import LocalPool
from gateway.solver.runner import SolverRunner


@asynccontextmanager
async def local_runner(*, workers: int = 1) -> AsyncIterator[SolverRunner]:
    pool = LocalPool(workers=workers, solves_per_worker=20)
    await pool.start()
    try:
        yield SolverRunner(pool=pool, grace_seconds=10.0)
    finally:
        await pool.close()


def process_id(_: object) -> int:
    return os.getpid()


def sleep_then_answer(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def kill_own_process(_: object) -> None:
    """A solver crash: the worker dies mid-solve as a segfault or the OOM killer would do it."""
    os.kill(os.getpid(), signal.SIGKILL)
