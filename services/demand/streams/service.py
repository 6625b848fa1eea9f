"""Role input streams: sales, marketing, product management and demand-planner inputs.

An input is refused (422, one problem listing every bad field) when it names an unknown
family or segment, a period outside the plan's horizon, breaks a rule of its kind, or
would drive any cell of the consensus below zero. Accepted inputs rebuild the consensus
in the same transaction.
"""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from services.demand import rights
from services.demand.consensus import service as consensus
from services.demand.families.models import Family
from services.demand.plans import service as plans
from shared import crud
from shared.auth import Principal
from shared.contracts.demand import InputKind, InputStream
from shared.crud import EntitySpec, Reference
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed

from .models import (
    ROLE_OF_STREAM,
    AdjustmentCreate,
    DemandInput,
    DemandInputFilters,
    InputCreate,
    MarketingEventCreate,
    ProductInputCreate,
)

INPUTS = EntitySpec(
    table=DemandInput,
    key=("plan_id", "id"),
    label="demand input",
    references=(
        *plans.LINES.references,
        Reference("cannibalised_family_code", Family, label="family"),
    ),
)


def add_inputs(
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    stream: InputStream,
    items: Sequence[InputCreate],
    principal: Principal,
) -> list[DemandInput]:
    """Validate a batch of one stream's inputs as a whole, store it, rebuild the consensus.

    The caller is the author of each input (``rights.authors``)."""
    plan = plans.writable_plan(session, plan_id=plan_id, revision=revision)
    plans.require_stream_plan(session, plan=plan)
    errors = [
        FieldError(field=f"body.{index}.{name}", reason=reason)
        for index, item in enumerate(items)
        for name, reason in rule_errors(item)
    ]
    for name in ("period_from", "period_to"):
        periods = [getattr(item, name) for item in items]
        errors += plans.horizon_errors(plan=plan, periods=periods, location="body", field=name)
    try:
        crud.check_references(session, references=INPUTS.references, items=items)
    except ValidationFailed as refused:
        errors += refused.errors
    names, author_errors = rights.authors(principal, [item.author for item in items])
    errors += author_errors
    if errors:
        raise ValidationFailed(f"{len(errors)} input field(s) are invalid", errors=errors)

    rows = [
        to_row(item, plan_id=plan_id, stream=stream, author=author)
        for item, author in zip(items, names, strict=True)
    ]
    session.add_all(rows)
    session.flush()
    # Written, then checked against the whole plan: a refusal rolls the request back.
    consensus.rebuild(
        session,
        plan=plan,
        refs={row.id: f"body.{index}" for index, row in enumerate(rows) if row.id},
    )
    return rows


def rule_errors(item: InputCreate) -> list[tuple[str, str]]:
    """(field, reason) for each rule of the input's kind that it breaks."""
    errors: list[tuple[str, str]] = []
    if item.period_to is not None and item.period_to < item.period_from:
        errors.append(("period_to", f"ends before it starts ({item.period_from})"))
    if isinstance(item, AdjustmentCreate):
        if item.kind == InputKind.override and item.quantity < 0:
            errors.append(("quantity", "an override sets demand and cannot be negative"))
    elif isinstance(item, MarketingEventCreate):
        if item.uplift_pct is None and item.uplift_units is None:
            errors.append(("uplift_pct", "give uplift_pct, uplift_units or both"))
        has_family = item.cannibalised_family_code is not None
        if has_family != (item.cannibalisation_share is not None):
            missing = "cannibalisation_share" if has_family else "cannibalised_family_code"
            errors.append((missing, "cannibalisation needs both the family and the share"))
        if item.cannibalised_family_code == item.family_code:
            errors.append(("cannibalised_family_code", "an event cannot cannibalise its family"))
    elif item.kind == InputKind.launch:
        if item.segment_code is None:
            errors.append(("segment_code", "a launch names the segment it is launched in"))
        if item.quantity is None:
            errors.append(("quantity", "a launch needs the monthly volume it ramps up to"))
        if item.period_to is not None:
            errors.append(("period_to", "a launch has no end; add a phase_out input for that"))
    else:
        if item.period_to is None:
            errors.append(("period_to", "a phase-out needs its end-of-life period"))
        if item.quantity is not None or item.ramp_months is not None:
            errors.append(("quantity", "a phase-out takes no quantity or ramp"))
    return errors


def to_row(item: InputCreate, *, plan_id: int, stream: InputStream, author: str) -> DemandInput:
    common: dict[str, Any] = {
        "plan_id": plan_id,
        "stream": stream,
        "role": ROLE_OF_STREAM[stream],
        "family_code": item.family_code,
        "segment_code": item.segment_code,
        "period_from": item.period_from,
        "period_to": item.period_to,
        "author": author,
        "reason_code": item.reason_code,
        "assumption": item.assumption,
    }
    if isinstance(item, MarketingEventCreate):
        return DemandInput(
            **common,
            kind=InputKind.event,
            quantity=item.uplift_units,
            uplift_pct=item.uplift_pct,
            cannibalised_family_code=item.cannibalised_family_code,
            cannibalisation_share=item.cannibalisation_share,
        )
    if isinstance(item, ProductInputCreate):
        return DemandInput(
            **common, kind=item.kind, quantity=item.quantity, ramp_months=item.ramp_months
        )
    return DemandInput(**common, kind=item.kind, quantity=item.quantity)


def inputs_query(*, plan_id: int, filters: DemandInputFilters) -> SelectOfScalar[DemandInput]:
    return crud.filtered(INPUTS, filters).where(col(DemandInput.plan_id) == plan_id)


def withdraw_input(
    session: Session, *, plan_id: int, input_id: int, revision: int | None, principal: Principal
) -> None:
    """Delete an input of a draft plan: its stream's writers only; 409 if what remains would
    break the consensus."""
    plan = plans.get_plan(session, plan_id=plan_id, for_update=True)
    row = session.get(DemandInput, input_id)
    if row is None or row.plan_id != plan_id:
        raise NotFound(f"demand plan {plan_id} has no input {input_id}", field="path.input_id")
    rights.check_stream_writer(principal, row.stream)
    plans.edit(session, plan=plan, revision=revision)
    session.delete(row)
    session.flush()
    consensus.rebuild(session, plan=plan, refusal=Conflict)
