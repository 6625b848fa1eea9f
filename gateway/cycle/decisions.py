"""Executive decisions and the authorised plan.

A decision closes one escalation item of the cycle's recommended plan: the chosen option
brings its changes (``gateway.solver.changes``), an override states its own (validated
against the plan's problem: a 422 names the change's field). Items within a delegated
role's authority are closed by that role (``gateway.cycle.rules``); the rest by the
executive sponsor. Several items are decided in one request all or none, each with its
rationale and its own record (and audit entry). Two decisions whose changes pin the same
quantity to different values are refused (409 naming both).

Authorising re-solves the recommended plan's problem (stored by the reconcile) with every
decision's changes applied, in the order decided: on the warm worker that holds that
problem's model, changed in place and re-solved from its last basis when the changes only
move values, else cold (the plan's ``stats.notes`` say which and why; the first
authorisation of a plan builds its model), into a new plan version with the status
``authorised``, linked to the decisions (``Authorisation``). When that re-solve has
no plan, each changing decision is removed in turn and re-solved: those whose removal
gives a plan are the ones that cannot hold together, reported as a 409 naming them.
Approval publishes the authorised plan (``gateway.cycle.authorised.plan_to_publish``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from gateway.cycle import queries
from gateway.cycle.authorised import authorisation_public
from gateway.cycle.concurrency import claim, require_version
from gateway.cycle.models import (
    ActionItem,
    Authorisation,
    AuthorisationPublic,
    BulkDecision,
    Decision,
    DecisionCreate,
    DecisionPublic,
)
from gateway.cycle.problems import GateClosed
from gateway.cycle.raci import Action, authorize
from gateway.cycle.rules import authority, conflicting_decisions, effective
from gateway.cycle.runner import SessionRunner
from gateway.cycle.service import (
    ESCALATION_DECIDED,
    _cycle_for_write,
    _plan_before_executive,
    _what,
)
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlan, ConsensusStatus, Escalation
from gateway.solver.changes import ChangeList, PlanChange, apply_changes
from gateway.solver.problem import PlanningProblem
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import EscalationKind, Option, Severity, Solution
from gateway.solver.warm_pool import WarmTask, fingerprint, whole_solution
from gateway.tables import WEBHOOKS
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, NotFound, ValidationFailed
from shared.webhooks import emit


def _changes(stored: list[dict[str, Any]]) -> list[PlanChange]:
    return ChangeList.model_validate({"changes": stored}).changes


def _problem(session: Session, plan: ConsensusPlan) -> PlanningProblem:
    assert plan.id is not None
    problem = consensus.problem_of(session, plan_id=plan.id)
    if problem is None:
        raise GateClosed(
            "plan-problem-stored",
            f"consensus plan {plan.id} was stored without its planning problem, so decisions "
            "cannot be applied to it: reconcile again",
        )
    return problem


def _chosen_option(item: Escalation, data: DecisionCreate, *, location: str) -> Option | None:
    if data.option_index is None:
        return None
    field = f"{location}.option_index"
    if data.option_index >= len(item.options):
        raise ValidationFailed(
            f"escalation item {item.id} has {len(item.options)} option(s); override it instead"
            if not item.options
            else f"escalation item {item.id} has options 0 to {len(item.options) - 1}",
            field=field,
        )
    option = Option.model_validate(item.options[data.option_index])
    if not option.feasible:
        raise ValidationFailed(
            f"option {data.option_index} is infeasible: no plan meets it", field=field
        )
    return option


@dataclass
class _Request:
    item: Escalation
    data: DecisionCreate
    location: str
    option: Option | None = None
    changes: list[PlanChange] | None = None
    decided_as: str = ""


# What is decided: (escalation id, the decision, where its fields are, where its id is).
Requested = tuple[int, DecisionCreate, str, str]


def _items(session: Session, plan: ConsensusPlan, requests: Sequence[Requested]) -> list[_Request]:
    """Each requested item, of the plan and undecided, once."""
    found: list[_Request] = []
    seen: set[int] = set()
    for escalation_id, data, location, id_field in requests:
        item = session.get(Escalation, escalation_id)
        if item is None:
            raise NotFound(f"no escalation item {escalation_id}", field=id_field)
        if item.plan_id != plan.id:
            raise GateClosed(
                "escalation-of-recommended-plan",
                f"escalation item {escalation_id} belongs to consensus plan {item.plan_id}; the "
                f"cycle's recommended plan is {plan.id}",
            )
        if escalation_id in seen:
            raise ValidationFailed(
                f"escalation item {escalation_id} is decided twice in one request",
                field=id_field,
            )
        seen.add(escalation_id)
        found.append(_Request(item, data, location))
    decided = session.exec(select(Decision).where(col(Decision.escalation_id).in_(seen))).first()
    if decided is not None:
        raise GateClosed(
            "escalation-undecided",
            f"escalation item {decided.escalation_id} was decided on {decided.decided_at} by "
            f"{decided.decided_by}",
            extra={"decision_id": decided.id},
        )
    return found


def _check_authority(principal: Principal, request: _Request) -> None:
    item = request.item
    role = authority(
        principal.roles,
        kind=EscalationKind(item.kind),
        severity=Severity(item.severity),
        option=request.option,
    )
    if role is None:
        what = "an override" if request.option is None else f"option {request.data.option_index}"
        raise Forbidden(
            f"escalation item {item.id} ({item.severity} {item.kind}) with {what} is beyond "
            "the authority delegated to your roles (GET /raci: delegations): the executive "
            "sponsor decides it",
        )
    request.decided_as = role


def _check_conflicts(session: Session, plan: ConsensusPlan, requests: list[_Request]) -> None:
    assert plan.id is not None
    earlier = session.exec(select(Decision).where(col(Decision.plan_id) == plan.id)).all()
    keyed: list[tuple[int, Sequence[PlanChange]]] = [
        (decision.escalation_id, effective(_changes(decision.changes))) for decision in earlier
    ]
    keyed += [(r.item.id or 0, effective(r.changes or [])) for r in requests]
    clashes = conflicting_decisions(keyed)
    if clashes:
        titles = {d.escalation_id: d.escalation_title for d in earlier}
        titles.update({r.item.id or 0: r.item.title for r in requests})
        raise GateClosed(
            "decisions-compatible",
            "; ".join(
                f"the decisions on escalation items {c.first} ({titles[c.first]}) and "
                f"{c.second} ({titles[c.second]}) cannot hold together: {c.reason}"
                for c in clashes
            ),
            extra={
                "conflicts": [
                    {"escalation_ids": [c.first, c.second], "reason": c.reason} for c in clashes
                ]
            },
        )


def _decide(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    requests: Sequence[Requested],
) -> list[DecisionPublic]:
    authorize(principal, Action.decide_escalation)
    expected = require_version(expected_version, what="a decision")
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    plan = _plan_before_executive(session, cycle=cycle, steps=queries.steps_of(session, cycle))
    chosen = _items(session, plan, requests)
    problem: PlanningProblem | None = None
    today = queries.today()
    late: list[FieldError] = []
    for request in chosen:
        request.option = _chosen_option(request.item, request.data, location=request.location)
        _check_authority(principal, request)
        if request.option is not None:
            request.changes = request.option.changes
        else:
            request.changes = request.data.changes
            if request.changes:
                problem = problem or _problem(session, plan)
                apply_changes(problem, request.changes, path=f"{request.location}.changes")
        late += [
            FieldError(field=f"{request.location}.action_items.{i}.due_date", reason="in the past")
            for i, action in enumerate(request.data.action_items)
            if action.due_date < today
        ]
    if late:
        raise ValidationFailed("action items are due today or later", errors=late)
    _check_conflicts(session, plan, chosen)
    claim(session, cycle, expected, what=_what(cycle))
    assert cycle.id is not None and plan.id is not None
    made = []
    for request in chosen:
        data, item = request.data, request.item
        assert item.id is not None
        decision = Decision(
            cycle_id=cycle.id,
            plan_id=plan.id,
            plan_version=plan.version,
            escalation_id=item.id,
            escalation_title=item.title,
            option_index=data.option_index,
            option=item.options[data.option_index] if data.option_index is not None else None,
            override=data.override,
            changes=[change.model_dump(mode="json") for change in request.changes or []],
            rationale=data.rationale,
            decided_by=principal.subject,
            decided_by_name=principal.name,
            decided_as=request.decided_as,
        )
        session.add(decision)
        session.flush()
        assert decision.id is not None
        actions = [
            ActionItem(
                cycle_id=cycle.id,
                decision_id=decision.id,
                title=action.title,
                detail=action.detail,
                owner_role=action.owner_role,
                owner_user=action.owner_user,
                due_date=action.due_date,
                created_by=principal.subject,
            )
            for action in data.action_items
        ]
        session.add_all(actions)
        session.flush()
        emit(
            session,
            tables=WEBHOOKS,
            event=ESCALATION_DECIDED,
            payload={
                "cycle_id": cycle.id,
                "period": cycle.period,
                "plan_id": plan.id,
                "plan_version": plan.version,
                "escalation_id": item.id,
                "decision_id": decision.id,
                "option_index": data.option_index,
                "override": data.override,
                "rationale": data.rationale,
                "decided_by": principal.subject,
                "decided_as": request.decided_as,
                "action_item_ids": [action.id for action in actions],
            },
        )
        made.append(decision)
    return queries.decisions_public(session, made)


def decide_escalation(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    escalation_id: int,
    expected_version: int | None,
    data: DecisionCreate,
    location: str = "body",
) -> DecisionPublic:
    """The decision on one escalation item of the cycle's recommended plan, with the action
    items it creates."""
    return _decide(
        session,
        principal=principal,
        cycle_id=cycle_id,
        expected_version=expected_version,
        requests=[(escalation_id, data, location, "path.escalation_id")],
    )[0]


def decide_escalations(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    data: BulkDecision,
    location: str = "body",
) -> list[DecisionPublic]:
    """Several items decided at once, all of them or none (one cycle version)."""
    return _decide(
        session,
        principal=principal,
        cycle_id=cycle_id,
        expected_version=expected_version,
        requests=[
            (
                item.escalation_id,
                item,
                f"{location}.decisions.{index}",
                f"{location}.decisions.{index}.escalation_id",
            )
            for index, item in enumerate(data.decisions)
        ],
    )


# --- the authorised plan ------------------------------------------------------------------


@dataclass(frozen=True)
class _Applied:
    """A decision's changes and whose they are."""

    decision_id: int
    escalation_id: int
    title: str
    changes: list[PlanChange]


