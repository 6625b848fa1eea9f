"""Webhook outbox: queued with the change's transaction, signed, retried, logged."""

import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import registry
from sqlmodel import Session, SQLModel, select

from shared.db import create_db_engine
from shared.webhooks import Dispatcher, emit, sign, webhook_tables_for


class HookTable(SQLModel, registry=registry()):
    pass


TABLES = webhook_tables_for(HookTable)
SECRET = "a-long-enough-shared-secret"


@pytest.fixture
def engine(database_url: str) -> Iterator[object]:
    engine = create_db_engine(database_url)
    HookTable.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(
            TABLES.subscription(
                url="http://receiver.test/hook",
                events=["plan.approved"],
                secret=SECRET,
                created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            )
        )
        session.commit()
    yield engine
    engine.dispose()


def deliveries(engine: object) -> list[dict]:
    with Session(engine) as session:  # type: ignore[arg-type]
        return [d.model_dump() for d in session.exec(select(TABLES.delivery)).all()]


def test_only_subscribed_events_are_queued_and_a_rollback_queues_nothing(engine: object) -> None:
    with Session(engine) as session:  # type: ignore[arg-type]
        assert emit(session, tables=TABLES, event="plan.approved", payload={"plan": 1}) == 1
        assert emit(session, tables=TABLES, event="other.event", payload={}) == 0
        session.rollback()
    assert deliveries(engine) == []


@pytest.mark.anyio
async def test_delivery_is_signed_and_logged(engine: object) -> None:
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    with Session(engine) as session:  # type: ignore[arg-type]
        emit(session, tables=TABLES, event="plan.approved", payload={"plan": 7})
        session.commit()
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as client:
        dispatcher = Dispatcher(engine=engine, tables=TABLES, client=client, backoff_seconds=0)  # type: ignore[arg-type]
        assert await dispatcher.deliver_pending() == 1
        assert await dispatcher.deliver_pending() == 0
    request = received[0]
    body = request.content
    expected = sign(SECRET, request.headers["X-SOP-Timestamp"], body)
    assert request.headers["X-SOP-Signature"] == expected
    assert json.loads(body)["data"] == {"plan": 7}
    [log] = deliveries(engine)
    assert log["status"] == "delivered" and log["attempts"] == 1 and log["last_status_code"] == 204


@pytest.mark.anyio
async def test_failing_receiver_is_retried_then_marked_failed(engine: object) -> None:
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503)

    with Session(engine) as session:  # type: ignore[arg-type]
        emit(session, tables=TABLES, event="plan.approved", payload={})
        session.commit()
    async with httpx.AsyncClient(transport=httpx.MockTransport(flaky)) as client:
        dispatcher = Dispatcher(
            engine=engine,  # type: ignore[arg-type]
            tables=TABLES,
            client=client,
            max_attempts=3,
            backoff_seconds=0,
        )
        await dispatcher.deliver_pending()
    [log] = deliveries(engine)
    assert calls == 3
    assert log["status"] == "failed" and log["attempts"] == 3 and log["last_status_code"] == 503


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
