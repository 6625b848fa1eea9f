from fastapi import APIRouter

from shared.contracts.finance import Valuation, ValuationRequest
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES

from .service import value_plan

router = APIRouter(prefix="/valuations", tags=["valuations"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    summary="Value a plan in money",
    description=(
        "Any plan (demand, supply or consensus) as family/segment/period quantities, valued "
        "at the price of each line's period and the unit cost in force in that period. One 422 "
        "lists every line whose price or unit cost is missing."
    ),
)
def create_valuation(session: SessionDep, request: ValuationRequest) -> Valuation:
    return value_plan(session, request=request)
