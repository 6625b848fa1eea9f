"""Jobs: submit, read, cancel, fetch the result; claim, run and recover them (the database
is the queue: a job is claimed by one conditional UPDATE, so gateways may share it)."""

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from gateway.reconcile.models import ReconcileRequest
from gateway.solver.problem import PlanningProblem
from shared.auth import RECONCILERS, Principal
from shared.errors import Conflict, DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from shared.types import utc_now

from .models import FINISHED, BaselineJob, Job, JobKind, JobPublic, JobStatus
from .rules import after_orphaned, is_orphaned

BODY_MODELS: dict[JobKind, type[PlanningProblem] | type[ReconcileRequest] | type[BaselineJob]] = {
    JobKind.solve: PlanningProblem,
    JobKind.reconcile: ReconcileRequest,
    JobKind.baseline: BaselineJob,
}


def check_body(
    *, kind: JobKind, body: dict[str, Any], time_limit_seconds: float, location: str
) -> None:
    """Refuse at submission (422, naming ``<location>.body.<field>``) what the job would
    refuse."""
    try:
        parsed = BODY_MODELS[kind].model_validate(body)
    except ValidationError as exc:
        errors = [
            FieldError(
                field=".".join([location, "body", *(str(part) for part in error["loc"])]),
                reason=error["msg"],
            )
            for error in exc.errors()
        ]
        raise ValidationFailed(f"the {kind.value} body is invalid", errors=errors) from exc
    if isinstance(parsed, BaselineJob):
        return  # its time budget is the demand service's to bound
    requested = (
        parsed.options.time_limit_seconds
        if isinstance(parsed, PlanningProblem)
        else parsed.time_limit_seconds
    )
    if requested is not None and requested > time_limit_seconds:
        field = "options.time_limit_seconds" if kind is JobKind.solve else "time_limit_seconds"
        raise ValidationFailed(
            f"the time limit may not exceed the gateway's {time_limit_seconds:g} s",
            field=f"{location}.body.{field}",
        )


def submit_job(
    session: Session, *, kind: JobKind, body: dict[str, Any], caller: Principal
) -> JobPublic:
    """A queued job; reconcile jobs need the rights of POST /reconcile."""
    if kind is JobKind.reconcile and not caller.has_any(RECONCILERS):
        raise Forbidden("only the process owner may reconcile")
    job = Job(kind=kind, body=body, created_by=caller.subject)
    session.add(job)
    session.flush()
    return public(job)


def public(job: Job) -> JobPublic:
    return JobPublic.model_validate(job, from_attributes=True)


def _job(session: Session, *, job_id: int, caller: Principal) -> Job:
    """The caller's job (another's is not found: job ids are not a way to read others' work)."""
    job = session.get(Job, job_id)
    if job is None or job.created_by != caller.subject:
        raise NotFound(f"job {job_id} not found", field="path.id")
    return job


def read_job(session: Session, *, job_id: int, caller: Principal) -> JobPublic:
    return public(_job(session, job_id=job_id, caller=caller))


def job_result(session: Session, *, job_id: int, caller: Principal) -> str:
    """The JSON the synchronous route would have answered; 409 until the job succeeded."""
    job = _job(session, job_id=job_id, caller=caller)
    if job.status != JobStatus.succeeded or job.result is None:
        raise Conflict(
            f"job {job_id} is {job.status}: it has no result"
            + (f" ({job.error['detail']})" if job.error else ""),
            field="path.id",
        )
    return job.result


def cancel_job(session: Session, *, job_id: int, caller: Principal) -> JobPublic:
    """Cancelled at once in the record; the gateway running it stops it (its solve's worker
    is killed) at its next heartbeat, or at once when it is this one."""
    job = _job(session, job_id=job_id, caller=caller)
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} is already {job.status}", field="path.id")
    job.status, job.stage, job.finished_at = JobStatus.cancelled, "cancelled", utc_now()
    session.add(job)
    session.flush()
    return public(job)


# --- the runner's side --------------------------------------------------------------------


