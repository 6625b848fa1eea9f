"""Sign-offs of demand plans: recorded per role and revision, checked before the lock."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from services.demand.plans.service import get_plan
from shared.auth import Principal, Role
from shared.concurrency import check_version, require_version
from shared.contracts.demand import PlanStatus
from shared.errors import Conflict, Forbidden

from .models import PlanSignOff, SignOffPublic, SignOffStatus
from .rules import missing_sign_offs

__all__ = ["override", "sign_off", "sign_off_status"]


def _sign_offs(session: Session, *, plan_id: int) -> list[PlanSignOff]:
    return list(
        session.exec(
            select(PlanSignOff)
            .where(col(PlanSignOff.plan_id) == plan_id)
            .order_by(col(PlanSignOff.signed_at), col(PlanSignOff.id))
        )
    )


def sign_off_status(session: Session, *, plan_id: int, required: Sequence[Role]) -> SignOffStatus:
    """Who signed which revision of the plan, and which required roles still must."""
    plan = get_plan(session, plan_id=plan_id)
    rows = _sign_offs(session, plan_id=plan_id)
    signed = [(Role(row.role), row.plan_revision) for row in rows]
    # The lock applies the same rule (services.demand.plans.service.lock_plan).
    return SignOffStatus(
        plan_id=plan_id,
        revision=plan.revision,
        required=list(required),
        missing=missing_sign_offs(required=required, signed=signed, revision=plan.revision),
        overridden=(Role.process_owner, plan.revision) in signed,
        sign_offs=[
            SignOffPublic(
                role=Role(row.role),
                plan_revision=row.plan_revision,
                signed_by=row.signed_by,
                signed_at=row.signed_at,
                comment=row.comment,
                current=row.plan_revision == plan.revision,
            )
            for row in rows
        ],
    )


def _record(
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    roles: Sequence[Role],
    principal: Principal,
    comment: str | None,
) -> None:
    """``roles``' sign-offs of the plan's current revision, which the caller names in
    If-Match (428 without it, 409 when stale, 409 when the plan is locked)."""
    plan = get_plan(session, plan_id=plan_id, for_update=True)
    if revision is not None:
        check_version(plan, revision, what=f"demand plan {plan_id}", column="revision")
    if plan.status == PlanStatus.locked:
        raise Conflict(f"demand plan {plan_id} is locked: nothing left to sign", field="path.id")
    current = require_version(revision, what=f"demand plan {plan_id}", column="revision")
    existing = {row.role: row for row in _sign_offs(session, plan_id=plan_id)}
    for role in roles:
        row = existing.get(role.value) or PlanSignOff(
            plan_id=plan_id, role=role.value, plan_revision=current, signed_by=principal.subject
        )
        row.plan_revision = current
        row.signed_by = principal.subject
        row.comment = comment
        session.add(row)
    session.flush()


def sign_off(
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    principal: Principal,
    required: Sequence[Role],
    comment: str | None,
) -> SignOffStatus:
    """The caller signs the revision they read for every owning role they hold (403 when
    they hold none)."""
    roles = [role for role in required if role in principal.roles]
    if not roles:
        owners = ", ".join(role.value for role in required) or "no role (sign-off is off)"
        raise Forbidden(f"signing off a demand plan is for {owners}")
    _record(
        session,
        plan_id=plan_id,
        revision=revision,
        roles=roles,
        principal=principal,
        comment=comment,
    )
    return sign_off_status(session, plan_id=plan_id, required=required)


def override(
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    principal: Principal,
    required: Sequence[Role],
    reason: str,
) -> SignOffStatus:
    """The process owner lets the revision be locked without the missing sign-offs."""
    if Role.process_owner not in principal.roles:
        raise Forbidden("overriding demand sign-offs is for the process owner")
    _record(
        session,
        plan_id=plan_id,
        revision=revision,
        roles=[Role.process_owner],
        principal=principal,
        comment=reason,
    )
    return sign_off_status(session, plan_id=plan_id, required=required)
