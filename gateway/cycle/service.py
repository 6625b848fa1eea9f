"""The S&OP cycle: gated steps, decision rights, executive decisions, approval, carry-over.

Every write names the caller (its rights are checked here, so REST and GraphQL enforce the
same ones) and the cycle version it read (428 without, 409 when stale). Each write first
checks the gates on what it read, then ``claim``s the version, then writes: what the
gates saw is what the write changes. Functions only flush; the caller's transaction
commits.
"""

import datetime as dt
from itertools import pairwise
from typing import Any

from sqlmodel import Session, col, select

from gateway.cycle import queries
from gateway.cycle.authorised import plan_to_publish
from gateway.cycle.concurrency import check_version, claim, require_version
from gateway.cycle.events import announce_completion
from gateway.cycle.models import (
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    ApprovalRequest,
    CalendarEdit,
    Cycle,
    CycleCreate,
    CycleDeviation,
    CyclePublic,
    CycleStatus,
    CycleStep,
    Decision,
    DeviationFound,
    StepCompletion,
    StepStatus,
    utc_now,
)
from gateway.cycle.problems import GateClosed
from gateway.cycle.raci import (
    ACTION_ITEM_STEWARD,
    COMPLETE_STEP,
    STEP_OWNERS,
    STEPS,
    Action,
    StepName,
    authorize,
)
from gateway.cycle.readiness_gate import data_gathering_outputs, with_override_noted
from gateway.cycle.runner import SessionRunner
from gateway.cycle.settings import CycleSettings
from gateway.cycle.sources import PlanSources
from gateway.cycle.supply_gate import check_escalations, check_resolutions
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlan, ConsensusStatus
from gateway.tables import WEBHOOKS, GatewayEvent
from shared.auth import Principal, Role
from shared.contracts.demand import PlanStatus
from shared.contracts.supply import SupplyPlanStatus
from shared.errors import FieldError, Forbidden, ValidationFailed
from shared.periods import add_months
from shared.webhooks import emit

# Events the cycle emits (shared.webhooks): subscribe to them at /webhooks.
CONSENSUS_RECOMMENDED = GatewayEvent.consensus_recommended
ESCALATION_DECIDED = GatewayEvent.escalation_decided
PLAN_APPROVED = GatewayEvent.plan_approved

# What completing each step records, and which of them it cannot do without.
STEP_OUTPUT_FIELDS: dict[StepName, tuple[str, ...]] = {
    StepName.data_gathering: ("data_quality_report", "readiness_override"),
    StepName.demand_review: ("demand_plan_id",),
    StepName.supply_review: ("supply_plan_id", "resolutions"),
    StepName.pre_sop: ("consensus_plan_id",),
}
STEP_REQUIRED_FIELDS: dict[StepName, tuple[str, ...]] = {
    StepName.data_gathering: ("data_quality_report",),
    StepName.demand_review: ("demand_plan_id",),
    StepName.supply_review: (),
    StepName.pre_sop: ("consensus_plan_id",),
}


# --- opening and the calendar -------------------------------------------------------------


def _check_calendar(due_dates: dict[StepName, dt.date], *, location: str) -> None:
    errors = [
        FieldError(
            field=f"{location}.{later}",
            reason=f"due {due_dates[later]}, before {earlier} (due {due_dates[earlier]})",
        )
        for earlier, later in pairwise(STEPS)
        if due_dates[later] < due_dates[earlier]
    ]
    if errors:
        raise ValidationFailed("a step cannot be due before the step it follows", errors=errors)


def _open(
    session: Session,
    *,
    period: str,
    horizon_start: str,
    horizon_months: int,
    due_dates: dict[StepName, dt.date],
    opened_by: str,
    previous_cycle_id: int | None,
) -> Cycle:
    cycle = Cycle(
        period=period,
        horizon_start=horizon_start,
        horizon_months=horizon_months,
        opened_by=opened_by,
        previous_cycle_id=previous_cycle_id,
    )
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    session.add_all(
        CycleStep(
            cycle_id=cycle.id,
            step=step,
            position=position,
            owner_role=STEP_OWNERS[step],
            due_date=due_dates[step],
            status=StepStatus.in_progress if position == 1 else StepStatus.pending,
        )
        for position, step in enumerate(STEPS, start=1)
    )
    session.flush()
    return cycle


