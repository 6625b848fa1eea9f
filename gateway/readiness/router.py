"""``GET /readiness``: the data-readiness report of a horizon (any authenticated caller)."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.state import GatewayStateDep
from shared.entity_router import PROBLEM_RESPONSES

from .models import ReadinessQuery, ReadinessReport
from .service import readiness_report

router = APIRouter(tags=["data readiness"], responses=PROBLEM_RESPONSES)


@router.get(
    "/readiness",
    response_model=ReadinessReport,
    summary="Every hole in the three services' data for a horizon, with its owner",
    description=(
        "Prices, unit costs, overtime rates, the AOP (finance), routings and capacity "
        "(supply), the latest demand actual (demand) for the series with history in the year "
        "before the horizon: each missing row with the service and role that own it. The "
        "cycle's data gathering cannot complete while it has holes, unless overridden."
    ),
)
async def read_readiness(
    state: GatewayStateDep, query: Annotated[ReadinessQuery, Query()]
) -> ReadinessReport:
    return await readiness_report(
        state.upstreams, horizon_start=query.horizon_start, horizon_months=query.horizon_months
    )
