"""REST: rough-cut capacity of a demand plan; valuation, AOP gap and KPIs of any plan; a
supply plan compared with a consensus plan."""

from collections.abc import AsyncIterator, Awaitable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from gateway.figures.models import (
    DemandPlanRccp,
    PlanAopGap,
    PlanKind,
    PlanKpis,
    PlanValuation,
    SupplyComparison,
)
from gateway.figures.planner import Planner
from gateway.state import GatewayStateDep
from shared.entity_router import PROBLEM_RESPONSES
from shared.errors import FieldError, NotFound
from shared.responses import json_response
from shared.types import MAX_ROW_ID, FractionParam, RowId

router = APIRouter(tags=["supply review and finance"], responses=PROBLEM_RESPONSES)

PlanId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Plan id.")]
Tolerance = Annotated[
    FractionParam | None,
    Query(
        description="Share of the AOP beyond which a month's gap is flagged; default: the "
        "finance service's SOP_FINANCE_AOP_GAP_TOLERANCE."
    ),
]


async def answer_for_plan(work: Awaitable[BaseModel]) -> Response:
    """The answer about the plan in the path; a plan nobody has is a 404 on ``path.id``."""
    try:
        return json_response(await work)
    except NotFound as missing:
        if not missing.errors:
            missing.errors.append(FieldError(field="path.id", reason=missing.detail))
        raise


async def planner(state: GatewayStateDep) -> AsyncIterator[Planner]:
    """One planner per request, closed with it."""
    planner = Planner(upstreams=state.upstreams, engine=state.engine)
    try:
        yield planner
    finally:
        await planner.aclose()


PlannerDep = Annotated[Planner, Depends(planner)]

PLANS = {
    PlanKind.demand: (
        "/demand-plans",
        "demand plan",
        "unconstrained: every unit of demand is a sale",
    ),
    PlanKind.supply: (
        "/supply-plans",
        "supply plan",
        "its shipments (opening + production + outsourced - ending inventory) serve the "
        "demand plan it answers, strategic and high-priority segments first; hours are those "
        "its production needs per resource (RCCP)",
    ),
    PlanKind.consensus: (
        "/consensus-plans",
        "consensus plan",
        "planned sales with backlog and lost units, outsourcing, ending inventory, regular "
        "and overtime hours",
    ),
}


@router.get(
    "/rccp",
    response_model=DemandPlanRccp,
    summary="Rough-cut capacity of a demand plan",
    description=(
        "Sums the demand plan's lines over segments and has the supply service load them "
        "onto the resources (bill of resources, lead-time offsets, fixed or workforce "
        "capacity): load, utilisation, overtime needed and overload per resource and month, "
        "the families loading each month above regular capacity, and the bottlenecks."
    ),
)
async def rough_cut_capacity(
    planner: PlannerDep,
    demand_plan_id: Annotated[
        RowId | None,
        Query(description="Default: the latest locked demand plan, else the latest draft."),
    ] = None,
) -> Response:
    return json_response(await planner.rccp(demand_plan_id, field="query.demand_plan_id"))


def _add_plan_routes(kind: PlanKind) -> None:
    prefix, label, basis = PLANS[kind]

    @router.get(
        f"{prefix}/{{id}}/valuation",
        response_model=PlanValuation,
        summary=f"A {label} in money",
        description=(
            f"The {label} valued by the finance service ({basis}): revenue, variable cost, "
            "lever costs, gross margin and margin %, inventory value, per line, family and "
            "resource month, month and in total, at the prices and costs of each month."
        ),
        name=f"{kind.value}_valuation",
    )
    async def valuation(planner: PlannerDep, plan_id: PlanId) -> Response:
        return await answer_for_plan(planner.valuation(kind, plan_id))

    @router.get(
        f"{prefix}/{{id}}/aop-gap",
        response_model=PlanAopGap,
        summary=f"Gap of a {label} to the AOP",
        description=(
            f"The {label}'s gap to the annual operating plan per month (company and family "
            "groups), in money and %, with the price, volume, mix and cost lines that explain "
            "it, and the months beyond the tolerance."
        ),
        name=f"{kind.value}_aop_gap",
    )
    async def aop_gap(
        planner: PlannerDep, plan_id: PlanId, tolerance: Tolerance = None
    ) -> Response:
        return await answer_for_plan(planner.aop_gap(kind, plan_id, tolerance=tolerance))

    @router.get(
        f"{prefix}/{{id}}/kpis",
        response_model=PlanKpis,
        summary=f"KPIs of a {label}",
        description=(
            "Inventory turns, capacity utilisation per resource and overall, fill rate per "
            "segment against its target, margin % and the gap to the AOP."
        ),
        name=f"{kind.value}_kpis",
    )
    async def kpis(planner: PlannerDep, plan_id: PlanId, tolerance: Tolerance = None) -> Response:
        return await answer_for_plan(planner.kpis(kind, plan_id, tolerance=tolerance))


for _kind in PlanKind:
    _add_plan_routes(_kind)


@router.get(
    "/supply-plans/{id}/comparison",
    response_model=SupplyComparison,
    summary="A supply plan compared line by line with a consensus plan",
    description=(
        "Per family and month: production, outsourced units, ending inventory and overtime "
        "hours of operations' supply plan and of the consensus plan, their difference "
        "(supply - consensus) and which is larger; totals and the number of differing lines."
    ),
)
async def supply_comparison(
    planner: PlannerDep,
    plan_id: PlanId,
    consensus_plan_id: Annotated[
        RowId | None, Query(description="Default: the newest consensus plan.")
    ] = None,
) -> Response:
    return await answer_for_plan(
        planner.comparison(
            plan_id, consensus_plan_id=consensus_plan_id, field="query.consensus_plan_id"
        )
    )
