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
    scored = {c.method: c.mae for c in result.candidates if c.mae is not None}
    combined = scored.pop("combination", None)
    assert set(scored) == {
        "seasonal_naive",
        "auto_ets",
        "auto_theta",
        "auto_ces",
        "auto_arima",
        "mstl",
    }
    best, runner_up = sorted(scored.values())[:2]
    if result.method == "combination":  # rules.py, rule 4: the best was no clear winner
        assert best >= 0.5 * runner_up and result.cv_mae == combined
    else:
        assert best < 0.5 * runner_up and result.cv_mae == best


def test_the_two_best_are_averaged_unless_the_best_is_a_clear_winner() -> None:
    """CV MAE 4 against 6: no clear winner (4 >= 0.5 x 6), averaged; 2 against 6: alone."""
    assert methods.combines(4.0, 6.0) and methods.combines(3.0, 6.0)
    assert not methods.combines(2.0, 6.0) and not methods.combines(2.9, 6.0)
    assert not methods.combines(None, 6.0) and not methods.combines(4.0, None)
    one = methods.Fit(np.array([10.0, 20]), {80: (np.array([8.0, 16]), np.array([12.0, 24]))}, "a")
    two = methods.Fit(np.array([14.0, 10]), {80: (np.array([10.0, 6]), np.array([18.0, 14]))}, "b")
    both = methods.combine([one, two], ["auto_ets", "seasonal_naive"])
    assert both.mean.tolist() == [12, 15]  # (10 + 14) / 2, (20 + 10) / 2
    assert [b.tolist() for b in both.intervals[80]] == [[9, 11], [15, 19]]
    assert both.detail == "mean of auto_ets (a) and seasonal_naive (b)"


def test_a_combination_is_the_mean_of_its_two_members_own_forecasts() -> None:
    """Five noisy seasons, six origins a month apart: seasonal naive (CV MAE 4.1) and AutoETS
    (5.2) are close, no clear winner (4.1 >= 0.5 x 5.2), so they are averaged."""
    rng = np.random.default_rng(3)
    y = 100 + 20 * np.sin(2 * np.pi * np.arange(60) / 12) + rng.normal(0, 8, 60)
    result = forecast_series(y, 6, Settings(levels=(80,), windows=6, step=1))
    assert result.method == "combination"
    members = [c.method for c in result.candidates if c.method != "combination"]
    alone = [
        forecast_series(y, 6, Settings(override=Choice(ForecastMethod(m)), levels=(80,)))
        for m in members
    ]
    assert result.mean == pytest.approx((alone[0].mean + alone[1].mean) / 2)
    # The members' own bounds averaged, then widened to the combination's selection errors
    # (rules.py, rule 6): never narrower than the mean of the members' own models' bounds.
    own = [methods.fit(Choice(ForecastMethod(m)), y, 6, season=12, levels=(80,)) for m in members]
    assert own[0] is not None and own[1] is not None
    low = (own[0].intervals[80][0] + own[1].intervals[80][0]) / 2
    high = (own[0].intervals[80][1] + own[1].intervals[80][1]) / 2
    assert np.all(result.intervals[80][0] <= low + 1e-9)
    assert np.all(result.intervals[80][1] >= high - 1e-9)
    evidence = next(c for c in result.candidates if c.method == "combination")
    assert result.cv_mae == evidence.mae and "mean of" in evidence.note


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


def test_cross_validation_estimates_once_and_runs_the_model_forward() -> None:
    """AutoETS is estimated on the months before the first origin only; at the later origin
    the same model (same parameters) filters the longer history: statsforecast's forward."""
    from statsforecast.models import AutoETS

    rng = np.random.default_rng(5)
    y = 100 + 20 * np.sin(2 * np.pi * np.arange(40) / 12) + rng.normal(0, 4, 40)
    actual, forecasts = methods.cross_validation_forecasts(
        Choice(ForecastMethod.auto_ets), y, h=3, origins=[34, 37], season=12
    )
    assert actual.tolist() == y[34:40].tolist()
    model = AutoETS(season_length=12).fit(y=y[:34])
    assert forecasts[:3] == pytest.approx(model.predict(h=3)["mean"])
    assert forecasts[3:] == pytest.approx(model.forward(y=y[:37], h=3)["mean"])
    refitted = AutoETS(season_length=12).forecast(y=y[:37], h=3)["mean"]
    assert forecasts[3:] != pytest.approx(refitted)  # not estimated again at 37
