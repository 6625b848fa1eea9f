"""REST: execution KPIs, each month's approved plan against the actuals."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.execution import service
from gateway.execution.models import (
    AdherenceFilters,
    AdherenceReport,
    ServiceFilters,
    ServiceReport,
    StabilityFilters,
    StabilityReport,
    VarianceFilters,
    VarianceReport,
)
from gateway.state import GatewayStateDep
from shared.entity_router import PROBLEM_RESPONSES

router = APIRouter(prefix="/execution", tags=["execution"], responses=PROBLEM_RESPONSES)


@router.get(
    "/adherence",
    response_model=AdherenceReport,
    summary="Production, hours and inventory against the plan approved for each month",
    description=(
        "Per family (units), resource (hours), month and over the months with supply actuals: "
        "plan adherence = 1 - sum|actual - plan| / sum plan, at least 0, against the consensus "
        "plan approved by the latest cycle covering the month; ending inventory against plan "
        "in units and %."
    ),
)
async def adherence(
    state: GatewayStateDep, filters: Annotated[AdherenceFilters, Query()]
) -> AdherenceReport:
    return await service.adherence_report(
        upstreams=state.upstreams, engine=state.engine, filters=filters
    )


@router.get(
    "/service",
    response_model=ServiceReport,
    summary="Service attained against target per segment",
    description=(
        "Units shipped (finance revenue actuals) over actual demand (demand history), at most "
        "1, per segment and month with revenue actuals, against the segment's fill-rate target."
    ),
)
async def service_attained(
    state: GatewayStateDep, filters: Annotated[ServiceFilters, Query()]
) -> ServiceReport:
    return await service.service_report(upstreams=state.upstreams, filters=filters)


@router.get(
    "/variance",
    response_model=VarianceReport,
    summary="Margin variance to the approved plan: volume, mix, price and cost",
    description=(
        "The actual contribution margin (revenue - cost of goods sold) against the approved "
        "plan's, per month, family, segment and in total: volume = (AQ - PQ) x plan average "
        "unit margin; mix = sum (AQ_i - AQ x plan share_i) x plan unit margin_i; price = sum "
        "(actual - plan price_i) x AQ_i; cost = -sum (actual - plan unit cost_i) x AQ_i."
    ),
)
async def variance(
    state: GatewayStateDep, filters: Annotated[VarianceFilters, Query()]
) -> VarianceReport:
    return await service.variance_report(
        upstreams=state.upstreams, engine=state.engine, filters=filters
    )


@router.get(
    "/stability",
    response_model=StabilityReport,
    summary="How much the near-term months moved between consecutive approved plans",
    description=(
        "Per pair of consecutive approved plans and family: 1 - sum|this - previous| / sum "
        "previous production over the newer plan's first near_term_months months that the "
        "previous plan also covers, at least 0."
    ),
)
async def stability(
    state: GatewayStateDep, filters: Annotated[StabilityFilters, Query()]
) -> StabilityReport:
    return await service.stability_report(engine=state.engine, filters=filters)
