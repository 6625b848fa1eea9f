"""An approved consensus plan is never edited: a change is a new version through the cycle.

One ``before_flush`` hook sees every ORM write of every session, so no endpoint (of the
cycle or any other gateway module) can change a published plan: its row, lines and
escalation items refuse any update, insert or delete with 409, except the one transition
the cycle makes when a newer plan is approved (approved -> superseded, nothing else). An
executive decision is a record the same way: once written, never changed or deleted.
"""

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession

from gateway.cycle.models import Decision
from gateway.cycle.problems import GateClosed
from gateway.plans.models import (
    ConsensusFamilyLine,
    ConsensusLine,
    ConsensusPlan,
    ConsensusResourceLine,
    ConsensusStatus,
    Escalation,
)

PUBLISHED = frozenset({ConsensusStatus.approved, ConsensusStatus.superseded})
PLAN_PARTS = (ConsensusLine, ConsensusFamilyLine, ConsensusResourceLine, Escalation)
GATE = "approved-plan-immutable"


def _committed(obj: Any, attribute: str) -> Any:
    """The attribute's value as stored, before this flush's change to it."""
    history = inspect(obj).attrs[attribute].history
    return history.deleted[0] if history.deleted else getattr(obj, attribute)


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def _refuse(plan_id: Any, status: str, what: str) -> GateClosed:
    return GateClosed(
        GATE,
        f"consensus plan {plan_id} is {status}: {what} is refused; a change is a new plan "
        "version through the next cycle",
        extra={"plan_id": plan_id, "plan_status": status},
    )


def _check_plan(plan: ConsensusPlan, *, deleted: bool) -> None:
    stored = _committed(plan, "status")
    if stored not in PUBLISHED:
        return
    if deleted:
        raise _refuse(plan.id, stored, "deleting it")
    superseding = (
        stored == ConsensusStatus.approved
        and plan.status == ConsensusStatus.superseded
        and _changed_columns(plan) == {"status"}
    )
    if not superseding:
        raise _refuse(plan.id, stored, f"changing {sorted(_changed_columns(plan))}")


def _stored_plan_status(session: OrmSession, plan_id: int) -> str | None:
    plan = session.get(ConsensusPlan, plan_id)
    if plan is None or plan in session.new:
        return None
    status: str = _committed(plan, "status")
    return status


@event.listens_for(OrmSession, "before_flush")
def _refuse_writes_to_records(session: OrmSession, _context: Any, _objects: Any) -> None:
    changes = [
        *((obj, "insert") for obj in session.new),
        *((obj, "update") for obj in session.dirty if session.is_modified(obj)),
        *((obj, "delete") for obj in session.deleted),
    ]
    with session.no_autoflush:
        for obj, action in changes:
            if isinstance(obj, Decision) and action != "insert":
                raise GateClosed(
                    "decision-recorded",
                    f"decision {obj.id} is a record: it is never changed or deleted",
                )
            if isinstance(obj, ConsensusPlan) and action != "insert":
                _check_plan(obj, deleted=action == "delete")
            elif isinstance(obj, PLAN_PARTS):
                # A part moved between plans touches both: the one it leaves and the one it joins.
                plan_ids = {obj.plan_id, _committed(obj, "plan_id")} - {None}
                for plan_id in plan_ids:
                    status = _stored_plan_status(session, plan_id)
                    if status in PUBLISHED:
                        raise _refuse(plan_id, status, f"{action} of its {obj.__tablename__} rows")
