"""Warm models held in warm worker processes: an LRU by base, warm re-solves from the last
basis, cold when the model is gone, the same objective as a cold solve either way."""

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.planning_problems import synthetic_problem
from gateway.solver.changes import (
    CapacityChange,
    CostChange,
    DemandChange,
    OvertimeChange,
    PlanChange,
    PriceChange,
    apply_changes,
)
from gateway.solver.data import problem_data
from gateway.solver.optimise import optimise
from gateway.solver.pool import SolveTimedOut
from gateway.solver.problem import PlanningProblem, SolveOptions
from gateway.solver.warm_pool import LocalWarmPool, WarmTask, fingerprint
from tests.gateway.solver.workers import Checked, checked

pytestmark = pytest.mark.anyio

OPTIONS = SolveOptions(compute_options=False)


def small(seed: int, families: int = 6) -> PlanningProblem:
    return synthetic_problem(families, periods=6, seed=seed, options=OPTIONS)


def task(base: PlanningProblem, changes: list[PlanChange]) -> WarmTask[Checked]:
    return WarmTask(key=fingerprint(base), changes=changes, finish=checked, base=base)


def cold_objective(base: PlanningProblem, changes: list[PlanChange]) -> float | None:
    changed = apply_changes(base, changes)
    return optimise(problem_data(changed), changed.options).objective


@pytest.fixture
async def pool() -> AsyncIterator[LocalWarmPool]:
    warm = LocalWarmPool(workers=1, models_per_worker=2)
    await warm.start()
    yield warm
    await warm.close()


async def test_the_first_re_solve_builds_the_model_cold_the_next_run_warm_in_the_worker(
    pool: LocalWarmPool,
) -> None:
    base = small(1)
    price = [PriceChange(family=base.families[0].code, value=8)]

    first = await pool.run(task(base, price), wall_seconds=60)
    second = await pool.run(
        task(base, [DemandChange(family=base.families[1].code, value=5)]), wall_seconds=60
    )

    assert first.process != os.getpid()  # held in the warm worker, not here
    assert first.path == "cold" and first.reason.startswith("no warm model of the base")
    assert second.path == "warm", second.reason
    assert second.process == first.process
    assert first.objective == pytest.approx(cold_objective(base, price), rel=1e-7)
    assert await pool.keys() == [[fingerprint(base)]]


async def test_the_least_recently_used_base_is_dropped_and_then_re_solved_cold(
    pool: LocalWarmPool,
) -> None:
    one, two, three = small(1), small(2), small(3)
    for base in (one, two, one, three):  # two is the least recently used when three comes
        await pool.run(task(base, []), wall_seconds=60)

    assert await pool.keys() == [[fingerprint(one), fingerprint(three)]]
    again = await pool.run(task(two, []), wall_seconds=60)
    assert again.path == "cold"
    assert (await pool.run(task(three, []), wall_seconds=60)).path == "warm"
    assert await pool.keys() == [[fingerprint(two), fingerprint(three)]]


async def test_a_worker_killed_at_its_wall_limit_loses_its_models_and_the_next_run_is_cold(
    pool: LocalWarmPool,
) -> None:
    base = small(4, families=60)
    await pool.run(task(base, []), wall_seconds=60)

    with pytest.raises(SolveTimedOut):
        await pool.run(task(small(5, families=200), []), wall_seconds=0.05)

    after = await pool.run(task(base, []), wall_seconds=60)
    assert after.path == "cold"
    assert await pool.keys() == [[fingerprint(base)]]


def changes_strategy(base: PlanningProblem) -> st.SearchStrategy[list[PlanChange]]:
    families = [f.code for f in base.families]
    resources = [r.code for r in base.resources if r.regular_hours > 0]
    months = list(base.periods)
    percent = st.floats(min_value=-40, max_value=40).map(lambda v: round(v, 1))
    kinds = st.one_of(
        st.builds(
            DemandChange,
            family=st.sampled_from(families),
            periods=st.lists(st.sampled_from(months), min_size=1, max_size=3, unique=True),
            value=percent,
        ),
        st.builds(
            CapacityChange,
            resource=st.sampled_from(resources),
            periods=st.lists(st.sampled_from(months), min_size=1, max_size=3, unique=True),
            value=st.floats(min_value=-40, max_value=20).map(lambda v: round(v, 1)),
        ),
        st.builds(PriceChange, family=st.sampled_from(families), value=percent),
        st.builds(
            CostChange,
            cost=st.sampled_from(["holding_cost", "overtime_hour_cost", "variable_cost"]),
            value=percent,
        ),
        st.builds(OvertimeChange, resource=st.sampled_from(resources), value=percent),
    )
    return st.lists(kinds, min_size=1, max_size=3)


BASES = {seed: small(seed) for seed in (11, 12)}


# The changes are drawn with the base before the test runs, never by ``st.data()`` inside
# it: a draw that overruns raises hypothesis' StopTest in anyio's runner task, which then
# dies and fails every later example (a flaky ClosedResourceError).
BASE_AND_CHANGES = st.sampled_from(sorted(BASES)).flatmap(
    lambda seed: st.tuples(st.just(seed), changes_strategy(BASES[seed]))
)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=BASE_AND_CHANGES)
async def test_warm_and_cold_paths_give_the_same_objective_and_a_feasible_plan(
    pool: LocalWarmPool, drawn: tuple[int, list[PlanChange]]
) -> None:
    seed, changes = drawn
    base = BASES[seed]

    warm = await pool.run(task(base, changes), wall_seconds=60)

    assert warm.objective == pytest.approx(cold_objective(base, changes), rel=1e-7)
    assert warm.violation < 1e-6


async def test_a_task_without_its_base_loads_it_only_when_the_worker_does_not_hold_it(
    pool: LocalWarmPool,
) -> None:
    base = small(6)
    loads: list[str] = []

    async def load_base() -> PlanningProblem:
        loads.append("read")
        return base

    bare = WarmTask(key=fingerprint(base), changes=[], finish=checked)
    first = await pool.run(bare, wall_seconds=60, load_base=load_base)
    price = [PriceChange(family=base.families[0].code, value=4)]
    second = await pool.run(
        WarmTask(key=fingerprint(base), changes=price, finish=checked),
        wall_seconds=60,
        load_base=load_base,
    )

    assert loads == ["read"]  # the second found the model held: no base read, none sent
    assert first.path == "cold" and second.path == "warm"
    assert second.objective == pytest.approx(cold_objective(base, price), rel=1e-7)
    with pytest.raises(ValueError, match="its base or a way to load it"):
        await pool.run(bare, wall_seconds=60)
