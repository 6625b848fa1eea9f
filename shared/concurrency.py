"""Optimistic concurrency: a row's version as its ETag, If-Match on every write.

A write names the version it read (``If-Match: "7"``). ``claim`` moves the row from that
version to the next with one conditional UPDATE before anything else is written: two
writers holding the same version cannot both move it, whatever their timing (on
PostgreSQL the second waits for the first's row lock, then finds the version changed; on
SQLite the write lock serialises them the same way), and the loser gets 409 with the
current version. Checks the caller makes before claiming read the same version, so they
held when it won.

The version lives in an integer column, ``version`` unless told otherwise: a table whose
``version`` already numbers something else (a plan's versions) keeps its edit counter in
another column (e.g. ``revision``).
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Response
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from shared.errors import Conflict, DomainError, NotFound, ValidationFailed

IF_MATCH_FIELD = "header.If-Match"
_ENTITY_TAG = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')


class VersionConflict(Conflict):
    """The caller's If-Match names a version that is no longer current (409)."""

    code = "version-conflict"

    def __init__(self, what: str, *, current_version: int, column: str = "version") -> None:
        super().__init__(
            f"{what} changed since you read it: it is at {column} {current_version}; "
            "read it again and retry with If-Match: "
            f'"{current_version}"',
            extra={"current_version": current_version, "etag": etag(current_version)},
        )


class PreconditionRequired(DomainError):
    """A write without the version it was based on (428): lost updates are never silent."""

    status = 428
    code = "precondition-required"


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header names; ``None`` when there is no header."""
    if value is None:
        return None
    match = _ENTITY_TAG.fullmatch(value.strip())
    if match is None:
        raise ValidationFailed(
            'If-Match must be one entity tag with the version you read, e.g. "3"',
            field=IF_MATCH_FIELD,
        )
    return int(match.group(1))


def if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=64,
            description='The version (ETag) the write is based on, e.g. "3".',
        ),
    ] = None,
) -> int | None:
    """FastAPI dependency: the If-Match version, parsed (its absence is judged later, after
    the caller's rights, so a wrong role learns 403 rather than 428)."""
    return parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(if_match)]


def require_version(expected: int | None, *, what: str, column: str = "version") -> int:
    if expected is None:
        raise PreconditionRequired(
            f"writing {what} needs If-Match with the {column} (ETag) you read",
            field=IF_MATCH_FIELD,
        )
    return expected


def check_version(row: Any, expected: int, *, what: str, column: str = "version") -> None:
    """Refuse early, before any work, a write based on a version that is already stale."""
    current = getattr(row, column)
    if current != expected:
        raise VersionConflict(what, current_version=current, column=column)


def claim(session: Session, row: Any, expected: int, *, what: str, column: str = "version") -> None:
    """Move ``row`` from version ``expected`` to the next, or 409 if someone else did."""
    table = type(row)
    version = getattr(table, column)
    moved = session.execute(
        update(table)
        .where(col(table.id) == row.id, col(version) == expected)
        .values({column: expected + 1})
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        current = session.exec(select(version).where(col(table.id) == row.id)).first()
        if current is None:
            raise NotFound(f"{what} no longer exists")
        raise VersionConflict(what, current_version=current, column=column)
    # The UPDATE bypassed the unit of work: tell the loaded object without marking it dirty.
    set_committed_value(row, column, expected + 1)


def claim_version(
    session: Session,
    row: Any,
    expected: int | None,
    *,
    what: str,
    column: str = "version",
    writable: Callable[[], None] | None = None,
) -> None:
    """The whole guard of a write: not stale (409), then ``writable`` (the row's own state,
    e.g. a locked plan refuses every edit), then If-Match given (428), then claimed. A stale
    version is judged first, so the losers of a race answer alike (409 with the current
    version) whatever the winner did, an edit or a change of state."""
    if expected is not None:
        check_version(row, expected, what=what, column=column)
    if writable is not None:
        writable()
    version = require_version(expected, what=what, column=column)
    claim(session, row, version, what=what, column=column)
