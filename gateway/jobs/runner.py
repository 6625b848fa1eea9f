"""The gateway's job runner: claims queued jobs from the database and runs them on the
event loop (their solves go to the solver workers), at most ``concurrency`` at once; touches
its running jobs every heartbeat, stops those cancelled meanwhile, and queues again (once)
the jobs of a gateway that stopped without saying so."""

import asyncio
import logging
import uuid
from contextlib import AsyncExitStack, suppress
from typing import Any

import anyio.to_thread
from prometheus_client import Gauge

from gateway.reconcile.models import ReconcileRequest
from gateway.reconcile.service import reconcile
from gateway.solver.problem import PlanningProblem
from gateway.state import GatewayState
from shared.auth import Principal
from shared.contracts.demand import BaselineRequest
from shared.db import run_in_session
from shared.errors import DomainError
from shared.http import forwarded_authorization
from shared.types import utc_now

from . import service
from .models import BaselineJob, Job, JobKind, JobPublic

log = logging.getLogger("sop.jobs")


JOBS = Gauge(
    "sop_jobs",
    "Jobs queued and running over every gateway sharing the database (the job queue's depth), "
    "as counted at this gateway's last heartbeat.",
    ["status"],
)

STAGES = {
    JobKind.solve: "solving on a solver worker",
    JobKind.reconcile: "reconciling: gather, check, solve with options and alternatives, store",
    JobKind.baseline: "forecasting the plan's baseline in the demand service",
}
# A baseline job's call to the demand service may last its time budget, then the fits of the
# series left (the cheapest candidate each): twice the budget and a minute bound it.
BASELINE_TIMEOUT_FACTOR = 2.0
BASELINE_TIMEOUT_MARGIN_SECONDS = 60.0


class CredentialsLost(DomainError):
    status = 401
    code = "credentials-lost"


class JobFailed(DomainError):
    status = 500
    code = "job-failed"


