"""Jobs: a solve or a reconcile submitted to run in the background, its record in the
gateway's database (no message broker), followed by polling or server-sent events."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field

from gateway.tables import GatewayTable
from shared.contracts.demand import BaselineRequest, CandidateSet
from shared.errors import Problem
from shared.types import RowId, UtcDatetime, utc_now


class JobKind(StrEnum):
    solve = "solve"  # the body is a PlanningProblem, as POST /solve takes it
    reconcile = "reconcile"  # the body is a ReconcileRequest, as POST /reconcile takes it
    # The body is a BaselineJob: a draft demand plan's statistical baseline, by default with
    # every candidate (the full set, about 2 s a series: minutes for a company).
    baseline = "baseline"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


class Job(GatewayTable, table=True):
    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(default=JobStatus.queued, max_length=16, index=True)
    # What the job is doing now, in words: its progress as polled or streamed.
    stage: str = Field(default="queued", max_length=200)
    created_by: str = Field(max_length=200, index=True)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Runs started: a job whose gateway stopped mid-run is run once more, then failed.
    attempts: int = 0
    # The gateway process running it, and when that process last said it still is.
    owner: str | None = Field(default=None, max_length=64)
    heartbeat_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    started_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    finished_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # The answer's JSON (a Solution, or the stored consensus plan), as the synchronous route's.
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The problem details of a failed job, as the synchronous route would have answered them.
    error: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class JobSubmit(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "reconcile", "body": {"objective": "max_margin"}}]
        },
    )

    kind: JobKind
    body: dict[str, Any] = Field(
        default_factory=dict,
        description="What the synchronous route takes: a planning problem (solve), a "
        "reconcile request (reconcile), or a baseline job (baseline: `plan_id`, `revision` "
        "and what POST /demand-plans/{id}/baseline takes, the full candidate set by default).",
    )


class BaselineJob(BaselineRequest):
    """A draft demand plan's statistical baseline, computed by the demand service (POST
    /demand-plans/{id}/baseline) as a job: the full candidate set unless told otherwise."""

    plan_id: RowId
    revision: int = Field(ge=1, description="The plan's revision (its ETag), sent as If-Match.")
    candidates: CandidateSet = CandidateSet.full


class JobPublic(BaseModel):
    id: RowId
    kind: JobKind
    status: JobStatus
    stage: str
    attempts: int
    created_by: str
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    error: Problem | None = Field(description="Why a failed job failed, as problem details.")
