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
