"""Idempotency-Key on the POSTs that create, through the demand service's POST /demand-plans
(the supply plans, the reconcile and the decisions use the same mechanism), on SQLite and
PostgreSQL: a retry replays, another body is a 422, a concurrent duplicate a 409, a failed
request frees its key, and keys are each caller's own."""

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.main import create_app as create_gateway
from services.demand.main import create_app
from services.demand.plans import service as plans
from services.demand.tables import IdempotencyKey
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.idempotency import (
    IN_FLIGHT_SECONDS,
    RETENTION,
    Outcome,
    existing_key_outcome,
    fingerprint_of,
)
from shared.settings import DemandSettings, GatewaySettings, SupplySettings
from tests.concurrency import serving
from tests.tokens import bearer

PLANNER = bearer(Role.demand_planner, subject="dana")
PLAN = {"name": "Demand review", "horizon_start": "2026-01", "horizon_months": 12}
KEY = "4c1f6d2e-retry-me"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(DemandSettings(database_url=database_url))
    with TestClient(app, headers=PLANNER) as test_client:
        yield test_client


def post(client: TestClient, body: dict[str, Any], key: str | None = KEY, **headers: str) -> Any:
    keyed = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/demand-plans", json=body, headers={**keyed, **headers})


def stored_keys(client: TestClient) -> list[Any]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return list(connection.execute(select(IdempotencyKey.__table__)))  # type: ignore[attr-defined]


def test_a_retry_with_the_same_key_replays_the_first_answer(client: TestClient) -> None:
    first = post(client, PLAN)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    again = post(client, dict(reversed(list(PLAN.items()))))  # same body, keys reordered

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert client.get("/demand-plans").json()["total"] == 1
    (row,) = stored_keys(client)
    assert (row.caller, row.route, row.key, row.status_code) == (
        "dana",
        "POST /demand-plans",
        KEY,
        201,
    )
    # Without a key, each POST creates.
    assert post(client, PLAN, key=None).json()["version"] == 2


def test_the_same_key_with_another_request_is_a_422(client: TestClient) -> None:
    assert post(client, PLAN).status_code == 201
    other = post(client, {**PLAN, "name": "Another review"})
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert "another request" in other.json()["detail"]
    assert client.get("/demand-plans").json()["total"] == 1


def test_keys_are_the_callers_own(client: TestClient) -> None:
    assert post(client, PLAN).status_code == 201
    other_planner = bearer(Role.demand_planner, subject="pat")
    theirs = post(client, PLAN, **other_planner)
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert client.get("/demand-plans").json()["total"] == 2


def test_a_failed_request_frees_its_key(client: TestClient) -> None:
    line = {"family_code": "NOPE", "segment_code": "KEY", "period": "2026-01", "quantity": 1}
    unknown = {**PLAN, "lines": [line]}
    assert post(client, unknown).status_code == 422
    refused = post(client, {**PLAN, "horizon_start": "9999-12"})
    assert refused.status_code == 422
    assert stored_keys(client) == []
    # Nothing was created: the key serves the corrected request.
    assert post(client, PLAN).status_code == 201


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "tab\tkey"])
def test_a_key_of_visible_ascii_up_to_255_characters(client: TestClient, key: str) -> None:
    response = post(client, PLAN, key=key)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert post(client, PLAN, key="x" * 255).status_code == 201


def age_the_claim(client: TestClient, seconds: float) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    table = IdempotencyKey.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        then = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
        connection.execute(update(table).values(created_at=then))


def test_a_claim_left_by_a_dead_process_lapses(client: TestClient) -> None:
    assert post(client, PLAN).status_code == 201
    table = IdempotencyKey.__table__  # type: ignore[attr-defined]
    with client.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
        # As if the process died between the claim and the answer.
        connection.execute(update(table).values(status_code=None, body=None, headers=None))
    assert post(client, PLAN).status_code == 409
    age_the_claim(client, IN_FLIGHT_SECONDS + 1)
    taken_over = post(client, PLAN)
    assert taken_over.status_code == 201
    assert "idempotent-replayed" not in taken_over.headers


