"""Demand plans: versioned drafts that become immutable once locked.

A plan's version is assigned here (highest version + 1) and is unique in the table, so
two concurrent creations cannot share one. Each edit of a plan (its lines, its streams, its
lock) names the plan's revision it was based on (If-Match) and moves it on
(``shared.concurrency``): of two edits based on the same revision one wins, the other gets
409 with the current revision. Writes also take the plan row ``FOR UPDATE`` on PostgreSQL,
so a lock and a line load on the same plan are serialised.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.demand.families.models import Family
from services.demand.governance import PLAN_LOCKED, WEBHOOKS
from services.demand.segments.models import Segment
from services.demand.signoffs.models import PlanSignOff
from services.demand.signoffs.rules import missing_sign_offs
from shared import crud
from shared.auth import Principal, Role
from shared.concurrency import claim_version
from shared.contracts.demand import DemandPlanLinePublic, PlanStatus
from shared.crud import EntitySpec, Reference, UpsertSummary
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.periods import add_months, check_horizon_start, horizon
from shared.webhooks import emit

from .models import (
    DemandPlan,
    DemandPlanCreate,
    DemandPlanFilters,
    DemandPlanLine,
    DemandPlanLineBase,
    DemandPlanLineRow,
    PlanCellFilters,
    utc_now,
)

LINES = EntitySpec(
    table=DemandPlanLine,
    key=("plan_id", "family_code", "segment_code", "period"),
    label="demand plan line",
    references=(Reference("family_code", Family), Reference("segment_code", Segment)),
)


def create_plan(session: Session, *, data: DemandPlanCreate) -> DemandPlan:
    """A new draft with the next version; its horizon start (``shared.periods`` rule) and
    its optional lines are validated first."""
    check_horizon_start(start=data.horizon_start, today=dt.date.today(), field="body.horizon_start")
    highest = session.exec(select(func.max(DemandPlan.version))).one()
    plan = DemandPlan(
        name=data.name,
        horizon_start=data.horizon_start,
        horizon_months=data.horizon_months,
        note=data.note,
        version=(highest or 0) + 1,
    )
    # Validate before anything is added, so a refused plan leaves no trace.
    validate_lines(session, plan=plan, lines=data.lines, location="body.lines")
    session.add(plan)
    session.flush()
    if data.lines:
        write_lines(session, plan=plan, lines=data.lines, location="body.lines")
    return plan


def plans_query(filters: DemandPlanFilters) -> SelectOfScalar[DemandPlan]:
    query = select(DemandPlan)
    if filters.status is not None:
        query = query.where(col(DemandPlan.status) == filters.status)
    return query.order_by(col(DemandPlan.version))


def get_plan(session: Session, *, plan_id: int, for_update: bool = False) -> DemandPlan:
    plan = session.get(DemandPlan, plan_id, with_for_update=for_update)
    if plan is None:
        raise NotFound(f"no demand plan with id {plan_id}", field="path.id")
    return plan


def latest_plan(session: Session) -> DemandPlan:
    """The highest locked version, else the highest draft: the plan downstream should use."""
    for status in (PlanStatus.locked, PlanStatus.draft):
        plan = session.exec(
            select(DemandPlan)
            .where(col(DemandPlan.status) == status)
            .order_by(col(DemandPlan.version).desc())
            .limit(1)
        ).first()
        if plan is not None:
            return plan
    raise NotFound("there is no demand plan yet")


def writable_plan(session: Session, *, plan_id: int, revision: int | None) -> DemandPlan:
    """The plan, locked for this transaction and claimed for an edit (see ``edit``)."""
    plan = get_plan(session, plan_id=plan_id, for_update=True)
    edit(session, plan=plan, revision=revision)
    return plan


def edit(session: Session, *, plan: DemandPlan, revision: int | None) -> None:
    """Claim a draft for an edit based on ``revision``: 409 with the current revision when it
    is stale, 409 when the plan is locked, 428 without a revision."""
    claim_version(
        session,
        plan,
        revision,
        what=f"demand plan {plan.id}",
        column="revision",
        writable=lambda: _ensure_unlocked(plan),
    )


def _ensure_unlocked(plan: DemandPlan) -> None:
    if plan.status == PlanStatus.locked:
        raise Conflict(
            f"demand plan {plan.id} (version {plan.version}) is locked and cannot change; "
            "draft a new version instead",
            field="path.id",
            extra={"plan_id": plan.id, "version": plan.version, "status": plan.status},
        )


def horizon_errors(
    *, plan: DemandPlan, periods: Sequence[str | None], location: str, field: str = "period"
) -> list[FieldError]:
    """One error per period (by position; None is skipped) outside the plan's horizon."""
    allowed = set(horizon(plan.horizon_start, plan.horizon_months))
    last = add_months(plan.horizon_start, plan.horizon_months - 1)
    return [
        FieldError(
            field=f"{location}.{index}.{field}",
            reason=f"period {period} is outside the plan horizon {plan.horizon_start}..{last}",
        )
        for index, period in enumerate(periods)
        if period is not None and period not in allowed
    ]


