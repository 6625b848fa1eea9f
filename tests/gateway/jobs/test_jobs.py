"""Jobs: submit, poll, fetch the result; cancel; a restart (a new app over the same database)
re-queues a job a stopped gateway left running once, then fails it with the reason; the
events stream yields status events until the job finishes."""

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlmodel import Session

from bench.planning_problems import synthetic_problem
from gateway.jobs.models import Job, JobStatus
from gateway.jobs.rules import MAX_ATTEMPTS
from gateway.jobs.runner import JobRunner
from gateway.main import create_app
from shared.auth import Role
from shared.settings import GatewaySettings
from shared.types import utc_now
from tests.gateway.company import Company
from tests.gateway.conftest import Platform
from tests.gateway.solver.builders import problem
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

OWNER = bearer(Role.process_owner, subject="olivia")
# 30 a month on 100 hours: served whole.
EASY = problem(
    demand={"KEY": [30.0, 30.0]}, prices={"KEY": 10.0}, resource={"regular_hours": [100.0] * 2}
).model_dump(mode="json")
BEAT = 0.2


def _no_upstream(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": "ok"})


def gateway_app(database_url: str, *, beat: float = BEAT) -> FastAPI:
    """A gateway (one solver worker, heartbeats every ``beat`` seconds) over
    ``database_url``; a second one over the same database is the gateway after a restart."""
    upstream = httpx.MockTransport(_no_upstream)
    return create_app(
        GatewaySettings(database_url=database_url, solver_workers=1, job_heartbeat_seconds=beat),
        transports={"demand": upstream, "supply": upstream, "finance": upstream},
    )


@asynccontextmanager
async def gateway_over(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``gateway_app`` while it runs."""
    app = gateway_app(database_url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", headers=OWNER
        ) as client,
    ):
        yield client


async def until_finished(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = (await client.get(location)).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"{location} did not finish: {job}")


async def test_a_solve_job_is_accepted_polled_and_answers_as_post_solve(database_url: str) -> None:
    async with gateway_over(database_url) as client:
        accepted = await client.post("/jobs", json={"kind": "solve", "body": EASY})
        assert accepted.status_code == 202, accepted.text
        location = accepted.headers["location"]
        assert (
            accepted.json()["status"] == "queued" and location == f"/jobs/{accepted.json()['id']}"
        )
        job = await until_finished(client, location)
        assert (job["status"], job["attempts"], job["error"]) == ("succeeded", 1, None)
        result = (await client.get(f"{location}/result")).json()
        direct = (await client.post("/solve", json=EASY)).json()
        assert result["totals"] == direct["totals"] and result["families"] == direct["families"]


async def test_a_bad_body_is_refused_at_submission_naming_the_field(database_url: str) -> None:
    async with gateway_over(database_url) as client:
        refused = await client.post(
            "/jobs", json={"kind": "solve", "body": {**EASY, "periods": "soon"}}
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "body.body.periods"
        too_long = await client.post(
            "/jobs", json={"kind": "reconcile", "body": {"time_limit_seconds": 3600}}
        )
        assert too_long.json()["errors"][0]["field"] == "body.body.time_limit_seconds"
        planner = bearer(Role.demand_planner, subject="dana")
        forbidden = await client.post("/jobs", json={"kind": "reconcile"}, headers=planner)
        assert forbidden.status_code == 403


async def test_a_job_is_its_creators_only(database_url: str) -> None:
    async with gateway_over(database_url) as client:
        location = (await client.post("/jobs", json={"kind": "solve", "body": EASY})).headers[
            "location"
        ]
        other = bearer(Role.process_owner, subject="oscar")
        assert (await client.get(location, headers=other)).status_code == 404


async def test_a_cancelled_job_stops_and_has_no_result(database_url: str) -> None:
    slow = {**EASY, "options": {**EASY["options"], "time_limit_seconds": 30}}
    async with gateway_over(database_url) as client:
        # The only worker is busy with the first job: the second waits queued.
        first = (await client.post("/jobs", json={"kind": "solve", "body": slow})).headers[
            "location"
        ]
        second = (await client.post("/jobs", json={"kind": "solve", "body": slow})).headers[
            "location"
        ]
        cancelled = await client.post(f"{second}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert (await client.post(f"{second}/cancel")).status_code == 409
        result = await client.get(f"{second}/result")
        assert result.status_code == 409 and "cancelled" in result.json()["detail"]
        assert (await until_finished(client, first))["status"] == "succeeded"
        assert (await client.get(second)).json()["started_at"] is None  # never ran


async def test_cancelling_a_running_job_kills_its_solve(database_url: str) -> None:
    # 300 families take seconds to solve on any machine (bench.planning_problems): still
    # running when cancelled.
    long = synthetic_problem(300).model_dump(mode="json")
    async with gateway_over(database_url) as client:
        location = (await client.post("/jobs", json={"kind": "solve", "body": long})).headers[
            "location"
        ]
        for _ in range(100):
            if (await client.get(location)).json()["status"] == "running":
                break
            await asyncio.sleep(0.05)
        assert (await client.post(f"{location}/cancel")).json()["status"] == "cancelled"
        await asyncio.sleep(3 * BEAT)
        job = (await client.get(location)).json()
        assert job["status"] == "cancelled"  # the runner's end did not overwrite it
        # The worker was replaced: the next job solves.
        again = (await client.post("/jobs", json={"kind": "solve", "body": EASY})).headers[
            "location"
        ]
        assert (await until_finished(client, again))["status"] == "succeeded"


def _orphan(database_url: str, *, attempts: int) -> int:
    """A job a gateway was running when it died: its heartbeat an hour old."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        job = Job(
            kind="solve",
            body=EASY,
            created_by="olivia",
            status=JobStatus.running,
            owner="a-dead-gateway",
            attempts=attempts,
            started_at=utc_now() - dt.timedelta(hours=1),
            heartbeat_at=utc_now() - dt.timedelta(hours=1),
        )
        session.add(job)
        session.commit()
        assert job.id is not None
        job_id = job.id
    engine.dispose()
    return job_id


async def test_a_restart_queues_an_orphaned_job_again_once_then_fails_it(
    database_url: str,
) -> None:
    async with gateway_over(database_url):
        pass  # the schema, migrated
    once = _orphan(database_url, attempts=1)
    twice = _orphan(database_url, attempts=MAX_ATTEMPTS)
    async with gateway_over(database_url) as restarted:
        rerun = await until_finished(restarted, f"/jobs/{once}")
        assert (rerun["status"], rerun["attempts"]) == ("succeeded", 2)
        failed = await until_finished(restarted, f"/jobs/{twice}")
        assert failed["status"] == "failed"
        assert failed["error"]["code"] == "job-lost"
        assert "stopped during each of its 2 attempts" in failed["error"]["detail"]


async def test_a_job_running_when_the_gateway_stops_runs_in_the_next_one(
    database_url: str,
) -> None:
    async with gateway_over(database_url) as client:
        location = (await client.post("/jobs", json={"kind": "solve", "body": EASY})).headers[
            "location"
        ]
    async with gateway_over(database_url) as restarted:
        job = await until_finished(restarted, location)
        assert job["status"] == "succeeded"


async def test_the_events_stream_yields_status_events_until_the_job_finishes(
    database_url: str,
) -> None:
    async with gateway_over(database_url) as client:
        location = (await client.post("/jobs", json={"kind": "solve", "body": EASY})).headers[
            "location"
        ]
        async with client.stream("GET", f"{location}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            text = "".join([chunk async for chunk in stream.aiter_text()])
    events = [block for block in text.split("\n\n") if block]
    assert all(block.startswith("event: status\ndata: ") for block in events)
    statuses = [json.loads(block.split("data: ", 1)[1])["status"] for block in events]
    assert statuses[-1] == "succeeded" and len(statuses) >= 2


async def test_a_reconcile_job_stores_the_plan_post_reconcile_would(platform: Platform) -> None:
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    accepted = await platform.gateway.post("/jobs", json={"kind": "reconcile"})
    job = await until_finished(platform.gateway, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    plan = (await platform.gateway.get(f"{accepted.headers['location']}/result")).json()
    stored = (await platform.gateway.get(f"/consensus-plans/{plan['id']}")).json()
    assert stored["version"] == plan["version"] == 1


async def test_a_reconcile_orphaned_by_a_restart_fails_for_want_of_the_callers_credentials(
    database_url: str,
) -> None:
    async with gateway_over(database_url):
        pass  # the schema, migrated
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.add(Job(kind="reconcile", body={}, created_by="olivia", status=JobStatus.queued))
        session.commit()
    engine.dispose()
    async with gateway_over(database_url) as restarted:
        job = await until_finished(restarted, "/jobs/1")
    assert (job["status"], job["error"]["code"]) == ("failed", "credentials-lost")


def _jobs_gauge(metrics: str) -> dict[str, float]:
    return {
        status: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        for status in ("queued", "running")
        if line.startswith(f'sop_jobs{{status="{status}"}}')
    }


async def test_the_queue_depth_is_a_metric(database_url: str) -> None:
    long = synthetic_problem(300).model_dump(mode="json")  # seconds on any machine
    async with gateway_over(database_url) as client:
        # One worker: the first job runs, the second waits queued behind it.
        first = (await client.post("/jobs", json={"kind": "solve", "body": long})).headers[
            "location"
        ]
        second = (await client.post("/jobs", json={"kind": "solve", "body": EASY})).headers[
            "location"
        ]
        for _ in range(100):
            gauge = _jobs_gauge((await client.get("/metrics")).text)
            if gauge == {"queued": 1.0, "running": 1.0}:
                break
            await asyncio.sleep(BEAT / 2)
        assert gauge == {"queued": 1.0, "running": 1.0}
        await client.post(f"{first}/cancel")
        await until_finished(client, second)
        await asyncio.sleep(3 * BEAT)  # a heartbeat after the last finished
        assert _jobs_gauge((await client.get("/metrics")).text) == {"queued": 0.0, "running": 0.0}


async def test_a_stopping_runner_stops_though_its_loop_was_just_woken(database_url: str) -> None:
    """Python 3.11's ``asyncio.wait_for`` swallowed a cancellation that came just after the
    loop's wake-up was set (a stopping gateway's cancelled job sets it): the stopped loop ran
    on and the gateway never finished stopping (a CI run hung on it for an hour)."""
    app = gateway_app(database_url, beat=30.0)
    async with app.router.lifespan_context(app):
        runner = JobRunner(state=app.state.gateway)
        async with AsyncExitStack() as stack:
            await runner.start(stack)
            await asyncio.sleep(1.0)  # its first pass is done: it waits for a wake-up
            runner._wake.set()
            closing = asyncio.create_task(stack.aclose())  # cancels the loop before it runs
            _, running = await asyncio.wait({closing}, timeout=10)
            assert not running, "the job runner's loop did not stop"