class JobRunner:
    def __init__(self, *, state: GatewayState) -> None:
        self.owner = uuid.uuid4().hex
        self._state = state
        self._beat = state.settings.job_heartbeat_seconds
        self._concurrency = state.settings.solver_workers
        self._wake = asyncio.Event()
        self._running: dict[int, asyncio.Task[None]] = {}
        # The submitters' Authorization headers, forwarded upstream as their request's would
        # be; held in memory only (a bearer token is not stored in the database).
        self._credentials: dict[int, str | None] = {}

    async def start(self, stack: AsyncExitStack) -> None:
        loop = asyncio.create_task(self._loop())
        stack.push_async_callback(self._stop, loop)

    async def submit(
        self,
        *,
        kind: JobKind,
        body: dict[str, Any],
        caller: Principal,
        authorization: str | None,
        location: str = "body",
    ) -> JobPublic:
        """A queued job (its body checked now, errors at ``<location>.body.<field>``),
        started at once when a runner of this gateway is free. ``authorization`` is the
        submitter's, forwarded upstream by a reconcile."""
        state = self._state
        service.check_body(
            kind=kind,
            body=body,
            time_limit_seconds=state.settings.solve_time_limit_seconds,
            location=location,
        )
        job = await run_in_session(
            state.engine,
            lambda session: service.submit_job(session, kind=kind, body=body, caller=caller),
        )
        self._credentials[job.id] = authorization
        self._wake.set()
        return job

    async def cancel(self, *, job_id: int, caller: Principal) -> JobPublic:
        """Cancelled in the record; stopped now when it runs here (its solve's worker is
        killed), else by the gateway running it at its next heartbeat."""
        job = await run_in_session(
            self._state.engine,
            lambda session: service.cancel_job(session, job_id=job_id, caller=caller),
        )
        self._stop_job(job_id)
        return job

    async def read(self, *, job_id: int, caller: Principal) -> JobPublic:
        return await run_in_session(
            self._state.engine,
            lambda session: service.read_job(session, job_id=job_id, caller=caller),
        )

    def _stop_job(self, job_id: int) -> None:
        task = self._running.get(job_id)
        if task is not None:
            task.cancel()

    async def _loop(self) -> None:
        engine = self._state.engine
        while True:
            try:
                await run_in_session(
                    engine,
                    lambda session: service.recover_orphans(
                        session, owner=self.owner, now=utc_now(), beat_seconds=self._beat
                    ),
                )
                cancelled = await run_in_session(
                    engine,
                    lambda session: service.beat(
                        session, owner=self.owner, job_ids=list(self._running)
                    ),
                )
                for job_id in cancelled:
                    self._stop_job(job_id)
                while len(self._running) < self._concurrency:
                    job = await run_in_session(
                        engine, lambda session: service.claim_next(session, owner=self.owner)
                    )
                    if job is None:
                        break
                    assert job.id is not None
                    self._running[job.id] = asyncio.create_task(self._run(job))
                counts = await run_in_session(engine, service.unfinished_counts)
                for status, count in counts.items():
                    JOBS.labels(status.value).set(count)
            except DomainError as busy:  # the database busy or away: try at the next beat
                log.warning("job runner: %s", busy.detail)
            # asyncio.timeout, never wait_for: on Python 3.11 wait_for swallows a cancellation
            # that arrives as the event is set (a stopping gateway's job sets it), and the
            # stopped loop then ran on forever (a CI run hung on it).
            with suppress(TimeoutError):
                async with asyncio.timeout(self._beat):
                    await self._wake.wait()
            self._wake.clear()

    async def _run(self, job: Job) -> None:
        assert job.id is not None
        job_id, result, error = job.id, None, None
        try:
            result = await self._execute(job)
        except DomainError as refused:
            error = refused
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("job %s failed", job_id)
            error = JobFailed(f"the job failed unexpectedly ({type(exc).__name__})")
        finally:
            self._running.pop(job_id, None)
            self._credentials.pop(job_id, None)
            self._wake.set()
        await run_in_session(
            self._state.engine,
            lambda session: service.finish(
                session, job_id=job_id, owner=self.owner, result=result, error=error
            ),
        )

    async def _execute(self, job: Job) -> str:
        """The JSON the synchronous route would answer."""
        state = self._state
        assert job.id is not None
        job_id = job.id
        stage = STAGES[JobKind(job.kind)]
        await run_in_session(
            state.engine,
            lambda session: service.set_stage(
                session, job_id=job_id, owner=self.owner, stage=stage
            ),
        )
        if job.kind in (JobKind.reconcile, JobKind.baseline):
            if job_id not in self._credentials:
                raise CredentialsLost(
                    f"the {job.kind} was submitted to a gateway that stopped; the submitter's "
                    "credentials, which the services' reads need, are not kept across a "
                    "restart: submit it again"
                )
            forwarded_authorization.set(self._credentials[job_id])
        if job.kind == JobKind.solve:
            problem = await anyio.to_thread.run_sync(PlanningProblem.model_validate, job.body)
            solution = await state.solver.solve(problem)
            return await anyio.to_thread.run_sync(solution.model_dump_json)
        if job.kind == JobKind.baseline:
            baseline = BaselineJob.model_validate(job.body)
            summary = await state.upstreams.demand.run_baseline(
                plan_id=baseline.plan_id,
                revision=baseline.revision,
                request=BaselineRequest.model_validate(
                    baseline.model_dump(exclude={"plan_id", "revision"})
                ),
                timeout_seconds=BASELINE_TIMEOUT_FACTOR * baseline.time_budget_seconds
                + BASELINE_TIMEOUT_MARGIN_SECONDS,
            )
            return summary.model_dump_json()
        request = ReconcileRequest.model_validate(job.body)
        plan = await reconcile(state=state, request=request, location="body.body")
        return await anyio.to_thread.run_sync(plan.model_dump_json)

    async def _stop(self, loop: asyncio.Task[None]) -> None:
        """Stop the loop and the jobs running here, and queue those again for the next
        gateway (their solves' workers are killed with the pool)."""
        tasks = [loop, *self._running.values()]
        for task in tasks:
            task.cancel()
        # gather, not a suppressed await per task: a cancellation of the stop itself goes on.
        await asyncio.gather(*tasks, return_exceptions=True)
        await run_in_session(
            self._state.engine, lambda session: service.release(session, owner=self.owner)
        )