@dataclass(frozen=True)
class _Inputs:
    recommended_plan_id: int
    problem: PlanningProblem
    decision_ids: list[int]
    applied: list[_Applied]


def _authorisation_inputs(session: Session, *, cycle_id: int, expected: int) -> _Inputs:
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    plan = _plan_before_executive(session, cycle=cycle, steps=queries.steps_of(session, cycle))
    assert plan.id is not None
    decisions = session.exec(
        select(Decision).where(col(Decision.plan_id) == plan.id).order_by(col(Decision.id))
    ).all()
    applied = [
        _Applied(d.id or 0, d.escalation_id, d.escalation_title, effective(_changes(d.changes)))
        for d in decisions
    ]
    return _Inputs(
        recommended_plan_id=plan.id,
        problem=_problem(session, plan),
        decision_ids=[d.id for d in decisions if d.id is not None],
        applied=[a for a in applied if a.changes],
    )


def with_decisions(
    problem: PlanningProblem, decided: Sequence[Sequence[PlanChange]]
) -> PlanningProblem:
    """The problem with every decision's changes applied, in the order decided."""
    return apply_changes(
        problem, [change for changes in decided for change in changes], path="decisions"
    )


async def _resolve(solver: SolverRunner, inputs: _Inputs) -> Solution:
    decided = [change for applied in inputs.applied for change in applied.changes]
    task = WarmTask(
        key=fingerprint(inputs.problem), changes=decided, finish=whole_solution, base=inputs.problem
    )
    try:
        return await solver.resolve_warm(task)
    except ValidationFailed as refused:
        failure = refused
    quick = inputs.problem.model_copy(
        update={"options": inputs.problem.options.model_copy(update={"compute_options": False})}
    )
    culprits = []
    for left_out in inputs.applied:
        others = [a for a in inputs.applied if a is not left_out]
        try:
            await solver.solve(with_decisions(quick, [a.changes for a in others]))
        except ValidationFailed:
            continue
        culprits.append(left_out)
    named = culprits or inputs.applied
    raise GateClosed(
        "decisions-feasible",
        "the decisions cannot hold together, no plan meets them all ("
        + failure.detail
        + "); without any one of these there is a plan: "
        + "; ".join(f"escalation item {a.escalation_id} ({a.title})" for a in named),
        extra={
            "conflicts": [
                {"escalation_ids": [a.escalation_id for a in named], "reason": failure.detail}
            ],
            "decision_ids": [a.decision_id for a in named],
        },
    )


