"""``shared.types``: one period range everywhere, strict JSON numbers, timestamps with an
offset."""

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.contracts.demand import DemandPlanBase
from shared.types import (
    Date,
    DatetimeParam,
    Flag,
    FractionParam,
    Months,
    Period,
    Quantity,
    RowId,
    RowRef,
    UtcDatetime,
)


def accepts(kind: Any, value: Any) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


def test_a_period_is_a_month_from_1900_to_2999() -> None:
    for good in ("1900-01", "2026-12", "2999-12"):
        assert accepts(Period, good)
    for bad in ("0000-01", "1899-12", "3000-01", "2026-13", "2026-00", "2026-1"):
        assert not accepts(Period, bad), bad


def test_a_horizon_ends_by_2999_12() -> None:
    assert DemandPlanBase(name="x", horizon_start="2999-01", horizon_months=12)
    for months in ({"horizon_months": 13}, {}):  # the default 24 months too
        with pytest.raises(ValidationError, match="ends by 2999-12"):
            DemandPlanBase.model_validate({"name": "x", "horizon_start": "2999-01", **months})


def test_numbers_in_a_body_are_json_numbers_not_booleans_or_text() -> None:
    assert accepts(Quantity, 3) and accepts(Quantity, 2.5)
    for bad in (True, "3", None, -1):
        assert not accepts(Quantity, bad), bad
    # An integer is a number without a fraction, as JSON Schema reads one.
    assert accepts(Months, 3) and accepts(Months, 3.0) and accepts(RowRef, 7)
    for bad in (True, "3", 3.5):
        assert not accepts(Months, bad) and not accepts(RowRef, bad), bad
    assert accepts(Flag, True) and not accepts(Flag, 1) and not accepts(Flag, "true")


def test_parameters_are_read_from_text() -> None:
    assert accepts(FractionParam, "0.2") and accepts(RowId, "12")
    assert accepts(DatetimeParam, "2026-01-31T12:00:00Z")
    for bad in ("0.5", "2026-01-31", "yesterday"):
        assert not accepts(DatetimeParam, bad), bad
    assert accepts(Date, "2026-01-31") and not accepts(Date, 0)


class Stamp(BaseModel):
    at: UtcDatetime


class StampRow(Stamp):
    at: dt.datetime  # as a table reads it back from SQLite: naive


class Stamps(BaseModel):
    items: list[Stamp]


def test_a_timestamp_is_served_with_its_offset_even_from_a_naive_row() -> None:
    naive = dt.datetime(2026, 1, 31, 12, 0)
    assert Stamp(at=naive).model_dump_json() == '{"at":"2026-01-31T12:00:00Z"}'
    served = Stamps(items=[StampRow(at=naive)]).model_dump_json()
    assert served == '{"items":[{"at":"2026-01-31T12:00:00Z"}]}'
