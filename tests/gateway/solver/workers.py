"""Solver runners over real local worker processes, and work for them that tests control
(the functions run in the workers, so they live in an importable module)."""

import asyncio
import gc
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from gateway.solver.pool import LocalPool
from gateway.solver.runner import SolverRunner
from gateway.solver.warm import WarmRun, lp_violation
from gateway.solver.warm_pool import HeldBase, LocalWarmPool


@asynccontextmanager
async def local_runner(*, workers: int = 1) -> AsyncIterator[SolverRunner]:
    pool = LocalPool(workers=workers, solves_per_worker=20)
    warm = LocalWarmPool(workers=1, models_per_worker=2)
    await asyncio.gather(pool.start(), warm.start())
    try:
        yield SolverRunner(pool=pool, warm=warm, grace_seconds=10.0)
    finally:
        await pool.close()
        await warm.close()


def process_id(_: object) -> int:
    return os.getpid()


def collector_enabled(_: object) -> bool:
    return gc.isenabled()


def niceness(_: object) -> int:
    return os.nice(0)


def sleep_then_answer(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def kill_own_process(_: object) -> None:
    """A solver crash: the worker dies mid-solve as a segfault or the OOM killer would do it."""
    os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Checked:
    """A warm worker's re-solve as the tests check it: where it ran, how, what it earned,
    and how far its plan is from the LP's bounds and rows."""

    process: int
    path: str
    reason: str
    objective: float | None
    violation: float


def checked(run: WarmRun, held: HeldBase) -> Checked:
    """A ``WarmTask.finish``: the run's facts, in the worker."""
    assert run.primal is not None and held.model.lp is not None
    return Checked(
        process=os.getpid(),
        path=run.path.value,
        reason=run.reason,
        objective=run.optimum.objective,
        violation=lp_violation(held.model.lp, run.primal),
    )
