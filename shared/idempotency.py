"""``Idempotency-Key`` on the POSTs that create: a request retried after its answer was lost
(a connection reset) replays the first answer instead of creating the resource again.

The key (header ``Idempotency-Key``: 1 to 255 visible ASCII characters, chosen by the
client, e.g. a UUID per operation) is stored with the caller (the token's subject) and the
route, with a fingerprint of the request (method, path, query, JSON body) and, once the
request succeeded, its answer (status, ``ETag`` and ``Location``, body), in the process's
own ``idempotency_key`` table (``idempotency_table_for``). A request with a key:

- claims it in a short transaction of its own, so a concurrent duplicate sees it in flight;
- records its answer in the transaction that creates the resource (``Idempotency.respond``),
  so the key is answered if and only if the resource was created;
- releases it when it fails, so the request can be tried again.

What a request finds under its key is ``existing_key_outcome``: the same request answered
is replayed (``Idempotent-Replayed: true``), another request under the key is a 422, the
same request still in flight a 409. A claim whose process died lapses after
``IN_FLIGHT_SECONDS``; a key is remembered ``RETENTION``.
"""

import datetime as dt
import enum
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from shared.auth import Principal, current_principal
from shared.db import connection_slot
from shared.errors import Conflict, Problem, ValidationFailed
from shared.types import as_utc, utc_now

log = logging.getLogger("sop.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
RECORDED_HEADERS = ("ETag", "Location")
IN_FLIGHT_SECONDS = 600.0
"""How long a claim holds a key without an answer: longer than any request may run (a
reconcile's gather and solve), short enough for a retry after its process died."""
RETENTION = dt.timedelta(hours=24)
"""How long a key is remembered: a retry comes within minutes, a reuse after a day is new."""

DOC = (
    "Optional: a key of yours (1-255 visible ASCII characters, e.g. a UUID) naming this one "
    "operation. Retried with the same key and body (after a lost answer), the request is not "
    "done again: the first answer is replayed with `Idempotent-Replayed: true`. The same key "
    "with another body is a 422; while the first request runs, a 409. Keys are the caller's "
    f"own, per route, kept {RETENTION.total_seconds() / 3600:g} h."
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "A request with this Idempotency-Key is still in flight: retry later",
    },
    422: {
        "model": Problem,
        "description": "Invalid input, or an Idempotency-Key used for another request",
    },
}


