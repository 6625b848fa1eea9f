"""The demand service under concurrent load, served for real: a hundred clients at once all
get their answer, the event loop never waits on the database, and when no connection comes
free the answer is a 503 problem with Retry-After, never a bare 500."""

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from bench.load_bench import Request
from bench.load_bench import run as closed_loop
from services.demand.main import create_app
from shared.auth import Role
from shared.db import connection_slot
from shared.settings import DemandSettings
from tests.concurrency import running_server, serving
from tests.demand.builders import AUTHOR
from tests.tokens import bearer

PLANNER = bearer(Role.demand_planner, subject=AUTHOR)
FAMILIES = [{"code": f"FAM-{n:02d}", "name": f"Family {n}"} for n in range(20)]
SEGMENTS = [{"code": code, "name": code, "priority": p} for p, code in enumerate("ABC", 1)]
MONTHS = [f"{2027 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]


def load_plan(base_url: str) -> int:
    """A plan the size of the demo's, 1,440 lines (20 families, 3 segments, 24 months), loaded
    through the API."""
    lines = [
        {"family_code": f["code"], "segment_code": s["code"], "period": p, "quantity": 10}
        for f in FAMILIES
        for s in SEGMENTS
        for p in MONTHS
    ]
    with httpx.Client(base_url=base_url, headers=PLANNER, timeout=60) as client:
        assert client.put("/families", json=FAMILIES).status_code == 200
        assert client.put("/segments", json=SEGMENTS).status_code == 200
        plan = {"name": "Load", "horizon_start": MONTHS[0], "horizon_months": 24, "lines": lines}
        created = client.post("/demand-plans", json=plan)
        assert created.status_code == 201, created.text
        return int(created.json()["id"])


def test_a_hundred_concurrent_clients_all_get_their_answer(tmp_path: Path) -> None:
    """Two rounds of 100 requests at once, the whole plan's lines and the plan's ETag read, on
    the default pool: every one answers 200 with the plan's revision, in seconds (a sync
    dependency holding a connection while its endpoint waited for a thread deadlocked here)."""
    app = create_app(DemandSettings(database_url=f"sqlite:///{tmp_path / 'demand.db'}"))
    with running_server(app) as (base_url, _watchdog):
        plan_id = load_plan(base_url)
        paths = [f"/demand-plans/{plan_id}/lines?limit=5000", f"/demand-plans/{plan_id}"]

        async def two_rounds() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(
                base_url=base_url, headers=PLANNER, timeout=30, limits=limits
            ) as client:
                answers: list[httpx.Response] = []
                for _round in range(2):
                    answers += await asyncio.gather(*(client.get(paths[i % 2]) for i in range(100)))
                return answers

        began = time.monotonic()
        answers = asyncio.run(two_rounds())
        elapsed = time.monotonic() - began

    assert Counter(a.status_code for a in answers) == {200: 200}
    assert {a.headers["ETag"] for a in answers} == {'"1"'}
    assert len(answers[0].json()["items"]) == 1440
    assert elapsed < 25, f"200 reads took {elapsed:.1f} s"


def slow_outbox(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
    """The webhook outbox's query made slow, as under a lock wait or a busy server."""
    if "FROM webhook_delivery" in statement:
        time.sleep(0.5)


def test_the_event_loop_never_waits_on_the_database(tmp_path: Path) -> None:
    """Forty clients on a one-connection pool for three seconds, while the webhook dispatcher
    polls its outbox with a slow query: the server's event loop always answers within 100 ms
    (a query run on the loop blocks every request for as long as it, or the pool, takes)."""
    settings = DemandSettings(
        database_url=f"sqlite:///{tmp_path / 'demand.db'}", db_pool_size=1, db_max_overflow=0
    )
    app = create_app(settings)
    event.listen(app.state.engine, "before_cursor_execute", slow_outbox)
    with running_server(app) as (base_url, watchdog):
        plan_id = load_plan(base_url)
        watchdog.restart()
        reads = [
            Request(name=url, url=url)
            for url in (
                f"{base_url}/demand-plans/{plan_id}/lines?limit=50",
                f"{base_url}/demand-plans/{plan_id}",
            )
        ]
        tallies, _elapsed = asyncio.run(
            closed_loop(requests=reads, clients=40, duration=3, headers=PLANNER, timeout=30)
        )
        blocked = watchdog.worst

    assert blocked < 0.1, f"the event loop was blocked for {blocked:.3f} s"
    outcomes = Counter[str]()
    for tally in tallies.values():
        outcomes += tally.outcomes
    assert set(outcomes) == {"200"}, outcomes


@pytest.mark.anyio
@pytest.mark.parametrize("taken", ["every slot", "every pooled connection"])
async def test_no_connection_free_is_503_with_retry_after(database_url: str, taken: str) -> None:
    """A one-connection pool with a 0.2 s timeout, its connection taken: the request waits
    that long, then answers 503 problem+json with Retry-After (a request's slot, or the pool
    itself when something took the connection without one); freed, it answers again."""
    settings = DemandSettings(
        database_url=database_url,
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout_seconds=0.2,
    )
    app = create_app(settings)
    engine = app.state.engine
    async with serving(app, PLANNER) as demand:
        if taken == "every slot":
            async with connection_slot(engine):
                refused = await demand.get("/families")
        else:
            with engine.connect():
                refused = await demand.get("/families")
        answered = await demand.get("/families")

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "database-busy"
    assert answered.status_code == 200


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
