"""The same solver workers on Ray (the ``ray`` extra): a local cluster of two workers, the
answers of the local pool, a killed solve and a crashed worker each costing one task."""

import asyncio
import time
from collections.abc import Iterator

import pytest

from gateway.solver.changes import PriceChange
from gateway.solver.model import solve
from gateway.solver.pool import RayPool, SolverWorkerLost, SolveTimedOut
from gateway.solver.runner import SolverRunner
from gateway.solver.warm_pool import RayWarmPool
from tests.gateway.solver.builders import problem
from tests.gateway.solver.test_warm_pool import cold_objective, small, task
from tests.gateway.solver.workers import kill_own_process, process_id, sleep_then_answer

pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")

pytestmark = pytest.mark.anyio

EASY = problem(
    demand={"KEY": [30.0, 30.0]}, prices={"KEY": 10.0}, resource={"regular_hours": [100.0] * 2}
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayPool]:
    """A Ray cluster of two worker CPUs on this machine, started once for these tests."""
    pool = RayPool(address=None, workers=2)
    yield pool
    asyncio.run(pool.close())


async def test_ray_workers_solve_as_the_model_does_two_at_once(cluster: RayPool) -> None:
    assert cluster.workers == 2
    runner = SolverRunner(
        pool=cluster, warm=RayWarmPool(workers=1, models_per_worker=2), grace_seconds=30.0
    )
    solution = await runner.solve(EASY)
    assert solution.model_dump(exclude={"stats"}) == solve(EASY).model_dump(exclude={"stats"})
    await asyncio.gather(*(cluster.run(process_id, None, wall_seconds=60) for _ in range(2)))
    started = time.perf_counter()
    await asyncio.gather(*(cluster.run(sleep_then_answer, 1.0, wall_seconds=60) for _ in range(2)))
    assert time.perf_counter() - started < 1.9


async def test_a_ray_solve_past_its_limit_or_whose_worker_dies_costs_one_task(
    cluster: RayPool,
) -> None:
    with pytest.raises(SolveTimedOut):
        await cluster.run(sleep_then_answer, 60.0, wall_seconds=1.0)
    with pytest.raises(SolverWorkerLost):
        await cluster.run(kill_own_process, None, wall_seconds=60)
    assert await cluster.run(sleep_then_answer, 0.1, wall_seconds=60) == 0.1


async def test_a_ray_actor_holds_the_warm_model(cluster: RayPool) -> None:
    warm = RayWarmPool(workers=1, models_per_worker=2)
    try:
        base = small(1)
        price = [PriceChange(family=base.families[0].code, value=8)]
        first = await warm.run(task(base, price), wall_seconds=120)
        again = await warm.run(task(base, price), wall_seconds=120)
        assert (first.path, again.path) == ("cold", "warm")
        assert again.objective == pytest.approx(cold_objective(base, price), rel=1e-7)
        assert again.violation < 1e-6
    finally:
        await warm.close()
