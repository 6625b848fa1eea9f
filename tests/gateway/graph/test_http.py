"""``/graphql`` over HTTP: a request's work stops when its client disconnects or its time
budget runs out (the resolvers, the DataLoader batches and the upstream calls they make are
cancelled), and JSON nested too deep is a 400 problem, never a 500."""

import asyncio
import json
import time

import pytest
from starlette.types import Message

from tests.gateway.graph.builders import OWNER, UPSTREAMS, Hanging, empty, gateway_over

pytestmark = pytest.mark.anyio

QUERY = "{ latestConsensusPlan { id } families { code routings { resourceCode } } }"


async def test_a_client_that_disconnects_cancels_the_upstream_calls() -> None:
    demand = Hanging()
    calls: list[str] = []
    transports = {"demand": demand.transport(), "supply": empty(calls), "finance": empty(calls)}
    async with gateway_over(transports) as (app, _):
        body = json.dumps({"query": QUERY}).encode()
        inbox: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if inbox:
                return inbox.pop()
            await demand.started.wait()  # the client gives up once the work has begun
            return {"type": "http.disconnect"}

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"gateway"),
                (b"content-type", b"application/json"),
                (b"authorization", OWNER["Authorization"].encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("gateway", 80),
        }
        started = time.monotonic()
        await asyncio.wait_for(app(scope, receive, send), timeout=5)
        assert time.monotonic() - started < 2
        await asyncio.wait_for(demand.cancelled.wait(), timeout=2)
    [answer] = [message for message in sent if message["type"] == "http.response.body"]
    assert json.loads(answer["body"])["errors"][0]["extensions"]["code"] == "client-disconnected"


async def test_a_request_over_its_time_budget_answers_an_error_and_stops() -> None:
    supply = Hanging()
    calls: list[str] = []
    transports = {"demand": empty(calls), "supply": supply.transport(), "finance": empty(calls)}
    async with gateway_over(transports, graphql_time_budget_seconds=0.3) as (_, client):
        started = time.monotonic()
        response = await asyncio.wait_for(
            client.post(
                "/graphql", json={"query": "{ latestConsensusPlan { id } resources { code } }"}
            ),
            timeout=5,
        )
        assert time.monotonic() - started < 2
        await asyncio.wait_for(supply.cancelled.wait(), timeout=2)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "time-budget-exceeded"}
        assert "0.3 s" in error["message"]
        # The gateway serves the next request as usual.
        quick = await client.post("/graphql", json={"query": "{ latestConsensusPlan { id } }"})
        assert quick.json() == {"data": {"latestConsensusPlan": None}}


@pytest.mark.parametrize("depth", [33, 10_000])
async def test_variables_nested_too_deep_are_a_400_problem(depth: int) -> None:
    variables = "[" * depth + "]" * depth
    query = "query($codes: [Code!]) { families(codes: $codes) { code } }"
    # Written by hand: json.dumps cannot write what json.loads cannot read back.
    body = f'{{"query": "{query}", "variables": {{"codes": {variables}}}}}'
    calls: list[str] = []
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}) as (_, client):
        posted = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        got = await client.get(
            "/graphql", params={"query": "{ __typename }", "variables": variables}
        )
    for response in (posted, got):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "json-too-deep"
    assert calls == []


async def test_variables_within_the_nesting_limit_are_read() -> None:
    calls: list[str] = []
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}) as (_, client):
        response = await client.post(
            "/graphql",
            content=json.dumps({"query": "{ __typename }", "variables": {"a": [[[{"b": [1]}]]]}}),
            headers={"content-type": "application/json"},
        )
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.status_code == 200
