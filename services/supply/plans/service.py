"""Operations' supply plans: versioned proposals, frozen once proposed.

Each edit of a draft (its lines, its proposal) names the plan's revision it was based on
(If-Match) and moves it on (``shared.concurrency``): of two edits based on the same revision
one wins, the other gets 409 with the current revision.
"""

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from services.supply.inventory.models import InventoryPolicy
from services.supply.inventory.service import family_safety_stock, load_policies
from services.supply.rccp.service import SupplyData, capacity_hours, load_supply_data
from shared import crud
from shared.concurrency import claim_version
from shared.contracts.supply import (
    DemandLineIn,
    SupplyPlanDraftRequest,
    SupplyPlanKpis,
    SupplyPlanStatus,
    SupplyPlanValidation,
)
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.periods import add_months, check_horizon_start, horizon

from .evaluation import plan_kpis, production_lines, validate_plan
from .models import (
    SupplyPlan,
    SupplyPlanCreate,
    SupplyPlanLine,
    SupplyPlanLineIn,
    SupplyPlanLineRow,
)
from .strategies import draft_lines

SUPPLY_PLAN_LINES = crud.EntitySpec(
    table=SupplyPlanLine, key=("plan_id", "family_code", "period"), label="supply plan line"
)


def get_plan(session: Session, *, plan_id: int, for_update: bool = False) -> SupplyPlan:
    plan = session.get(SupplyPlan, plan_id, with_for_update=for_update)
    if plan is None:
        raise NotFound(f"no supply plan with id {plan_id}")
    return plan


def editable_plan(session: Session, *, plan_id: int, revision: int | None) -> SupplyPlan:
    """The draft, claimed for an edit based on ``revision``: 409 with the current revision
    when it is stale, 409 once proposed, 428 without a revision."""
    plan = get_plan(session, plan_id=plan_id, for_update=True)
    claim_version(
        session,
        plan,
        revision,
        what=f"supply plan {plan_id}",
        column="revision",
        writable=lambda: _ensure_draft(plan),
    )
    return plan


def latest_plan(session: Session) -> SupplyPlan:
    """The newest proposed plan, or the newest draft when none is proposed."""
    for status in (SupplyPlanStatus.proposed, SupplyPlanStatus.draft):
        plan = session.exec(
            select(SupplyPlan)
            .where(col(SupplyPlan.status) == status)
            .order_by(col(SupplyPlan.created_at).desc(), col(SupplyPlan.id).desc())
        ).first()
        if plan is not None:
            return plan
    raise NotFound("no supply plan exists yet")


def plan_lines(session: Session, *, plan_id: int) -> list[SupplyPlanLine]:
    query = (
        select(SupplyPlanLine)
        .where(col(SupplyPlanLine.plan_id) == plan_id)
        .order_by(col(SupplyPlanLine.family_code), col(SupplyPlanLine.period))
    )
    return list(session.exec(query).all())


def create_plan(session: Session, *, data: SupplyPlanCreate) -> SupplyPlan:
    """A new draft; a plan with an existing name becomes that name's next version. Its
    horizon start is checked first (``shared.periods`` rule)."""
    check_horizon_start(start=data.horizon_start, today=dt.date.today(), field="body.horizon_start")
    periods = _horizon_bounds(data.horizon_start, data.horizon_months)
    _check_lines(data.lines, periods=periods, location="body.lines")
    plan = SupplyPlan.model_validate(
        {
            **data.model_dump(exclude={"lines"}),
            "version": _next_version(session, name=data.name),
        }
    )
    session.add(plan)
    session.flush()
    _write_lines(session, plan=plan, lines=data.lines)
    return plan


def draft_plan(session: Session, *, request: SupplyPlanDraftRequest) -> SupplyPlan:
    """A new draft plan for the demand plan's lines, drafted by ``request.strategy`` with the
    levers the resources allow (``strategies.draft_lines``): the capacity, routings and
    inventory policies are this service's; the safety stock of each month is the family's
    policy applied to the demand as its forecast. Demand outside the horizon is ignored."""
    periods = horizon(request.horizon_start, request.horizon_months)
    months_planned = set(periods)
    demand: dict[str, dict[str, float]] = {}
    for line in request.demand:
        if line.period not in months_planned:
            continue
        months = demand.setdefault(line.family_code, {})
        months[line.period] = months.get(line.period, 0.0) + line.quantity
    policies = load_policies(session, family_codes=set(demand))
    families = sorted(set(demand) | {policy.family_code for policy in policies})
    # Every family of the draft, every month: the capacity window covers the routings' offsets.
    data = load_supply_data(
        session,
        lines=[
            DemandLineIn(family_code=family, period=period, quantity=0)
            for family in families
            for period in (periods[0], periods[-1])
        ],
    )
    regular, overtime = capacity_hours(data)
    safety_stock = {
        policy.family_code: [
            item.quantity
            for item in family_safety_stock(
                policy=policy,
                periods=periods,
                forecast=[demand.get(policy.family_code, {}).get(p, 0.0) for p in periods],
            ).by_period
        ]
        for policy in policies
    }
    lines = draft_lines(
        strategy=request.strategy,
        periods=periods,
        demand=demand,
        safety_stock=safety_stock,
        routings=data.routings,
        regular_hours=regular,
        overtime_hours_cap=overtime,
        policies=policies,
    )
    return create_plan(
        session,
        data=SupplyPlanCreate(
            name=request.name
            or f"{request.strategy.value} plan for demand plan {request.demand_plan_id}",
            horizon_start=request.horizon_start,
            horizon_months=request.horizon_months,
            note=request.note,
            demand_plan_id=request.demand_plan_id,
            lines=[SupplyPlanLineIn.model_validate(line, from_attributes=True) for line in lines],
        ),
    )


