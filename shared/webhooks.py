"""Webhooks: signed event notifications with retries and a delivery log.

Transactional outbox: ``emit`` writes one delivery row per matching subscription in the
same transaction as the change that caused the event, so an event is announced if and
only if its change commits. A background dispatcher (started in the app's lifespan) POSTs
pending deliveries, signed with HMAC-SHA256 over ``<timestamp>.<body>`` with the
subscription's secret, retrying with exponential backoff (tenacity) and recording every
attempt's outcome on the delivery row, which is the delivery log.
"""

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, status
from fastapi_pagination.ext.sqlmodel import paginate
from pydantic import AnyHttpUrl, BaseModel, Field
from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field as SqlField
from sqlmodel import Session, SQLModel, col, select
from tenacity import AsyncRetrying, RetryError, stop_after_attempt, wait_exponential

from shared.db import SessionDep, run_in_session
from shared.errors import FieldError, NotFound, ValidationFailed
from shared.pagination import Page, PageParams
from shared.types import CLOSED, Code, RowId, UtcDatetime

log = logging.getLogger("sop.webhooks")
SIGNATURE_HEADER = "X-SOP-Signature"


class SubscriptionCreate(BaseModel):
    model_config = CLOSED

    url: AnyHttpUrl
    events: list[Code] = Field(min_length=1, max_length=50, examples=[["plan.approved"]])
    secret: str = Field(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")


class SubscriptionPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: UtcDatetime


class DeliveryPublic(BaseModel):
    id: int
    subscription_id: int
    event: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class WebhookTables:
    subscription: type[SQLModel]
    delivery: type[SQLModel]
    # The events the process emits: a subscription to any other name is refused (422).
    events: frozenset[str] = frozenset()


def webhook_tables_for(base: type[SQLModel], *, events: Iterable[str] = ()) -> WebhookTables:
    """Subscription and delivery tables in the registry of ``base``, for ``events``."""

    class WebhookSubscription(base, table=True):  # type: ignore[valid-type, misc, call-arg]
        __tablename__ = "webhook_subscription"

        id: int | None = SqlField(default=None, primary_key=True)
        url: str = SqlField(max_length=2000)
        events: list[str] = SqlField(sa_column=Column(JSON))
        secret: str = SqlField(max_length=200)
        created_at: dt.datetime

    class WebhookDelivery(base, table=True):  # type: ignore[valid-type, misc, call-arg]
        __tablename__ = "webhook_delivery"

        id: int | None = SqlField(default=None, primary_key=True)
        subscription_id: int = SqlField(index=True)
        event: str = SqlField(index=True, max_length=64)
        payload: dict[str, Any] = SqlField(sa_column=Column(JSON))
        status: str = SqlField(default="pending", index=True, max_length=16)
        attempts: int = 0
        last_status_code: int | None = None
        last_error: str | None = SqlField(default=None, max_length=500)
        created_at: dt.datetime
        delivered_at: dt.datetime | None = None

    return WebhookTables(
        subscription=WebhookSubscription, delivery=WebhookDelivery, events=frozenset(events)
    )


def emit(session: Session, *, tables: WebhookTables, event: str, payload: dict[str, Any]) -> int:
    """Queue ``event`` for every subscription to it; returns how many deliveries were queued."""
    now = dt.datetime.now(dt.UTC)
    subscriptions = session.exec(select(tables.subscription)).all()
    queued = 0
    for subscription in subscriptions:
        if event in subscription.events:  # type: ignore[attr-defined]
            session.add(
                tables.delivery(
                    subscription_id=subscription.id,  # type: ignore[attr-defined]
                    event=event,
                    payload=payload,
                    created_at=now,
                )
            )
            queued += 1
    session.flush()
    return queued


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class Dispatcher:
    """Delivers pending webhook deliveries; ``run`` loops, ``deliver_pending`` does one pass.

    Its reads and writes of the delivery log run in worker threads, each within a connection
    slot (``shared.db.run_in_session``): the event loop it shares with the requests never
    waits on the database."""

    def __init__(
        self,
        *,
        engine: Engine,
        tables: WebhookTables,
        client: httpx.AsyncClient,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.client = client
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.poll_seconds = poll_seconds
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Pass after pass until ``stop``: the pass in progress ends first, so that no query
        is left running in a worker thread when the process disposes of its engine."""
        while not self._stopping.is_set():
            try:
                await self.deliver_pending()
            except Exception:  # keep the loop alive; the failure is logged, the row retried
                log.exception("webhook dispatch pass failed")
            with suppress(TimeoutError):  # asyncio.timeout: see gateway.jobs.runner
                async with asyncio.timeout(self.poll_seconds):
                    await self._stopping.wait()

    def stop(self) -> None:
        self._stopping.set()

    async def deliver_pending(self) -> int:
        pairs = await run_in_session(self.engine, work=self._pending)
        await asyncio.gather(*(self._deliver(delivery, sub) for delivery, sub in pairs))
        return len(pairs)

    def _pending(self, session: Session) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The oldest pending deliveries with their subscriptions, as plain data."""
        pending = session.exec(
            select(self.tables.delivery, self.tables.subscription)
            .where(col(self.tables.delivery.status) == "pending")  # type: ignore[attr-defined]
            .where(
                col(self.tables.delivery.subscription_id)  # type: ignore[attr-defined]
                == col(self.tables.subscription.id)  # type: ignore[attr-defined]
            )
            .order_by(col(self.tables.delivery.id))  # type: ignore[attr-defined]
            .limit(100)
        ).all()
        return [(d.model_dump(), s.model_dump()) for d, s in pending]

    async def _deliver(self, delivery: dict[str, Any], subscription: dict[str, Any]) -> None:
        body = json.dumps(
            {"id": delivery["id"], "event": delivery["event"], "data": delivery["payload"]},
            sort_keys=True,
        ).encode()
        attempts = 0
        outcome: dict[str, Any] = {}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=60),
            reraise=False,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    outcome = await self._post(subscription, delivery, body)
                    if outcome["status"] != "delivered":
                        raise RuntimeError(outcome["last_error"])
        except RetryError:
            outcome["status"] = "failed"
        outcome["attempts"] = attempts
        await run_in_session(
            self.engine, work=partial(self._record, delivery_id=delivery["id"], values=outcome)
        )

    async def _post(
        self, subscription: dict[str, Any], delivery: dict[str, Any], body: bytes
    ) -> dict[str, Any]:
        timestamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-SOP-Event": delivery["event"],
            "X-SOP-Delivery": str(delivery["id"]),
            "X-SOP-Timestamp": timestamp,
            SIGNATURE_HEADER: sign(subscription["secret"], timestamp, body),
        }
        try:
            response = await self.client.post(subscription["url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            return {"status": "pending", "last_status_code": None, "last_error": repr(exc)[:500]}
        if response.is_success:
            return {
                "status": "delivered",
                "last_status_code": response.status_code,
                "last_error": None,
            }
        return {
            "status": "pending",
            "last_status_code": response.status_code,
            "last_error": f"receiver answered {response.status_code}",
        }

    def _record(self, session: Session, *, delivery_id: int, values: dict[str, Any]) -> None:
        """One more outcome on the delivery row: its status, attempts so far, last answer."""
        row = session.get(self.tables.delivery, delivery_id)
        if row is None:
            return
        values = {**values, "attempts": row.attempts + values["attempts"]}  # type: ignore[attr-defined]
        if values["status"] == "delivered":
            values["delivered_at"] = dt.datetime.now(dt.UTC)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


def webhook_router(tables: WebhookTables, *, dependencies: Sequence[Any] = ()) -> APIRouter:
    router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=list(dependencies))
    subscription, delivery = tables.subscription, tables.delivery

    known = ", ".join(sorted(tables.events)) or "none"

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary="Subscribe a URL to events",
        description=f"The events this process emits: {known}. Any other name is a 422.",
    )
    def subscribe(session: SessionDep, body: SubscriptionCreate) -> SubscriptionPublic:
        unknown = [
            FieldError(
                field=f"body.events.{index}", reason=f"unknown event {event!r}; known: {known}"
            )
            for index, event in enumerate(body.events)
            if event not in tables.events
        ]
        if unknown:
            raise ValidationFailed(f"{len(unknown)} unknown event name(s)", errors=unknown)
        row = subscription(
            url=str(body.url),
            events=body.events,
            secret=body.secret,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        return SubscriptionPublic.model_validate(row.model_dump())

    @router.get("", summary="List subscriptions", response_model=Page[SubscriptionPublic])
    def list_subscriptions(session: SessionDep, params: Annotated[PageParams, Depends()]) -> Any:
        return paginate(session, select(subscription).order_by(col(subscription.id)), params)  # type: ignore[attr-defined]

    @router.delete(
        "/{subscription_id:int}", status_code=status.HTTP_204_NO_CONTENT, summary="Unsubscribe"
    )
    def unsubscribe(session: SessionDep, subscription_id: RowId) -> None:
        row = session.get(subscription, subscription_id)
        if row is None:
            raise NotFound(f"no webhook subscription {subscription_id}")
        session.delete(row)

    @router.get("/deliveries", summary="Delivery log", response_model=Page[DeliveryPublic])
    def list_deliveries(
        session: SessionDep,
        params: Annotated[PageParams, Depends()],
        event: Code | None = None,
        delivery_status: Annotated[
            str | None, Field(pattern="^(pending|delivered|failed)$")
        ] = None,
    ) -> Any:
        query = select(delivery)
        if event:
            query = query.where(col(delivery.event) == event)  # type: ignore[attr-defined]
        if delivery_status:
            query = query.where(col(delivery.status) == delivery_status)  # type: ignore[attr-defined]
        return paginate(session, query.order_by(col(delivery.id)), params)  # type: ignore[attr-defined]

    return router
