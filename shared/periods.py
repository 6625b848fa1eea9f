"""Monthly planning periods as 'YYYY-MM' strings, and horizons of them."""

import datetime as dt

from shared.errors import ValidationFailed


def parse(period: str) -> tuple[int, int]:
    """Year and month of a 'YYYY-MM' period."""
    try:
        year, month = (int(part) for part in period.split("-"))
    except ValueError:
        raise ValidationFailed(f"'{period}' is not a YYYY-MM period", field="period") from None
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise ValidationFailed(f"'{period}' is not a YYYY-MM period", field="period")
    return year, month


def format_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add_months(period: str, months: int) -> str:
    year, month = parse(period)
    index = year * 12 + (month - 1) + months
    return format_period(index // 12, index % 12 + 1)


def months_between(start: str, end: str) -> int:
    """Whole months from start to end (0 when equal, negative when end is earlier)."""
    (y1, m1), (y2, m2) = parse(start), parse(end)
    return (y2 * 12 + m2) - (y1 * 12 + m1)


def horizon(start: str, months: int) -> list[str]:
    """The consecutive periods of a horizon starting at ``start``."""
    return [add_months(start, offset) for offset in range(months)]


def current_period(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return format_period(today.year, today.month)


EARLIEST_HORIZON_START = "2000-01"
MAX_YEARS_AHEAD = 5


def horizon_start_problem(*, start: str, today: dt.date) -> str | None:
    """Why a plan's horizon may not start in ``start``; ``None`` when it may.

    The rule: a horizon starts no earlier than 2000-01 (``EARLIEST_HORIZON_START``) and no
    later than 5 years after the current month (``MAX_YEARS_AHEAD``: December 2026 allows up
    to December 2031). A plan is about the months ahead, with history behind it; a start
    further out is a typo (9999-12 for 2026-12), and its periods would run past what a
    period can spell, breaking every calculation downstream.
    """
    latest = add_months(current_period(today), 12 * MAX_YEARS_AHEAD)
    if months_between(EARLIEST_HORIZON_START, start) < 0:
        return f"a horizon cannot start in {start}, before {EARLIEST_HORIZON_START}"
    if months_between(start, latest) < 0:
        return (
            f"a horizon cannot start in {start}, more than {MAX_YEARS_AHEAD} years after the "
            f"current month (the latest start is {latest})"
        )
    return None


def check_horizon_start(*, start: str, today: dt.date, field: str) -> None:
    """422 on ``field`` when ``horizon_start_problem`` refuses ``start``."""
    problem = horizon_start_problem(start=start, today=today)
    if problem is not None:
        raise ValidationFailed(problem, field=field)
