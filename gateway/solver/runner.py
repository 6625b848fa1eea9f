"""Running the solver off the event loop.

The model is CPU-bound and blocking; it runs in worker threads (MathOpt releases the GIL
while the solver works), at most ``max_concurrent`` at once so that a burst of solves
queues instead of thrashing the cores. A problem is validated before it queues, so bad
input is refused at once rather than after the solves ahead of it.
"""

import time

import anyio
import anyio.to_thread
from prometheus_client import Histogram

from gateway.solver.model import solve, validate_problem
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from shared.errors import ValidationFailed

SOLVE_SECONDS = Histogram(
    "sop_solver_seconds",
    "Wall time of a solve (validation, queue and model), by outcome: the solver's "
    "termination, or 'refused' when the problem is invalid or infeasible.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


class SolverRunner:
    def __init__(self, *, max_concurrent: int) -> None:
        self._limiter = anyio.CapacityLimiter(max_concurrent)

    async def solve(self, problem: PlanningProblem) -> Solution:
        """The solution, or ``ValidationFailed`` (422) when the problem is inconsistent or a
        hard requirement cannot be met."""
        started = time.perf_counter()
        try:
            await anyio.to_thread.run_sync(validate_problem, problem)
            solution = await anyio.to_thread.run_sync(solve, problem, limiter=self._limiter)
        except ValidationFailed:
            SOLVE_SECONDS.labels("refused").observe(time.perf_counter() - started)
            raise
        SOLVE_SECONDS.labels(solution.stats.termination).observe(time.perf_counter() - started)
        return solution