def claim_next(session: Session, *, owner: str) -> Job | None:
    """The oldest queued job, now running under ``owner``; None when none is queued (or
    another gateway claimed it first)."""
    job = session.exec(
        select(Job).where(Job.status == JobStatus.queued).order_by(col(Job.id)).limit(1)
    ).first()
    if job is None:
        return None
    now = utc_now()
    claimed = session.execute(
        update(Job)
        .where(col(Job.id) == job.id, col(Job.status) == JobStatus.queued)
        .values(
            status=JobStatus.running,
            stage=f"running ({job.kind})",
            owner=owner,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(job)
    return job


def set_stage(session: Session, *, job_id: int, owner: str, stage: str) -> None:
    session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.owner) == owner, col(Job.status) == JobStatus.running)
        .values(stage=stage)
    )


def finish(
    session: Session,
    *,
    job_id: int,
    owner: str,
    result: str | None = None,
    error: DomainError | None = None,
) -> None:
    """Succeeded with ``result`` or failed with ``error``, unless it was cancelled meanwhile
    or is no longer this gateway's."""
    status = JobStatus.failed if error is not None else JobStatus.succeeded
    session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.owner) == owner, col(Job.status) == JobStatus.running)
        .values(
            status=status,
            stage=status.value,
            finished_at=utc_now(),
            result=result,
            error=None if error is None else problem_of(error),
        )
    )


def problem_of(error: DomainError) -> dict[str, Any]:
    return {
        "type": f"urn:sop:problem:{error.code}",
        "title": type(error).__name__,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "errors": [item.model_dump() for item in error.errors],
    }


def beat(session: Session, *, owner: str, job_ids: list[int]) -> list[int]:
    """Touch ``owner``'s running jobs; answers those of ``job_ids`` no longer running under
    it (cancelled by a caller), which the runner stops."""
    if not job_ids:
        return []
    session.execute(
        update(Job)
        .where(col(Job.owner) == owner, col(Job.status) == JobStatus.running)
        .values(heartbeat_at=utc_now())
    )
    running = session.exec(
        select(Job.id).where(
            col(Job.id).in_(job_ids), col(Job.owner) == owner, Job.status == JobStatus.running
        )
    ).all()
    return sorted(set(job_ids) - {job_id for job_id in running if job_id is not None})


def recover_orphans(
    session: Session, *, owner: str, now: dt.datetime, beat_seconds: float
) -> list[int]:
    """Jobs left running by a stopped gateway (never ``owner``'s own): queued again once,
    then failed with the reason (``rules.after_orphaned``). Answers their ids."""
    recovered = []
    running = select(Job).where(Job.status == JobStatus.running, col(Job.owner) != owner)
    for job in session.exec(running).all():
        if not is_orphaned(heartbeat_at=job.heartbeat_at, now=now, beat_seconds=beat_seconds):
            continue
        status, reason = after_orphaned(job.attempts)
        job.status, job.stage, job.owner = status, reason, None
        if status is JobStatus.failed:
            job.finished_at = now
            job.error = problem_of(JobLost(reason))
        session.add(job)
        assert job.id is not None
        recovered.append(job.id)
    session.flush()
    return recovered


def unfinished_counts(session: Session) -> dict[JobStatus, int]:
    """Jobs queued and running, over every gateway sharing the database (the queue's depth)."""
    counted = session.exec(
        select(Job.status, func.count())
        .where(col(Job.status).in_([JobStatus.queued, JobStatus.running]))
        .group_by(Job.status)
    ).all()
    counts = {JobStatus.queued: 0, JobStatus.running: 0}
    counts.update({JobStatus(status): count for status, count in counted})
    return counts


def release(session: Session, *, owner: str) -> None:
    """A gateway that stops on purpose queues its running jobs again for the next one."""
    session.execute(
        update(Job)
        .where(col(Job.owner) == owner, col(Job.status) == JobStatus.running)
        .values(status=JobStatus.queued, stage="queued again: the gateway stopped", owner=None)
    )


class JobLost(DomainError):
    status = 503
    code = "job-lost"
