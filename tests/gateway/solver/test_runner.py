"""Every solve of the gateway runs on a solver worker: the event loop stays free while a big
one runs, and a solve past its wall limit answers a 504 problem."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from bench.planning_problems import synthetic_problem
from gateway.main import create_app
from shared.auth import Role
from shared.settings import GatewaySettings
from tests.tokens import bearer

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def gateway(**settings: object) -> AsyncIterator[httpx.AsyncClient]:
    upstream = httpx.MockTransport(lambda request: httpx.Response(200, json={"status": "ok"}))
    app = create_app(
        GatewaySettings(database_url="sqlite://", **settings),  # type: ignore[arg-type]
        transports={"demand": upstream, "supply": upstream, "finance": upstream},
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gw",
            headers=bearer(Role.process_owner),
            timeout=120,
        ) as client,
    ):
        yield client


async def test_health_answers_while_a_big_solve_runs() -> None:
    # 60 families x 12 months with its options: seconds of CPU in the worker.
    big = synthetic_problem(60).model_dump(mode="json")
    async with gateway(solver_workers=1) as client:
        await client.get("/health")  # its first call opens the database and the clients
        solving = asyncio.create_task(client.post("/solve", json=big))
        waits = []
        while not solving.done():
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
        assert (await solving).status_code == 200
    assert len(waits) >= 10  # the loop kept answering throughout the solve
    assert max(waits) < 1.0, sorted(waits)[-5:]


async def test_a_solve_past_its_wall_limit_is_a_504_problem() -> None:
    # 300 families take seconds to build and decode whatever the solver's own limit (measured
    # 7 s on an idle machine): far past the 0.27 s wall limit of a 0.01 s solve.
    big = synthetic_problem(300).model_dump(mode="json")
    big["options"]["time_limit_seconds"] = 0.01
    async with gateway(solver_workers=1, solver_grace_seconds=0.2) as client:
        late = await client.post("/solve", json=big)
        assert late.status_code == 504
        assert late.headers["content-type"].startswith("application/problem+json")
        assert late.json()["code"] == "solve-timed-out"
        small = synthetic_problem(3).model_dump(mode="json")
        assert (await client.post("/solve", json=small)).status_code == 200
