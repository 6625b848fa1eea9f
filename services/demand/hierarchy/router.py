from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from services.demand.plans.router import PlanId
from shared.contracts.hierarchy import DisaggregationPublic, ItemHistoryQuery, UnitTotal
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.errors import Problem
from shared.pagination import Page, PageParams, page_of
from shared.throttle import THROTTLED, throttled

from . import service
from .models import (
    AggregateRow,
    CoherenceGap,
    DisaggregationParams,
    HierarchicalForecastRequest,
    HierarchicalForecastResponse,
    HistoryReportParams,
    TotalsParams,
)

router = APIRouter(prefix="/hierarchy", tags=["hierarchy"], responses=PROBLEM_RESPONSES)
forecasts_router = APIRouter(tags=["hierarchy"], responses=PROBLEM_RESPONSES)

# Forecasting a whole tree costs seconds a family: its own per-caller gate, so that it never
# uses up the statistical baseline's.
HIERARCHY_GATE = "hierarchy forecast"
UNIT_DOC = (
    " `unit` converts every family by its conversions (`/unit-conversions`); a family without "
    "one is a 422 naming it. Hours (routings) and money (prices) are not units."
)


@router.get(
    "/history",
    response_model=Page[AggregateRow],
    summary="Item history summed to a level (family x segment is S&OP's)",
    description=(
        "Sums of item x location x segment history: family, family x segment, family x region, "
        "family x location, item, item x location, or the bottom itself." + UNIT_DOC
    ),
)
def history_report(
    session: SessionDep,
    params: Annotated[HistoryReportParams, Query()],
    page: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.history_report(session, params=params), page)


@router.get(
    "/totals",
    response_model=list[UnitTotal],
    summary="Item history totals, one per unit: families of different units are never added",
    description=(
        "Left without `unit`, one total per base unit (families split by unit); with it, "
        "every family converted to it and one total." + UNIT_DOC
    ),
)
def totals(session: SessionDep, params: Annotated[TotalsParams, Query()]) -> Any:
    return service.totals(session, params=params)


@router.get(
    "/coherence",
    response_model=Page[CoherenceGap],
    summary="Family x segment x months where item history does not add up to family history",
    description="Empty when the levels agree exactly, for every family with item history.",
)
def coherence(
    session: SessionDep,
    query: Annotated[ItemHistoryQuery, Query()],
    page: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.coherence(session, query=query), page)


@forecasts_router.post(
    "/forecasts/hierarchical",
    response_model=HierarchicalForecastResponse,
    summary="Forecast every level of each family's hierarchy, made coherent",
    description=(
        "Stateless. Each family is a tree: family > segment > item > item x location, from "
        "item history. Every node gets a base forecast from `method` (statsforecast, with "
        "in-sample fitted values), then each `reconciliation` method of hierarchicalforecast "
        "(bottom-up, top-down by forecast proportions or historical proportions, MinT OLS, "
        "WLS-structural, shrink) makes them coherent: every node is the sum of its children. "
        "Families are reconciled separately (no node adds families of different units)." + UNIT_DOC
    ),
    responses=THROTTLED,
    dependencies=[Depends(throttled(HIERARCHY_GATE))],
)
def hierarchical_forecast(
    session: SessionDep, request: Annotated[HierarchicalForecastRequest, Body()]
) -> Any:
    return service.hierarchical_forecast(session, request=request)


@forecasts_router.get(
    "/demand-plans/{id}/disaggregation",
    response_model=DisaggregationPublic,
    summary="The locked plan split to items and locations: the master schedule's demand",
    description=(
        "Each family x segment x month of the approved (locked) plan, split over the items and "
        "locations of that family and segment by `basis`: `history` (their actuals over the "
        "`history_months` before the horizon) or `forecast` (their own forecasts for the "
        "month). Lines with nothing to mix by are listed as `unallocated`. 409 on a draft."
        + UNIT_DOC
    ),
    responses={
        409: {"model": Problem, "description": "The plan is a draft, not approved yet"},
        **THROTTLED,
    },
    dependencies=[Depends(throttled(HIERARCHY_GATE))],
)
def disaggregation(
    session: SessionDep, plan_id: PlanId, params: Annotated[DisaggregationParams, Query()]
) -> Any:
    return service.disaggregation(session, plan_id=plan_id, params=params)
