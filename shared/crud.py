"""Generic persistence for entity families keyed by a natural business key.

An ``EntitySpec`` names a table, its natural key and the fields that must reference
existing rows in the same service. The functions below are the queries every entity
needs (get, create, update, delete, idempotent bulk upsert, filtered lists); they only
flush, the request's session owns the transaction.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator
from sqlalchemy import ColumnElement
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from shared.errors import Conflict, FieldError, NotFound, ValidationFailed, validation_errors
from shared.types import CLOSED

TableT = TypeVar("TableT", bound=SQLModel)

# Stay well below SQLite's bound-parameter limit when matching keys with IN (...).
IN_CHUNK = 900


def in_chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    """The distinct values, sorted, in slices small enough for one IN (...) each: many keys
    are matched with a few queries, never one query per key."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]


@dataclass(frozen=True)
class Reference:
    """A field whose value must exist in ``column`` of another table of the same service."""

    field: str
    table: type[SQLModel]
    column: str = "code"
    label: str = ""


@dataclass(frozen=True)
class EntitySpec(Generic[TableT]):
    table: type[TableT]
    key: tuple[str, ...]
    label: str
    references: tuple[Reference, ...] = field(default=())

    def key_of(self, item: Any) -> tuple[Any, ...]:
        return tuple(getattr(item, name) for name in self.key)

    def describe(self, key: tuple[Any, ...]) -> str:
        return ", ".join(f"{name}={value!r}" for name, value in zip(self.key, key, strict=True))


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _null_only_where_nullable(schema: dict[str, Any], model: type["Patch"]) -> None:
    for name, prop in schema.get("properties", {}).items():
        members = prop.get("anyOf", [])
        if name in model.NULLABLE or {"type": "null"} not in members:
            continue
        kept = [member for member in members if member != {"type": "null"}]
        del prop["anyOf"]
        prop.pop("default", None)
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


class Patch(BaseModel):
    """The body of a PATCH: a field left out stays as it is. ``null`` clears a field only
    where the row may hold none (``NULLABLE``); elsewhere the schema offers no null and a
    null is refused (422), rather than accepted here and refused by the row.

    Fields are declared ``T | None = None`` so that leaving them out is possible."""

    model_config = {**CLOSED, "json_schema_extra": _null_only_where_nullable}
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_where_nullable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class UpsertResult(BaseModel):
    """Counts of a bulk upsert: loading the same items twice creates and updates nothing."""

    created: int
    updated: int
    unchanged: int


def existing_values(
    session: Session, *, table: type[SQLModel], column: str, values: Iterable[Any]
) -> set[Any]:
    """Which of ``values`` exist in ``table.column``, in chunked IN queries."""
    found: set[Any] = set()
    column_attr = getattr(table, column)
    for chunk in in_chunks(values):
        found.update(session.exec(select(column_attr).where(col(column_attr).in_(chunk))).all())
    return found


def rows_where_in(
    session: Session, *, table: type[TableT], column: str, values: Iterable[Any]
) -> list[TableT]:
    """Rows of ``table`` whose ``column`` is one of ``values``, in chunked IN queries."""
    column_attr = col(getattr(table, column))
    found: list[TableT] = []
    for chunk in in_chunks(values):
        found.extend(session.exec(select(table).where(column_attr.in_(chunk))).all())
    return found


def check_references(
    session: Session,
    *,
    references: Sequence[Reference],
    items: Sequence[BaseModel],
    location: str = "body",
    indexed: bool = True,
) -> None:
    """Raise one 422 listing every item field that names a row that does not exist."""
    errors: list[FieldError] = []
    for ref in references:
        values = [getattr(item, ref.field, None) for item in items]
        present = [v for v in values if v is not None]
        if not present:
            continue
        known = existing_values(session, table=ref.table, column=ref.column, values=present)
        label = ref.label or ref.field.removesuffix("_code").replace("_", " ")
        for index, value in enumerate(values):
            if value is not None and value not in known:
                where = f"{location}.{index}.{ref.field}" if indexed else f"{location}.{ref.field}"
                errors.append(FieldError(field=where, reason=f"unknown {label} code '{value}'"))
    if errors:
        raise ValidationFailed(
            f"{len(errors)} reference(s) name rows that do not exist", errors=errors
        )


def key_filter(spec: EntitySpec[TableT], key: tuple[Any, ...]) -> list[ColumnElement[bool]]:
    return [
        col(getattr(spec.table, name)) == value for name, value in zip(spec.key, key, strict=True)
    ]


