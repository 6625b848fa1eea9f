from fastapi import APIRouter, Request

from services.finance.aop_gaps.service import tolerance_or_default
from shared.contracts.finance import AopGapRequest, PlanKpis
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES

from .service import plan_kpis

router = APIRouter(prefix="/kpis", tags=["kpis"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    summary="KPIs of a plan: margin %, inventory turns, fill rate per segment, gap to AOP",
)
def create_kpis(session: SessionDep, body: AopGapRequest, http: Request) -> PlanKpis:
    tolerance = tolerance_or_default(body.tolerance, http.app.state.settings)
    return plan_kpis(session, request=body, tolerance=tolerance)
