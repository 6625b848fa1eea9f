"""Demand plans over REST.

Every read of a plan or of its content answers the plan's revision as ``ETag`` (read before
the content, so the content is at least that new); every edit of a draft needs it back in
``If-Match``: 428 without it, 409 with the current revision when someone edited first. The
answer of an edit carries the new revision.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from fastapi_pagination.ext.sqlmodel import paginate
from sqlmodel import Session

from services.demand.rights import PlanKeeper, PlanLocker, PlanRoller
from services.demand.tables import IdempotencyKey
from shared import idempotency
from shared.concurrency import IfMatch, etag, set_etag
from shared.contracts.demand import PlanRollPublic, PlanRollRequest
from shared.crud import UpsertResult
from shared.db import SessionDep
from shared.entity_router import MAX_BULK_ITEMS, NOT_FOUND, PROBLEM_RESPONSES
from shared.errors import Problem
from shared.idempotency import Idempotency
from shared.ndjson import NDJSON, ndjson_chunks
from shared.pagination import Page, PageParams
from shared.types import MAX_ROW_ID

from . import roll, service
from .models import (
    DemandPlan,
    DemandPlanCreate,
    DemandPlanFilters,
    DemandPlanLineCreate,
    DemandPlanLinePublic,
    DemandPlanPublic,
    PlanCellFilters,
)

router = APIRouter(prefix="/demand-plans", tags=["demand plans"], responses=PROBLEM_RESPONSES)
# The roll checks its own rights (``rights.PlanRoller``): the process owner, who writes
# nothing else here, rolls the plan by closing a cycle. Mounted outside the writer guard.
roll_router = APIRouter(prefix="/demand-plans", tags=["demand plans"], responses=PROBLEM_RESPONSES)

PlanId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Demand plan id.")]

# What every edit of a plan documents: the revision it needs and the answers that follow.
EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The plan is locked, or the revision is stale"},
    428: {"model": Problem, "description": "If-Match (the plan's revision, its ETag) is missing"},
}
EDIT_DOC = (
    " Needs If-Match with the plan's revision (the ETag of any read of the plan): 428 without "
    "it, 409 with the current revision when it is stale. Answers the new revision as ETag."
)


def read_plan_etag(session: Session, *, plan_id: int, response: Response) -> DemandPlan:
    """The plan, its revision answered as ETag; a read calls it before reading the content.
    Called from the endpoint, not as a dependency: a sync dependency would run in a thread
    hop of its own, and the request's database work belongs in the endpoint's."""
    plan = service.get_plan(session, plan_id=plan_id)
    set_etag(response, plan.revision)
    return plan


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandPlanPublic,
    summary="Create a draft demand plan (optionally with its lines): the demand planner",
    description=(
        "The service assigns the next version. The horizon starts from 2000-01 to five years "
        "after the current month. Lines, when given, are validated as a whole (known family "
        "and segment, period inside the horizon, quantity >= 0) before anything is written. "
        "Answers the plan's first revision as ETag. With an Idempotency-Key, a retry answers "
        "the plan created first."
    ),
    responses=idempotency.created_responses("The draft created"),
)
def create_plan(
    _writer: PlanKeeper,
    # Before the session: the key is claimed (in a transaction of its own) before the
    # request's session takes its connection slot.
    once: Annotated[Idempotency, idempotency.idempotent(IdempotencyKey)],
    session: SessionDep,
    plan: DemandPlanCreate,
) -> Any:
    if once.replay is not None:
        return once.replay
    created = service.create_plan(session, data=plan)
    return once.respond(
        session,
        body=DemandPlanPublic.model_validate(created),
        status_code=status.HTTP_201_CREATED,
        headers={"ETag": etag(created.revision)},
    )


@router.get("", response_model=Page[DemandPlanPublic], summary="List demand plans by version")
def list_plans(
    session: SessionDep,
    filters: Annotated[DemandPlanFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return paginate(session, service.plans_query(filters), params)


# Declared before /{id} so that "latest" is not parsed as an id.
@router.get(
    "/latest",
    response_model=DemandPlanPublic,
    summary="The plan to use downstream: the latest locked version, else the latest draft",
    responses=NOT_FOUND,
)
def latest_plan(session: SessionDep, response: Response) -> Any:
    plan = service.latest_plan(session)
    set_etag(response, plan.revision)
    return plan


@router.get("/{id}", response_model=DemandPlanPublic, summary="Read one demand plan")
def read_plan(session: SessionDep, plan_id: PlanId, response: Response) -> Any:
    return read_plan_etag(session, plan_id=plan_id, response=response)


@router.get(
    "/{id}/lines",
    response_model=Page[DemandPlanLinePublic],
    summary="List a plan's lines (family, segment, period)",
)
def list_lines(
    session: SessionDep,
    plan_id: PlanId,
    response: Response,
    filters: Annotated[PlanCellFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    return paginate(session, service.lines_query(plan_id=plan_id, filters=filters), params)


@router.get(
    "/{id}/lines/export",
    summary="Every line of one plan (filtered) as NDJSON, streamed",
    description=(
        "One JSON object per line (the fields of GET /demand-plans/{id}/lines' items), in "
        "family, segment, month order: a large plan's lines in one read, without pages. "
        "Answers the plan's revision as ETag."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/DemandPlanLinePublic"}}}
        }
    },
)
def export_lines(
    session: SessionDep,
    plan_id: PlanId,
    filters: Annotated[PlanCellFilters, Query()],
) -> StreamingResponse:
    plan = service.get_plan(session, plan_id=plan_id)
    rows = service.line_rows(session, plan_id=plan_id, filters=filters)
    # Read whole before answering (the session closes with the request); encoded in chunks
    # as the stream is sent.
    return StreamingResponse(
        ndjson_chunks(service.LINE_FIELDS, rows),
        media_type=NDJSON,
        headers={"ETag": etag(plan.revision)},
    )


@router.put(
    "/{id}/lines",
    summary="Bulk upsert a draft plan's lines by (family, segment, period)",
    description=(
        "Idempotent; the whole batch is validated first and written in one transaction. "
        "409 when the plan is locked, or when its lines are built from demand streams." + EDIT_DOC
    ),
    responses=EDIT_RESPONSES,
)
def upsert_lines(
    session: SessionDep,
    _writer: PlanKeeper,
    plan_id: PlanId,
    revision: IfMatch,
    lines: Annotated[list[DemandPlanLineCreate], Body(max_length=MAX_BULK_ITEMS)],
    response: Response,
) -> UpsertResult:
    summary = service.upsert_lines(session, plan_id=plan_id, revision=revision, lines=lines)
    answer_revision(session, plan_id=plan_id, response=response)
    return UpsertResult(
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged
    )


@roll_router.post(
    "/{id}/roll",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanRollPublic,
    summary="Roll a plan forward: the next version over a moved horizon (planner, process owner)",
    description=(
        "A new draft over the source plan's horizon moved `months` forward (default 1): the "
        "statistical baseline forecast again on the history before the new horizon, every "
        "input still acting on the new horizon carried with its author and reason, the inputs "
        "that ended listed in `dropped`. A plan loaded line by line carries its lines inside "
        "the new horizon. The source plan does not change (no If-Match). With an "
        "Idempotency-Key, a retry answers the roll made first."
    ),
    responses=idempotency.created_responses("The rolled draft and what was carried and dropped"),
)
def roll_plan(
    _roller: PlanRoller,
    once: Annotated[Idempotency, idempotency.idempotent(IdempotencyKey)],
    session: SessionDep,
    plan_id: PlanId,
    request: Annotated[PlanRollRequest, Body()] = PlanRollRequest(),
) -> Any:
    if once.replay is not None:
        return once.replay
    rolled = roll.roll_plan(session, plan_id=plan_id, request=request)
    return once.respond(
        session,
        body=rolled,
        status_code=status.HTTP_201_CREATED,
        headers={"ETag": etag(service.get_plan(session, plan_id=rolled.plan.id).revision)},
    )


@router.post(
    "/{id}/lock",
    response_model=DemandPlanPublic,
    summary="Lock a draft plan, closing the demand review: the demand planner",
    description=(
        "The plan can never change again (409 if locked, 422 if empty); a change is a new "
        "version. 409 naming the owning roles (SOP_DEMAND_SIGNOFF_ROLES) that have not signed "
        "off this revision, unless the process owner overrode it "
        "(`/demand-plans/{id}/sign-offs`). Emits the webhook event `demand_plan.locked`." + EDIT_DOC
    ),
    responses=EDIT_RESPONSES,
)
def lock_plan(
    session: SessionDep,
    principal: PlanLocker,
    plan_id: PlanId,
    revision: IfMatch,
    response: Response,
    request: Request,
) -> Any:
    plan = service.lock_plan(
        session,
        plan_id=plan_id,
        revision=revision,
        principal=principal,
        sign_off_roles=request.app.state.settings.signoff_roles,
    )
    set_etag(response, plan.revision)
    return plan


def answer_revision(session: Session, *, plan_id: int, response: Response) -> None:
    """The plan's revision after an edit, as the answer's ETag."""
    set_etag(response, service.get_plan(session, plan_id=plan_id).revision)
