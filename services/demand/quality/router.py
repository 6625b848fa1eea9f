from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.pagination import Page, PageParams, page_of

from . import service
from .models import (
    DataQualityParams,
    DataQualitySummaryPublic,
    SeriesQualityFilters,
    SeriesQualityPublic,
)

router = APIRouter(prefix="/data-quality", tags=["data quality"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=DataQualitySummaryPublic,
    summary="Data-quality report of the demand history, in counts",
    description=(
        "Gaps, zero months, outliers (robust z-score), series too short to forecast, series "
        "that stopped early, and families or segments without any history."
    ),
)
def data_quality(session: SessionDep, params: Annotated[DataQualityParams, Query()]) -> Any:
    return service.summary(session, params=params)


@router.get(
    "/series",
    response_model=Page[SeriesQualityPublic],
    summary="Per family x segment: what is wrong with its history",
)
def series_quality(
    session: SessionDep,
    filters: Annotated[SeriesQualityFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.filtered_series(session, filters=filters), params)