def validate_lines(
    session: Session,
    *,
    plan: DemandPlan,
    lines: Sequence[DemandPlanLineBase],
    location: str,
) -> None:
    """One 422 listing every line outside the horizon or naming an unknown family/segment."""
    errors = horizon_errors(plan=plan, periods=[line.period for line in lines], location=location)
    try:
        crud.check_references(session, references=LINES.references, items=lines, location=location)
    except ValidationFailed as refused:
        errors.extend(refused.errors)
    if errors:
        errors.sort(key=lambda error: _position(error.field, location))
        raise ValidationFailed(f"{len(errors)} plan line field(s) are invalid", errors=errors)


def write_lines(
    session: Session,
    *,
    plan: DemandPlan,
    lines: Sequence[DemandPlanLineBase],
    location: str = "body",
) -> UpsertSummary:
    """Upsert validated lines of a plan by (family, segment, period)."""
    assert plan.id is not None
    fields = set(DemandPlanLineBase.model_fields)
    # The lines are validated already (their request model) and the plan's id is its own:
    # built without validating each again (72,000 lines of a large plan).
    rows = [
        DemandPlanLineRow.model_construct(plan_id=plan.id, **line.model_dump(include=fields))
        for line in lines
    ]
    return crud.upsert_many(session, spec=LINES, items=rows, location=location)


def upsert_lines(
    session: Session, *, plan_id: int, revision: int | None, lines: Sequence[DemandPlanLineBase]
) -> UpsertSummary:
    """Bulk upsert of a draft plan's lines: the whole batch is checked before any write."""
    plan = writable_plan(session, plan_id=plan_id, revision=revision)
    if plan.built_from_streams:
        raise Conflict(
            f"the lines of demand plan {plan_id} are the consensus of its demand streams; "
            "post a demand planner adjustment instead of writing lines",
            field="path.id",
            extra={"plan_id": plan_id},
        )
    validate_lines(session, plan=plan, lines=lines, location="body")
    return write_lines(session, plan=plan, lines=lines)


def require_stream_plan(session: Session, *, plan: DemandPlan) -> None:
    """Streams own the lines of the plan they build; a plan loaded line by line takes none."""
    assert plan.id is not None
    if not plan.built_from_streams and count_lines(session, plan_id=plan.id) > 0:
        raise Conflict(
            f"the lines of demand plan {plan.id} were loaded directly; draft a new plan to "
            "build one from demand streams",
            field="path.id",
            extra={"plan_id": plan.id},
        )


def lines_query(*, plan_id: int, filters: PlanCellFilters) -> SelectOfScalar[DemandPlanLine]:
    return crud.filtered(LINES, filters).where(col(DemandPlanLine.plan_id) == plan_id)


LINE_FIELDS = tuple(DemandPlanLinePublic.model_fields)


def line_rows(session: Session, *, plan_id: int, filters: PlanCellFilters) -> list[tuple[Any, ...]]:
    """A plan's lines as plain rows of ``LINE_FIELDS`` (no ORM objects), in family,
    segment, period order: what an export streams."""
    columns = [col(getattr(DemandPlanLine, name)) for name in LINE_FIELDS]
    query = lines_query(plan_id=plan_id, filters=filters).with_only_columns(*columns)
    return [tuple(row) for row in session.connection().execute(query)]


def count_lines(session: Session, *, plan_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(DemandPlanLine)
        .where(col(DemandPlanLine.plan_id) == plan_id)
    ).one()


def lock_plan(
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    principal: Principal,
    sign_off_roles: Sequence[Role],
) -> DemandPlan:
    """Lock a draft for good (409 when it is already locked or not signed off by every role
    of ``sign_off_roles``, 422 when it has no lines) and announce it: ``demand_plan.locked``
    closes the demand review for the supply review."""
    plan = writable_plan(session, plan_id=plan_id, revision=revision)
    if count_lines(session, plan_id=plan_id) == 0:
        raise ValidationFailed(
            f"demand plan {plan_id} has no lines; an empty plan cannot be locked",
            field="path.id",
        )
    # The revision signed is the one read (If-Match), which the claim above moved on.
    signed = session.exec(
        select(PlanSignOff.role, PlanSignOff.plan_revision).where(
            col(PlanSignOff.plan_id) == plan_id
        )
    ).all()
    missing = missing_sign_offs(
        required=sign_off_roles,
        signed=[(Role(role), signed_revision) for role, signed_revision in signed],
        revision=plan.revision - 1,
    )
    if missing:
        names = ", ".join(role.value for role in missing)
        raise Conflict(
            f"demand plan {plan_id} revision {plan.revision - 1} is not signed off by {names};"
            " they sign it (POST /demand-plans/{id}/sign-offs) or the process owner overrides"
            " with a reason (POST /demand-plans/{id}/sign-offs/override)",
            field="path.id",
            extra={"missing": [role.value for role in missing]},
        )
    plan.status = PlanStatus.locked
    plan.locked_at = utc_now()
    session.add(plan)
    session.flush()
    emit(
        session,
        tables=WEBHOOKS,
        event=PLAN_LOCKED,
        payload={
            "plan_id": plan_id,
            "version": plan.version,
            "name": plan.name,
            "horizon_start": plan.horizon_start,
            "horizon_months": plan.horizon_months,
            "horizon_end": add_months(plan.horizon_start, plan.horizon_months - 1),
            "locked_at": plan.locked_at.isoformat(),
            "locked_by": principal.subject,
        },
    )
    return plan


def _position(field: str, location: str) -> int:
    index = field.removeprefix(f"{location}.").split(".", 1)[0]
    return int(index) if index.isdigit() else -1
