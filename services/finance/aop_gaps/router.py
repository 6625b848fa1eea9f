from fastapi import APIRouter, Request

from shared.contracts.finance import AopGap, AopGapRequest
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES

from .service import gap_to_aop, tolerance_or_default

router = APIRouter(prefix="/aop-gaps", tags=["aop"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    summary="Gap of a plan to the AOP, its explanation, and the months to escalate",
    description=(
        "Values the plan (as POST /valuations) and compares it, month by month, with the AOP "
        "of the company and of each family group: gap in money and %, split into price, "
        "volume, mix and cost variance lines that add up to it; the months beyond the "
        "tolerance are listed in `flagged` for escalation."
    ),
)
def create_gap(session: SessionDep, body: AopGapRequest, http: Request) -> AopGap:
    tolerance = tolerance_or_default(body.tolerance, http.app.state.settings)
    return gap_to_aop(session, request=body, tolerance=tolerance)
