from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status
from fastapi_pagination.ext.sqlmodel import paginate

from services.demand.plans.models import DemandPlanPublic
from services.demand.plans.router import (
    EDIT_DOC,
    EDIT_RESPONSES,
    PlanId,
    answer_revision,
    read_plan_etag,
)
from services.demand.rights import PlanKeeper
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.pagination import Page, PageParams

from . import service
from .models import ConsensusSummaryPublic, NextVersionRequest, PlanCellFilters, WaterfallRowPublic

router = APIRouter(prefix="/demand-plans/{id}", tags=["consensus"], responses=PROBLEM_RESPONSES)


@router.post(
    "/consensus",
    response_model=ConsensusSummaryPublic,
    summary="Rebuild a draft plan's consensus from its streams",
    description=(
        "Rules, in waterfall order: statistical baseline; sales overrides set, deltas add; "
        "marketing uplifts add (cannibalisation removes a share from another family); product "
        "launches set pre-launch months to 0 and add their ramp, phase-outs scale down to 0 by "
        "end of life; planner overrides set, deltas add; the result is the consensus and the "
        "plan's lines. Every input write already rebuilds it; this is the explicit form. The "
        "demand planner's (or an integration's)." + EDIT_DOC
    ),
    responses=EDIT_RESPONSES,
)
def build_consensus(
    session: SessionDep,
    _writer: PlanKeeper,
    plan_id: PlanId,
    revision: IfMatch,
    response: Response,
) -> Any:
    summary = service.build_consensus(session, plan_id=plan_id, revision=revision)
    answer_revision(session, plan_id=plan_id, response=response)
    return summary


@router.get(
    "/consensus",
    response_model=ConsensusSummaryPublic,
    summary="Total units of the plan after each stream",
)
def read_consensus(session: SessionDep, plan_id: PlanId, response: Response) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    return service.consensus_summary(session, plan_id=plan_id)


@router.get(
    "/waterfall",
    response_model=Page[WaterfallRowPublic],
    summary="Per family, segment and period: demand after each stream, and who moved it why",
)
def list_waterfall(
    session: SessionDep,
    plan_id: PlanId,
    response: Response,
    filters: Annotated[PlanCellFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    return paginate(session, service.waterfall_query(plan_id=plan_id, filters=filters), params)


@router.post(
    "/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandPlanPublic,
    summary="Draft the next version of a plan (locked or not), carrying its streams over",
    description="The demand planner's (or an integration's). The source plan does not change, "
    "so no If-Match is needed; the answer's ETag is the new draft's first revision.",
)
def draft_next_version(
    session: SessionDep,
    _writer: PlanKeeper,
    plan_id: PlanId,
    response: Response,
    request: Annotated[NextVersionRequest, Body()] = NextVersionRequest(),
) -> Any:
    draft = service.draft_next_version(session, plan_id=plan_id, request=request)
    set_etag(response, draft.revision)
    return draft
