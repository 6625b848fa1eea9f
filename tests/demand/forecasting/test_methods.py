from dataclasses import replace

import numpy as np
import pytest

from services.demand.forecasting.methods import (
    MOVING_AVERAGE,
    SEASONAL_NAIVE,
    forecast_series,
    holdout_length,
    is_intermittent,
)

PATTERN = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120.0]


def noisy_seasonal(months: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    return 200 + 60 * np.sin(2 * np.pi * t / 12) + 1.5 * t + rng.normal(0, 4, months)


def test_an_exactly_repeating_year_is_forecast_by_seasonal_naive() -> None:
    result = forecast_series(np.tile(PATTERN, 4), 14)
    assert result.method == "seasonal_naive" and not result.fallback
    assert result.holdout_months == 12 and result.holdout_mae == 0
    assert result.values.tolist() == PATTERN + PATTERN[:2]


def test_the_chosen_method_has_the_lowest_holdout_error_and_follows_the_season() -> None:
    y = noisy_seasonal(48)
    result = forecast_series(y, 12)
    assert set(result.candidates) == {"seasonal_naive", "moving_average", "exponential_smoothing"}
    assert result.candidates[result.method] == min(result.candidates.values())
    assert result.holdout_mae == result.candidates[result.method]
    assert result.holdout_wmape == pytest.approx(result.holdout_mae * 12 / y[-12:].sum())
    truth = 200 + 60 * np.sin(2 * np.pi * np.arange(48, 60) / 12) + 1.5 * np.arange(48, 60)
    assert np.corrcoef(result.values, truth)[0, 1] > 0.9
    assert np.mean(np.abs(result.values - truth)) < 15


def test_intermittent_series_bring_croston_and_tsb_into_the_contest() -> None:
    y = np.array([0, 0, 5, 0, 0, 0, 7, 0, 0, 4, 0, 0] * 3, dtype=float)
    assert is_intermittent(y)
    result = forecast_series(y, 6)
    assert result.intermittent
    assert {"croston", "tsb"} <= set(result.candidates)
    assert np.all(result.values >= 0)
    smooth = forecast_series(noisy_seasonal(36), 6)
    assert not smooth.intermittent and "croston" not in smooth.candidates


def test_cold_start_without_history_is_zero_and_says_so() -> None:
    result = forecast_series([], 6)
    assert result.method == "zero" and result.fallback
    assert "cold start" in result.note
    assert result.values.tolist() == [0.0] * 6


def test_all_zero_history_is_zero() -> None:
    result = forecast_series(np.zeros(10), 3)
    assert (result.method, result.fallback) == ("zero", True)
    assert "zero" in result.note


def test_a_few_months_fall_back_to_their_average_and_say_why() -> None:
    result = forecast_series([30, 50, 40, 60, 80], 4)
    assert result.method == "moving_average" and result.fallback
    assert "only 5 month(s)" in result.note and result.holdout_months == 0
    assert result.values.tolist() == [60.0] * 4  # mean of the last three months
    assert forecast_series([42.0], 2).values.tolist() == [42.0, 42.0]


def test_seasonal_naive_is_left_out_of_a_short_series_with_a_reason() -> None:
    result = forecast_series(noisy_seasonal(14), 6)
    assert not result.fallback and result.holdout_months == 3
    assert "seasonal_naive" not in result.candidates
    assert "seasonal_naive needs 12 months" in result.note


def test_a_method_that_cannot_fit_is_skipped_not_fatal() -> None:
    def refuses(y: np.ndarray, h: int) -> tuple[np.ndarray, str]:
        raise ValueError("singular")

    def returns_nan(y: np.ndarray, h: int) -> tuple[np.ndarray, str]:
        return np.full(h, np.nan), "nan"

    methods = (
        replace(SEASONAL_NAIVE, run=refuses),
        replace(MOVING_AVERAGE, name="nan_method", run=returns_nan),
        MOVING_AVERAGE,
    )
    result = forecast_series(noisy_seasonal(30), 3, methods=methods)
    assert result.method == "moving_average"
    assert "seasonal_naive could not fit" in result.note
    assert "nan_method could not fit" in result.note

    only_broken = forecast_series(noisy_seasonal(30), 3, methods=methods[:1])
    assert only_broken.fallback and only_broken.method == "moving_average"
    assert "no method could fit" in only_broken.note


def test_forecasts_of_a_falling_series_are_never_negative() -> None:
    y = np.linspace(500, 20, 40)
    result = forecast_series(y, 24)
    assert np.all(result.values >= 0)


@pytest.mark.parametrize(
    ("months", "holdout"), [(0, 0), (5, 0), (6, 3), (17, 3), (18, 6), (35, 6), (36, 12)]
)
def test_holdout_length(months: int, holdout: int) -> None:
    assert holdout_length(months) == holdout
