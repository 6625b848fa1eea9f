"""``/jobs``: long solves and reconciles in the background (202 + Location), their status
polled or streamed (server-sent events), cancelled, and their results fetched."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from gateway.state import GatewayStateDep
from shared.auth import Principal, current_principal
from shared.db import run_in_session
from shared.entity_router import PROBLEM_RESPONSES
from shared.errors import Problem
from shared.types import MAX_ROW_ID

from . import service
from .models import FINISHED, JobPublic, JobSubmit
from .runner import JobRunner

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)

# One server-sent event of GET /jobs/{id}/events, as OpenAPI describes an event stream's
# items: its name and its data, the job as GET /jobs/{id} answers it, in JSON.
STATUS_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["status"]},
        "data": {"type": "string", "description": "The job (JobPublic) as JSON."},
    },
    "required": ["event", "data"],
}

JobId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Job id.")]
Caller = Annotated[Principal, Depends(current_principal)]
EVENTS_POLL_SECONDS = 0.5


def job_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


JobRunnerDep = Annotated[JobRunner, Depends(job_runner)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    summary="Submit a solve or a reconcile to run in the background",
    description=(
        "The body is the kind and what the synchronous route (POST /solve, POST /reconcile) "
        "takes, checked now (a 422 names body.body.<field>). Answers 202 with the queued job "
        "and its Location; follow it by GET /jobs/{id} or its events, fetch the answer at "
        "/jobs/{id}/result. A job survives a gateway restart."
    ),
    responses={
        202: {
            "description": "The job, queued",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    },
)
async def submit_job(
    request: Request, runner: JobRunnerDep, caller: Caller, submitted: JobSubmit
) -> Response:
    job = await runner.submit(
        kind=submitted.kind,
        body=submitted.body,
        caller=caller,
        authorization=request.headers.get("authorization"),
    )
    return Response(
        content=job.model_dump_json(),
        status_code=status.HTTP_202_ACCEPTED,
        media_type="application/json",
        headers={"Location": f"/jobs/{job.id}"},
    )


@router.get("/{id}", response_model=JobPublic, summary="A job's status and stage")
async def read_job(runner: JobRunnerDep, caller: Caller, job_id: JobId) -> JobPublic:
    return await runner.read(job_id=job_id, caller=caller)


@router.get(
    "/{id}/result",
    summary="A finished job's answer",
    description="What the synchronous route would have answered (a solution, or the consensus "
    "plan stored); 409 while the job has not succeeded.",
    responses={
        200: {"content": {"application/json": {"schema": {"type": "object"}}}},
        409: {"model": Problem, "description": "The job has not succeeded: no result"},
    },
)
async def job_result(state: GatewayStateDep, caller: Caller, job_id: JobId) -> Response:
    body = await run_in_session(
        state.engine, lambda session: service.job_result(session, job_id=job_id, caller=caller)
    )
    return Response(content=body, media_type="application/json")


@router.post(
    "/{id}/cancel",
    response_model=JobPublic,
    summary="Cancel a queued or running job (its solve's worker is killed)",
)
async def cancel_job(runner: JobRunnerDep, caller: Caller, job_id: JobId) -> JobPublic:
    return await runner.cancel(job_id=job_id, caller=caller)


@router.get(
    "/{id}/events",
    summary="A job's status as server-sent events, until it finishes",
    description="One `status` event (the job, as GET /jobs/{id} answers it) now and at "
    "each change of status or stage; the stream ends when the job has finished.",
    responses={200: {"content": {"text/event-stream": {"schema": STATUS_EVENT}}}},
)
async def job_events(state: GatewayStateDep, caller: Caller, job_id: JobId) -> Response:
    def read(session: Session) -> JobPublic:
        return service.read_job(session, job_id=job_id, caller=caller)

    first = await run_in_session(state.engine, read)  # a 404 before the stream starts

    async def events() -> AsyncIterator[str]:
        job, sent = first, None
        while True:
            seen = (job.status, job.stage)
            if seen != sent:
                yield f"event: status\ndata: {job.model_dump_json()}\n\n"
                sent = seen
            if job.status in FINISHED:
                return
            await asyncio.sleep(EVENTS_POLL_SECONDS)
            job = await run_in_session(state.engine, read)

    return StreamingResponse(events(), media_type="text/event-stream")