def open_first_cycle(
    session: Session, *, principal: Principal, data: CycleCreate, settings: CycleSettings
) -> Cycle:
    """Open a cycle when none is open (later cycles open as the previous one closes)."""
    authorize(principal, Action.open_cycle)
    running = queries.open_cycle(session)
    if running is not None:
        raise GateClosed(
            "one-open-cycle",
            f"cycle {running.period} is open; closing it opens the next month's cycle",
            extra={"open_cycle_id": running.id},
        )
    due_dates = {**settings.due_dates(data.period), **(data.due_dates or {})}
    _check_calendar(due_dates, location="body.due_dates")
    return _open(
        session,
        period=data.period,
        horizon_start=data.horizon_start or add_months(data.period, settings.horizon_lead_months),
        horizon_months=data.horizon_months or settings.horizon_months,
        due_dates=due_dates,
        opened_by=principal.subject,
        previous_cycle_id=None,
    )


def _what(cycle: Cycle) -> str:
    return f"cycle {cycle.period} (id {cycle.id})"


def _cycle_for_write(session: Session, *, cycle_id: int, expected: int) -> Cycle:
    cycle = queries.get_cycle(session, cycle_id=cycle_id)
    check_version(cycle, expected, what=_what(cycle))
    # The audit trail files what this write changes under its cycle (shared.audit).
    session.info["audit_cycle"] = cycle.period
    if cycle.status != CycleStatus.open:
        raise GateClosed("cycle-open", f"{_what(cycle)} is closed; its record is final")
    return cycle


def edit_calendar(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    data: CalendarEdit,
    location: str = "body",
) -> Cycle:
    """Move the due dates of steps not yet completed."""
    authorize(principal, Action.edit_calendar)
    expected = require_version(expected_version, what="the calendar")
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    steps = queries.steps_of(session, cycle)
    completed = [
        FieldError(
            field=f"{location}.due_dates.{step}",
            reason=f"{step} was completed on {steps[step].completed_at}; its due date is history",
        )
        for step in data.due_dates
        if steps[step].status == StepStatus.completed
    ]
    if completed:
        raise GateClosed("step-open", "a completed step's due date cannot move", errors=completed)
    due_dates = {step: data.due_dates.get(step, row.due_date) for step, row in steps.items()}
    _check_calendar(due_dates, location=f"{location}.due_dates")
    claim(session, cycle, expected, what=_what(cycle))
    for step, due in data.due_dates.items():
        steps[step].due_date = due
        session.add(steps[step])
    session.flush()
    return cycle


# --- completing steps ---------------------------------------------------------------------


def _check_step_fields(step: StepName, data: StepCompletion, *, location: str) -> None:
    errors = [
        FieldError(field=f"{location}.{name}", reason=f"required to complete {step}")
        for name in STEP_REQUIRED_FIELDS[step]
        if getattr(data, name) is None
    ] + [
        FieldError(field=f"{location}.{name}", reason=f"not an output of {step}")
        for outputs in STEP_OUTPUT_FIELDS.values()
        for name in outputs
        if name not in STEP_OUTPUT_FIELDS[step] and getattr(data, name) is not None
    ]
    if errors:
        raise ValidationFailed(f"completing {step} records its own outputs", errors=errors)


def _check_can_complete(steps: dict[StepName, CycleStep], step: StepName) -> None:
    row = steps[step]
    if row.status == StepStatus.completed:
        raise GateClosed(
            "step-open", f"{step} was completed on {row.completed_at} by {row.completed_by}"
        )
    position = STEPS.index(step)
    if position > 0 and steps[STEPS[position - 1]].status != StepStatus.completed:
        raise GateClosed(
            "previous-step-completed",
            f"{step} cannot complete before {STEPS[position - 1]} has",
            extra={"previous_step": STEPS[position - 1]},
        )


def _prepare_completion(session: Session, *, cycle_id: int, step: StepName, expected: int) -> Cycle:
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    _check_can_complete(queries.steps_of(session, cycle), step)
    return cycle


