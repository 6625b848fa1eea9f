"""GraphQL twin of ``/jobs``: submit a solve or a reconcile to run in the background, read
its status, cancel it, over the same runner (``gateway.jobs.runner``) as REST."""

import datetime as dt
from typing import Any, cast

import strawberry
from fastapi import Request
from strawberry.scalars import JSON

from gateway.jobs.models import JobKind, JobPublic, JobStatus
from gateway.jobs.runner import JobRunner
from shared.auth import Principal, current_principal

strawberry.enum(JobKind)
strawberry.enum(JobStatus)


@strawberry.type(description="A solve or a reconcile running in the background.")
class Job:
    id: int
    kind: JobKind
    status: JobStatus
    stage: str = strawberry.field(description="What the job is doing now, in words.")
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error_code: str | None = strawberry.field(description="A failed job's problem code.")
    error_detail: str | None
    result_url: str | None = strawberry.field(
        description="Where a succeeded job's answer is fetched (GET, REST)."
    )

    @classmethod
    def of(cls, job: JobPublic) -> "Job":
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            stage=job.stage,
            attempts=job.attempts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error_code=job.error.code if job.error else None,
            error_detail=job.error.detail if job.error else None,
            result_url=f"/jobs/{job.id}/result" if job.status is JobStatus.succeeded else None,
        )


def _request(info: strawberry.Info) -> Request:
    return cast(Request, info.context.request)


def _runner(info: strawberry.Info) -> JobRunner:
    runner: JobRunner = _request(info).app.state.jobs
    return runner


def _caller(info: strawberry.Info) -> Principal:
    return current_principal(_request(info))


@strawberry.type
class JobsQuery:
    @strawberry.field(description="One of the caller's jobs (the same as GET /jobs/{id}).")
    async def job(self, info: strawberry.Info, id: int) -> Job:
        return Job.of(await _runner(info).read(job_id=id, caller=_caller(info)))


@strawberry.type
class JobsMutation:
    @strawberry.mutation(
        description="Submit a solve or a reconcile to run in the background (the same as "
        "POST /jobs); body is what POST /solve or POST /reconcile takes."
    )
    async def submit_job(
        self,
        info: strawberry.Info,
        kind: JobKind,
        body: JSON | None = None,
    ) -> Job:
        body_of: dict[str, Any] = cast(dict[str, Any], body or {})
        job = await _runner(info).submit(
            kind=kind,
            body=body_of,
            caller=_caller(info),
            authorization=_request(info).headers.get("authorization"),
            location="input",
        )
        return Job.of(job)

    @strawberry.mutation(description="Cancel a queued or running job (POST /jobs/{id}/cancel).")
    async def cancel_job(self, info: strawberry.Info, id: int) -> Job:
        return Job.of(await _runner(info).cancel(job_id=id, caller=_caller(info)))
