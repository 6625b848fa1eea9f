"""Generic persistence for entity families keyed by a natural business key.

An ``EntitySpec`` names a table, its natural key and the fields that must reference
existing rows in the same service. The functions below are the queries every entity
needs (get, create, update, delete, idempotent bulk upsert, filtered lists); they only
flush, the request's session owns the transaction.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError, ValidationInfo, create_model, field_validator
from pydantic import Field as PydanticField
from pydantic.fields import FieldInfo
from sqlalchemy import ColumnElement, Table
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from shared import audit, bulk, bulk_write
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

    def keys_of(self, items: Iterable[Any]) -> list[tuple[Any, ...]]:
        """The keys of many items (``key_of`` each), read by one attrgetter."""
        get = attrgetter(*self.key)
        if len(self.key) == 1:
            return [(get(item),) for item in items]
        return [get(item) for item in items]

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
    whole_rows: bool = False,
) -> UpsertSummary:
    """Create or update items by natural key; identical items are left untouched.

    With ``whole_rows`` (a bulk PUT) an item that replaces a stored row must carry every
    field it would change (``shared.bulk.resets``): one 422 names each field left out that
    would reset a stored value to its default; a bulk PATCH merges partial rows
    (``merge_rows``).

    Set-based: one read of the stored rows by key (in chunks), the rule of
    ``shared.bulk.upsert_plan`` in memory, then the new and changed rows written together
    through a staged copy (``shared.bulk_write.merge_rows``: PostgreSQL ``COPY``, SQLite
    ``executemany``, then one ``UPDATE ... FROM`` and one ``INSERT ... SELECT``), each
    audited in bulk (``shared.audit.record_bulk``). ``location`` prefixes the field names of errors
    (``body.lines`` when the items are a list nested in the request body).
    """
    keys = spec.keys_of(items)
    _reject_duplicate_keys(spec, items, keys, location=location)
    check_references(session, references=spec.references, items=items, location=location)
    session.flush()  # pending ORM changes first: the statements below bypass the unit of work
    rows = [item.model_dump() for item in items]
    stored = stored_by_keys(session, spec=spec, keys=keys)
    if whole_rows:
        _refuse_resets(spec, items, keys, rows, stored, location=location)
    plan = bulk.upsert_plan(key_names=spec.key, keys=keys, rows=rows, stored=stored)
    table = spec.table.__table__  # type: ignore[attr-defined]
    id_of = bulk_write.merge_rows(
        session.connection(),
        table=table,
        key=spec.key,
        created=plan.created,
        changed=[(change.id, change.row) for change in plan.changed],
    )
    if plan.created:
        defaults = _defaults(table)
        audit.record_bulk(
            session,
            entity=table.name,
            created=[
                {**defaults, **row, "id": id_of[key]}
                for key, row in zip(_created_keys(spec, plan.created), plan.created, strict=True)
            ],
        )
    if plan.changed:
        _expire_stale(session, spec=spec, ids={change.id for change in plan.changed})
        audit.record_bulk(session, entity=table.name, changed=plan.changed)
    return UpsertSummary(
        created=len(plan.created), updated=len(plan.changed), unchanged=plan.unchanged
    )


def _created_keys(spec: EntitySpec[Any], rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row[name] for name in spec.key) for row in rows]


def partial_row_model(model: type[BaseModel], *, key: Sequence[str]) -> type[BaseModel]:
    """The item of a bulk PATCH: the natural key as in ``model``, every other field optional
    (left out: the stored value stays; ``merge_rows``). A given field is checked as in
    ``model``, so a null is refused where the row holds none."""
    optional = [name for name in model.model_fields if name not in key]

    def no_default(schema: dict[str, Any]) -> None:
        for name in optional:
            schema.get("properties", {}).get(name, {}).pop("default", None)

    fields: dict[str, Any] = {
        name: (_annotated(info), info if name in key else _described(info, default=None))
        for name, info in model.model_fields.items()
    }
    return create_model(
        f"{model.__name__}Partial",
        __config__={**CLOSED, "json_schema_extra": no_default},
        **fields,
    )


def _annotated(info: FieldInfo) -> Any:
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _described(info: FieldInfo, **default: Any) -> Any:
    field: Any = PydanticField(
        **default,
        title=info.title,
        description=info.description,
        examples=info.examples,
        json_schema_extra=info.json_schema_extra,
    )
    return field


def merge_rows(
    session: Session,
    *,
    spec: EntitySpec[Any],
    items: Sequence[BaseModel],
    model: type[BaseModel],
    location: str = "body",
) -> list[BaseModel]:
    """A bulk PATCH's rows: each partial item merged into the stored row of its key
    (``shared.bulk.merged``) and validated as a whole ``model``. One 422 lists every field
    of every row that is missing (a new row without a required field) or breaks a rule."""
    keys = spec.keys_of(items)
    _reject_duplicate_keys(spec, items, keys, location=location)
    stored = stored_by_keys(session, spec=spec, keys=keys)
    fields = list(model.model_fields)
    rows: list[BaseModel] = []
    errors: list[FieldError] = []
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        given = item.model_dump(exclude_unset=True)
        values = bulk.merged(given, stored.get(key), fields)
        try:
            rows.append(model.model_validate(values))
        except ValidationError as exc:
            for error in validation_errors(exc.errors()):
                error.field = ".".join(filter(None, (location, str(index), error.field)))
                errors.append(error)
    if errors:
        raise ValidationFailed(
            f"{len(errors)} field(s) of the merged {spec.label} rows are missing or invalid",
            errors=errors,
        )
    return rows


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


def plain_rows(
    session: Session,
    *,
    spec: EntitySpec[Any],
    filters: BaseModel | None,
    fields: Sequence[str],
) -> list[tuple[Any, ...]]:
    """The rows of ``filtered`` as plain tuples of ``fields`` (no ORM objects): what an
    export streams."""
    columns = [col(getattr(spec.table, name)) for name in fields]
    query = filtered(spec, filters).with_only_columns(*columns)
    return [tuple(row) for row in session.connection().execute(query)]


def _refuse_resets(
    spec: EntitySpec[Any],
    items: Sequence[BaseModel],
    keys: Sequence[tuple[Any, ...]],
    rows: Sequence[dict[str, Any]],
    stored: dict[tuple[Any, ...], dict[str, Any]],
    *,
    location: str,
) -> None:
    errors = [
        FieldError(
            field=f"{location}.{index}.{name}",
            reason=f"left out, it would reset the stored {stored[key][name]!r} "
            "to its default (a PUT writes whole rows): send it, or PATCH to change some fields",
        )
        for index, (item, key, row) in enumerate(zip(items, keys, rows, strict=True))
        if key in stored
        for name in bulk.resets(row, item.model_fields_set, stored[key])
    ]
    if errors:
        raise ValidationFailed(
            f"{len(errors)} field(s) left out of rows that replace stored {spec.label} rows",
            errors=errors,
        )


def _reject_duplicate_keys(
    spec: EntitySpec[Any],
    items: Sequence[BaseModel],
    keys: Sequence[tuple[Any, ...]],
    *,
    location: str = "body",
) -> None:
    if len(set(keys)) == len(keys):
        return
    first_seen: dict[tuple[Any, ...], int] = {}
    errors: list[FieldError] = []
    for index, key in enumerate(keys):
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


def stored_by_keys(
    session: Session, *, spec: EntitySpec[Any], keys: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The stored rows (their columns, id included) with the given keys, read as plain
    values in a few chunked queries on the first key column, then matched in Python."""
    wanted = set(keys)
    table = spec.table.__table__
    leading = table.c[spec.key[0]]
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    names = [column.name for column in table.columns]
    positions = [names.index(name) for name in spec.key]
    for chunk in in_chunks(key[0] for key in keys):
        for row in session.connection().execute(select(table).where(leading.in_(chunk))):
            key = tuple(row[position] for position in positions)
            if key in wanted:
                found[key] = dict(zip(names, row, strict=True))
    return found


def _defaults(table: Table) -> dict[str, Any]:
    """The scalar column defaults an insert fills in: what the audit's ``after`` shows of
    columns the item does not carry."""
    return {
        column.name: column.default.arg  # type: ignore[attr-defined]
        for column in table.columns
        if column.default is not None and column.default.is_scalar
    }


def _expire_stale(session: Session, *, spec: EntitySpec[Any], ids: set[Any]) -> None:
    """Rows updated by statement are stale in the session's identity map: reload on use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, spec.table) and getattr(obj, "id", None) in ids:
            session.expire(obj)