def upsert_lines(
    session: Session, *, plan_id: int, revision: int | None, lines: Sequence[SupplyPlanLineIn]
) -> crud.UpsertSummary:
    """Create or update lines by family and period; refused once the plan is proposed."""
    plan = editable_plan(session, plan_id=plan_id, revision=revision)
    _check_lines(
        lines,
        periods=_horizon_bounds(plan.horizon_start, plan.horizon_months),
        location="body",
    )
    return _write_lines(session, plan=plan, lines=lines)


def propose(session: Session, *, plan_id: int, revision: int | None) -> SupplyPlan:
    """Freeze the plan: from now on a change is a new version (``revise``)."""
    plan = editable_plan(session, plan_id=plan_id, revision=revision)
    plan.status = SupplyPlanStatus.proposed
    plan.proposed_at = dt.datetime.now(dt.UTC)
    session.add(plan)
    session.flush()
    return plan


def revise(session: Session, *, plan: SupplyPlan) -> SupplyPlan:
    """A new draft version of the plan's name, starting from a copy of its lines."""
    assert plan.id is not None
    revision = SupplyPlan(
        name=plan.name,
        horizon_start=plan.horizon_start,
        horizon_months=plan.horizon_months,
        note=plan.note,
        demand_plan_id=plan.demand_plan_id,
        version=_next_version(session, name=plan.name),
        previous_version_id=plan.id,
    )
    session.add(revision)
    session.flush()
    lines = [
        SupplyPlanLineIn.model_validate(line, from_attributes=True)
        for line in plan_lines(session, plan_id=plan.id)
    ]
    _write_lines(session, plan=revision, lines=lines)
    return revision


def validate(session: Session, *, plan: SupplyPlan) -> SupplyPlanValidation:
    """The plan checked against capacity, subcontracting limits and inventory balance."""
    assert plan.id is not None
    lines = plan_lines(session, plan_id=plan.id)
    data, policies = _evaluation_inputs(session, lines=lines)
    return validate_plan(plan=plan, lines=lines, data=data, policies=policies)


def kpis(session: Session, *, plan: SupplyPlan) -> SupplyPlanKpis:
    """Capacity utilisation per resource and month, and units-based inventory turns."""
    assert plan.id is not None
    lines = plan_lines(session, plan_id=plan.id)
    data, policies = _evaluation_inputs(session, lines=lines)
    return plan_kpis(plan=plan, lines=lines, data=data, policies=policies)


def _evaluation_inputs(
    session: Session, *, lines: Sequence[SupplyPlanLine]
) -> tuple[SupplyData, list[InventoryPolicy]]:
    return (
        load_supply_data(session, lines=production_lines(lines)),
        load_policies(session, family_codes={line.family_code for line in lines}),
    )


def _ensure_draft(plan: SupplyPlan) -> None:
    if plan.status != SupplyPlanStatus.draft:
        raise Conflict(
            f"supply plan {plan.id} (version {plan.version}) is {plan.status.value} and can no "
            "longer change; revise it to make a new version",
            field="path.plan_id",
            extra={"status": plan.status.value, "version": plan.version},
        )


def _next_version(session: Session, *, name: str) -> int:
    latest = session.exec(
        select(func.max(SupplyPlan.version)).where(col(SupplyPlan.name) == name)
    ).one()
    return (latest or 0) + 1


def _horizon_bounds(start: str, months: int) -> tuple[str, str]:
    return start, add_months(start, months - 1)


def _check_lines(
    lines: Sequence[SupplyPlanLineIn], *, periods: tuple[str, str], location: str
) -> None:
    """Every line inside the horizon, one line per family and period: all faults at once."""
    first, last = periods
    seen: dict[tuple[str, str], int] = {}
    errors: list[FieldError] = []
    for index, line in enumerate(lines):
        if not first <= line.period <= last:
            errors.append(
                FieldError(
                    field=f"{location}.{index}.period",
                    reason=f"{line.period} is outside the plan's horizon {first}..{last}",
                )
            )
        key = (line.family_code, line.period)
        if key in seen:
            errors.append(
                FieldError(
                    field=f"{location}.{index}.period",
                    reason=f"duplicate of line {seen[key]} ({line.family_code}, {line.period})",
                )
            )
        else:
            seen[key] = index
    if errors:
        raise ValidationFailed(f"{len(errors)} supply plan line(s) refused", errors=errors)


def _write_lines(
    session: Session, *, plan: SupplyPlan, lines: Sequence[SupplyPlanLineIn]
) -> crud.UpsertSummary:
    assert plan.id is not None
    rows = [SupplyPlanLineRow(**line.model_dump(), plan_id=plan.id) for line in lines]
    return crud.upsert_many(session, spec=SUPPLY_PLAN_LINES, items=rows)