def _record_authorisation(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected: int,
    inputs: _Inputs,
    solution: Solution,
) -> AuthorisationPublic:
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    recommended = _plan_before_executive(
        session, cycle=cycle, steps=queries.steps_of(session, cycle)
    )
    claim(session, cycle, expected, what=_what(cycle))
    plan = consensus.store_resolved(
        session,
        source=recommended,
        status=ConsensusStatus.authorised,
        solution=solution,
        problem=with_decisions(inputs.problem, [a.changes for a in inputs.applied]),
    )
    assert cycle.id is not None and plan.id is not None
    authorisation = Authorisation(
        cycle_id=cycle.id,
        recommended_plan_id=inputs.recommended_plan_id,
        plan_id=plan.id,
        decision_ids=inputs.decision_ids,
        authorised_by=principal.subject,
    )
    session.add(authorisation)
    session.flush()
    return authorisation_public(session, authorisation)


async def authorise_plan(
    *,
    run: SessionRunner,
    solver: SolverRunner,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
) -> AuthorisationPublic:
    """The recommended plan re-solved with every decision made so far: the authorised plan
    (see the module docstring). The approver's right."""
    authorize(principal, Action.approve_plan)
    expected = require_version(expected_version, what="an authorisation")
    inputs = await run(
        lambda session: _authorisation_inputs(session, cycle_id=cycle_id, expected=expected)
    )
    solution = await _resolve(solver, inputs)
    return await run(
        lambda session: _record_authorisation(
            session,
            principal=principal,
            cycle_id=cycle_id,
            expected=expected,
            inputs=inputs,
            solution=solution,
        )
    )