def find(session: Session, *, spec: EntitySpec[TableT], key: tuple[Any, ...]) -> TableT | None:
    return session.exec(select(spec.table).where(*key_filter(spec, key))).first()


def get(session: Session, *, spec: EntitySpec[TableT], key: tuple[Any, ...]) -> TableT:
    row = find(session, spec=spec, key=key)
    if row is None:
        raise NotFound(f"no {spec.label} with {spec.describe(key)}")
    return row


def create(session: Session, *, spec: EntitySpec[TableT], data: BaseModel) -> TableT:
    check_references(session, references=spec.references, items=[data], indexed=False)
    key = spec.key_of(data)
    if find(session, spec=spec, key=key) is not None:
        raise Conflict(
            f"a {spec.label} with {spec.describe(key)} already exists",
            errors=[FieldError(field=f"body.{name}", reason="already exists") for name in spec.key],
        )
    row = spec.table.model_validate(data.model_dump())
    session.add(row)
    session.flush()
    return row


def update(session: Session, *, spec: EntitySpec[TableT], row: TableT, patch: BaseModel) -> TableT:
    check_references(session, references=spec.references, items=[patch], indexed=False)
    changes = patch.model_dump(exclude_unset=True)
    # Validate the merged row: a patch may be valid alone and break a cross-field rule.
    try:
        spec.table.model_validate({**row.model_dump(), **changes})
    except ValidationError as exc:
        errors = validation_errors(exc.errors())
        for error in errors:
            error.field = f"body.{error.field}"
        raise ValidationFailed(
            f"the change breaks a rule of the {spec.label}", errors=errors
        ) from exc
    for name, value in changes.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def delete(session: Session, *, row: SQLModel) -> None:
    session.delete(row)
    session.flush()


def upsert_many(
    session: Session,
    *,
    spec: EntitySpec[TableT],
    items: Sequence[BaseModel],
    location: str = "body",
) -> UpsertSummary:
    """Create or update items by natural key; identical items are left untouched.

    ``location`` prefixes the field names of errors (``body.lines`` when the items are a
    list nested in the request body).
    """
    _reject_duplicate_keys(spec, items, location=location)
    check_references(session, references=spec.references, items=items, location=location)
    existing = _load_by_keys(session, spec=spec, keys=[spec.key_of(item) for item in items])
    summary = UpsertSummary()
    for item in items:
        values = item.model_dump()
        row = existing.get(spec.key_of(item))
        if row is None:
            session.add(spec.table.model_validate(values))
            summary.created += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()
    return summary


def filtered(
    spec: EntitySpec[TableT],
    filters: BaseModel | None,
    *,
    period_field: str = "period",
) -> SelectOfScalar[TableT]:
    """A select of the table with exact-match filters and a ``period_from``/``period_to`` range."""
    query = select(spec.table)
    for name, value in (filters.model_dump(exclude_none=True) if filters else {}).items():
        if name == "period_from":
            query = query.where(col(getattr(spec.table, period_field)) >= value)
        elif name == "period_to":
            query = query.where(col(getattr(spec.table, period_field)) <= value)
        else:
            query = query.where(col(getattr(spec.table, name)) == value)
    order = [col(getattr(spec.table, name)) for name in spec.key]
    return query.order_by(*order)


def _reject_duplicate_keys(
    spec: EntitySpec[Any], items: Sequence[BaseModel], *, location: str = "body"
) -> None:
    first_seen: dict[tuple[Any, ...], int] = {}
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        key = spec.key_of(item)
        if key in first_seen:
            errors.append(
                FieldError(
                    field=f"{location}.{index}.{spec.key[-1]}",
                    reason=f"duplicate of item {first_seen[key]} ({spec.describe(key)})",
                )
            )
        else:
            first_seen[key] = index
    if errors:
        raise ValidationFailed(
            f"{len(errors)} duplicate {spec.label} key(s) in the batch", errors=errors
        )


def _load_by_keys(
    session: Session, *, spec: EntitySpec[TableT], keys: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], TableT]:
    """Existing rows for the given keys, matched on the first key column then in Python."""
    wanted = set(keys)
    leading = getattr(spec.table, spec.key[0])
    found: dict[tuple[Any, ...], TableT] = {}
    for chunk in in_chunks(key[0] for key in keys):
        for row in session.exec(select(spec.table).where(col(leading).in_(chunk))).all():
            key = spec.key_of(row)
            if key in wanted:
                found[key] = row
    return found
