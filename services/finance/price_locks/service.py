"""Price locks: prices and unit costs of closed months change only as recorded restatements.

The rule. ``POST /price-locks {through_period}`` closes every month up to and including
``through_period``; a lock only moves forward. Afterwards the ordinary writes of
``/prices`` and ``/unit-costs`` (create, bulk upsert, patch, delete) that would change a
price of a closed month, or a unit cost effective from a closed month, are refused with
409 naming each offending field. Re-sending an unchanged row (an ERP reload) is not a
change and passes. A closed month's price or cost changes only through
``POST /price-revisions``: a new version of the value, stored beside the old value with a
mandatory reason, the lock in force and its time, so a locked plan's valuation can always
be explained. A unit cost effective from an open month never alters a closed month (the
cost of a month is the latest entry effective on or before it), so those writes pass.
"""

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from services.finance.prices.service import PRICES
from services.finance.unit_costs.service import UNIT_COSTS
from shared.contracts.finance import PriceLockBase, PriceRevisionRequest, RevisionKind
from shared.crud import EntitySpec, in_chunks
from shared.entity_router import BeforeWrite
from shared.errors import Conflict, FieldError, ValidationFailed

from .models import PriceLock, PriceRevision

Key = tuple[Any, ...]


def locked_through(session: Session) -> str | None:
    """The last closed month, or None when nothing is locked."""
    return session.exec(select(func.max(PriceLock.through_period))).one()


def create_lock(session: Session, *, data: PriceLockBase) -> PriceLock:
    current = locked_through(session)
    if current is not None and data.through_period <= current:
        raise Conflict(
            f"prices are already locked through {current}; a lock only moves forward",
            field="body.through_period",
            extra={"locked_through": current},
        )
    lock = PriceLock(**data.model_dump(), created_at=dt.datetime.now(dt.UTC))
    session.add(lock)
    session.flush()
    return lock


def stored_rows(
    session: Session, *, spec: EntitySpec[Any], period_field: str, items: Sequence[Any]
) -> dict[Key, Any]:
    """The stored rows with the keys of ``items`` (keyed by family code and a month)."""
    months = [getattr(item, period_field) for item in items]
    if not months:
        return {}
    wanted = {spec.key_of(item) for item in items}
    table: Any = spec.table
    found: dict[Key, Any] = {}
    for chunk in in_chunks(item.family_code for item in items):
        query = select(table).where(
            col(table.family_code).in_(chunk),
            col(getattr(table, period_field)) >= min(months),
            col(getattr(table, period_field)) <= max(months),
        )
        for row in session.exec(query):
            if spec.key_of(row) in wanted:
                found[spec.key_of(row)] = row
    return found


def _unchanged(row: Any, item: BaseModel) -> bool:
    return row is not None and all(
        getattr(row, name) == value for name, value in item.model_dump().items()
    )


def refuse_locked_changes(*, spec: EntitySpec[Any], period_field: str) -> BeforeWrite:
    """The check the price and unit-cost routes run before writing (see the module's rule)."""

    def check(session: Session, writes: Sequence[tuple[str, Any]]) -> None:
        through = locked_through(session)
        if through is None:
            return
        closed = [(where, item) for where, item in writes if getattr(item, period_field) <= through]
        body_items = [item for where, item in closed if where.startswith("body")]
        stored = stored_rows(session, spec=spec, period_field=period_field, items=body_items)
        errors = [
            FieldError(
                field=f"{where}.{period_field}" if where.startswith("body") else where,
                reason=(
                    f"{getattr(item, period_field)} is locked through {through}; "
                    "restate it with POST /price-revisions"
                ),
            )
            for where, item in closed
            if not (where.startswith("body") and _unchanged(stored.get(spec.key_of(item)), item))
        ]
        if errors:
            raise Conflict(
                f"{len(errors)} write(s) would change the {spec.label} of a locked month",
                errors=errors,
                extra={"locked_through": through},
            )

    return check


REVISABLE: dict[RevisionKind, tuple[EntitySpec[Any], str, str]] = {
    RevisionKind.price: (PRICES, "period", "price"),
    RevisionKind.unit_cost: (UNIT_COSTS, "effective_from", "variable_cost"),
}


def revise(session: Session, *, request: PriceRevisionRequest) -> list[PriceRevision]:
    """Restate prices and unit costs, open or locked, each change recorded as a new version."""
    batches: dict[RevisionKind, Sequence[Any]] = {
        RevisionKind.price: request.prices,
        RevisionKind.unit_cost: request.unit_costs,
    }
    if not request.prices and not request.unit_costs:
        raise ValidationFailed("give at least one price or unit cost", field="body.prices")
    _reject_duplicates(batches)
    through = locked_through(session)
    now = dt.datetime.now(dt.UTC)
    revisions: list[PriceRevision] = []
    for kind, items in batches.items():
        spec, period_field, value_field = REVISABLE[kind]
        stored = stored_rows(session, spec=spec, period_field=period_field, items=items)
        versions = _revision_counts(session, kind=kind, items=items)
        for item in items:
            key = spec.key_of(item)
            row = stored.get(key)
            if _unchanged(row, item):
                continue
            old_value = getattr(row, value_field) if row is not None else None
            if row is None:
                session.add(spec.table.model_validate(item.model_dump()))
            else:
                setattr(row, value_field, getattr(item, value_field))
            revisions.append(
                PriceRevision(
                    kind=kind,
                    family_code=item.family_code,
                    segment_code=getattr(item, "segment_code", None),
                    period=getattr(item, period_field),
                    version=versions[_revision_key(kind, item)] + 2,
                    old_value=old_value,
                    new_value=getattr(item, value_field),
                    reason=request.reason,
                    locked_through=through,
                    created_at=now,
                )
            )
    session.add_all(revisions)
    session.flush()
    return revisions


def _revision_key(kind: RevisionKind, item: Any) -> Key:
    _, period_field, _ = REVISABLE[kind]
    return (item.family_code, getattr(item, "segment_code", None), getattr(item, period_field))


def _revision_counts(session: Session, *, kind: RevisionKind, items: Sequence[Any]) -> Counter[Key]:
    """How many times each key of ``items`` was restated before."""
    counts: Counter[Key] = Counter()
    for chunk in in_chunks(item.family_code for item in items):
        query = select(
            PriceRevision.family_code, PriceRevision.segment_code, PriceRevision.period
        ).where(col(PriceRevision.kind) == kind, col(PriceRevision.family_code).in_(chunk))
        counts.update(tuple(row) for row in session.exec(query))
    return counts


def _reject_duplicates(batches: dict[RevisionKind, Sequence[Any]]) -> None:
    errors: list[FieldError] = []
    for kind, items in batches.items():
        spec, period_field, _ = REVISABLE[kind]
        seen: dict[Key, int] = {}
        for index, item in enumerate(items):
            first = seen.setdefault(spec.key_of(item), index)
            if first != index:
                errors.append(
                    FieldError(
                        field=f"body.{kind.value}s.{index}.{period_field}",
                        reason=f"duplicate of item {first} ({spec.describe(spec.key_of(item))})",
                    )
                )
    if errors:
        raise ValidationFailed(f"{len(errors)} duplicate key(s) in the restatement", errors=errors)
