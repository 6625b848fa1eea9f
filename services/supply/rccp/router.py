from fastapi import APIRouter

from shared.contracts.supply import RccpRequest, RccpResult
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES

from .service import compute_rccp, load_supply_data

router = APIRouter(prefix="/rccp", tags=["rough-cut capacity"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    response_model=RccpResult,
    summary="Rough-cut capacity check of a demand or production plan",
    description=(
        "Loads the plan's units (family, month; lines of a family and month are added up, "
        "e.g. over segments) onto the resources through the bill of resources, with each "
        "routing's lead-time offset, and sets the load against regular and regular + overtime "
        "capacity (from the workforce for workforce-driven resources). Overloaded months name "
        "the families loading them, largest first; months with load but no capacity are gaps; "
        "families without a routing are listed."
    ),
)
def rough_cut_capacity(session: SessionDep, request: RccpRequest) -> RccpResult:
    return compute_rccp(lines=request.lines, data=load_supply_data(session, lines=request.lines))
