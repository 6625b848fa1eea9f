"""The webhook events of the cycle's life beyond its decisions: steps completed (and late),
cycles closed, deviations raised. Subscribe to them at ``/webhooks``
(``gateway.tables.GatewayEvent`` lists all)."""

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from gateway.cycle.models import Cycle, CycleDeviation, CycleStatus, CycleStep, StepStatus
from gateway.cycle.rules import announce_late, days_late
from gateway.tables import WEBHOOKS, GatewayEvent
from shared.webhooks import emit

STEP_COMPLETED = GatewayEvent.step_completed
STEP_LATE = GatewayEvent.step_late
CYCLE_CLOSED = GatewayEvent.cycle_closed
DEVIATION_RAISED = GatewayEvent.deviation_raised


def _step_payload(cycle: Cycle, step: CycleStep, *, as_of: dt.date) -> dict[str, Any]:
    done_on = step.completed_at.date() if step.completed_at is not None else None
    return {
        "cycle_id": cycle.id,
        "period": cycle.period,
        "step": step.step,
        "owner_role": step.owner_role,
        "due_date": step.due_date.isoformat(),
        "completed_at": step.completed_at.isoformat() if step.completed_at else None,
        "completed_by": step.completed_by,
        "days_late": days_late(due=step.due_date, done_on=done_on, as_of=as_of),
    }


def _claim_late(session: Session, *, step: CycleStep, now: dt.datetime) -> bool:
    """Marks the step announced unless another gateway (or request) did first: a conditional
    update, so that of many gateways sweeping at once exactly one sends ``step.late``."""
    claimed = session.execute(
        update(CycleStep)
        .where(col(CycleStep.id) == step.id, col(CycleStep.late_announced_at).is_(None))
        .values(late_announced_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(step, ["late_announced_at"])
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def announce_completion(session: Session, *, cycle: Cycle, step: CycleStep) -> None:
    """``step.completed`` for every completed step; ``step.late`` as well when it completed
    after the day it was due and its lateness was not announced while it was open."""
    assert step.completed_at is not None
    payload = _step_payload(cycle, step, as_of=step.completed_at.date())
    emit(session, tables=WEBHOOKS, event=STEP_COMPLETED, payload=payload)
    late = announce_late(
        due=step.due_date,
        done_on=step.completed_at.date(),
        as_of=step.completed_at.date(),
        announced=step.late_announced_at is not None,
    )
    if late and _claim_late(session, step=step, now=step.completed_at):
        emit(session, tables=WEBHOOKS, event=STEP_LATE, payload=payload)


def announce_overdue(session: Session, *, now: dt.datetime) -> int:
    """``step.late`` for each step of an open cycle still not completed after its due day
    and not announced yet; how many were announced."""
    today = now.date()
    rows = session.exec(
        select(Cycle, CycleStep)
        .join(CycleStep, col(CycleStep.cycle_id) == col(Cycle.id))
        .where(
            col(Cycle.status) == CycleStatus.open,
            col(CycleStep.status) != StepStatus.completed,
            col(CycleStep.due_date) < today,
            col(CycleStep.late_announced_at).is_(None),
        )
        .order_by(col(CycleStep.id))
    ).all()
    announced = 0
    for cycle, step in rows:
        late = announce_late(due=step.due_date, done_on=None, as_of=today, announced=False)
        if late and _claim_late(session, step=step, now=now):
            emit(
                session,
                tables=WEBHOOKS,
                event=STEP_LATE,
                payload=_step_payload(cycle, step, as_of=today),
            )
            announced += 1
    return announced


def announce_closing(
    session: Session, *, closed: Cycle, opened: Cycle, rolled_plan: int | None
) -> None:
    """``cycle.closed``: the closed cycle, the one its closing opened, the rolled demand plan."""
    emit(
        session,
        tables=WEBHOOKS,
        event=CYCLE_CLOSED,
        payload={
            "cycle_id": closed.id,
            "period": closed.period,
            "approved_plan_id": closed.approved_plan_id,
            "closed_by": closed.closed_by,
            "next_cycle_id": opened.id,
            "next_period": opened.period,
            "rolled_demand_plan_id": rolled_plan,
        },
    )


def announce_deviations(session: Session, *, deviations: list[CycleDeviation]) -> None:
    """``deviation.raised`` for each deviation put on a cycle's agenda."""
    for deviation in deviations:
        emit(
            session,
            tables=WEBHOOKS,
            event=DEVIATION_RAISED,
            payload={
                "deviation_id": deviation.id,
                "cycle_id": deviation.cycle_id,
                "kind": deviation.kind,
                "subject_code": deviation.subject_code,
                "period": deviation.period,
                "plan_id": deviation.plan_id,
                "value": deviation.value,
                "limit": deviation.limit,
                "owner_role": deviation.owner_role,
                "detail": deviation.detail,
            },
        )