def created_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of a POST that creates and takes an ``Idempotency-Key``: its
    201 (which may be a replay, saying so in a header), 409 and 422."""
    replayed = {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same Idempotency-Key (nothing was done again)",
        "schema": {"type": "string", "enum": ["true"]},
    }
    return {201: {"description": description, "headers": {REPLAYED_HEADER: replayed}}, **RESPONSES}


def idempotency_table_for(base: type[SQLModel]) -> type[SQLModel]:
    """The ``idempotency_key`` table in the registry of ``base`` (one per process)."""

    class IdempotencyKey(base, table=True):  # type: ignore[valid-type, misc, call-arg]
        __tablename__ = "idempotency_key"
        __table_args__ = (UniqueConstraint("caller", "route", "key"),)

        id: int | None = Field(default=None, primary_key=True)
        caller: str = Field(max_length=200)
        route: str = Field(max_length=300)
        key: str = Field(max_length=255)
        fingerprint: str = Field(max_length=64)
        claim: str = Field(max_length=32)
        created_at: dt.datetime = Field(
            sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
        )
        status_code: int | None = None
        headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
        body: str | None = Field(default=None, sa_column=Column(Text))

    return IdempotencyKey


class Outcome(enum.Enum):
    claim = "claim"
    replay = "replay"
    in_flight = "in_flight"
    other_request = "other_request"


def existing_key_outcome(*, same_request: bool, answered: bool, age: dt.timedelta) -> Outcome:
    """What a request does with its key when the key is stored already, ``age`` ago.

    The rule: a key older than ``RETENTION`` is forgotten (claimed as new). Otherwise a
    different request under it is refused (``other_request``: a key names one request); the
    same request replays the stored answer (``replay``), or, while the first is unanswered,
    waits (``in_flight``) unless the first's claim is older than ``IN_FLIGHT_SECONDS`` (its
    process died: ``claim``)."""
    if age > RETENTION:
        return Outcome.claim
    if not same_request:
        return Outcome.other_request
    if answered:
        return Outcome.replay
    if age.total_seconds() > IN_FLIGHT_SECONDS:
        return Outcome.claim
    return Outcome.in_flight


def fingerprint_of(*, method: str, path: str, query: str, body: bytes) -> str:
    """SHA-256 of the request: method, path, query and body (JSON in a canonical form, so
    a client that serialises the same body again differently is the same request)."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """A key held by one request: its row and the token that says the hold is this one."""

    row_id: int
    token: str


@dataclass(frozen=True)
class Stored:
    """The answer recorded under a key."""

    status_code: int
    headers: dict[str, str]
    body: str

    def response(self) -> Response:
        return Response(
            self.body,
            status_code=self.status_code,
            headers={**self.headers, REPLAYED_HEADER: "true"},
            media_type="application/json",
        )


def claim_key(
    engine: Engine,
    table: Table,
    *,
    caller: str,
    route: str,
    key: str,
    fingerprint: str,
    now: dt.datetime,
) -> Claim | Stored:
    """Hold the key for this request (committed at once), or the answer stored under it;
    a 422 or 409 (``existing_key_outcome``) otherwise."""
    token = uuid.uuid4().hex
    held = {"fingerprint": fingerprint, "claim": token, "created_at": now}
    unanswered = {"status_code": None, "headers": None, "body": None}
    for _ in range(3):
        try:
            with engine.begin() as connection:
                inserted = connection.execute(
                    insert(table).values(caller=caller, route=route, key=key, **held)
                )
                row_id: int = inserted.inserted_primary_key[0]  # type: ignore[index]
                return Claim(row_id=row_id, token=token)
        except IntegrityError:
            pass  # stored already: see below
        with engine.begin() as connection:
            row = connection.execute(
                select(table).where(
                    table.c.caller == caller, table.c.route == route, table.c.key == key
                )
            ).one_or_none()
            if row is None:
                continue  # released meanwhile: claim it
            outcome = existing_key_outcome(
                same_request=row.fingerprint == fingerprint,
                answered=row.status_code is not None,
                age=now - as_utc(row.created_at),
            )
            if outcome is Outcome.replay:
                return Stored(status_code=row.status_code, headers=row.headers or {}, body=row.body)
            if outcome is Outcome.other_request:
                raise ValidationFailed(
                    f"this {HEADER} was used for another request; use a new key for a new "
                    "request (a key names one request and its retries)",
                    field=f"header.{HEADER}",
                )
            if outcome is Outcome.claim:
                taken = connection.execute(
                    update(table)
                    .where(table.c.id == row.id, table.c.claim == row.claim)
                    .values(**held, **unanswered)
                )
                if taken.rowcount == 1:
                    return Claim(row_id=row.id, token=token)
            break
    error = Conflict(
        f"a request with this {HEADER} is still in flight; retry when it has answered",
        extra={"retry_after_seconds": 1},
    )
    error.headers = {"Retry-After": "1"}
    raise error


def record_answer(
    session: Session,
    table: Table,
    claim: Claim,
    *,
    status_code: int,
    headers: Mapping[str, str],
    body: str,
) -> None:
    """Store the answer under the claimed key, in ``session``'s transaction (the one that
    creates the resource): a 409 when the claim lapsed and another request took the key."""
    recorded = session.connection().execute(
        update(table)
        .where(
            table.c.id == claim.row_id,
            table.c.claim == claim.token,
            table.c.status_code.is_(None),
        )
        .values(status_code=status_code, headers=dict(headers), body=body)
    )
    if recorded.rowcount != 1:
        raise Conflict(f"this request's {HEADER} was taken over by a retry; nothing was done")


async def _release(engine: Engine, table: Table, claim: Claim) -> None:
    try:
        async with connection_slot(engine):
            await anyio.to_thread.run_sync(release_key, engine, table, claim)
    except Exception:  # a busy pool: the claim lapses in time
        log.exception("could not release an %s claim", HEADER)


def release_key(engine: Engine, table: Table, claim: Claim) -> None:
    """Free the key of a request that failed (nothing was created): its retry may run.
    An answered key is left as it is."""
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(table).where(
                    table.c.id == claim.row_id,
                    table.c.claim == claim.token,
                    table.c.status_code.is_(None),
                )
            )
    except Exception:  # never hide the request's own failure; the claim lapses in time
        log.exception("could not release an %s claim", HEADER)


class Idempotency:
    """A request's ``Idempotency-Key`` as its route sees it.

    ``replay``: the stored answer of an earlier request with the key, for the route to
    return as it is, doing nothing else. Otherwise the route answers with ``respond``,
    which records the answer with the key (when there is one) in the transaction that
    creates the resource."""

    def __init__(
        self, *, table: Table, claim: Claim | None = None, replay: Response | None = None
    ) -> None:
        self.table = table
        self.claim = claim
        self.replay = replay
        self.answered = False
        self.response: Response | None = None

    def respond(
        self,
        session: Session,
        *,
        body: BaseModel,
        status_code: int,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """``body`` as JSON with ``headers``; recorded under the key in ``session``."""
        content = body.model_dump_json()
        kept = {name: value for name, value in (headers or {}).items() if name in RECORDED_HEADERS}
        if self.claim is not None:
            record_answer(
                session,
                self.table,
                self.claim,
                status_code=status_code,
                headers=kept,
                body=content,
            )
            self.answered = True
        self.response = Response(
            content,
            status_code=status_code,
            headers=dict(headers or {}),
            media_type="application/json",
        )
        return self.response

    def answer(self) -> Response:
        """The response ``respond`` built."""
        if self.response is None:
            raise RuntimeError("the route answered without Idempotency.respond")
        return self.response


def idempotency_key(table: type[SQLModel]) -> Callable[..., AsyncIterator[Idempotency]]:
    """The dependency of a POST that creates (``idempotent`` declares it): it claims the
    request's key before the route runs and releases it when the request fails. Declare it
    before the request's session: it takes a connection slot (``shared.db``) of its own to
    claim, which it must not wait for while the session holds one."""
    sql_table: Table = table.__table__  # type: ignore[attr-defined]

    async def dependency(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        key: Annotated[
            str | None,
            Header(
                alias=HEADER,
                min_length=1,
                max_length=255,
                pattern=KEY_PATTERN,
                description=DOC,
                examples=["5f0c6f7e-3c1b-4d8e-9a55-0b6f4f2b9d10"],
            ),
        ] = None,
    ) -> AsyncIterator[Idempotency]:
        if key is None:
            yield Idempotency(table=sql_table)
            return
        engine: Engine = request.app.state.engine
        route = request.scope.get("route")
        fingerprint = fingerprint_of(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            body=await request.body(),
        )
        async with connection_slot(engine):
            outcome = await anyio.to_thread.run_sync(
                partial(
                    claim_key,
                    engine,
                    sql_table,
                    caller=principal.subject,
                    route=f"{request.method} {getattr(route, 'path', request.url.path)}",
                    key=key,
                    fingerprint=fingerprint,
                    now=utc_now(),
                )
            )
        if isinstance(outcome, Stored):
            yield Idempotency(table=sql_table, replay=outcome.response())
            return
        idempotency = Idempotency(table=sql_table, claim=outcome)
        failed = True
        try:
            yield idempotency
            failed = False
        finally:
            # Answered: recorded with the resource, committed before this runs (the request's
            # session is function-scoped, this dependency request-scoped).
            if failed or not idempotency.answered:
                await _release(engine, sql_table, outcome)

    return dependency


def idempotent(table: type[SQLModel]) -> Any:
    """``Depends`` on ``idempotency_key(table)``, scoped to the request: its release runs
    after the request's session has committed or rolled back, never while it holds locks."""
    return Depends(idempotency_key(table), scope="request")
