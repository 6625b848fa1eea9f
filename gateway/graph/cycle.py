"""The S&OP cycle in the GraphQL graph: types, and Query/Mutation mixins for the schema.

Merge them into the gateway's root types by inheritance (``class Query(CycleQuery, ...)``,
``class Mutation(CycleMutation, ...)``) or with ``strawberry.tools.merge_types``. Every
field authenticates the caller from the request's bearer token and goes through the same
service functions as REST, so the rights are the same; a mutation takes the version it is
based on as ``expectedVersion`` where REST takes If-Match. The context must expose the
request (``info.context.request``, as ``strawberry.fastapi.BaseContext`` does) and the
gateway's loaders (``info.context.loaders``) for the consensus plans a cycle links to.
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import strawberry
from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from strawberry.extensions import FieldExtension
from strawberry.scalars import JSON

from gateway.cycle import authorised, closing, models, queries, service
from gateway.cycle import decisions as decisions_service
from gateway.cycle.models import (
    ActionItemStatus,
    CycleStatus,
    DeviationKind,
    LinkKind,
    StepStatus,
)
from gateway.cycle.raci import ActivityKind, StepName
from gateway.cycle.runner import SessionRunner, session_runner
from gateway.cycle.settings import cycle_settings
from gateway.cycle.sources import forwarding_credentials, plan_sources
from gateway.graph.roll import DemandPlanRoll
from gateway.graph.types import ConsensusPlan, Escalation, from_model
from gateway.plans import service as consensus
from gateway.plans.models import PlanDiff as PlanDiffModel
from shared.auth import Principal, current_principal
from shared.errors import DomainError, FieldError, ValidationFailed, validation_errors
from shared.types import MAX_ROW_ID

strawberry.enum(StepName, description="The five steps of an S&OP cycle, in order.")
strawberry.enum(StepStatus, name="CycleStepStatus")
strawberry.enum(CycleStatus)
strawberry.enum(ActionItemStatus)
strawberry.enum(LinkKind, name="CycleLinkKind", description="What a step takes in or records.")
strawberry.enum(ActivityKind, name="RaciActivityKind")

MAX_PAGE = 500
ModelT = TypeVar("ModelT", bound=BaseModel)


# --- types --------------------------------------------------------------------------------


@strawberry.type(description="An input or output of a step; id/ref null until recorded.")
class PlanLink:
    kind: LinkKind
    id: int | None
    version: int | None
    ref: str | None


@strawberry.type(description="How the supply review resolved an infeasible supply plan line.")
class LineResolution:
    family_code: str
    period: str
    reason: str | None
    escalation_id: int | None


@strawberry.type(name="CycleStep", description="A step: owner, due date, status, lateness.")
class Step:
    step: StepName
    position: int
    owner_role: str
    due_date: dt.date
    status: StepStatus
    completed_at: dt.datetime | None
    completed_by: str | None
    note: str
    is_late: bool
    days_late: int
    inputs: list[PlanLink]
    outputs: list[PlanLink]
    resolutions: list[LineResolution]


@strawberry.type(description="The executive's decision on one escalation item.")
class Decision:
    id: int
    cycle_id: int
    plan_id: int
    plan_version: int
    escalation_id: int
    escalation_title: str
    option_index: int | None
    option: JSON | None
    override: str | None
    changes: JSON = strawberry.field(description="What the decision changes in the plan.")
    rationale: str
    decided_by: str
    decided_by_name: str
    decided_as: str = strawberry.field(description="The role whose authority closed the item.")
    decided_at: dt.datetime
    action_item_ids: list[int]


@strawberry.type(description="One quantity in plan a and plan b, and b - a.")
class PlanChange:
    a: float
    b: float
    delta: float


@strawberry.type(description="A quantity of a plan by name, in both plans.")
class NamedPlanChange:
    name: str
    change: PlanChange


@strawberry.type(description="A segment's on-time fill rate and sales in both plans.")
class SegmentServiceChange:
    segment: str
    fill_rate: PlanChange
    sales: PlanChange


@strawberry.type(description="A family's units over the horizon in both plans.")
class FamilyUnitsChange:
    family: str
    sales: PlanChange
    production: PlanChange
    outsourced: PlanChange
    lost: PlanChange


@strawberry.type(description="A resource's hours, overtime and peak utilisation in both plans.")
class ResourceLoadChange:
    resource: str
    load: PlanChange
    overtime: PlanChange
    peak_utilisation: PlanChange


@strawberry.type(description="Plan b against plan a (gateway.plans.diff).")
class PlanDiff:
    plan_a_id: int
    plan_b_id: int
    units: list[NamedPlanChange]
    money: list[NamedPlanChange]
    service: list[SegmentServiceChange]
    families: list[FamilyUnitsChange]
    resources: list[ResourceLoadChange]

    @classmethod
    def of(cls, diff: PlanDiffModel) -> "PlanDiff":
        def change(value: Any) -> PlanChange:
            return from_model(PlanChange, value)

        def named(values: dict[str, Any]) -> list[NamedPlanChange]:
            return [NamedPlanChange(name=k, change=change(v)) for k, v in values.items()]

        def row(cls_: type[Any], value: BaseModel, key: str) -> Any:
            fields = {
                name: change(getattr(value, name))
                for name in type(value).model_fields
                if name != key
            }
            return cls_(**fields, **{key: getattr(value, key)})

        return cls(
            plan_a_id=diff.plan_a_id,
            plan_b_id=diff.plan_b_id,
            units=named(diff.units),
            money=named(diff.money),
            service=[row(SegmentServiceChange, s, "segment") for s in diff.service],
            families=[row(FamilyUnitsChange, f, "family") for f in diff.families],
            resources=[row(ResourceLoadChange, r, "resource") for r in diff.resources],
        )


@strawberry.type(description="The plan re-solved with the executive's decisions applied.")
class Authorisation:
    id: int
    cycle_id: int
    recommended_plan_id: int
    plan_id: int
    decision_ids: list[int]
    authorised_by: str
    authorised_at: dt.datetime
    new_escalations: list[Escalation] = strawberry.field(
        description="Items its re-solve raised that the recommended plan did not have."
    )
    diff: PlanDiff = strawberry.field(description="Against the recommended plan.")

    @classmethod
    def of(cls, authorisation: models.AuthorisationPublic) -> "Authorisation":
        return from_model(
            cls,
            authorisation,
            new_escalations=[Escalation.of(e) for e in authorisation.new_escalations],
            diff=PlanDiff.of(authorisation.diff),
        )

    @strawberry.field(description="The authorised plan.")
    async def plan(self, info: strawberry.Info) -> ConsensusPlan | None:
        return await _consensus_plan(info, self.plan_id)


@strawberry.type(description="Work a decision created; open until done, across cycles.")
class ActionItem:
    id: int
    cycle_id: int
    decision_id: int
    title: str
    detail: str
    owner_role: str | None
    owner_user: str | None
    due_date: dt.date
    status: ActionItemStatus
    note: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime | None
    done_at: dt.datetime | None
    version: int
    is_overdue: bool


@strawberry.type(description="An action item as a cycle reviews it.")
class CycleActionItem(ActionItem):
    raised_in_period: str
    carried_over: bool


@strawberry.type(description="An escalation item of the recommended plan and its decision.")
class EscalationDecision:
    escalation: Escalation
    decision: Decision | None


@strawberry.type(description="One cell of the RACI matrix: R, A, RA, C or I.")
class RaciEntry:
    activity: str
    kind: ActivityKind
    description: str
    role: str
    letters: str


@strawberry.type(description="Who may make a write of the cycle.")
class DecisionRight:
    action: str
    roles: list[str]


@strawberry.type(
    description="An executed month's KPI beyond tolerance, on the agenda of the cycle its "
    "closing opened, owned by the RACI's accountable role."
)
class Deviation:
    id: int
    cycle_id: int
    kind: DeviationKind
    subject_code: str
    period: str
    plan_id: int
    value: float
    limit: float
    owner_role: str
    detail: str
    raised_at: dt.datetime

    @classmethod
    def of(cls, deviation: models.CycleDeviationPublic) -> "Deviation":
        return from_model(cls, deviation, owner_role=str(deviation.owner_role))


@strawberry.type(description="A monthly S&OP cycle: its five steps and what they recorded.")
class Cycle:
    id: int
    period: str
    horizon_start: str
    horizon_months: int
    horizon_end: str
    status: CycleStatus
    version: int = strawberry.field(description="What a mutation passes as expectedVersion.")
    opened_at: dt.datetime
    opened_by: str
    closed_at: dt.datetime | None
    closed_by: str | None
    previous_cycle_id: int | None
    current_step: StepName | None
    late_steps: list[StepName]
    open_action_items: int
    data_quality_report: str | None
    demand_plan_id: int | None
    demand_plan_version: int | None
    supply_plan_id: int | None
    supply_plan_version: int | None
    recommended_plan_id: int | None
    recommended_plan_version: int | None
    approved_plan_id: int | None
    approved_plan_version: int | None
    steps: list[Step]

    @classmethod
    def of(cls, cycle: models.CyclePublic) -> "Cycle":
        steps = [
            from_model(
                Step,
                step,
                owner_role=str(step.owner_role),
                inputs=[from_model(PlanLink, link) for link in step.inputs],
                outputs=[from_model(PlanLink, link) for link in step.outputs],
                resolutions=[from_model(LineResolution, r) for r in step.resolutions],
            )
            for step in cycle.steps
        ]
        return from_model(cls, cycle, steps=steps)

    @strawberry.field(description="The executive decisions of this cycle.")
    async def decisions(self, info: strawberry.Info) -> list[Decision]:
        return [_decision(d) for d in await info.context.loaders.cycle.decisions.load(self.id)]

    @strawberry.field(description="Its own action items and those carried over still open.")
    async def action_items(self, info: strawberry.Info) -> list[CycleActionItem]:
        items = await info.context.loaders.cycle.action_items.load(self.id)
        return [from_model(CycleActionItem, item, owner_role=_role(item)) for item in items]

    @strawberry.field(
        description="The deviations of the month before, raised when its cycle closed."
    )
    async def deviations(self, info: strawberry.Info) -> list[Deviation]:
        found = await _runner(info)(
            lambda session: queries.cycle_deviations(session, cycle_id=self.id)
        )
        return [Deviation.of(deviation) for deviation in found]

    @strawberry.field(description="The recommended plan's escalation items and decisions.")
    async def escalations(self, info: strawberry.Info) -> list[EscalationDecision]:
        return [
            EscalationDecision(
                escalation=Escalation.of(entry.escalation),
                decision=_decision(entry.decision) if entry.decision else None,
            )
            for entry in await info.context.loaders.cycle.escalations.load(self.id)
        ]

    @strawberry.field(description="The consensus plan pre-S&OP recommended.")
    async def recommended_plan(self, info: strawberry.Info) -> ConsensusPlan | None:
        return await _consensus_plan(info, self.recommended_plan_id)

    @strawberry.field(description="The consensus plan the executive approved.")
    async def approved_plan(self, info: strawberry.Info) -> ConsensusPlan | None:
        return await _consensus_plan(info, self.approved_plan_id)

    @strawberry.field(
        description="The latest authorised plan (the recommended one re-solved with the "
        "decisions), its diff and new items; null before the first authorisation."
    )
    async def authorisation(self, info: strawberry.Info) -> Authorisation | None:
        def read(session: Session) -> models.AuthorisationPublic | None:
            found = authorised.latest_authorisation(session, cycle_id=self.id)
            return authorised.authorisation_public(session, found) if found else None

        answer = await _runner(info)(read)
        return Authorisation.of(answer) if answer else None


@strawberry.type(description="A closed cycle and the next month's, opened by closing it.")
class CycleTransition:
    closed: Cycle
    opened: Cycle
    roll: DemandPlanRoll | None = strawberry.field(
        description="The closed cycle's demand plan rolled into the opened cycle's horizon."
    )
    deviations: list[Deviation] = strawberry.field(
        description="The closed month's deviations, now on the opened cycle's agenda."
    )


def _decision(decision: models.DecisionPublic) -> Decision:
    changes = [change.model_dump(mode="json") for change in decision.changes]
    return from_model(Decision, decision, changes=changes, decided_as=str(decision.decided_as))


def _role(item: models.ActionItemPublic) -> str | None:
    return str(item.owner_role) if item.owner_role else None


def _action_item(item: models.ActionItemPublic) -> ActionItem:
    return from_model(ActionItem, item, owner_role=_role(item))


async def _consensus_plan(info: strawberry.Info, plan_id: int | None) -> ConsensusPlan | None:
    if plan_id is None:
        return None
    plan = await info.context.loaders.consensus_plans.load(plan_id)
    return ConsensusPlan.of(plan) if plan else None


def _request(info: strawberry.Info) -> Request:
    request: Request = info.context.request
    return request


def _runner(info: strawberry.Info) -> SessionRunner:
    return session_runner(_request(info))


def _caller(info: strawberry.Info) -> Principal:
    """The authenticated caller (401 without a valid bearer token)."""
    return current_principal(_request(info))


def _validated(model: type[ModelT], values: dict[str, Any], *, location: str = "input") -> ModelT:
    """The REST request model of a GraphQL input: one validation for both."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = validation_errors(
            [{**error, "loc": (location, *error["loc"])} for error in exc.errors()]
        )
        raise ValidationFailed(f"the {location} is invalid", errors=errors) from exc


