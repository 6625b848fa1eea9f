"""REST: the process review. How the process performs (the coordinator's measures), each
review's pre-meeting report, and what changed against last month's approved plan."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gateway.process import explanation, service
from gateway.process.models import (
    AgendaFilters,
    CycleExplanation,
    MeetingAgenda,
    PerformanceFilters,
    PerformanceReport,
)
from gateway.state import GatewayStateDep
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.errors import Problem
from shared.types import MAX_ROW_ID

router = APIRouter(tags=["process review"], responses=PROBLEM_RESPONSES)

CycleId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Cycle id.")]


@router.get(
    "/process/performance",
    response_model=PerformanceReport,
    summary="Process performance per cycle and over the cycles",
    description=(
        "Per cycle and pooled over the cycles of the months asked for: each role's steps "
        "(its inputs) on time against their due dates, steps late, decision latency (item "
        "raised -> decided, days), changes inside the time fence (fence overrides the "
        "recommended plans used, units moved) and action items closed on time. On time: done "
        "on or before the due date; late: done after it, or not done and past due as_of; "
        "on-time rate = on time / (on time + late)."
    ),
)
def performance(
    session: SessionDep, filters: Annotated[PerformanceFilters, Query()]
) -> PerformanceReport:
    return service.performance_report(session, filters=filters)


@router.get(
    "/cycles/{id}/agendas",
    response_model=list[MeetingAgenda],
    summary="The pre-meeting report of each review of a cycle",
    description=(
        "Per review (demand review, supply review, pre-S&OP, executive S&OP): the open items "
        "routed to it (undecided escalation items by kind, open action items by their owner's "
        "role), the deviations among them, the decisions it needs, their owners, and the "
        "execution headline of the month before the cycle's."
    ),
)
async def agendas(
    state: GatewayStateDep, cycle_id: CycleId, filters: Annotated[AgendaFilters, Query()]
) -> list[MeetingAgenda]:
    return await service.agendas(
        upstreams=state.upstreams, engine=state.engine, cycle_id=cycle_id, filters=filters
    )


@router.get(
    "/cycles/{id}/explanation",
    response_model=CycleExplanation,
    responses={
        409: {
            "model": Problem,
            "description": "The cycle has no recommended plan yet, or no earlier cycle "
            "approved one",
        }
    },
    summary="What changed against last month's approved plan, and why: a waterfall",
    description=(
        "From the previous cycle's approved plan to this cycle's (approved, else authorised, "
        "else recommended) in units sold and margin, in steps that add up exactly: months "
        "out and in, prices, costs, demand per stream and reason, service, levers, decisions."
    ),
)
async def explain(state: GatewayStateDep, cycle_id: CycleId) -> CycleExplanation:
    return await explanation.explain_cycle(
        upstreams=state.upstreams, engine=state.engine, cycle_id=cycle_id
    )