async def _verify_outputs(
    sources: PlanSources, *, cycle: Cycle, step: StepName, data: StepCompletion, location: str
) -> dict[str, Any]:
    """The references a step records, read from the services that own them."""
    if step is StepName.demand_review:
        assert data.demand_plan_id is not None
        plan = await sources.demand_plan(data.demand_plan_id)
        if plan is None:
            raise ValidationFailed(
                f"the demand service has no demand plan {data.demand_plan_id}",
                field=f"{location}.demand_plan_id",
            )
        if plan.status != PlanStatus.locked:
            raise GateClosed(
                "demand-plan-locked",
                f"demand review ends with a locked demand plan; plan {plan.id} is {plan.status}",
            )
        if plan.horizon_start != cycle.horizon_start:
            raise GateClosed(
                "demand-plan-horizon",
                f"demand plan {plan.id} starts in {plan.horizon_start}; the cycle of "
                f"{cycle.period} plans from {cycle.horizon_start}",
            )
        return {"demand_plan_id": plan.id, "demand_plan_version": plan.version}
    if step is StepName.supply_review:
        demand = await sources.demand_plan(cycle.demand_plan_id) if cycle.demand_plan_id else None
        if demand is None or demand.status != PlanStatus.locked:
            state = "missing" if demand is None else str(demand.status)
            raise GateClosed(
                "demand-plan-locked",
                f"supply review needs the cycle's locked demand plan; demand plan "
                f"{cycle.demand_plan_id} is {state}",
            )
        if data.supply_plan_id is None:
            if data.resolutions:
                raise ValidationFailed(
                    "resolutions need the supply_plan_id whose infeasible lines they resolve",
                    field=f"{location}.resolutions",
                )
            return {}
        supply = await sources.supply_plan(data.supply_plan_id)
        if supply is None:
            raise ValidationFailed(
                f"the supply service has no supply plan {data.supply_plan_id}",
                field=f"{location}.supply_plan_id",
            )
        if supply.status != SupplyPlanStatus.proposed:
            raise GateClosed(
                "supply-plan-proposed",
                f"supply review records a proposed supply plan; plan {supply.id} is "
                f"{supply.status}",
            )
        if supply.demand_plan_id not in (None, cycle.demand_plan_id):
            raise GateClosed(
                "supply-plan-answers-demand-plan",
                f"supply plan {supply.id} answers demand plan {supply.demand_plan_id}, not the "
                f"cycle's demand plan {cycle.demand_plan_id}",
            )
        await check_resolutions(
            sources,
            supply_plan_id=supply.id,
            resolutions=data.resolutions or [],
            location=location,
        )
        return {"supply_plan_id": supply.id, "supply_plan_version": supply.version}
    if step is StepName.data_gathering:
        return await data_gathering_outputs(sources, cycle=cycle, data=data)
    return {}


def _recommendable_plan(
    session: Session, *, cycle: Cycle, plan_id: int, location: str
) -> ConsensusPlan:
    plan = session.get(ConsensusPlan, plan_id)
    if plan is None:
        raise ValidationFailed(
            f"no consensus plan {plan_id}: POST /reconcile makes one",
            field=f"{location}.consensus_plan_id",
        )
    if plan.status != ConsensusStatus.recommended:
        raise GateClosed(
            "consensus-plan-recommended",
            f"consensus plan {plan_id} is {plan.status}; pre-S&OP records a recommended plan",
        )
    if plan.demand_plan_id != cycle.demand_plan_id:
        raise GateClosed(
            "consensus-plan-reconciles-cycle-demand-plan",
            f"consensus plan {plan_id} reconciles demand plan {plan.demand_plan_id}; the "
            f"cycle's locked demand plan is {cycle.demand_plan_id}",
        )
    return plan


def _record_completion(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    step: StepName,
    expected: int,
    data: StepCompletion,
    outputs: dict[str, Any],
    location: str,
) -> CyclePublic:
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    steps = queries.steps_of(session, cycle)
    _check_can_complete(steps, step)
    plan = None
    if step is StepName.pre_sop:
        assert data.consensus_plan_id is not None
        plan = _recommendable_plan(
            session, cycle=cycle, plan_id=data.consensus_plan_id, location=location
        )
        outputs = {"recommended_plan_id": plan.id, "recommended_plan_version": plan.version}
    claim(session, cycle, expected, what=_what(cycle))
    for name, value in outputs.items():
        setattr(cycle, name, value)
    row = steps[step]
    row.status = StepStatus.completed
    row.completed_at = utc_now()
    row.completed_by = principal.subject
    row.note = data.note
    if data.resolutions:
        check_escalations(session, resolutions=data.resolutions, location=location)
        row.resolutions = [r.model_dump(mode="json") for r in data.resolutions]
    following = steps[STEPS[STEPS.index(step) + 1]]
    following.status = StepStatus.in_progress
    session.add_all([cycle, row, following])
    session.flush()
    announce_completion(session, cycle=cycle, step=row)
    if plan is not None:
        emit(
            session,
            tables=WEBHOOKS,
            event=CONSENSUS_RECOMMENDED,
            payload={
                "cycle_id": cycle.id,
                "period": cycle.period,
                "plan_id": plan.id,
                "plan_version": plan.version,
                "demand_plan_id": plan.demand_plan_id,
                "escalation_count": plan.escalation_count,
                "recommended_by": principal.subject,
            },
        )
    return queries.cycle_public(session, cycle)