def _decision_values(entry: "DecisionInput") -> dict[str, Any]:
    """A decision input as the REST model reads it (no changes given: none)."""
    values = dataclasses.asdict(entry)
    if values["changes"] is None:
        del values["changes"]
    return values


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class GraphQLFieldNames(FieldExtension):
    """Problems name the fields as a GraphQL client writes them: ``input.dataQualityReport``
    where REST says ``body.data_quality_report``."""

    @staticmethod
    def _renamed(exc: DomainError) -> DomainError:
        exc.errors = [
            FieldError(field=".".join(map(_camel, error.field.split("."))), reason=error.reason)
            for error in exc.errors
        ]
        return exc

    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except DomainError as exc:
            raise self._renamed(exc) from None

    async def resolve_async(
        self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as exc:
            raise self._renamed(exc) from None


def _page(limit: int, offset: int) -> None:
    errors = []
    if not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError(field="limit", reason=f"between 1 and {MAX_PAGE}"))
    if not 0 <= offset <= MAX_ROW_ID:
        errors.append(FieldError(field="offset", reason="not negative"))
    if errors:
        raise ValidationFailed("invalid page", errors=errors)


def _due_dates(entries: Sequence["DueDateInput"]) -> dict[str, dt.date]:
    return {str(entry.step): entry.due_date for entry in entries}


