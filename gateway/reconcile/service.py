"""The reconciliation, end to end: gather, check, build, solve, store."""

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.figures.figures import LeverRates
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlanPublic
from gateway.reconcile.aop_gaps import aop_gap_items
from gateway.solver.problem import PlanningProblem
from gateway.state import GatewayState
from shared.db import run_in_session
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.settings import GatewaySettings

from .bias import forecast_bias_items
from .build import build_problem
from .checks import find_gaps
from .fence import (
    approved_production,
    check_overrides,
    fenced_cells,
    fixed_production,
    record_releases,
)
from .gather import gather_planning_data
from .models import ReconcileRequest
from .operations import compared_with_proposal, operations_proposal
from .timing import timed


def check_solve_limits(
    problem: PlanningProblem, settings: GatewaySettings, *, location: str = "body"
) -> None:
    """A problem given whole (``/solve``, a scenario's base) stays within the gateway's time
    limit and size."""
    limit = settings.solve_time_limit_seconds
    if problem.options.time_limit_seconds > limit:
        raise ValidationFailed(
            f"the time limit may not exceed the gateway's {limit:g} s",
            field=f"{location}.options.time_limit_seconds",
        )
    cells = len(problem.families) * len(problem.periods)
    if cells > settings.solve_max_cells:
        raise ValidationFailed(
            f"{len(problem.families)} families x {len(problem.periods)} periods = {cells:,} "
            f"cells; the gateway solves at most {settings.solve_max_cells:,} at once "
            "(use POST /reconcile for a company's own data)",
            field=f"{location}.families",
        )


def reconciled_problem(session: Session, *, plan_id: int) -> PlanningProblem:
    """The problem the reconcile of a consensus plan gathered, as a ``/solve`` body."""
    problem = consensus.problem_of(session, plan_id=plan_id)
    if problem is None:
        consensus.get_plan(session, plan_id=plan_id)  # 404 when the plan does not exist
        raise NotFound(f"consensus plan {plan_id} was stored before problems were kept")
    return problem


async def reconcile(
    *,
    state: GatewayState,
    request: ReconcileRequest,
    location: str = "body",
    on_store: Callable[[Session, ConsensusPlanPublic], object] | None = None,
) -> ConsensusPlanPublic:
    """A new recommended consensus plan from the services' current data, with the model's
    escalation items, one per month whose gap to the AOP is beyond the tolerance, and one per
    persistent forecast bias the demand service flags (``gateway.reconcile.bias``), and
    operations' proposal compared with it (``gateway.reconcile.operations``).

    ``location`` names the request in error fields (``body`` over REST, ``input`` in GraphQL).
    Nothing is stored unless the data is complete and the model solves. ``on_store`` runs in
    the transaction that stores the plan (the REST route records its answer there under the
    request's Idempotency-Key).
    """
    limit = state.settings.solve_time_limit_seconds
    requested = request.time_limit_seconds
    if requested is not None and requested > limit:
        raise ValidationFailed(
            f"the time limit may not exceed the gateway's {limit:g} s",
            field=f"{location}.time_limit_seconds",
        )
    with timed("gather"):
        data = await gather_planning_data(
            state.upstreams, demand_plan_id=request.demand_plan_id, location=location
        )
    with timed("checks"):
        gaps = find_gaps(data)
        if gaps:
            raise ValidationFailed(
                f"the services' data cannot be reconciled: {len(gaps)} gap(s) to fix first",
                errors=gaps,
            )
        approved = await run_in_session(state.engine, approved_production)
        fenced = fenced_cells(
            periods=data.periods, fence_months=state.settings.time_fence_months, approved=approved
        )
        released = check_overrides(request.fence_overrides, fenced=fenced, location=location)
        problem = build_problem(
            data,
            objective=request.objective,
            time_limit_seconds=requested or limit,
            utilisation_threshold=state.settings.utilisation_threshold,
            executive_lever_threshold=state.settings.executive_lever_threshold,
            fixed_production=fixed_production(
                families=data.planned_families,
                periods=data.periods,
                fenced=fenced,
                approved=approved,
                released=released,
            ),
        )
    solver = state.solver
    key: str | None = None
    with timed("solve"):
        if solver.can_hold(problem):
            # Solved on its warm worker, which keeps the model: the options are priced on
            # it, and the alternatives (another objective, corrected demand) and the
            # decisions re-solve from its basis.
            key = await solver.key_of(problem)
            solution = await solver.solve_held(problem, key=key)
        else:
            solution = await solver.solve(problem)
    solution.escalations.extend(
        await aop_gap_items(
            finance=state.upstreams.finance,
            solver=solver,
            problem=problem,
            solution=solution,
            rates=LeverRates.of(data.lever_costs),
            tolerance=request.aop_gap_tolerance,
            key=key,
        )
    )
    with timed("bias"):
        solution.escalations.extend(
            await forecast_bias_items(
                read=data.bias_flags,
                problem=problem,
                solution=solution,
                solver=solver,
                key=key,
            )
        )
    proposal = await operations_proposal(
        state.upstreams,
        demand_plan=data.plan,
        supply_plan_id=request.supply_plan_id,
        location=location,
    )

    def store(session: Session) -> ConsensusPlanPublic:
        plan = consensus.store_plan(
            session,
            demand_plan=data.plan,
            objective=request.objective,
            solution=solution,
            problem=problem,
        )
        assert plan.id is not None
        record_releases(
            session, plan_id=plan.id, overrides=request.fence_overrides, approved=approved
        )
        family_lines, resource_lines = consensus.solution_supply(solution)
        consensus.record_operations_comparison(
            session,
            plan_id=plan.id,
            operations=compared_with_proposal(
                proposal,
                plan=consensus.summary_of(plan),
                family_lines=family_lines,
                resource_lines=resource_lines,
                routings=data.routings,
                tolerance=request.comparison_tolerance,
            ),
        )
        whole = consensus.whole_plan(session, plan_id=plan.id)
        if on_store is not None:
            on_store(session, whole)
        return whole

    try:
        with timed("store"):
            return await run_in_session(state.engine, store)
    except IntegrityError as exc:
        # Another reconcile committed the same next version first.
        raise Conflict(
            "another reconcile stored a consensus plan at the same time; reconcile again"
        ) from exc
