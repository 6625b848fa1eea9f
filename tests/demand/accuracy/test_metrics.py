"""The metric functions against published worked examples (sources cited per test).

The sources were found through a search index of public pages, not read in print; where a
page rounds, the test uses the same rounding. Examples without a published source are
worked by hand and say so.
"""

import pytest

from services.demand.accuracy import metrics

# Heizer & Render, Operations Management, "Port of Baltimore" example: grain unloaded
# (tonnes) over eight quarters, forecast by exponential smoothing from an initial 175.
BALTIMORE_ACTUAL = [180, 168, 159, 175, 190, 205, 180, 182]


def smoothed(actual: list[float], alpha: float, start: float) -> list[float]:
    forecasts = [start]
    for value in actual[:-1]:
        forecasts.append(forecasts[-1] + alpha * (value - forecasts[-1]))
    return forecasts


def test_port_of_baltimore_mad_mse_mape_and_bias_alpha_010() -> None:
    """Excel OM worksheet of the example ("Port of Baltimore MAD - Exponential Smoothing",
    alpha 0.1), reproduced at https://www.scribd.com/document/783806500/Chapter4:
    Bias 4.49482, MAD 10.30732, MSE 190.8175, MAPE 5.59%; the book rounds MAD to 10.31."""
    forecast = smoothed(BALTIMORE_ACTUAL, 0.10, 175)
    assert forecast[:4] == pytest.approx([175, 175.5, 174.75, 173.175])
    assert metrics.mae(BALTIMORE_ACTUAL, forecast) == pytest.approx(10.30732, abs=1e-5)
    assert metrics.mse(BALTIMORE_ACTUAL, forecast) == pytest.approx(190.8175, abs=1e-4)
    assert metrics.mape(BALTIMORE_ACTUAL, forecast) == pytest.approx(0.05593975, abs=1e-8)
    stats = metrics.error_stats(BALTIMORE_ACTUAL, forecast)
    assert stats.bias == pytest.approx(4.49482, abs=1e-5)
    assert stats.mae == pytest.approx(10.30732, abs=1e-5)


def test_port_of_baltimore_alpha_050_is_worse() -> None:
    """Same worksheet, its table of smoothing constants: alpha 0.5 gives MSE 195.2383 and
    MAPE 6.756189%; the book's MAD for alpha 0.5 is 12.33, so 0.10 is preferred."""
    forecast = smoothed(BALTIMORE_ACTUAL, 0.50, 175)
    assert metrics.mse(BALTIMORE_ACTUAL, forecast) == pytest.approx(195.2383, abs=1e-4)
    assert metrics.mape(BALTIMORE_ACTUAL, forecast) == pytest.approx(0.06756189, abs=1e-8)
    assert metrics.mae(BALTIMORE_ACTUAL, forecast) == pytest.approx(12.33, abs=0.005)


def test_tracking_signal_month_by_month_leaves_the_limit_in_december() -> None:
    """Monthly actual and forecast demand, May to December, with MAD and tracking signal
    per month: https://pt.slideshare.net/amolmobileshop/the-follwing-are-monthly-actual-and-
    forcasted-demand-levels-from-maypdf (TS 1, -1.5, -0.8, 0.9, 1.3, 2.0, 3.1, 4.4)."""
    actual = [105, 80, 110, 118, 102, 110, 120, 125]
    forecast = [102, 100, 101, 98, 100, 104, 108, 109]
    signals = metrics.tracking_signals(actual, forecast)
    assert [round(s, 1) for s in signals] == [1.0, -1.5, -0.8, 0.9, 1.3, 2.0, 3.1, 4.4]
    stats = metrics.error_stats(actual, forecast)
    assert stats.mae == pytest.approx(11.0)
    assert stats.tracking_signal == pytest.approx(48 / 11)
    assert stats.tracking_alarm  # 4.4 is outside +/-4
    assert not metrics.error_stats(actual[:7], forecast[:7]).tracking_alarm