# --- inputs -------------------------------------------------------------------------------


@strawberry.input
class DueDateInput:
    step: StepName
    due_date: dt.date


@strawberry.input(description="The first cycle; later ones open when a cycle closes.")
class OpenCycleInput:
    period: str
    horizon_start: str | None = None
    horizon_months: int | None = None
    due_dates: list[DueDateInput] | None = None


@strawberry.input(description="An infeasible supply plan line resolved: a reason, an escalation.")
class LineResolutionInput:
    family_code: str
    period: str
    reason: str | None = None
    escalation_id: int | None = None


@strawberry.input(description="What completing a step records; each step its own output.")
class StepCompletionInput:
    note: str = ""
    data_quality_report: str | None = None
    demand_plan_id: int | None = None
    supply_plan_id: int | None = None
    consensus_plan_id: int | None = None
    resolutions: list[LineResolutionInput] | None = strawberry.field(
        default=None,
        description="supply_review: one per infeasible line of the supply plan (409 without).",
    )
    readiness_override: str | None = strawberry.field(
        default=None, description="data_gathering with holes in the data: why it goes on."
    )


@strawberry.input
class ActionItemInput:
    title: str
    due_date: dt.date
    detail: str = ""
    owner_role: str | None = None
    owner_user: str | None = None


@strawberry.input(description="Choose an option (optionIndex) or override, with a rationale.")
class DecisionInput:
    rationale: str
    option_index: int | None = None
    override: str | None = None
    changes: JSON | None = strawberry.field(
        default=None, description="With an override: what it changes (a list of changes)."
    )
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list)


