from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status
from fastapi_pagination.ext.sqlmodel import paginate

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
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.errors import Problem
from shared.pagination import Page, PageParams
from shared.throttle import THROTTLED, throttled
from shared.types import CODE_PATTERN

from . import service
from .models import (
    BacktestRequest,
    BacktestResponse,
    BaselineFilters,
    BaselineRequest,
    BaselineSeriesPublic,
    BaselineSummary,
    ForecastOverride,
    ForecastOverrideCreate,
    ForecastOverrideFilters,
    ForecastOverridePublic,
    ForecastOverrideUpdate,
    ForecastRequest,
    ForecastResponse,
)

router = APIRouter(
    prefix="/demand-plans/{id}/baseline", tags=["statistical baseline"], responses=PROBLEM_RESPONSES
)
forecasts_router = APIRouter(prefix="/forecasts", tags=["forecasts"], responses=PROBLEM_RESPONSES)
overrides_router = APIRouter(
    prefix="/forecast-overrides", tags=["forecast overrides"], responses=PROBLEM_RESPONSES
)

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
        "Per family x segment with history before the horizon, the `candidates` of `POST "
        "/forecasts` (`fast` by default: seasonal naive, AutoETS; CrostonSBA and TSB when "
        "intermittent) compete by cross-validated error; the best is refitted and stored with "
        "its error. A family with a stored override (`/forecast-overrides`) is forecast with "
        "that method and its parameters instead, and its series say so (`overridden`). The "
        "full set is for a job (the gateway's `POST /jobs` kind `baseline`). Series too "
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
    http: Request,
    response: Response,
    request: Annotated[BaselineRequest, Body()] = BaselineRequest(),
) -> Any:
    summary = service.run_baseline(
        session,
        plan_id=plan_id,
        revision=revision,
        request=request,
        engine=http.app.state.settings.forecast_engine,
    )
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


FamilyCode = Annotated[
    str, Path(pattern=CODE_PATTERN, max_length=64, alias="family_code", description="Family.")
]
OVERRIDE_EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"model": Problem, "description": "The override changed since you read it (If-Match)"},
    428: {"model": Problem, "description": "If-Match (the override's version, its ETag) missing"},
}


def _answer_override(row: ForecastOverride, response: Response) -> ForecastOverridePublic:
    set_etag(response, row.version)
    return service.public_override(row)


@overrides_router.get(
    "",
    response_model=Page[ForecastOverridePublic],
    summary="The families forecast with a method of their own, not by the contest",
)
def list_overrides(
    session: SessionDep,
    filters: Annotated[ForecastOverrideFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return paginate(session, service.overrides_query(filters=filters), params)


@overrides_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ForecastOverridePublic,
    responses={409: {"model": Problem, "description": "The family already has an override"}},
    summary="Set the method (and parameters) a family's baseline is forecast with",
    description=(
        "Every series of the family is then forecast by this method in `POST "
        "/demand-plans/{id}/baseline`, whose series say so (`overridden`, the note names the "
        "override's version and reason). Parameters are checked as `POST /forecasts` checks "
        "them: an unknown or invalid one is a 422 naming it. The demand planner's (or an "
        "integration's). Answers the version as ETag."
    ),
)
def create_override(
    session: SessionDep,
    writer: PlanKeeper,
    body: Annotated[ForecastOverrideCreate, Body()],
    response: Response,
) -> Any:
    row = service.create_override(session, request=body, principal=writer)
    response.headers["Location"] = f"/forecast-overrides/{row.family_code}"
    return _answer_override(row, response)


@overrides_router.get(
    "/{family_code}",
    response_model=ForecastOverridePublic,
    responses=NOT_FOUND,
    summary="A family's forecast override (its version as ETag)",
)
def read_override(session: SessionDep, family_code: FamilyCode, response: Response) -> Any:
    return _answer_override(service.get_override(session, family_code=family_code), response)


@overrides_router.patch(
    "/{family_code}",
    response_model=ForecastOverridePublic,
    responses=OVERRIDE_EDIT_RESPONSES,
    summary="Change a family's forecast method, its parameters or the reason (If-Match)",
    description=(
        "A new `method` without `parameters` starts from its defaults. Needs If-Match with "
        "the version read: 428 without it, 409 with the current version when stale."
    ),
)
def update_override(
    session: SessionDep,
    writer: PlanKeeper,
    family_code: FamilyCode,
    version: IfMatch,
    body: Annotated[ForecastOverrideUpdate, Body()],
    response: Response,
) -> Any:
    row = service.update_override(
        session, family_code=family_code, expected_version=version, patch=body, principal=writer
    )
    return _answer_override(row, response)


@overrides_router.delete(
    "/{family_code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=OVERRIDE_EDIT_RESPONSES,
    summary="Back to the contest for a family (If-Match)",
)
def delete_override(
    session: SessionDep, _writer: PlanKeeper, family_code: FamilyCode, version: IfMatch
) -> None:
    service.delete_override(session, family_code=family_code, expected_version=version)
