"""Solver workers: solves run in worker processes that a crash, a wall limit or a cancelled
caller costs, never the gateway; the pool replaces the worker and the next solve works."""

import asyncio
import gc
import os
import time

import pytest

from gateway.solver.model import solve
from gateway.solver.options import BUDGET_FACTOR
from gateway.solver.pool import (
    WORKER_NICENESS,
    LocalPool,
    SolverWorkerLost,
    SolveTimedOut,
    collector_paused,
)
from gateway.solver.runner import wall_limit_seconds
from shared.errors import ValidationFailed
from tests.gateway.solver.builders import problem
from tests.gateway.solver.workers import (
    collector_enabled,
    kill_own_process,
    local_runner,
    niceness,
    process_id,
    sleep_then_answer,
)

pytestmark = pytest.mark.anyio

# 30 units of demand a month on 100 hours: served whole, nothing to escalate.
EASY = problem(
    demand={"KEY": [30.0, 30.0]}, prices={"KEY": 10.0}, resource={"regular_hours": [100.0, 100.0]}
)


async def test_a_solve_runs_in_a_worker_process_and_answers_as_the_model_does() -> None:
    async with local_runner() as runner:
        assert await runner.pool.run(process_id, None, wall_seconds=30) != os.getpid()
        solution = await runner.solve(EASY)
    assert solution.model_dump(exclude={"stats"}) == solve(EASY).model_dump(exclude={"stats"})


async def test_a_task_runs_with_the_cyclic_collector_held_off() -> None:
    """A plan's decode is not interrupted by collections walking the worker's heap."""
    async with local_runner() as runner:
        assert await runner.pool.run(collector_enabled, None, wall_seconds=30) is False


async def test_a_worker_runs_below_the_api_processes_priority() -> None:
    """Under a reconcile, the planners' reads get the CPU first (nice 10: about a tenth of
    an API process's weight when both want it)."""
    async with local_runner() as runner:
        ours = os.nice(0)
        assert await runner.pool.run(niceness, None, wall_seconds=30) == min(
            ours + WORKER_NICENESS, 19
        )


def test_the_collector_is_back_after_a_task_as_it_was_before() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a task that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # not turned on by a task when it was off
    finally:
        gc.enable()


async def test_a_refusal_in_the_worker_is_the_models_own_422() -> None:
    # One period, but demand and capacity lists of two: the lengths disagree.
    bad = EASY.model_copy(update={"periods": ["2026-01"]})
    async with local_runner() as runner:
        with pytest.raises(ValidationFailed) as refused:
            await runner.solve(bad)
    assert refused.value.errors


async def test_a_worker_killed_mid_solve_is_a_clean_503_and_the_next_solve_works() -> None:
    async with local_runner() as runner:
        before = await runner.pool.run(process_id, None, wall_seconds=30)
        with pytest.raises(SolverWorkerLost) as lost:
            await runner.pool.run(kill_own_process, None, wall_seconds=30)
        assert lost.value.status == 503 and "retry" in lost.value.detail
        assert await runner.pool.run(process_id, None, wall_seconds=30) != before
        assert (await runner.solve(EASY)).stats.termination == "optimal"


async def test_a_solve_past_its_wall_limit_is_a_504_and_its_worker_is_replaced() -> None:
    async with local_runner() as runner:
        before = await runner.pool.run(process_id, None, wall_seconds=30)
        started = time.perf_counter()
        with pytest.raises(SolveTimedOut) as late:
            await runner.pool.run(sleep_then_answer, 60.0, wall_seconds=0.5)
        assert time.perf_counter() - started < 10  # killed, not waited for
        assert late.value.status == 504 and "0.5 s" in late.value.detail
        assert await runner.pool.run(process_id, None, wall_seconds=30) != before


async def test_a_cancelled_caller_kills_its_solve() -> None:
    async with local_runner() as runner:
        before = await runner.pool.run(process_id, None, wall_seconds=30)
        running = asyncio.create_task(runner.pool.run(sleep_then_answer, 60.0, wall_seconds=90))
        await asyncio.sleep(0.5)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert await runner.pool.run(process_id, None, wall_seconds=30) != before


async def test_a_worker_recycles_after_its_solves_to_return_its_memory() -> None:
    pool = LocalPool(workers=1, solves_per_worker=2)
    try:
        pids = [await pool.run(process_id, None, wall_seconds=30) for _ in range(3)]
    finally:
        await pool.close()
    assert pids[0] == pids[1] != pids[2]


async def test_two_workers_solve_at_once() -> None:
    async with local_runner(workers=2) as runner:
        await asyncio.gather(
            *(runner.pool.run(process_id, None, wall_seconds=30) for _ in range(2))
        )
        started = time.perf_counter()
        await asyncio.gather(
            *(runner.pool.run(sleep_then_answer, 1.0, wall_seconds=30) for _ in range(2))
        )
        assert time.perf_counter() - started < 1.9


def test_the_wall_limit_covers_the_plan_its_relaxation_the_options_and_one_late_lever() -> None:
    # 2 x 60 for the plan, 1.8 x 120 for the options, 60 for the last lever, 10 of grace.
    assert wall_limit_seconds(60, grace_seconds=10) == pytest.approx(
        120 + BUDGET_FACTOR * 120 + 60 + 10
    )