def test_tracking_signal_of_a_six_month_forecast() -> None:
    """Six months of forecast and actual with RSFE, MAD and tracking signal:
    https://qammunity.org/5140786 (TS 1, 2, 3, 3, 2, 3.12; MAD 104.17 in September)."""
    forecast = [244, 318, 393, 343, 368, 443]
    actual = [344, 468, 493, 293, 268, 568]
    signals = metrics.tracking_signals(actual, forecast)
    assert [round(s, 2) for s in signals] == [1.0, 2.0, 3.0, 3.0, 2.0, 3.12]
    assert metrics.mae(actual, forecast) == pytest.approx(104.17, abs=0.005)


def test_tracking_signal_swinging_both_ways() -> None:
    """Yearly forecast and actual demand with cumulative error, MAD and tracking signal:
    https://www.coursehero.com/file/p56fa/ (TS -1.0, -0.3, +1.6, +2.1, -1.0, -2.1)."""
    forecast = [78, 75, 83, 84, 88, 85]
    actual = [71, 80, 101, 84, 60, 73]
    signals = metrics.tracking_signals(actual, forecast)
    assert [round(s, 1) for s in signals] == [-1.0, -0.3, 1.6, 2.1, -1.0, -2.1]


def test_a_forecast_always_too_high_is_out_of_control() -> None:
    """Worked by hand on a textbook exercise whose statement is published at
    https://brainmass.com/business/business-management/demand-management-and-forecasting-324298
    (forecast 250, 325, 400, 350, 375, 450 against 200, 250, 325, 300, 325, 400): every
    error is negative, RSFE -350, MAD 350/6 = 58.33, tracking signal -6: not acceptable."""
    forecast = [250, 325, 400, 350, 375, 450]
    actual = [200, 250, 325, 300, 325, 400]
    stats = metrics.error_stats(actual, forecast)
    assert stats.mae == pytest.approx(350 / 6)
    assert stats.tracking_signal == pytest.approx(-6.0)
    assert stats.tracking_alarm and stats.bias < 0


def test_wmape_weights_errors_by_volume_and_mape_skips_zero_actuals() -> None:
    """Worked by hand: actual 100, 0, 300 against 90, 10, 330. Errors 10, -10, -30."""
    actual, forecast = [100, 0, 300], [90, 10, 330]
    assert metrics.wmape(actual, forecast) == pytest.approx(50 / 400)
    assert metrics.mape(actual, forecast) == pytest.approx((0.10 + 0.10) / 2)
    stats = metrics.error_stats(actual, forecast)
    assert stats.bias == pytest.approx(-10)
    assert stats.bias_pct == pytest.approx(-30 / 400)
    assert metrics.mape([0, 0], [1, 2]) is None and metrics.wmape([0, 0], [1, 2]) is None


def test_tracking_signal_is_undefined_until_an_error_occurs() -> None:
    assert metrics.tracking_signals([5, 5, 7], [5, 5, 5]) == [None, None, pytest.approx(3.0)]
    assert metrics.error_stats([5], [5]).tracking_signal is None


def test_forecast_value_added_is_reference_error_minus_step_error() -> None:
    """Gilliland's definition, on the MAPE staircase of the FVA dashboard at
    https://inphronesys.com/wp-content/uploads/2026/06/2026-06-30_Forecast_Value_Added_dashboard.html
    (naive 14.6%, statistical 12.3%, analyst 13.6%, executive 15.3%): the model adds 2.3
    points over naive, the analyst's overrides remove 1.3, the executive step 1.7 more."""
    assert metrics.forecast_value_added(14.6, 12.3) == pytest.approx(2.3)
    assert metrics.forecast_value_added(12.3, 13.6) == pytest.approx(-1.3)
    assert metrics.forecast_value_added(13.6, 15.3) == pytest.approx(-1.7)
    assert metrics.forecast_value_added(None, 0.1) is None


def test_mismatched_lengths_and_empty_input_are_refused() -> None:
    with pytest.raises(ValueError):
        metrics.mae([1, 2], [1])
    with pytest.raises(ValueError):
        metrics.error_stats([], [])