def test_a_key_older_than_the_retention_is_new(client: TestClient) -> None:
    assert post(client, PLAN).status_code == 201
    age_the_claim(client, RETENTION.total_seconds() + 1)
    later = post(client, {**PLAN, "name": "Next month's review"})
    assert later.status_code == 201
    assert later.json()["version"] == 2


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_concurrent_duplicate_is_a_409(
    database_url: str, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    create = plans.create_plan

    def slow_create(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # the first request is still in flight when the second comes
        return create(*args, **kwargs)

    monkeypatch.setattr(plans, "create_plan", slow_create)
    app = create_app(DemandSettings(database_url=database_url))
    headers = {**PLANNER, "Idempotency-Key": KEY}
    async with serving(app, headers) as client:
        answers = await asyncio.gather(
            client.post("/demand-plans", json=PLAN), client.post("/demand-plans", json=PLAN)
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409], [answer.text for answer in answers]
        busy = next(answer for answer in answers if answer.status_code == 409)
        assert busy.headers["retry-after"] == "1"
        assert "in flight" in busy.json()["detail"]
        # Once answered, the retry is a replay.
        retry = await client.post("/demand-plans", json=PLAN)
        assert (retry.status_code, retry.headers["idempotent-replayed"]) == (201, "true")
        assert (await client.get("/demand-plans")).json()["total"] == 1


def test_the_rule_for_a_key_stored_already() -> None:
    fresh, old = dt.timedelta(seconds=5), dt.timedelta(seconds=IN_FLIGHT_SECONDS + 1)
    outcome = existing_key_outcome
    assert outcome(same_request=True, answered=True, age=fresh) is Outcome.replay
    assert outcome(same_request=True, answered=False, age=fresh) is Outcome.in_flight
    assert outcome(same_request=True, answered=False, age=old) is Outcome.claim
    assert outcome(same_request=False, answered=True, age=fresh) is Outcome.other_request
    assert outcome(same_request=False, answered=False, age=fresh) is Outcome.other_request
    forgotten = RETENTION + dt.timedelta(seconds=1)
    assert outcome(same_request=False, answered=True, age=forgotten) is Outcome.claim


def test_a_fingerprint_is_of_the_request_not_of_its_json_spelling() -> None:
    def of(body: bytes, path: str = "/demand-plans") -> str:
        return fingerprint_of(method="POST", path=path, query="", body=body)

    assert of(b'{"a": 1, "b": [1, 2]}') == of(b'{"b":[1,2],"a":1}')
    assert of(b'{"a": 1}') != of(b'{"a": 2}')
    assert of(b'{"a": 1}') != of(b'{"a": 1}', path="/supply-plans")
    assert of(b"") == of(b"") != of(b"{}")


@pytest.mark.parametrize(
    ("app", "path"),
    [
        (lambda: create_app(DemandSettings(database_url="sqlite://")), "/demand-plans"),
        (lambda: create_supply(SupplySettings(database_url="sqlite://")), "/supply-plans"),
        (lambda: create_gateway(GatewaySettings(database_url="sqlite://")), "/reconcile"),
        (
            lambda: create_gateway(GatewaySettings(database_url="sqlite://")),
            "/cycles/{id}/escalations/{escalation_id}/decision",
        ),
    ],
)
def test_the_header_is_documented_on_the_posts_that_create(app: Any, path: str) -> None:
    operation = app().openapi()["paths"][path]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and not header.get("required", False)
    assert "replayed" in header["description"]
    assert header["schema"]["anyOf"][0]["maxLength"] == 255
    created = operation["responses"]["201"]
    assert "Idempotent-Replayed" in created["headers"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("Public")
    assert {"409", "422"} <= set(operation["responses"])
    json.dumps(operation)  # serialisable as it is served