async def complete_step(
    *,
    run: SessionRunner,
    sources: PlanSources,
    principal: Principal,
    cycle_id: int,
    step: StepName,
    expected_version: int | None,
    data: StepCompletion,
    location: str = "body",
) -> CyclePublic:
    """Complete a step (its owner only), recording its outputs after checking them where
    they live: demand review and supply review need a demand plan the demand service says
    is locked; pre-S&OP needs a recommended consensus plan of that demand plan."""
    if step is StepName.executive_sop:
        raise GateClosed(
            "executive-step-by-approval",
            "the executive S&OP step completes by approving the recommended plan",
        )
    authorize(principal, COMPLETE_STEP[step])
    expected = require_version(expected_version, what="a cycle step")
    _check_step_fields(step, data, location=location)
    cycle = await run(
        lambda session: _prepare_completion(
            session, cycle_id=cycle_id, step=step, expected=expected
        )
    )
    outputs = await _verify_outputs(sources, cycle=cycle, step=step, data=data, location=location)
    data = with_override_noted(data)
    return await run(
        lambda session: _record_completion(
            session,
            principal=principal,
            cycle_id=cycle_id,
            step=step,
            expected=expected,
            data=data,
            outputs=outputs,
            location=location,
        )
    )


# --- the executive step -------------------------------------------------------------------


def _plan_before_executive(
    session: Session, *, cycle: Cycle, steps: dict[StepName, CycleStep]
) -> ConsensusPlan:
    """The cycle's recommended plan, while the executive step is open."""
    if steps[StepName.pre_sop].status != StepStatus.completed or cycle.recommended_plan_id is None:
        raise GateClosed(
            "recommended-plan",
            "the executive step needs the recommended plan pre-S&OP records; pre-S&OP is "
            f"{steps[StepName.pre_sop].status}",
        )
    if steps[StepName.executive_sop].status == StepStatus.completed:
        raise GateClosed("step-open", f"the executive step of {_what(cycle)} is completed")
    return consensus.get_plan(session, plan_id=cycle.recommended_plan_id)


def approve_plan(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    data: ApprovalRequest,
) -> Cycle:
    """Publish the cycle's plan once every escalation item is decided: the authorised plan
    when decisions change the recommended one (``gateway.cycle.authorised``), else the
    recommended plan. It becomes the current plan, immutable; the plan approved before it
    is superseded."""
    authorize(principal, Action.approve_plan)
    expected = require_version(expected_version, what="an approval")
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    steps = queries.steps_of(session, cycle)
    plan = _plan_before_executive(session, cycle=cycle, steps=steps)
    if plan.status != ConsensusStatus.recommended:
        raise GateClosed("consensus-plan-recommended", f"consensus plan {plan.id} is {plan.status}")
    decided = set(
        session.exec(select(Decision.escalation_id).where(col(Decision.plan_id) == plan.id))
    )
    assert plan.id is not None
    undecided = [
        item
        for item in consensus.escalations(session, plan_ids=[plan.id])
        if item.id not in decided
    ]
    if undecided:
        raise GateClosed(
            "escalations-decided",
            f"{len(undecided)} escalation item(s) of consensus plan {plan.id} are undecided",
            errors=[
                FieldError(field=f"escalations.{item.id}", reason=f"undecided: {item.title}")
                for item in undecided
            ],
            extra={"undecided": [item.id for item in undecided]},
        )
    plan = plan_to_publish(session, cycle=cycle, recommended=plan)
    claim(session, cycle, expected, what=_what(cycle))
    superseded = session.exec(
        select(ConsensusPlan).where(col(ConsensusPlan.status) == ConsensusStatus.approved)
    ).all()
    for previous in superseded:
        previous.status = ConsensusStatus.superseded
        session.add(previous)
    plan.status = ConsensusStatus.approved
    assert plan.id is not None  # a stored plan
    consensus.freeze_money(session, plan_id=plan.id)
    cycle.approved_plan_id = plan.id
    cycle.approved_plan_version = plan.version
    executive = steps[StepName.executive_sop]
    executive.status = StepStatus.completed
    executive.completed_at = utc_now()
    executive.completed_by = principal.subject
    executive.note = data.note
    session.add_all([plan, cycle, executive])
    session.flush()
    announce_completion(session, cycle=cycle, step=executive)
    emit(
        session,
        tables=WEBHOOKS,
        event=PLAN_APPROVED,
        payload={
            "cycle_id": cycle.id,
            "period": cycle.period,
            "plan_id": plan.id,
            "plan_version": plan.version,
            "superseded_plan_ids": [previous.id for previous in superseded],
            "approved_by": principal.subject,
        },
    )
    return cycle


