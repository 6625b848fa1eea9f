import numpy as np
import pytest

from services.demand.forecasting import methods
from services.demand.forecasting.methods import Choice, Settings, backtest_series, forecast_series
from shared.contracts.demand import ForecastMethod

PATTERN = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120.0]


def test_a_repeating_year_is_forecast_exactly_by_the_seasonal_candidates() -> None:
    result = forecast_series(PATTERN * 3, 12, Settings())
    assert result.method == "seasonal_naive"  # ties go to the simplest, listed first
    assert result.cv_mae == 0 and result.cv_horizon == 12
    assert result.mean.tolist() == pytest.approx(PATTERN)
    assert {c.method for c in result.candidates} == {"seasonal_naive", "auto_ets"}


def test_intermittent_methods_compete_only_on_intermittent_series() -> None:
    sparse = [0, 3, 0, 0, 2, 0, 1, 0, 0, 4, 0, 0, 0, 2, 0, 0, 1, 0, 3, 0, 0, 0, 2, 0.0]
    scored = {c.method for c in forecast_series(sparse, 6, Settings()).candidates}
    assert {"croston_sba", "tsb"} <= scored
    assert "croston_sba" not in {
        c.method for c in forecast_series(PATTERN * 3, 6, Settings()).candidates
    }


def test_the_full_set_scores_every_library_method_able_to_fit() -> None:
    rng = np.random.default_rng(1)
    # Five years: MSTL takes the season from four years of history at every origin.
    y = 200 + 50 * np.sin(2 * np.pi * np.arange(60) / 12) + rng.normal(0, 5, 60)
    result = forecast_series(y, 6, Settings(candidates=methods.FULL))
    scored = {c.method for c in result.candidates if c.mae is not None}
    assert scored == {"seasonal_naive", "auto_ets", "auto_theta", "auto_ces", "auto_arima", "mstl"}
    assert result.cv_mae == min(c.mae for c in result.candidates if c.mae is not None)


def test_a_spent_time_budget_skips_the_contest_and_the_cheapest_candidate_forecasts() -> None:
    result = forecast_series(PATTERN * 3, 6, Settings(deadline=0.0))
    assert [(c.method, c.mae) for c in result.candidates] == [
        ("seasonal_naive", None),
        ("auto_ets", None),
    ]
    assert result.method == "seasonal_naive" and "time budget" in result.note


def test_a_method_asked_for_runs_with_its_parameters() -> None:
    choice = Choice(ForecastMethod.tsb, methods.TsbParameters(alpha_d=1.0, alpha_p=1.0))
    # alpha 1: the last demand size (4) times the last occurrence (1) -> 4 every month.
    result = forecast_series([0, 2, 0, 4.0, 0, 0, 3, 4], 3, Settings(override=choice))
    assert result.method == "tsb" and result.mean.tolist() == pytest.approx([4, 4, 4])
    assert [c.method for c in result.candidates] == ["tsb"]


def test_intervals_at_each_level_bracket_the_forecast() -> None:
    rng = np.random.default_rng(2)
    y = 100 + rng.normal(0, 10, 36)
    result = forecast_series(y, 6, Settings(levels=(80, 95)))
    low80, high80 = result.intervals[80]
    low95, high95 = result.intervals[95]
    assert np.all(low95 <= low80) and np.all(low80 <= result.mean)
    assert np.all(result.mean <= high80) and np.all(high80 <= high95)


def test_short_or_empty_series_fall_back_and_say_why() -> None:
    young = forecast_series([12, 18, 15, 21.0], 3, Settings())
    assert young.fallback and young.method == "moving_average" and "only 4 month(s)" in young.note
    assert young.mean.tolist() == pytest.approx([18, 18, 18])  # (18 + 15 + 21) / 3
    assert forecast_series([0, 0, 0.0], 2, Settings()).method == "zero"


def test_the_backtest_selects_only_on_months_before_each_scoring_origin() -> None:
    """Nested: changing the months after an origin never changes the method chosen at it."""
    rng = np.random.default_rng(4)
    y = 100 + 30 * np.sin(2 * np.pi * np.arange(40) / 12) + rng.normal(0, 3, 40)
    results = backtest_series(y, horizon=4, windows=3, step=2, settings=Settings())
    assert [r.origin for r in results] == [32, 34, 36]
    for result in results:
        assert max(result.selection_origins) + 4 <= result.origin  # test months end at the origin
        disturbed = y.copy()
        disturbed[result.origin :] = 1e4
        again = backtest_series(disturbed, horizon=4, windows=3, step=2, settings=Settings())
        same = next(r for r in again if r.origin == result.origin)
        assert (same.method, same.forecast.tolist()) == (result.method, result.forecast.tolist())
