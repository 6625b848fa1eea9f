"""The sane window of a plan's horizon start (``shared.periods.horizon_start_problem``)."""

import datetime as dt

import pytest

from shared.errors import ValidationFailed
from shared.periods import check_horizon_start, horizon_start_problem

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize("start", ["2000-01", "2019-06", "2026-12", "2031-12"])
def test_a_horizon_may_start_from_2000_to_five_years_after_the_current_month(start: str) -> None:
    assert horizon_start_problem(start=start, today=TODAY) is None


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("1999-12", "before 2000-01"),
        ("0001-01", "before 2000-01"),
        ("2032-01", "the latest start is 2031-12"),
        ("9999-12", "more than 5 years after the current month"),
    ],
)
def test_a_horizon_out_of_the_window_is_refused_with_the_reason(start: str, reason: str) -> None:
    problem = horizon_start_problem(start=start, today=TODAY)
    assert problem is not None and reason in problem and start in problem


def test_the_window_moves_with_today() -> None:
    assert horizon_start_problem(start="2032-01", today=dt.date(2027, 1, 1)) is None


def test_the_check_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_horizon_start(start="9999-12", today=TODAY, field="body.horizon_start")
    assert [error.field for error in refused.value.errors] == ["body.horizon_start"]
