"""``POST /reconcile`` (gather, check, solve, store) and the stateless ``POST /solve``."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response, status

from gateway.plans.models import ConsensusPlanPublic
from gateway.plans.router import PlanId
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from gateway.state import GatewayStateDep
from gateway.tables import IdempotencyKey
from shared import idempotency
from shared.auth import RECONCILERS, current_principal, require_roles
from shared.db import SessionDep
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.idempotency import Idempotency
from shared.responses import json_response
from shared.throttle import THROTTLED, throttled

from .examples import SOLVE_EXAMPLES
from .models import ReconcileRequest
from .service import check_solve_limits, reconcile, reconciled_problem

router = APIRouter(tags=["reconciliation"], responses=PROBLEM_RESPONSES)
# gateway.solver.pool: a solve past its wall limit has its worker killed.
SOLVE_TIMED_OUT: dict[int | str, dict[str, Any]] = {
    504: {"description": "The solve ran past its wall limit and was stopped (submit a job)"}
}


@router.post(
    "/reconcile",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_roles(RECONCILERS)), Depends(throttled("reconcile"))],
    response_model=ConsensusPlanPublic,
    summary="Reconcile the services' data into a new recommended consensus plan",
    description=(
        "Gathers over HTTP, concurrently, the demand plan (the one named, else the latest "
        "locked, else the latest draft), families and segments (demand), resources, capacity, "
        "routings and inventory policies (supply), prices, unit costs and lever costs "
        "(finance); checks them across services, answering one 422 that lists every gap "
        "(a family without price, unit cost or routing, a capacity hole, a code one service "
        "uses and another does not know); solves the planning model (workforce-driven "
        "resources from their crews, safety stock as the supply service computes it); values "
        "the plan against the AOP through the finance service, each month beyond the "
        "tolerance becoming an aop_gap escalation item with its options; stores the plan with "
        "its lines and escalation items as the next version; returns it whole. With an "
        "Idempotency-Key, a retry (after a lost answer) stores nothing and answers the plan "
        "stored first."
    ),
    responses={
        **idempotency.created_responses("The consensus plan stored, whole"),
        **THROTTLED,
        **SOLVE_TIMED_OUT,
    },
)
async def reconcile_plan(
    state: GatewayStateDep,
    once: Annotated[Idempotency, idempotency.idempotent(IdempotencyKey)],
    request: Annotated[ReconcileRequest | None, Body()] = None,
) -> Response:
    if once.replay is not None:
        return once.replay
    await reconcile(
        state=state,
        request=request or ReconcileRequest(),
        on_store=lambda session, plan: once.respond(
            session, body=plan, status_code=status.HTTP_201_CREATED
        ),
    )
    return once.answer()


@router.post(
    "/solve",
    response_model=Solution,
    dependencies=[Depends(current_principal), Depends(throttled("solve"))],
    responses={**THROTTLED, **SOLVE_TIMED_OUT},
    summary="Solve a whole planning problem (stateless)",
    description=(
        "For harnesses and APS tools: the body is the reconciliation model's input, the "
        "answer its solution (plan, money, resource duals, escalation items). Nothing is "
        "stored. An inconsistent problem (unknown codes, lists of the wrong length) is a 422 "
        "naming the field; the time limit may not exceed the gateway's."
    ),
)
async def solve_problem(
    state: GatewayStateDep,
    problem: Annotated[PlanningProblem, Body(openapi_examples=SOLVE_EXAMPLES)],
) -> Response:
    check_solve_limits(problem, state.settings)
    return json_response(await state.solver.solve(problem))


@router.get(
    "/consensus-plans/{id}/problem",
    response_model=PlanningProblem,
    dependencies=[Depends(current_principal)],
    responses=NOT_FOUND,
    summary="The problem this plan's reconcile gathered, as a /solve body",
    description=(
        "Export for harnesses, bug reports and offline studies; POST it to /solve to solve "
        "it again, or use it as a scenario's base."
    ),
)
def export_reconciled_problem(session: SessionDep, plan_id: PlanId) -> PlanningProblem:
    return reconciled_problem(session, plan_id=plan_id)
