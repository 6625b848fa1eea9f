"""Running the solver off the event loop.

The model is CPU-bound and blocking; it runs in worker threads (MathOpt releases the GIL
while the solver works), at most ``max_concurrent`` at once so that a burst of solves
queues instead of thrashing the cores. A problem is validated before it queues, so bad
input is refused at once rather than after the solves ahead of it.
"""

import anyio
import anyio.to_thread

from gateway.solver.model import solve, validate_problem
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution


class SolverRunner:
    def __init__(self, *, max_concurrent: int) -> None:
        self._limiter = anyio.CapacityLimiter(max_concurrent)

    async def solve(self, problem: PlanningProblem) -> Solution:
        """The solution, or ``ValidationFailed`` (422) when the problem is inconsistent or a
        hard requirement cannot be met."""
        await anyio.to_thread.run_sync(validate_problem, problem)
        return await anyio.to_thread.run_sync(solve, problem, limiter=self._limiter)
