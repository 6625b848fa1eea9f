"""Supply plans over REST.

Every read of a plan or of its lines answers the plan's revision as ``ETag`` (read before
the lines); every edit of a draft (its lines, its proposal) needs it back in ``If-Match``:
428 without it, 409 with the current revision when someone edited first. The answer of an
edit carries the new revision.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from fastapi_pagination.ext.sqlmodel import paginate
from sqlmodel import Session, col, select

from services.supply.tables import IdempotencyKey
from shared import crud, idempotency
from shared.concurrency import IfMatch, etag, set_etag
from shared.contracts.supply import SupplyPlanDraftRequest, SupplyPlanKpis, SupplyPlanValidation
from shared.db import SessionDep
from shared.entity_router import MAX_BULK_ITEMS, NOT_FOUND, PROBLEM_RESPONSES
from shared.errors import Problem
from shared.idempotency import Idempotency
from shared.pagination import Page, PageParams
from shared.types import MAX_ROW_ID

from . import service
from .models import (
    SupplyPlan,
    SupplyPlanCreate,
    SupplyPlanFilters,
    SupplyPlanLine,
    SupplyPlanLineFilters,
    SupplyPlanLineIn,
    SupplyPlanLinePublic,
    SupplyPlanPublic,
)

router = APIRouter(prefix="/supply-plans", tags=["supply plans"], responses=PROBLEM_RESPONSES)
# Checks that compute and write nothing: open to every authenticated role (the process owner
# and the executives check operations' plan too).
validation_router = APIRouter(
    prefix="/supply-plans", tags=["supply plans"], responses=PROBLEM_RESPONSES
)

PlanId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Supply plan id.")]

EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The plan is proposed, or the revision is stale"},
    428: {"model": Problem, "description": "If-Match (the plan's revision, its ETag) is missing"},
}
EDIT_DOC = (
    " Needs If-Match with the plan's revision (the ETag of any read of the plan): 428 without "
    "it, 409 with the current revision when it is stale. Answers the new revision as ETag."
)


def read_plan_etag(session: Session, *, plan_id: int, response: Response) -> SupplyPlan:
    """The plan, its revision answered as ETag; a read calls it before reading the lines.
    Called from the endpoint, not as a dependency: a sync dependency would run in a thread
    hop of its own, and the request's database work belongs in the endpoint's."""
    plan = service.get_plan(session, plan_id=plan_id)
    set_etag(response, plan.revision)
    return plan


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplyPlanPublic,
    summary="Create a draft supply plan, optionally with its lines",
    description=(
        "A plan whose name exists already becomes that name's next version. The horizon "
        "starts from 2000-01 to five years after the current month. With an Idempotency-Key, "
        "a retry answers the plan created first."
    ),
    responses=idempotency.created_responses("The draft created"),
)
def create_plan(
    # Before the session: the key is claimed (in a transaction of its own) before the
    # request's session takes its connection slot.
    once: Annotated[Idempotency, idempotency.idempotent(IdempotencyKey)],
    session: SessionDep,
    plan: SupplyPlanCreate,
) -> Any:
    if once.replay is not None:
        return once.replay
    created = service.create_plan(session, data=plan)
    return once.respond(
        session,
        body=SupplyPlanPublic.model_validate(created),
        status_code=status.HTTP_201_CREATED,
        headers={"ETag": etag(created.revision)},
    )


@router.post(
    "/draft",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplyPlanPublic,
    summary="Draft a supply plan for a demand plan by a chase or level strategy",
    description=(
        "The supply planner's starting point: production per family and month set by the "
        "strategy (chase: back to the safety stock every month; level: the smallest constant "
        "rate that keeps the safety stock), placed on regular hours, then overtime up to its "
        "cap, then pre-built up to three months earlier, then outsourced up to the "
        "subcontractor's limit; what is left is short, named in the line's reason. The body "
        "carries the demand plan's lines (read from the demand service). A new draft, "
        "a name's next version when the name exists; the horizon starts from 2000-01 to "
        "five years after the current month (422 else)."
    ),
)
def draft_plan(session: SessionDep, request: SupplyPlanDraftRequest, response: Response) -> Any:
    plan = service.draft_plan(session, request=request)
    set_etag(response, plan.revision)
    return plan


@router.get("", response_model=Page[SupplyPlanPublic], summary="List supply plans")
def list_plans(
    session: SessionDep,
    filters: Annotated[SupplyPlanFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    query = select(SupplyPlan)
    if filters.status is not None:
        query = query.where(col(SupplyPlan.status) == filters.status)
    if filters.name is not None:
        query = query.where(col(SupplyPlan.name) == filters.name)
    return paginate(session, query.order_by(col(SupplyPlan.id)), params)


@router.get(
    "/latest",
    response_model=SupplyPlanPublic,
    summary="The newest proposed supply plan, else the newest draft",
    responses=NOT_FOUND,
)
def latest_plan(session: SessionDep, response: Response) -> Any:
    plan = service.latest_plan(session)
    set_etag(response, plan.revision)
    return plan


@router.get("/{plan_id}", response_model=SupplyPlanPublic, summary="Read one supply plan")
def read_plan(session: SessionDep, plan_id: PlanId, response: Response) -> Any:
    return read_plan_etag(session, plan_id=plan_id, response=response)


@router.get(
    "/{plan_id}/lines",
    response_model=Page[SupplyPlanLinePublic],
    summary="Lines of a supply plan",
)
def list_lines(
    session: SessionDep,
    plan_id: PlanId,
    response: Response,
    filters: Annotated[SupplyPlanLineFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    query = crud.filtered(service.SUPPLY_PLAN_LINES, filters).where(
        col(SupplyPlanLine.plan_id) == plan_id
    )
    return paginate(session, query, params)


@router.put(
    "/{plan_id}/lines",
    summary="Bulk upsert lines of a draft supply plan by family and period",
    description=(
        "Idempotent; the whole batch is validated first (periods inside the horizon, one line "
        "per family and period) and written at once. 409 once the plan is proposed." + EDIT_DOC
    ),
    responses=EDIT_RESPONSES,
)
def upsert_lines(
    session: SessionDep,
    plan_id: PlanId,
    revision: IfMatch,
    lines: Annotated[list[SupplyPlanLineIn], Body(max_length=MAX_BULK_ITEMS)],
    response: Response,
) -> crud.UpsertResult:
    summary = service.upsert_lines(session, plan_id=plan_id, revision=revision, lines=lines)
    set_etag(response, service.get_plan(session, plan_id=plan_id).revision)
    return crud.UpsertResult(
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged
    )


@router.post(
    "/{plan_id}/propose",
    response_model=SupplyPlanPublic,
    summary="Propose the plan: it is frozen from then on",
    description="409 once proposed; a change is then a new version (revise)." + EDIT_DOC,
    responses=EDIT_RESPONSES,
)
def propose(session: SessionDep, plan_id: PlanId, revision: IfMatch, response: Response) -> Any:
    plan = service.propose(session, plan_id=plan_id, revision=revision)
    set_etag(response, plan.revision)
    return plan


@router.post(
    "/{plan_id}/revise",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplyPlanPublic,
    summary="Start the next version of a plan as a draft copy of it",
    description="The source plan does not change, so no If-Match is needed; the answer's ETag "
    "is the new draft's first revision.",
)
def revise(session: SessionDep, plan_id: PlanId, response: Response) -> Any:
    draft = service.revise(session, plan=service.get_plan(session, plan_id=plan_id))
    set_etag(response, draft.revision)
    return draft


@validation_router.post(
    "/{plan_id}/validate",
    response_model=SupplyPlanValidation,
    summary="Check a supply plan against capacity, limits and inventory balance",
    description=(
        "Loads the plan's production onto the resources (RCCP) and names every infeasible "
        "line with the reasons: overload beyond regular + maximum overtime, a month without "
        "capacity, a family without routing, overtime needed but not planned, outsourcing "
        "beyond the subcontractor's limit, ending inventory beyond what was available."
    ),
)
def validate(session: SessionDep, plan_id: PlanId) -> SupplyPlanValidation:
    return service.validate(session, plan=service.get_plan(session, plan_id=plan_id))


@router.get(
    "/{plan_id}/kpis",
    response_model=SupplyPlanKpis,
    summary="Capacity utilisation and units-based inventory turns of a supply plan",
)
def kpis(session: SessionDep, plan_id: PlanId) -> SupplyPlanKpis:
    return service.kpis(session, plan=service.get_plan(session, plan_id=plan_id))
