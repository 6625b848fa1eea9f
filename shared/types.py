"""Constrained field types used across services.

Every bound here exists because a database or a JSON encoder would otherwise turn bad
input into a server error: NUL characters break PostgreSQL text, integers beyond 64 bits
break SQLite, NaN and infinity are not JSON.

Numbers in a JSON body are strict: ``true`` is not a quantity and ``"12"`` is not a price,
as the OpenAPI's ``type: number`` says. A query string or a path carries text only, so the
``...Param`` types parse the same bounds from it (a query model uses those).
"""

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    WrapSerializer,
)
from pydantic_core import PydanticCustomError

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
MIN_YEAR = 1900
MAX_YEAR = 2999
PERIOD_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
"""A month of the years ``MIN_YEAR``..``MAX_YEAR``, the same in bodies, paths and query
strings: ``0000-01`` is refused everywhere, as is any month a period sum could not reach."""
LAST_PERIOD = f"{MAX_YEAR}-12"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"

MAX_QUANTITY = 1e12
MAX_MONEY = 1e13

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=CODE_PATTERN,
        description="Business key: letters, digits, '.', '_' or '-'.",
        examples=["FAM-01"],
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
Text = Annotated[str, Field(max_length=2000, pattern=TEXT_PATTERN)]
Period = Annotated[
    str,
    Field(
        min_length=7,
        max_length=7,
        pattern=PERIOD_PATTERN,
        description=f"Calendar month as YYYY-MM, from {MIN_YEAR}-01 to {LAST_PERIOD}.",
        examples=["2026-01"],
    ),
]
Quantity = Annotated[
    float,
    Strict(),
    Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False, description="Units, never negative."),
]
Hours = Annotated[float, Strict(), Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
SignedMoney = Annotated[float, Strict(), Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
FractionParam = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A share from 0 to 1 in a query string."""
Fraction = Annotated[FractionParam, Strict()]


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
"""An integer in a JSON body: a number without a fraction (``3`` or ``3.0``, as JSON Schema
reads ``type: integer``), never ``true`` or ``"3"``."""
Priority = Annotated[
    int, Field(ge=1, le=100, description="Service priority: 1 is served first."), JSON_INTEGER
]
Months = Annotated[int, Field(ge=1, le=36), JSON_INTEGER]
Flag = Annotated[bool, Strict()]
"""A JSON boolean in a body: ``1`` and ``"yes"`` are not one."""
MAX_ROW_ID = 2**53 - 1
"""The largest id or offset accepted: every JSON reader holds it exactly (JavaScript's
``Number.MAX_SAFE_INTEGER``), far below SQLite's and PostgreSQL's 64-bit limit."""
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""An id in a path or a query string."""
RowRef = Annotated[RowId, JSON_INTEGER]
"""An id of another row named in a JSON body."""


def horizon_in_calendar(months: int, info: ValidationInfo) -> int:
    """A validator of ``horizon_months``: the horizon from ``horizon_start`` ends by
    ``LAST_PERIOD`` (a plan of 24 months cannot start in 2999-06)."""
    start = info.data.get("horizon_start")
    if isinstance(start, str):
        left = (MAX_YEAR - int(start[:4])) * 12 + 12 - int(start[5:7]) + 1
        if months > left:
            raise ValueError(
                f"a horizon from {start} ends by {LAST_PERIOD}: {left} month(s) at most"
            )
    return months


CLOSED: Any = ConfigDict(extra="forbid")
"""The config of a request body: a field it does not declare is refused (422), not dropped.
(``Any``: pydantic models and SQLModel ones type their config each their own way.)"""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp read back as UTC: SQLite returns naive datetimes, and every timestamp the
    platform writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not RFC3339.match(value):
        raise ValueError("expected a date-time with its offset, e.g. 2026-01-31T12:00:00Z")
    return value


ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date in a JSON body: ``YYYY-MM-DD`` text, as ``format: date`` says (not a number of
seconds since 1970, which pydantic would read too)."""

DatetimeParam = Annotated[dt.datetime, BeforeValidator(_rfc3339)]
"""A timestamp in a query string: RFC 3339 text, as ``format: date-time`` says (not a number
of seconds, which pydantic would read too)."""

UtcDatetime = Annotated[
    dt.datetime,
    AfterValidator(as_utc),
    WrapSerializer(lambda value, default: default(as_utc(value))),
]
"""A timestamp that always carries its UTC offset when it is served, also from a row that
is served as it is (a table row that subclasses its public model is not validated again)."""
