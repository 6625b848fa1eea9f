"""Running the solver off the event loop and out of the API process.

Every cold solve (POST /solve, jobs, a plan that cannot be held warm) goes through
``SolverRunner.solve``, which sends the whole model (validation, optimisation, decoding,
options) to a worker of the solver pool (``gateway.solver.pool``) and kills it when it
outlives ``wall_limit_seconds``. A problem whose families fall into independent components
(``gateway.solver.decompose``) has its parts solved in parallel, one per worker, then its
solution assembled in one of them. A reconcile's linear plan is solved by
``SolverRunner.solve_held`` on the warm worker that then keeps its model
(``gateway.solver.warm_pool``): its options, alternatives and the decisions' authorisation
re-solve from it, as scenarios re-solve their base (``SolverRunner.resolve_warm``).
"""

import asyncio
import functools
import time
from collections.abc import Awaitable
from typing import TypeVar

from prometheus_client import Histogram

from gateway.solver.changes import PlanChange
from gateway.solver.decompose import (
    Assembly,
    assemble,
    components,
    is_exact,
    solve_part,
    split_plan,
)
from gateway.solver.model import solve
from gateway.solver.options import BUDGET_FACTOR
from gateway.solver.pool import SolverPool, SolverWorkerLost, SolveTimedOut
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from gateway.solver.warm import cold_reason
from gateway.solver.warm_pool import (
    BaseLoader,
    WarmPool,
    WarmTask,
    fingerprint,
    plan_only,
    whole_solution,
)
from shared.errors import ValidationFailed

SOLVE_SECONDS = Histogram(
    "sop_solver_seconds",
    "Wall time of a solve (queue for a worker and model), by outcome: the solver's "
    "termination, 'refused' when the problem is invalid or infeasible, 'timed_out' when its "
    "worker was killed at the wall limit, 'worker_lost' when its worker died.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)

Result = TypeVar("Result")


def wall_limit_seconds(time_limit_seconds: float, *, grace_seconds: float) -> float:
    """How long a solve may run before its worker is killed: ``(3 + 2 x BUDGET_FACTOR)``
    times the problem's time limit, plus the grace.

    The plan's own model takes at most twice the limit (a MIP that ends without a plan is
    followed by its linear relaxation for up to the limit again); the options' budget is
    ``BUDGET_FACTOR`` times that; the last lever may overrun the budget by one limit. The
    grace covers the queue for a worker, decoding and the trip of the answer."""
    return (3 + 2 * BUDGET_FACTOR) * time_limit_seconds + grace_seconds


class SolverRunner:
    def __init__(self, *, pool: SolverPool, warm: WarmPool, grace_seconds: float) -> None:
        self.pool = pool
        self.warm = warm
        self._grace_seconds = grace_seconds

    def wall_seconds(self, problem: PlanningProblem) -> float:
        return wall_limit_seconds(
            problem.options.time_limit_seconds, grace_seconds=self._grace_seconds
        )

    async def resolve_warm(
        self,
        task: WarmTask[Result],
        *,
        load_base: BaseLoader | None = None,
        time_limit_seconds: float | None = None,
    ) -> Result:
        """``task`` on the warm worker of its base (see ``gateway.solver.warm_pool``): the
        same refusals as ``solve``. The wall limit counts the base's cold solve as well when
        the model is not held. A task sent without its base names ``load_base`` (awaited
        only when the worker does not hold it) and the base's ``time_limit_seconds``."""
        if task.base is not None:
            time_limit_seconds = task.base.options.time_limit_seconds
        assert time_limit_seconds is not None, "the base's time limit, when it is not sent"
        wall = 2 * wall_limit_seconds(time_limit_seconds, grace_seconds=self._grace_seconds)
        return await self.warm.run(task, wall_seconds=wall, load_base=load_base)

    @staticmethod
    async def key_of(problem: PlanningProblem) -> str:
        """The warm pool's key of ``problem`` (hashing a large problem is done off the
        event loop)."""
        return await asyncio.to_thread(fingerprint, problem)

    def can_hold(self, problem: PlanningProblem) -> bool:
        """Whether the warm workers can hold ``problem`` (a linear program)."""
        return cold_reason(problem) is None

    async def solve_held(self, problem: PlanningProblem, *, key: str) -> Solution:
        """``solve`` on the warm worker of ``key``, which keeps the plan's model, solved,
        for its alternatives and decisions to re-solve from its basis (``resolve_plan``);
        the options are priced on that model (``whole_solution``). The same refusals as
        ``solve``."""
        return await self._observed(
            self.resolve_warm(WarmTask(key, [], whole_solution, base=problem))
        )

    async def resolve_plan(
        self, problem: PlanningProblem, changes: list[PlanChange], *, key: str
    ) -> Solution:
        """``problem`` with ``changes`` re-solved on its warm model (cold where the
        structure changes or the model is not held), its whole solution without escalation
        options; the same refusals as ``solve``."""
        return await self._observed(
            self.resolve_warm(WarmTask(key, changes, plan_only, base=problem))
        )

    async def solve(self, problem: PlanningProblem) -> Solution:
        """The solution, or ``ValidationFailed`` (422) when the problem is inconsistent or a
        hard requirement cannot be met, ``SolveTimedOut`` (504) past the wall limit,
        ``SolverWorkerLost`` (503) when the worker died."""
        return await self._observed(self._solve(problem, wall_seconds=self.wall_seconds(problem)))

    @staticmethod
    async def _observed(work: Awaitable[Solution]) -> Solution:
        """``work``'s solution, its wall time observed by outcome."""
        started = time.perf_counter()
        outcome: str | None = None
        try:
            solution = await work
            outcome = solution.stats.termination
            return solution
        except ValidationFailed:
            outcome = "refused"
            raise
        except SolveTimedOut:
            outcome = "timed_out"
            raise
        except SolverWorkerLost:
            outcome = "worker_lost"
            raise
        finally:
            # Anything else (a cancelled request, a defect) is not a solve outcome.
            if outcome is not None:
                SOLVE_SECONDS.labels(outcome).observe(time.perf_counter() - started)

    async def _solve(self, problem: PlanningProblem, *, wall_seconds: float) -> Solution:
        """Whole in one worker, or in parallel parts when that is exact and there are
        components and workers to spread (checked here first: the components come from the
        routings alone, a few thousand rows)."""
        workers = self.pool.workers
        if workers < 2 or not is_exact(problem) or len(components(problem)) < 2:
            return await self.pool.run(solve, problem, wall_seconds=wall_seconds)
        started = time.perf_counter()

        def rest() -> float:
            """The wall limit is the whole solve's, all phases together."""
            return max(wall_seconds - (time.perf_counter() - started), 0.1)

        parts = await self.pool.run(
            functools.partial(split_plan, workers=workers), problem, wall_seconds=rest()
        )
        if parts is None:
            return await self.pool.run(solve, problem, wall_seconds=rest())
        try:
            optima = await asyncio.gather(
                *(self.pool.run(solve_part, part, wall_seconds=rest()) for part in parts)
            )
        except ValidationFailed:
            # A part has no plan: the whole problem's solve names the inputs at their place
            # in the problem as given (a part's indices are its own).
            return await self.pool.run(solve, problem, wall_seconds=rest())
        assembly = Assembly(
            problem=problem,
            parts=parts,
            optima=list(optima),
            parts_seconds=time.perf_counter() - started,
        )
        return await self.pool.run(assemble, assembly, wall_seconds=rest())
