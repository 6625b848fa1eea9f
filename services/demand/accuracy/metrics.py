"""Forecast accuracy metrics, as the operations-management textbooks define them.

One name per quantity and one unit everywhere: ratios are FRACTIONS (0.12 is 12%), never
percents; errors and biases in units are in units.

Error e_t = actual_t - forecast_t (the textbook sign: a negative error is an over-forecast).

- MAE  = mean |e|                        (the textbooks' MAD, mean absolute deviation)
- MSE  = mean e^2; RMSE = sqrt(MSE)
- MAPE = mean |e| / actual, over periods with a non-zero actual
- sMAPE = mean 2|e| / (|actual| + |forecast|), over periods where both are not zero (0 to 2)
- WMAPE = sum |e| / sum actual           (MAPE weighted by volume; defined when sum actual > 0)
- bias = mean e (units); bias_pct = sum e / sum actual (a fraction, despite its name)
- MASE = mean |e| / s, s the in-sample mean |y_t - y_{t-m}| of the history the forecast was
  made from (m the season, 1 below two seasons): below 1 beats the seasonal naive in-sample
- tracking signal = running sum of forecast errors (RSFE) / MAE, both over the periods so far;
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
    mae: float
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


def mae(actual: Sequence[float], forecast: Sequence[float]) -> float:
    e = errors(actual, forecast)
    return sum(abs(x) for x in e) / len(e)


def mse(actual: Sequence[float], forecast: Sequence[float]) -> float:
    e = errors(actual, forecast)
    return sum(x * x for x in e) / len(e)


def mape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    """Mean of |e| / actual over non-zero actuals (a zero actual has no percentage error)."""
    ratios = [abs(a - f) / a for a, f in zip(actual, forecast, strict=True) if a != 0]
    return sum(ratios) / len(ratios) if ratios else None


def smape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    """Mean of 2|e| / (|actual| + |forecast|) over the periods where they are not both zero."""
    ratios = [
        2 * abs(a - f) / (abs(a) + abs(f))
        for a, f in zip(actual, forecast, strict=True)
        if abs(a) + abs(f) > 0
    ]
    return sum(ratios) / len(ratios) if ratios else None


def seasonal_scale(history: Sequence[float], *, season_length: int) -> float | None:
    """MASE's scale: in-sample mean |y_t - y_(t-m)|, m the season (1 below two seasons)."""
    m = season_length if len(history) >= 2 * season_length else 1
    steps = [abs(history[t] - history[t - m]) for t in range(m, len(history))]
    scale = sum(steps) / len(steps) if steps else 0.0
    return scale if scale > 0 else None


def wmape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    total = sum(actual)
    if total <= 0:
        return None
    return sum(abs(x) for x in errors(actual, forecast)) / total


def tracking_signals(actual: Sequence[float], forecast: Sequence[float]) -> list[float | None]:
    """RSFE / MAE after each period, in order (None while every error so far is zero)."""
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
        mae=mae(actual, forecast),
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


@dataclass(frozen=True)
class ForecastScores:
    observations: int
    mae: float
    rmse: float
    mape: float | None
    smape: float | None
    wmape: float | None
    bias: float
    mase: float | None


def forecast_scores(
    actual: Sequence[float], forecast: Sequence[float], scales: Sequence[float | None]
) -> ForecastScores:
    """The backtest's metrics over pairs; ``scales`` is each pair's MASE scale (None: unscaled)."""
    if not actual:
        raise ValueError("no observations")
    e = errors(actual, forecast)
    scaled = [abs(x) / s for x, s in zip(e, scales, strict=True) if s is not None]
    return ForecastScores(
        observations=len(e),
        mae=mae(actual, forecast),
        rmse=mse(actual, forecast) ** 0.5,
        mape=mape(actual, forecast),
        smape=smape(actual, forecast),
        wmape=wmape(actual, forecast),
        bias=sum(e) / len(e),
        mase=sum(scaled) / len(scaled) if scaled else None,
    )
