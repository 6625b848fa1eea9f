"""Forecast accuracy metrics, as the operations-management textbooks define them.

Error e_t = actual_t - forecast_t (the textbook sign: a negative error is an over-forecast).

- MAD  = mean |e|                        (mean absolute deviation)
- MSE  = mean e^2
- MAPE = mean |e| / actual, over periods with a non-zero actual
- WMAPE = sum |e| / sum actual           (MAPE weighted by volume; defined when sum actual > 0)
- bias = mean e; bias_pct = sum e / sum actual
- tracking signal = running sum of forecast errors (RSFE) / MAD, both over the periods so far;
  outside +/-4 the forecast is out of control (the limit the S&OP literature uses for monthly
  data). The series of values is what a control chart plots; the last one is "the" signal.
- FVA of a step = error of the reference forecast - error of the step's forecast (Gilliland's
  forecast value added): positive when the step made the forecast better.
"""

from collections.abc import Sequence
from dataclasses import dataclass

TRACKING_LIMIT = 4.0


@dataclass(frozen=True)
class ErrorStats:
    observations: int
    actual_total: float
    forecast_total: float
    mad: float
    mse: float
    mape: float | None
    wmape: float | None
    bias: float
    bias_pct: float | None
    tracking_signal: float | None
    tracking_alarm: bool


def errors(actual: Sequence[float], forecast: Sequence[float]) -> list[float]:
    if len(actual) != len(forecast):
        raise ValueError("actual and forecast must have the same length")
    return [a - f for a, f in zip(actual, forecast, strict=True)]


def mad(actual: Sequence[float], forecast: Sequence[float]) -> float:
    e = errors(actual, forecast)
    return sum(abs(x) for x in e) / len(e)


def mse(actual: Sequence[float], forecast: Sequence[float]) -> float:
    e = errors(actual, forecast)
    return sum(x * x for x in e) / len(e)


def mape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    """Mean of |e| / actual over non-zero actuals (a zero actual has no percentage error)."""
    ratios = [abs(a - f) / a for a, f in zip(actual, forecast, strict=True) if a != 0]
    return sum(ratios) / len(ratios) if ratios else None


def wmape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    total = sum(actual)
    if total <= 0:
        return None
    return sum(abs(x) for x in errors(actual, forecast)) / total


def tracking_signals(actual: Sequence[float], forecast: Sequence[float]) -> list[float | None]:
    """RSFE / MAD after each period, in order (None while every error so far is zero)."""
    signals: list[float | None] = []
    running_sum = 0.0
    absolute_sum = 0.0
    for count, error in enumerate(errors(actual, forecast), start=1):
        running_sum += error
        absolute_sum += abs(error)
        mean_absolute = absolute_sum / count
        signals.append(running_sum / mean_absolute if mean_absolute > 0 else None)
    return signals


def error_stats(actual: Sequence[float], forecast: Sequence[float]) -> ErrorStats:
    """Every metric over forecast/actual pairs given in time order."""
    if not actual:
        raise ValueError("no observations")
    e = errors(actual, forecast)
    actual_total = sum(actual)
    signal = tracking_signals(actual, forecast)[-1]
    return ErrorStats(
        observations=len(e),
        actual_total=actual_total,
        forecast_total=sum(forecast),
        mad=mad(actual, forecast),
        mse=mse(actual, forecast),
        mape=mape(actual, forecast),
        wmape=wmape(actual, forecast),
        bias=sum(e) / len(e),
        bias_pct=sum(e) / actual_total if actual_total > 0 else None,
        tracking_signal=signal,
        tracking_alarm=signal is not None and abs(signal) > TRACKING_LIMIT,
    )


def forecast_value_added(reference_error: float | None, step_error: float | None) -> float | None:
    """Error of the reference minus error of the step: positive when the step helped."""
    if reference_error is None or step_error is None:
        return None
    return reference_error - step_error
