"""The webhook events of the cycle's life beyond its decisions: steps completed (and late),
cycles closed, deviations raised. Subscribe to them at ``/webhooks``
(``gateway.tables.GatewayEvent`` lists all)."""

from sqlmodel import Session

from gateway.cycle.models import Cycle, CycleDeviation, CycleStep
from gateway.tables import WEBHOOKS, GatewayEvent
from shared.webhooks import emit

STEP_COMPLETED = GatewayEvent.step_completed
STEP_LATE = GatewayEvent.step_late
CYCLE_CLOSED = GatewayEvent.cycle_closed
DEVIATION_RAISED = GatewayEvent.deviation_raised


def announce_completion(session: Session, *, cycle: Cycle, step: CycleStep) -> None:
    """``step.completed`` for every completed step; ``step.late`` as well when it completed
    after the day it was due (a step due on the 10th is on time all of the 10th, UTC)."""
    assert step.completed_at is not None
    completed_on = step.completed_at.date()
    payload = {
        "cycle_id": cycle.id,
        "period": cycle.period,
        "step": step.step,
        "owner_role": step.owner_role,
        "due_date": step.due_date.isoformat(),
        "completed_at": step.completed_at.isoformat(),
        "completed_by": step.completed_by,
        "days_late": max(0, (completed_on - step.due_date).days),
    }
    emit(session, tables=WEBHOOKS, event=STEP_COMPLETED, payload=payload)
    if completed_on > step.due_date:
        emit(session, tables=WEBHOOKS, event=STEP_LATE, payload=payload)


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
