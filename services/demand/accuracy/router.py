from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.pagination import Page, PageParams, page_of

from . import service
from .models import AccuracyFilters, AccuracyRowPublic, BiasFlagParams, BiasFlagPublic

router = APIRouter(prefix="/accuracy", tags=["accuracy"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=Page[AccuracyRowPublic],
    summary="Accuracy, bias, tracking signal and FVA per stream of the locked plans",
    description=(
        "Each locked plan keeps its waterfall, a snapshot of every stream. Once actuals are in "
        "the history, each stream's forecasts are scored per group (default: family, segment "
        "and lag; `group_by` chooses among plan, family, segment, lag, `group_by=` sums over all): "
        "MAE, MSE, MAPE, WMAPE, "
        "bias (mean of actual - forecast), tracking signal (running sum of errors / MAE, alarm "
        "outside +/-4), and FVA (WMAPE of the reference - WMAPE of the stream) against the "
        "statistical baseline and against "
        "the naive forecast (the last actual before the plan's horizon). Stream `naive` is that "
        "benchmark itself. Ratios are fractions (0.12 is 12%), never percents. Drafts are not "
        "scored: backtest a forecast with `POST /forecasts/backtest` instead."
    ),
)
def list_accuracy(
    session: SessionDep,
    filters: Annotated[AccuracyFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.accuracy(session, filters=filters), params)


@router.get(
    "/bias-flags",
    response_model=Page[BiasFlagPublic],
    summary="Persistent bias per stream and author: escalation inputs for the reconciliation",
    description=(
        "A stream (or an author within a role stream, judged on the cells they moved) is "
        "flagged when, over its last `window_months` periods with actuals, |sum of errors| / "
        "sum of actuals reaches `threshold` and the errors keep one sign in at least "
        "`min_same_sign` of the periods (or the tracking signal leaves +/-4). High severity "
        "first."
    ),
)
def list_bias_flags(
    session: SessionDep,
    params: Annotated[BiasFlagParams, Query()],
    page: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.bias_flags(session, params=params), page)
