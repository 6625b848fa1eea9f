"""When a job left running by a stopped gateway runs again."""

import datetime as dt

from .models import JobStatus

MAX_ATTEMPTS = 2
STALE_BEATS = 3


def is_orphaned(*, heartbeat_at: dt.datetime | None, now: dt.datetime, beat_seconds: float) -> bool:
    """A running job is orphaned when its gateway process has not touched it for
    ``STALE_BEATS`` heartbeats: that process stopped (crashed, killed, its machine lost)."""
    if heartbeat_at is None:
        return True
    if heartbeat_at.tzinfo is None:  # SQLite returns naive datetimes (stored in UTC)
        heartbeat_at = heartbeat_at.replace(tzinfo=dt.UTC)
    return (now - heartbeat_at).total_seconds() > STALE_BEATS * beat_seconds


def after_orphaned(attempts: int) -> tuple[JobStatus, str]:
    """An orphaned job is queued again once (``MAX_ATTEMPTS`` runs in all), then failed with
    the reason: a job that keeps killing its gateway must not kill every next one."""
    if attempts < MAX_ATTEMPTS:
        return JobStatus.queued, f"queued again: the gateway running attempt {attempts} stopped"
    return (
        JobStatus.failed,
        f"the gateway running it stopped during each of its {attempts} attempts",
    )
