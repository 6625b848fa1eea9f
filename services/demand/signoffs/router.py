"""Sign-offs of a demand plan over REST: any caller reads; the owning roles sign, the process
owner overrides (checked by the service, so the router is open to every role)."""

from typing import Any

from fastapi import APIRouter, Request

from services.demand.plans.router import EDIT_RESPONSES, PlanId
from shared.auth import CurrentUser, Role
from shared.concurrency import IfMatch
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES

from . import service
from .models import OverrideCreate, SignOffCreate, SignOffStatus

router = APIRouter(
    prefix="/demand-plans", tags=["demand plan sign-offs"], responses=PROBLEM_RESPONSES
)

SIGN_DOC = (
    " Needs If-Match with the plan revision signed (the ETag of any read of the plan): 428"
    " without it, 409 when it is stale or the plan is locked. Does not change the revision."
)


def required_roles(request: Request) -> list[Role]:
    roles: list[Role] = request.app.state.settings.signoff_roles
    return roles


@router.get(
    "/{id}/sign-offs",
    response_model=SignOffStatus,
    summary="Who signed off which revision of the plan, and who still must",
)
def read_sign_offs(session: SessionDep, plan_id: PlanId, request: Request) -> Any:
    return service.sign_off_status(session, plan_id=plan_id, required=required_roles(request))


@router.post(
    "/{id}/sign-offs",
    response_model=SignOffStatus,
    summary="Sign off the plan's current revision for every owning role the caller holds",
    description="The demand planner may lock the plan once every role of "
    "SOP_DEMAND_SIGNOFF_ROLES has signed off its current revision; an edit after a sign-off "
    "makes it stale." + SIGN_DOC,
    responses=EDIT_RESPONSES,
)
def sign_off(
    session: SessionDep,
    principal: CurrentUser,
    plan_id: PlanId,
    revision: IfMatch,
    request: Request,
    body: SignOffCreate | None = None,
) -> Any:
    return service.sign_off(
        session,
        plan_id=plan_id,
        revision=revision,
        principal=principal,
        required=required_roles(request),
        comment=body.comment if body else None,
    )


@router.post(
    "/{id}/sign-offs/override",
    response_model=SignOffStatus,
    summary="Let the current revision be locked without the missing sign-offs: process owner",
    description="The reason is recorded with the override." + SIGN_DOC,
    responses=EDIT_RESPONSES,
)
def override(
    session: SessionDep,
    principal: CurrentUser,
    plan_id: PlanId,
    revision: IfMatch,
    body: OverrideCreate,
    request: Request,
) -> Any:
    return service.override(
        session,
        plan_id=plan_id,
        revision=revision,
        principal=principal,
        required=required_roles(request),
        reason=body.reason,
    )