@strawberry.input(description="One item's decision in a bulk decision.")
class ItemDecisionInput(DecisionInput):
    escalation_id: int = 0


@strawberry.input
class ActionItemUpdateInput:
    status: ActionItemStatus | None = None
    note: str | None = None


# --- the mixins ---------------------------------------------------------------------------


@strawberry.type
class CycleQuery:
    @strawberry.field(description="S&OP cycles, the latest month first.")
    async def cycles(
        self,
        info: strawberry.Info,
        status: CycleStatus | None = None,
        limit: int = 24,
        offset: int = 0,
    ) -> list[Cycle]:
        _caller(info)
        _page(limit, offset)
        query = queries.cycles_query(models.CycleFilters(status=status))

        def read(session: Session) -> list[models.CyclePublic]:
            return queries.cycles_public(
                session, session.exec(query.offset(offset).limit(limit)).all()
            )

        return [Cycle.of(cycle) for cycle in await _runner(info)(read)]

    @strawberry.field
    async def cycle(self, info: strawberry.Info, id: int) -> Cycle | None:
        _caller(info)

        def read(session: Session) -> list[models.CyclePublic]:
            return queries.cycles_public(session, queries.cycles_by_id(session, cycle_ids=[id]))

        found = await _runner(info)(read)
        return Cycle.of(found[0]) if found else None

    @strawberry.field(description="The open cycle.")
    async def current_cycle(self, info: strawberry.Info) -> Cycle | None:
        _caller(info)

        def read(session: Session) -> models.CyclePublic | None:
            cycle = queries.open_cycle(session)
            return queries.cycle_public(session, cycle) if cycle else None

        found = await _runner(info)(read)
        return Cycle.of(found) if found else None

    @strawberry.field(description="The approved consensus plan: the one set of numbers.")
    async def current_plan(self, info: strawberry.Info) -> ConsensusPlan | None:
        _caller(info)

        def read(session: Session) -> Any:
            plan = queries.approved_plan(session)
            return consensus.summary_of(plan) if plan else None

        found = await _runner(info)(read)
        return ConsensusPlan.of(found) if found else None

    @strawberry.field(description="The RACI matrix of the process, one entry per cell.")
    def raci(self, info: strawberry.Info) -> list[RaciEntry]:
        _caller(info)
        return [
            RaciEntry(
                activity=activity.activity,
                kind=activity.kind,
                description=activity.description,
                role=str(role),
                letters=letters,
            )
            for activity in queries.raci_matrix().activities
            for role, letters in activity.cells.items()
        ]

    @strawberry.field(description="Who may make each write of the cycle.")
    def decision_rights(self, info: strawberry.Info) -> list[DecisionRight]:
        _caller(info)
        return [
            DecisionRight(action=right.action, roles=[str(role) for role in right.roles])
            for right in queries.raci_matrix().decision_rights
        ]

    @strawberry.field(
        extensions=[GraphQLFieldNames()],
        description="Action items by due date, optionally filtered.",
    )
    async def action_items(
        self,
        info: strawberry.Info,
        status: ActionItemStatus | None = None,
        owner_role: str | None = None,
        owner_user: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ActionItem]:
        _caller(info)
        _page(limit, offset)
        filters = _validated(
            models.ActionItemFilters,
            {"status": status, "owner_role": owner_role, "owner_user": owner_user},
            location="arguments",
        )
        query = queries.action_items_query(filters).offset(offset).limit(limit)

        def read(session: Session) -> list[models.ActionItemPublic]:
            return [queries.action_item_public(item) for item in session.exec(query)]

        return [_action_item(item) for item in await _runner(info)(read)]


