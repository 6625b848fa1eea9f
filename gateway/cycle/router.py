"""REST surface of the S&OP cycle: cycles and their steps, decisions, approval, action items,
the current plan and the RACI matrix.

Every route needs a bearer token; the writes check the caller's role (403) before the
version (428 without If-Match, 409 when stale). Cycle writes answer the cycle's new version
as ETag. Include this router as is (it enforces its own rights, so it does not need, and
must not get, a service-wide writer guard).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status
from fastapi_pagination.ext.sqlmodel import paginate
from sqlmodel import Session

from gateway.cycle import authorised, closing, decisions, queries, service
from gateway.cycle.concurrency import etag, if_match
from gateway.cycle.models import (
    ActionItemFilters,
    ActionItemPublic,
    ActionItemUpdate,
    ApprovalRequest,
    AuthorisationPublic,
    BulkDecision,
    CalendarEdit,
    Cycle,
    CycleActionItem,
    CycleCreate,
    CycleDeviationPublic,
    CycleFilters,
    CyclePublic,
    CycleTransition,
    DecisionCreate,
    DecisionPublic,
    EscalationDecision,
    RaciMatrix,
    StepCompletion,
)
from gateway.cycle.raci import COMPLETE_STEP, Action, StepName, authorize
from gateway.cycle.runner import session_runner
from gateway.cycle.settings import CycleSettings, cycle_settings
from gateway.cycle.sources import PlanSources, forwarding_credentials, plan_sources
from gateway.plans.models import ConsensusPlanPublic, PlanDiff
from gateway.state import GatewayStateDep
from gateway.tables import IdempotencyKey
from shared import idempotency
from shared.auth import CurrentUser, current_principal
from shared.db import SessionDep
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.idempotency import Idempotency
from shared.pagination import Page, PageParams
from shared.types import MAX_ROW_ID

# 401, 403 on writes, and 428 with a required If-Match on versioned writes: shared.contract.
RESPONSES: dict[int | str, dict[str, Any]] = {**PROBLEM_RESPONSES}
WRITE_DOC = (
    " Needs If-Match with the cycle's version (its ETag); answers 409 with the current "
    "version in `extra` when it is stale, and 409 naming the gate when the process forbids it."
)

router = APIRouter(
    tags=["S&OP cycle"], responses=RESPONSES, dependencies=[Depends(current_principal)]
)

CycleId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Cycle id.")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Action item id.")]
EscalationId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Escalation item id.")]
IfMatch = Annotated[int | None, Depends(if_match)]
Settings = Annotated[CycleSettings, Depends(cycle_settings)]


def allowed(action: Action) -> Any:
    """Refuse a wrong role (403) before the body or the version is looked at; the service
    checks the same right again for callers that do not come through REST."""

    def check(principal: CurrentUser) -> None:
        authorize(principal, action)

    return Depends(check)


def step_owner(step: StepName, principal: CurrentUser) -> None:
    if step in COMPLETE_STEP:
        authorize(principal, COMPLETE_STEP[step])


def _cycle_answer(session: Session, cycle: Cycle, response: Response) -> CyclePublic:
    response.headers["ETag"] = etag(cycle.version)
    return queries.cycle_public(session, cycle)


@router.get("/raci", response_model=RaciMatrix, summary="The RACI matrix and decision rights")
def read_raci() -> RaciMatrix:
    return queries.raci_matrix()


@router.get("/cycles", response_model=Page[CyclePublic], summary="List cycles, latest first")
def list_cycles(
    session: SessionDep,
    filters: Annotated[CycleFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return paginate(
        session,
        queries.cycles_query(filters),
        params,
        transformer=lambda cycles: queries.cycles_public(session, cycles),
    )


@router.post(
    "/cycles",
    status_code=status.HTTP_201_CREATED,
    response_model=CyclePublic,
    summary="Open the first cycle (process owner); later ones open when a cycle closes",
    dependencies=[allowed(Action.open_cycle)],
)
def create_cycle(
    session: SessionDep,
    principal: CurrentUser,
    settings: Settings,
    body: CycleCreate,
    response: Response,
) -> CyclePublic:
    cycle = service.open_first_cycle(session, principal=principal, data=body, settings=settings)
    response.headers["Location"] = f"/cycles/{cycle.id}"
    return _cycle_answer(session, cycle, response)


@router.get(
    "/cycles/current", response_model=CyclePublic, summary="The open cycle", responses=NOT_FOUND
)
def read_current_cycle(session: SessionDep, response: Response) -> CyclePublic:
    return _cycle_answer(session, queries.current_cycle(session), response)


@router.get(
    "/cycles/current-plan",
    response_model=ConsensusPlanPublic,
    responses=NOT_FOUND,
    summary="The current plan: the approved consensus plan, whole (the one set of numbers)",
)
def read_current_plan(session: SessionDep) -> ConsensusPlanPublic:
    return queries.current_plan(session)


@router.get("/cycles/{id}", response_model=CyclePublic, summary="One cycle, its steps and links")
def read_cycle(session: SessionDep, cycle_id: CycleId, response: Response) -> CyclePublic:
    return _cycle_answer(session, queries.get_cycle(session, cycle_id=cycle_id), response)


@router.patch(
    "/cycles/{id}/calendar",
    response_model=CyclePublic,
    summary="Move due dates of steps not completed (process owner)",
    description="A step cannot be due before the one it follows." + WRITE_DOC,
    dependencies=[allowed(Action.edit_calendar)],
)
def edit_calendar(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: CycleId,
    version: IfMatch,
    body: CalendarEdit,
    response: Response,
) -> CyclePublic:
    cycle = service.edit_calendar(
        session, principal=principal, cycle_id=cycle_id, expected_version=version, data=body
    )
    return _cycle_answer(session, cycle, response)


@router.post(
    "/cycles/{id}/steps/{step}/complete",
    response_model=CyclePublic,
    summary="Complete a step (its owner role), recording its outputs",
    description=(
        "In order only. data_gathering records `data_quality_report`; demand_review the "
        "`demand_plan_id` the demand service says is locked; supply_review optionally a "
        "proposed `supply_plan_id` (and needs the locked demand plan); pre_sop the "
        "recommended `consensus_plan_id` (emits consensus.recommended). The executive step "
        "completes by POST /cycles/{id}/approve." + WRITE_DOC
    ),
    dependencies=[Depends(step_owner)],
)
async def complete_step(
    request: Request,
    principal: CurrentUser,
    sources: Annotated[PlanSources, Depends(plan_sources)],
    cycle_id: CycleId,
    step: StepName,
    version: IfMatch,
    response: Response,
    body: Annotated[StepCompletion | None, Body()] = None,
) -> CyclePublic:
    with forwarding_credentials(request):
        cycle = await service.complete_step(
            run=session_runner(request),
            sources=sources,
            principal=principal,
            cycle_id=cycle_id,
            step=step,
            expected_version=version,
            data=body or StepCompletion(),
        )
    response.headers["ETag"] = etag(cycle.version)
    return cycle


@router.get(
    "/cycles/{id}/escalations",
    response_model=list[EscalationDecision],
    summary="The escalation items of the cycle's recommended plan, with their decisions",
)
def list_escalations(session: SessionDep, cycle_id: CycleId) -> list[EscalationDecision]:
    return queries.cycle_escalations(session, cycle_id=cycle_id)


@router.post(
    "/cycles/{id}/escalations/{escalation_id}/decision",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionPublic,
    summary="Decide an escalation item (executive sponsor), creating its action items",
    description=(
        "Choose one of the item's options (`option_index`) or `override` it, with a "
        "`rationale`. 409 when the item is decided already or is not of the cycle's "
        "recommended plan. Emits escalation.decided. The ETag answered is the cycle's new "
        "version. With an Idempotency-Key, a retry (after a lost answer) answers the decision "
        "made first, whatever the cycle's version is by then." + WRITE_DOC
    ),
    dependencies=[allowed(Action.decide_escalation)],
    responses=idempotency.created_responses("The decision, with its action items"),
)
def decide_escalation(
    principal: CurrentUser,
    # Before the session: the key is claimed (in a transaction of its own) before the
    # request's session takes its connection slot.
    once: Annotated[Idempotency, idempotency.idempotent(IdempotencyKey)],
    session: SessionDep,
    cycle_id: CycleId,
    escalation_id: EscalationId,
    version: IfMatch,
    body: DecisionCreate,
) -> Response:
    if once.replay is not None:
        return once.replay
    decision = decisions.decide_escalation(
        session,
        principal=principal,
        cycle_id=cycle_id,
        escalation_id=escalation_id,
        expected_version=version,
        data=body,
    )
    headers = {
        "ETag": etag(queries.get_cycle(session, cycle_id=cycle_id).version),
        "Location": f"/cycles/{cycle_id}/decisions",
    }
    return once.respond(
        session, body=decision, status_code=status.HTTP_201_CREATED, headers=headers
    )


@router.post(
    "/cycles/{id}/decisions",
    status_code=status.HTTP_201_CREATED,
    response_model=list[DecisionPublic],
    summary="Decide several escalation items at once, all or none",
    description=(
        "Each entry names its `escalation_id` and, as a single decision does, an "
        "`option_index` or an `override` (with its own `changes`), a `rationale` and action "
        "items. Nothing is recorded unless every entry is valid; each decision is its own "
        "record and audit entry, and emits escalation.decided. The executive sponsor decides "
        "any item, a delegated role (GET /raci: delegations) what is within its authority "
        "(403 naming the item beyond it). 409 naming both items when two decisions cannot "
        "hold together. The ETag answered is the cycle's new version." + WRITE_DOC
    ),
    dependencies=[allowed(Action.decide_escalation)],
)
def decide_escalations(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: CycleId,
    version: IfMatch,
    body: BulkDecision,
    response: Response,
) -> list[DecisionPublic]:
    made = decisions.decide_escalations(
        session, principal=principal, cycle_id=cycle_id, expected_version=version, data=body
    )
    response.headers["ETag"] = etag(queries.get_cycle(session, cycle_id=cycle_id).version)
    return made


@router.post(
    "/cycles/{id}/authorise",
    status_code=status.HTTP_201_CREATED,
    response_model=AuthorisationPublic,
    summary="Re-solve the plan with every decision applied: the authorised plan (executive)",
    description=(
        "The recommended plan's problem, as the reconcile stored it, solved again (cold) with "
        "the changes of every decision made so far, in the order decided: a new plan version "
        "with status `authorised`, linked to those decisions. Answers it with its diff "
        "against the recommended plan and the escalation items its re-solve raised that the "
        "recommended plan did not have. 409 naming the decisions when they cannot hold "
        "together (each changing decision removed in turn: those whose removal gives a plan). "
        "Approval publishes the latest authorised plan; it refuses while a decision that "
        "changes the plan is not in it." + WRITE_DOC
    ),
    dependencies=[allowed(Action.approve_plan)],
)
async def authorise(
    request: Request,
    state: GatewayStateDep,
    principal: CurrentUser,
    cycle_id: CycleId,
    version: IfMatch,
    response: Response,
) -> AuthorisationPublic:
    run = session_runner(request)
    answer = await decisions.authorise_plan(
        run=run,
        solver=state.solver,
        principal=principal,
        cycle_id=cycle_id,
        expected_version=version,
    )
    cycle = await run(lambda session: queries.get_cycle(session, cycle_id=cycle_id))
    response.headers["ETag"] = etag(cycle.version)
    response.headers["Location"] = f"/cycles/{cycle_id}/authorisation"
    return answer


@router.get(
    "/cycles/{id}/authorisation",
    response_model=AuthorisationPublic,
    responses=NOT_FOUND,
    summary="The cycle's latest authorised plan, its decisions, diff and new items",
)
def read_authorisation(session: SessionDep, cycle_id: CycleId) -> AuthorisationPublic:
    return authorised.cycle_authorisation(session, cycle_id=cycle_id)


@router.get(
    "/cycles/{id}/authorised-diff",
    response_model=PlanDiff,
    responses=NOT_FOUND,
    summary="The authorised plan against the recommended plan: units, money, service, load",
)
def read_authorised_diff(session: SessionDep, cycle_id: CycleId) -> PlanDiff:
    return authorised.authorised_diff(session, cycle_id=cycle_id)


@router.get(
    "/cycles/{id}/decisions",
    response_model=list[DecisionPublic],
    summary="The executive decisions of a cycle",
)
def list_decisions(session: SessionDep, cycle_id: CycleId) -> list[DecisionPublic]:
    return queries.cycle_decisions(session, cycle_id=cycle_id)


@router.post(
    "/cycles/{id}/approve",
    response_model=CyclePublic,
    summary="Approve the recommended plan (executive sponsor): it becomes current, immutable",
    description=(
        "409 listing the undecided escalation items while any is. The plan approved before "
        "is superseded. Completes the executive step; emits plan.approved." + WRITE_DOC
    ),
    dependencies=[allowed(Action.approve_plan)],
)
def approve(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: CycleId,
    version: IfMatch,
    response: Response,
    body: Annotated[ApprovalRequest | None, Body()] = None,
) -> CyclePublic:
    cycle = service.approve_plan(
        session,
        principal=principal,
        cycle_id=cycle_id,
        expected_version=version,
        data=body or ApprovalRequest(),
    )
    return _cycle_answer(session, cycle, response)


@router.post(
    "/cycles/{id}/close",
    response_model=CycleTransition,
    summary="Close a cycle after its approval (process owner); opens the next month's",
    description=(
        "The next cycle's horizon rolls forward one month; its calendar takes the configured "
        "due days; open action items carry over. The closed cycle's demand plan is rolled "
        "into the new horizon (`roll`: the draft, the inputs carried and dropped). Emits "
        "cycle.closed. The ETag answered is the new cycle's." + WRITE_DOC
    ),
    dependencies=[allowed(Action.close_cycle)],
)
async def close(
    request: Request,
    principal: CurrentUser,
    settings: Settings,
    sources: Annotated[PlanSources, Depends(plan_sources)],
    cycle_id: CycleId,
    version: IfMatch,
    response: Response,
) -> CycleTransition:
    with forwarding_credentials(request):
        transition = await closing.close_and_roll(
            run=session_runner(request),
            sources=sources,
            principal=principal,
            cycle_id=cycle_id,
            expected_version=version,
            settings=settings,
        )
    response.headers["ETag"] = etag(transition.opened.version)
    response.headers["Location"] = f"/cycles/{transition.opened.id}"
    return transition


@router.get(
    "/cycles/{id}/action-items",
    response_model=list[CycleActionItem],
    summary="The action items a cycle reviews: its own and those carried over still open",
)
def list_cycle_action_items(session: SessionDep, cycle_id: CycleId) -> list[CycleActionItem]:
    return queries.cycle_action_items(session, cycle_id=cycle_id)


@router.get(
    "/cycles/{id}/deviations",
    response_model=list[CycleDeviationPublic],
    summary="The deviations on a cycle's agenda: the month before's KPIs beyond tolerance",
    description=(
        "Raised when the cycle before closed: a family's production or a resource's hours "
        "adherence, a segment's service or a family's margin variance to the approved plan "
        "beyond the SOP_GATEWAY_DEVIATION_*_TOLERANCE settings, each owned by the RACI's "
        "accountable role (gateway.execution.rules.deviations)."
    ),
)
def list_cycle_deviations(session: SessionDep, cycle_id: CycleId) -> list[CycleDeviationPublic]:
    return queries.cycle_deviations(session, cycle_id=cycle_id)


@router.get(
    "/action-items", response_model=Page[ActionItemPublic], summary="List action items by due date"
)
def list_action_items(
    session: SessionDep,
    filters: Annotated[ActionItemFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return paginate(
        session,
        queries.action_items_query(filters),
        params,
        transformer=lambda items: [queries.action_item_public(item) for item in items],
    )


@router.get("/action-items/{id}", response_model=ActionItemPublic, summary="One action item")
def read_action_item(session: SessionDep, item_id: ItemId, response: Response) -> Any:
    item = queries.get_action_item(session, item_id=item_id)
    response.headers["ETag"] = etag(item.version)
    return queries.action_item_public(item)


@router.patch(
    "/action-items/{id}",
    response_model=ActionItemPublic,
    summary="Progress an action item (its owner role or user, or the process owner)",
    description=(
        "open -> in_progress -> done; done is final. Needs If-Match with the item's version "
        "(its ETag); 409 with the current version when stale."
    ),
)
def update_action_item(
    session: SessionDep,
    principal: CurrentUser,
    item_id: ItemId,
    version: IfMatch,
    body: ActionItemUpdate,
    response: Response,
) -> Any:
    item = service.update_action_item(
        session, principal=principal, item_id=item_id, expected_version=version, data=body
    )
    response.headers["ETag"] = etag(item.version)
    return queries.action_item_public(item)
