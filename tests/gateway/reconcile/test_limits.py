"""Expensive calls are limited per caller (429 with Retry-After) and /solve by size (422)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.main import create_app
from gateway.reconcile.examples import TWO_FAMILIES
from shared.auth import Role
from shared.settings import GatewaySettings
from shared.throttle import Gate, TooManyRequests, gate_of
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

OLIVIA = bearer(Role.process_owner, subject="olivia")
PETER = bearer(Role.process_owner, subject="peter")


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        GatewaySettings(
            database_url=f"sqlite:///{tmp_path}/gateway.db",
            expensive_calls_per_minute=2,
            expensive_calls_concurrent=1,
            solve_max_cells=2 * len(TWO_FAMILIES["periods"]),
        )
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        yield client


async def test_a_caller_gets_429_beyond_the_calls_a_minute(gateway: httpx.AsyncClient) -> None:
    answers = [await gateway.post("/solve", json=TWO_FAMILIES, headers=OLIVIA) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    refused = answers[2]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "too-many-requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another caller has a minute of its own.
    assert (await gateway.post("/solve", json=TWO_FAMILIES, headers=PETER)).status_code == 200


async def test_a_caller_gets_429_beyond_its_calls_in_flight(gateway: httpx.AsyncClient) -> None:
    app = gateway._transport.app  # type: ignore[attr-defined]
    async with gate_of(app, "solve").admit("olivia"):
        busy = await gateway.post("/solve", json=TWO_FAMILIES, headers=OLIVIA)
        other = await gateway.post("/solve", json=TWO_FAMILIES, headers=PETER)
    assert (busy.status_code, busy.headers["Retry-After"]) == (429, "1")
    assert other.status_code == 200


async def test_a_gate_frees_the_slot_when_the_call_fails() -> None:
    gate = Gate(name="solve", per_minute=10, concurrent=1)
    with pytest.raises(RuntimeError):
        async with gate.admit("olivia"):
            raise RuntimeError("the solve failed")
    async with gate.admit("olivia"):
        with pytest.raises(TooManyRequests):
            async with gate.admit("olivia"):
                pass


async def test_a_solve_beyond_the_size_cap_is_422_naming_it(gateway: httpx.AsyncClient) -> None:
    three = {
        **TWO_FAMILIES,
        "families": [*TWO_FAMILIES["families"], {**TWO_FAMILIES["families"][0], "code": "THIRD"}],
    }
    answer = await gateway.post("/solve", json=three, headers=OLIVIA)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body.families"
    assert "at most" in answer.json()["detail"]


async def test_the_solver_time_is_a_metric_by_outcome(gateway: httpx.AsyncClient) -> None:
    def solves(page: str, outcome: str) -> float:
        series = f'sop_solver_seconds_count{{outcome="{outcome}"}}'
        found = [line.split(" ")[1] for line in page.splitlines() if line.startswith(series)]
        return float(found[0]) if found else 0.0

    before = (await gateway.get("/metrics")).text
    solved = await gateway.post("/solve", json=TWO_FAMILIES, headers=OLIVIA)
    after = (await gateway.get("/metrics")).text
    outcome = solved.json()["stats"]["termination"]
    assert solves(after, outcome) - solves(before, outcome) == 1


async def test_the_reconcile_mutation_shares_the_reconcile_limits(
    gateway: httpx.AsyncClient,
) -> None:
    app = gateway._transport.app  # type: ignore[attr-defined]
    async with gate_of(app, "reconcile").admit("olivia"):
        answer = await gateway.post(
            "/graphql", json={"query": "mutation { reconcile { version } }"}, headers=OLIVIA
        )
    errors = answer.json()["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["too-many-requests"]
