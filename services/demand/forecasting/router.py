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
from .models import (
    BacktestRequest,
    BacktestResponse,
    BaselineFilters,
    BaselineRequest,
    BaselineSeriesPublic,
    BaselineSummary,
    ForecastRequest,
    ForecastResponse,
)

router = APIRouter(
    prefix="/demand-plans/{id}/baseline", tags=["statistical baseline"], responses=PROBLEM_RESPONSES
)
forecasts_router = APIRouter(prefix="/forecasts", tags=["forecasts"], responses=PROBLEM_RESPONSES)

SELECTION_DOC = (
    " Unless `method` names one (with its `parameters`), candidates compete by mean absolute "
    "error over `cv_windows` cross-validation origins `cv_step` months apart; `candidates` is "
    "`fast` (seasonal naive, AutoETS; CrostonSBA and TSB for intermittent series), `full` "
    "(adds AutoARIMA, AutoTheta, AutoCES, MSTL, CrostonOptimized, ADIDA, IMAPA) or a list; no "
    "further candidate is scored after `time_budget_seconds`. A series whose last "
    "`inactive_months` are zero, or that ends before `last_period` (its missing months are "
    "zero demand), is forecast at zero with `end_of_life`. Unknown fields or parameters: 422."
)


@forecasts_router.post(
    "",
    response_model=ForecastResponse,
    summary="Forecast monthly series: point, prediction intervals, method and its evidence",
    description="Stateless: nothing is stored." + SELECTION_DOC,
    responses=THROTTLED,
    dependencies=[Depends(throttled("baseline"))],
)
def forecast(request: Annotated[ForecastRequest, Body()]) -> Any:
    return service.forecast(request=request)


@forecasts_router.post(
    "/backtest",
    response_model=BacktestResponse,
    summary="Backtest the forecast on rolling origins: metrics per series and overall",
    description=(
        "Stateless. From each of `windows` origins `step` months apart (the last `horizon` "
        "months before the end), the method is selected on the months before the origin only "
        "(nested) and scored on the `horizon` months after. MAE, RMSE, MAPE, sMAPE, WMAPE, "
        "bias (actual - forecast, units), MASE and interval coverage per level, per series and "
        "pooled, beside seasonal naive from the same origins. Ratios are fractions (0.12 is "
        "12%)." + SELECTION_DOC
    ),
    responses=THROTTLED,
    dependencies=[Depends(throttled("baseline"))],
)
def backtest(request: Annotated[BacktestRequest, Body()]) -> Any:
    return service.backtest(request=request)


@router.post(
    "",
    response_model=BaselineSummary,
    summary="Compute the statistical stream of a draft plan from the demand history",
    description=(
        "Per family x segment with history before the horizon, the fast candidates of `POST "
        "/forecasts` (seasonal naive, AutoETS; CrostonSBA and TSB when intermittent) compete by "
        "cross-validated error; the best is refitted and stored with its error. Series too "
        "short fall back to a moving average, series without demand in their last 6 months or "
        "ending before the company's last month of history are forecast at zero (end of life), "
        "and say so. Rebuilds the consensus; 409 when the "
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
    summary="The baseline series of a plan: method chosen, cross-validated error, notes",
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