@strawberry.type
class CycleMutation:
    @strawberry.mutation(
        extensions=[GraphQLFieldNames()], description="Open the first cycle (process owner)."
    )
    async def open_cycle(self, info: strawberry.Info, input: OpenCycleInput) -> Cycle:
        principal = _caller(info)
        values = dataclasses.asdict(input)
        if input.due_dates is not None:
            values["due_dates"] = _due_dates(input.due_dates)
        data = _validated(models.CycleCreate, values)
        settings = cycle_settings(_request(info))

        def write(session: Session) -> models.CyclePublic:
            cycle = service.open_first_cycle(
                session, principal=principal, data=data, settings=settings
            )
            return queries.cycle_public(session, cycle)

        return Cycle.of(await _runner(info)(write))

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Move due dates of steps not completed (process owner).",
    )
    async def edit_cycle_calendar(
        self,
        info: strawberry.Info,
        cycle_id: int,
        expected_version: int,
        due_dates: list[DueDateInput],
    ) -> Cycle:
        principal = _caller(info)
        data = _validated(models.CalendarEdit, {"due_dates": _due_dates(due_dates)})

        def write(session: Session) -> models.CyclePublic:
            cycle = service.edit_calendar(
                session,
                principal=principal,
                cycle_id=cycle_id,
                expected_version=expected_version,
                data=data,
                location="input",
            )
            return queries.cycle_public(session, cycle)

        return Cycle.of(await _runner(info)(write))

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Complete a step (its owner role), recording its outputs.",
    )
    async def complete_cycle_step(
        self,
        info: strawberry.Info,
        cycle_id: int,
        step: StepName,
        expected_version: int,
        input: StepCompletionInput | None = None,
    ) -> Cycle:
        principal = _caller(info)
        data = _validated(models.StepCompletion, dataclasses.asdict(input) if input else {})
        request = _request(info)
        with forwarding_credentials(request):
            cycle = await service.complete_step(
                run=_runner(info),
                sources=plan_sources(request),
                principal=principal,
                cycle_id=cycle_id,
                step=step,
                expected_version=expected_version,
                data=data,
                location="input",
            )
        return Cycle.of(cycle)

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Decide an escalation item (executive sponsor).",
    )
    async def decide_escalation(
        self,
        info: strawberry.Info,
        cycle_id: int,
        escalation_id: int,
        expected_version: int,
        input: DecisionInput,
    ) -> Decision:
        principal = _caller(info)
        data = _validated(models.DecisionCreate, _decision_values(input))

        def write(session: Session) -> models.DecisionPublic:
            return decisions_service.decide_escalation(
                session,
                principal=principal,
                cycle_id=cycle_id,
                escalation_id=escalation_id,
                expected_version=expected_version,
                data=data,
                location="input",
            )

        return _decision(await _runner(info)(write))

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Decide several escalation items at once, all or none (as REST POST "
        "/cycles/{id}/decisions).",
    )
    async def decide_escalations(
        self,
        info: strawberry.Info,
        cycle_id: int,
        expected_version: int,
        decisions: list[ItemDecisionInput],
    ) -> list[Decision]:
        principal = _caller(info)
        data = _validated(
            models.BulkDecision,
            {"decisions": [_decision_values(entry) for entry in decisions]},
        )

        def write(session: Session) -> list[models.DecisionPublic]:
            return decisions_service.decide_escalations(
                session,
                principal=principal,
                cycle_id=cycle_id,
                expected_version=expected_version,
                data=data,
                location="input",
            )

        return [_decision(d) for d in await _runner(info)(write)]

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Re-solve the plan with every decision applied: the authorised plan (as "
        "REST POST /cycles/{id}/authorise).",
    )
    async def authorise_plan(
        self, info: strawberry.Info, cycle_id: int, expected_version: int
    ) -> Authorisation:
        answer = await decisions_service.authorise_plan(
            run=_runner(info),
            solver=info.context.state.solver,
            principal=_caller(info),
            cycle_id=cycle_id,
            expected_version=expected_version,
        )
        return Authorisation.of(answer)

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Approve the cycle's plan (executive sponsor): the authorised plan when "
        "decisions change the recommended one.",
    )
    async def approve_plan(
        self, info: strawberry.Info, cycle_id: int, expected_version: int, note: str = ""
    ) -> Cycle:
        principal = _caller(info)
        data = _validated(models.ApprovalRequest, {"note": note})

        def write(session: Session) -> models.CyclePublic:
            cycle = service.approve_plan(
                session,
                principal=principal,
                cycle_id=cycle_id,
                expected_version=expected_version,
                data=data,
            )
            return queries.cycle_public(session, cycle)

        return Cycle.of(await _runner(info)(write))

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Close an approved cycle (process owner); opens the next.",
    )
    async def close_cycle(
        self, info: strawberry.Info, cycle_id: int, expected_version: int
    ) -> CycleTransition:
        request = _request(info)
        with forwarding_credentials(request):
            transition = await closing.close_and_roll(
                run=_runner(info),
                sources=plan_sources(request),
                principal=_caller(info),
                cycle_id=cycle_id,
                expected_version=expected_version,
                settings=cycle_settings(request),
            )
        return CycleTransition(
            closed=Cycle.of(transition.closed),
            opened=Cycle.of(transition.opened),
            roll=DemandPlanRoll.of(transition.roll) if transition.roll else None,
            deviations=[Deviation.of(deviation) for deviation in transition.deviations],
        )

    @strawberry.mutation(
        extensions=[GraphQLFieldNames()],
        description="Progress an action item (its owner or the process owner).",
    )
    async def update_action_item(
        self, info: strawberry.Info, id: int, expected_version: int, input: ActionItemUpdateInput
    ) -> ActionItem:
        principal = _caller(info)
        data = _validated(models.ActionItemUpdate, dataclasses.asdict(input))

        def write(session: Session) -> models.ActionItemPublic:
            item = service.update_action_item(
                session,
                principal=principal,
                item_id=id,
                expected_version=expected_version,
                data=data,
            )
            return queries.action_item_public(item)

        return _action_item(await _runner(info)(write))
