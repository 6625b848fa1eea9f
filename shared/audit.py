"""Audit trail: every write in every service records who, which role, when, what and why.

One SQLAlchemy ``after_flush`` hook sees every row a request creates, changes or deletes,
so no endpoint can forget to audit. It writes to the service's own audit table (made by
``audit_table_for``), taking the caller from the request's authenticated principal, the
reason from the ``X-SOP-Reason`` header and the cycle from ``X-SOP-Cycle``.
"""

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi_pagination.ext.sqlmodel import paginate
from pydantic import BaseModel
from sqlalchemy import JSON, Column, event, insert, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel, col, select

from shared.bulk import Change
from shared.bulk_write import insert_rows
from shared.db import SessionDep
from shared.pagination import Page, PageParams
from shared.types import CODE_PATTERN, DatetimeParam, UtcDatetime

REASON_HEADER = "x-sop-reason"
CYCLE_HEADER = "x-sop-cycle"
# Fields that identify a row to a person better than its id does.
KEY_FIELDS = (
    "code",
    "lever",
    "family_code",
    "segment_code",
    "resource_code",
    "period",
    "effective_from",
    "plan_id",
)


class AuditAction(enum.StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


class AuditEntryPublic(SQLModel):
    id: int
    at: UtcDatetime
    user: str
    roles: str
    action: AuditAction
    entity: str
    entity_id: str
    entity_key: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    cycle: str | None


def audit_table_for(base: type[SQLModel]) -> type[SQLModel]:
    """The ``audit_entry`` table in the registry of ``base`` (one per service)."""

    class AuditEntry(base, table=True):  # type: ignore[valid-type, misc, call-arg]
        __tablename__ = "audit_entry"

        id: int | None = Field(default=None, primary_key=True)
        at: dt.datetime = Field(index=True)
        user: str = Field(index=True, max_length=200)
        roles: str = Field(max_length=500)
        action: str = Field(max_length=10)
        entity: str = Field(index=True, max_length=100)
        entity_id: str = Field(index=True, max_length=100)
        entity_key: dict[str, Any] = Field(sa_column=Column(JSON))
        before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
        after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
        reason: str = Field(default="", max_length=2000)
        cycle: str | None = Field(default=None, index=True, max_length=64)

    return AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _columns(obj: Any) -> dict[str, Any]:
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs}


def _identity(obj: Any) -> tuple[str, dict[str, Any]]:
    key = {name: _plain(getattr(obj, name)) for name in KEY_FIELDS if hasattr(obj, name)}
    return str(getattr(obj, "id", "")), key


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _plain(history.deleted[0]) if history.deleted else None
            after[attr.key] = _plain(history.added[0]) if history.added else None
    return before, after


def _common(session: OrmSession) -> dict[str, Any]:
    """Who, when, why and in which cycle: the same for every entry a request writes."""
    request = session.info.get("request")
    principal = getattr(request.state, "principal", None) if request is not None else None
    headers = request.headers if request is not None else {}
    return {
        "at": dt.datetime.now(dt.UTC),
        "user": principal.subject if principal else "system",
        "roles": " ".join(sorted(principal.roles)) if principal else "",
        "reason": headers.get(REASON_HEADER, "")[:2000],
        # A write that knows its S&OP cycle names it (session.info["audit_cycle"]).
        "cycle": session.info.get("audit_cycle") or headers.get(CYCLE_HEADER) or None,
    }


@event.listens_for(OrmSession, "after_flush")
def _record(session: OrmSession, _context: Any) -> None:
    table = session.info.get("audit_table")
    if table is None:
        return
    common = _common(session)
    rows: list[dict[str, Any]] = []
    for action, objects in (
        (AuditAction.create, session.new),
        (AuditAction.update, session.dirty),
        (AuditAction.delete, session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, table) or not hasattr(obj, "__table__"):
                continue
            entity_id, key = _identity(obj)
            if action is AuditAction.update:
                before, after = _changes(obj)
                if not after:
                    continue
            elif action is AuditAction.create:
                before, after = None, _columns(obj)
            else:
                before, after = _columns(obj), None
            rows.append(
                {
                    **common,
                    "action": action.value,
                    "entity": obj.__tablename__,
                    "entity_id": entity_id,
                    "entity_key": key,
                    "before": before,
                    "after": after,
                }
            )
    if rows:
        session.connection().execute(insert(table), rows)


def record_bulk(
    session: OrmSession,
    *,
    entity: str,
    created: Sequence[Mapping[str, Any]] = (),
    changed: Sequence[Change] = (),
) -> None:
    """Audit rows written by statement (a bulk upsert), which the flush hook cannot see: one
    entry per created row (all its columns) and per changed row (the fields that changed), in
    one ``COPY`` or ``executemany`` (``shared.bulk_write.insert_rows``), with the same
    who/when/why as the hook's."""
    table = session.info.get("audit_table")
    if table is None:
        return
    common = _common(session)
    rows = [
        {
            **common,
            "action": AuditAction.create.value,
            "entity": entity,
            "entity_id": str(row["id"]),
            "entity_key": _key_of(row),
            "before": None,
            "after": {name: _plain(value) for name, value in row.items()},
        }
        for row in created
    ]
    rows.extend(
        {
            **common,
            "action": AuditAction.update.value,
            "entity": entity,
            "entity_id": str(change.id),
            "entity_key": _key_of({**change.key, **change.row}),
            "before": {name: _plain(value) for name, value in change.before.items()},
            "after": {name: _plain(value) for name, value in change.after.items()},
        }
        for change in changed
    )
    insert_rows(session.connection(), table=table.__table__, rows=rows)


def _key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(row[name]) for name in KEY_FIELDS if name in row}


class AuditFilters(BaseModel):
    entity: str | None = Query(default=None, max_length=100)
    entity_id: str | None = Query(default=None, max_length=100)
    user: str | None = Query(default=None, max_length=200)
    cycle: str | None = Query(default=None, max_length=64, pattern=CODE_PATTERN)
    since: DatetimeParam | None = None
    until: DatetimeParam | None = None


def audit_router(table: type[SQLModel]) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get(
        "",
        summary="Audit trail: who changed what, when and why",
        response_model=Page[AuditEntryPublic],
    )
    def list_audit(
        session: SessionDep,
        filters: Annotated[AuditFilters, Query()],
        params: Annotated[PageParams, Depends()],
    ) -> Any:
        query = select(table)
        for name in ("entity", "entity_id", "user", "cycle"):
            value = getattr(filters, name)
            if value is not None:
                query = query.where(col(getattr(table, name)) == value)
        if filters.since:
            query = query.where(col(table.at) >= filters.since)  # type: ignore[attr-defined]
        if filters.until:
            query = query.where(col(table.at) <= filters.until)  # type: ignore[attr-defined]
        return paginate(session, query.order_by(col(table.id)), params)  # type: ignore[attr-defined]

    return router
