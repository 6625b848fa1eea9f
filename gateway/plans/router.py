"""Read consensus plans: a paginated list, one whole plan, one plan's lines (in pages, or
all of them streamed as NDJSON)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse
from fastapi_pagination.ext.sqlmodel import paginate

from shared.db import SessionDep
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.errors import NotFound
from shared.ndjson import NDJSON, ndjson_chunks
from shared.pagination import Page, PageParams
from shared.types import MAX_ROW_ID

from . import service
from .models import (
    ConsensusLineFilters,
    ConsensusLinePublic,
    ConsensusPlanFilters,
    ConsensusPlanPublic,
    ConsensusPlanSummary,
)

router = APIRouter(prefix="/consensus-plans", tags=["consensus plans"], responses=PROBLEM_RESPONSES)

PlanId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Consensus plan id.")]


def _summaries(plans: Any) -> list[ConsensusPlanSummary]:
    return [service.summary_of(plan) for plan in plans]


@router.get(
    "",
    response_model=Page[ConsensusPlanSummary],
    summary="List consensus plans, the newest version first",
)
def list_plans(
    session: SessionDep,
    filters: Annotated[ConsensusPlanFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return paginate(session, service.plans_query(filters), params, transformer=_summaries)


@router.get(
    "/latest",
    response_model=ConsensusPlanPublic,
    summary="The newest consensus plan, whole",
    responses=NOT_FOUND,
)
def read_latest_plan(session: SessionDep) -> ConsensusPlanPublic:
    plan = service.latest_plan(session)
    if plan is None:
        raise NotFound("no consensus plan yet: POST /reconcile makes one")
    assert plan.id is not None
    return service.whole_plan(session, plan_id=plan.id)


@router.get(
    "/{id}",
    response_model=ConsensusPlanPublic,
    summary="One consensus plan with its lines, totals and escalation items",
)
def read_plan(session: SessionDep, plan_id: PlanId) -> ConsensusPlanPublic:
    return service.whole_plan(session, plan_id=plan_id)


@router.get(
    "/{id}/lines",
    response_model=Page[ConsensusLinePublic],
    summary="One plan's family/segment/period lines, filtered and paginated",
)
def list_lines(
    session: SessionDep,
    plan_id: PlanId,
    filters: Annotated[ConsensusLineFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    service.get_plan(session, plan_id=plan_id)
    return paginate(session, service.lines_query(plan_id=plan_id, filters=filters), params)


@router.get(
    "/{id}/lines/export",
    summary="Every line of one plan (filtered) as NDJSON, streamed",
    description="One JSON object per line (the fields of GET /consensus-plans/{id}/lines' "
    "items), in family, segment, month order: a large plan's lines in one read, without "
    "pages.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {NDJSON: {"schema": {"$ref": "#/components/schemas/ConsensusLinePublic"}}}}
    },
)
def export_lines(
    session: SessionDep,
    plan_id: PlanId,
    filters: Annotated[ConsensusLineFilters, Query()],
) -> StreamingResponse:
    service.get_plan(session, plan_id=plan_id)
    rows = service.line_rows(session, plan_id=plan_id, filters=filters)
    # Read whole before answering (the session closes with the request); encoded in chunks
    # as the stream is sent, in a worker thread.
    return StreamingResponse(ndjson_chunks(service.LINE_FIELDS, rows), media_type=NDJSON)
