"""The reconciliation model: a pure function from a planning problem to a consensus plan.

Public API (``gateway.solver.model``): ``solve(problem) -> Solution`` and
``validate_problem(problem)``; the contract is ``problem.py`` (input) and ``solution.py``.

Inside, in the order a solve runs:

- ``validation``: cross-reference checks, every gap as a field error (422);
- ``data``: the problem as numeric arrays; ``priority``: allocation tiers and weights;
- ``lp`` + ``build``: the LP/MIP assembled from arrays (no per-coefficient Python loop);
- ``backend``: HiGHS through OR-Tools MathOpt (a ``ModelProto`` filled from the arrays);
- ``optimise``: the objectives (one or two stages), MIP duals, infeasibility diagnosis;
- ``decode``: quantities, money, service, shadow prices; ``explain``: bottlenecks, shortages;
- ``escalations``: items with severity; ``options``: lever re-solves and recommendations.
"""
