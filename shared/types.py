"""Constrained field types used across services.

Every bound here exists because a database or a JSON encoder would otherwise turn bad
input into a server error: NUL characters break PostgreSQL text, integers beyond 64 bits
break SQLite, NaN and infinity are not JSON.
"""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
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
        description="Calendar month as YYYY-MM.",
        examples=["2026-01"],
    ),
]
Quantity = Annotated[
    float, Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False, description="Units, never negative.")
]
Hours = Annotated[float, Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
SignedMoney = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Priority = Annotated[int, Field(ge=1, le=100, description="Service priority: 1 is served first.")]
Months = Annotated[int, Field(ge=1, le=36)]
MAX_ROW_ID = 2**62
"""The largest id or offset accepted: far below SQLite's and PostgreSQL's 64-bit limit."""
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp read back as UTC: SQLite returns naive datetimes, and every timestamp the
    platform writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(as_utc)]
"""A timestamp that always carries its UTC offset when it is served."""
