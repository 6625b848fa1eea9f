from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi_pagination.ext.sqlmodel import paginate

from services.demand.plans.router import (
    EDIT_DOC,
    EDIT_RESPONSES,
    PlanId,
    answer_revision,
    read_plan_etag,
)
from services.demand.rights import PlanKeeper
from shared.concurrency import IfMatch
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.pagination import Page, PageParams
from shared.throttle import THROTTLED, throttled

from . import service
from .models import BaselineFilters, BaselineRequest, BaselineSeriesPublic, BaselineSummary

router = APIRouter(
    prefix="/demand-plans/{id}/baseline", tags=["statistical baseline"], responses=PROBLEM_RESPONSES
)


@router.post(
    "",
    response_model=BaselineSummary,
    summary="Compute the statistical stream of a draft plan from the demand history",
    description=(
        "Per family x segment with history before the horizon, seasonal naive, moving average, "
        "exponential smoothing (AutoETS) and, for intermittent series, Croston and TSB compete "
        "on a holdout; the best is refitted and stored with its error. Series too short for a "
        "holdout fall back to a moving average and say so. Rebuilds the consensus; 409 when the "
        "plan is locked or an existing input no longer fits the new baseline. The demand "
        "planner's (or an integration's)." + EDIT_DOC
    ),
    responses={**EDIT_RESPONSES, **THROTTLED},
    dependencies=[Depends(throttled("baseline"))],
)
def run_baseline(
    session: SessionDep,
    _writer: PlanKeeper,
    plan_id: PlanId,
    revision: IfMatch,
    response: Response,
    request: Annotated[BaselineRequest, Body()] = BaselineRequest(),
) -> Any:
    summary = service.run_baseline(session, plan_id=plan_id, revision=revision, request=request)
    answer_revision(session, plan_id=plan_id, response=response)
    return summary


@router.get(
    "",
    response_model=Page[BaselineSeriesPublic],
    summary="The baseline series of a plan: method chosen, holdout error, fallback note",
)
def list_baseline(
    session: SessionDep,
    plan_id: PlanId,
    response: Response,
    filters: Annotated[BaselineFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    return paginate(session, service.baseline_query(plan_id=plan_id, filters=filters), params)