def closable_cycle(session: Session, *, cycle_id: int, expected: int) -> Cycle:
    """The open cycle at version ``expected``, once its executive S&OP has approved the plan."""
    cycle = _cycle_for_write(session, cycle_id=cycle_id, expected=expected)
    executive = queries.steps_of(session, cycle)[StepName.executive_sop]
    if executive.status != StepStatus.completed:
        raise GateClosed(
            "executive-step-completed",
            f"{_what(cycle)} closes once its executive S&OP has approved the plan",
        )
    return cycle


def close_cycle(
    session: Session,
    *,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    settings: CycleSettings,
) -> tuple[Cycle, Cycle]:
    """Close a cycle whose plan is approved; the next month's cycle opens, its horizon
    rolled forward one month."""
    authorize(principal, Action.close_cycle)
    expected = require_version(expected_version, what="a cycle")
    cycle = closable_cycle(session, cycle_id=cycle_id, expected=expected)
    claim(session, cycle, expected, what=_what(cycle))
    cycle.status = CycleStatus.closed
    cycle.open_marker = None
    cycle.closed_at = utc_now()
    cycle.closed_by = principal.subject
    session.add(cycle)
    session.flush()
    period = add_months(cycle.period, 1)
    following = _open(
        session,
        period=period,
        horizon_start=add_months(cycle.horizon_start, 1),
        horizon_months=cycle.horizon_months,
        due_dates=settings.due_dates(period),
        opened_by=principal.subject,
        previous_cycle_id=cycle.id,
    )
    return cycle, following


def record_deviations(
    session: Session, *, cycle_id: int, found: list[DeviationFound]
) -> list[CycleDeviation]:
    """Put deviations on a cycle's agenda (the one the closing of their month opened)."""
    rows = [
        CycleDeviation(cycle_id=cycle_id, **deviation.model_dump(mode="json"))
        for deviation in found
    ]
    session.add_all(rows)
    session.flush()
    return rows


# --- action items -------------------------------------------------------------------------


def update_action_item(
    session: Session,
    *,
    principal: Principal,
    item_id: int,
    expected_version: int | None,
    data: ActionItemUpdate,
) -> ActionItem:
    """Progress an action item: by its owner (role or user) or the process owner."""
    item = queries.get_action_item(session, item_id=item_id)
    owners = {ACTION_ITEM_STEWARD} | ({Role(item.owner_role)} if item.owner_role else set())
    if principal.subject != item.owner_user and not principal.has_any(owners):
        raise Forbidden(
            f"action item {item_id} is updated by its owner ({item.owner_role or ''} "
            f"{item.owner_user or ''}) or the process owner"
        )
    expected = require_version(expected_version, what="an action item")
    check_version(item, expected, what=f"action item {item_id}")
    if item.status == ActionItemStatus.done:
        raise GateClosed("action-item-open", f"action item {item_id} is done; done is final")
    claim(session, item, expected, what=f"action item {item_id}")
    now = utc_now()
    if data.status is not None:
        item.status = data.status
        if data.status is ActionItemStatus.done:
            item.done_at = now
    if data.note is not None:
        item.note = data.note
    item.updated_at = now
    session.add(item)
    session.flush()
    return item
