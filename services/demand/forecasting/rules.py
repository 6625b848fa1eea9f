"""The forecasting rules: what a monthly series is, when it is dead, where it is cut to test.

Pure functions, no I/O. A series is monthly demand, oldest first.

1. Gaps: a month missing inside a series is zero demand, and so is every month missing
   between a series' last month and the last period of the request (ERP extracts drop the
   months without sales, so a series that stops early has stopped selling).
2. End of life: a series whose last ``inactive_months`` months (missing months included) are
   all zero, or whose history stops before the request's last period, is forecast at zero and
   flagged; nothing is extrapolated from its old level.
3. Intermittent: an average inter-demand interval (months per non-zero month) above 1.32
   (Syntetos & Boylan 2005).
4. Selection by cross-validation: candidates forecast ``h`` months (the horizon capped at a
   year and at half the history) from ``windows`` origins ``step`` months apart, the last one
   ``h`` months before the end; each origin leaves at least ``MIN_TRAIN`` months to fit. A
   candidate is estimated once, at the first origin, and run forward (the same parameters
   and form) over the longer history of each later origin; the final forecast is estimated
   on the whole history. Candidates rank by their mean absolute error over every origin and
   month (ties: the cheaper, listed first). The forecast is the equal-weight mean of the two
   best (point and interval bounds alike; method ``combination``), unless the best is a
   clear winner, its error below ``CLEAR_WINNER`` (half) the runner-up's, when it forecasts
   alone; a method asked for, or a single candidate able to run, forecasts alone. Measured
   on the nested backtest (rule 5) of statsmodels' El Nino and CO2, AirPassengers and the
   demo's 58 series (``bench/forecast_selection_bench.py``): picking the single best lost to
   seasonal naive on El Nino (MAE 0.77 against 0.72); the mean of the two best beats it on
   all four (El Nino 0.62 against 0.72).
5. Backtest (nested): scoring origins are ``windows`` cut points ``step`` months apart, the last
   one ``horizon`` months before the end; at each, the selection of rule 4 runs on the months
   before the origin only, so the origins that choose a method are never those that score it.
6. Intervals: the model's own (at a combination the mean of the two's bounds), widened month
   by month to cover the central ``level`` share of the forecast's own signed errors at the
   selection origins of rule 4 (split-conformal on the months the method never saw when it
   forecast them). A model's interval assumes the model is right; the errors show where it is
   not (a trend the mean of the two best follows late): on AirPassengers the 80% intervals
   covered 29% of the scoring months, 43% so widened from six origins a month apart, and 72%
   from eight origins three months apart with rule 7 (bench/forecast_selection_bench.py):
   neighbouring origins cannot show a year that grew faster than those before it.
7. Errors at today's level: before rule 6 uses them, each origin's errors are scaled by the
   series' level now (the mean of its last year: a season, at least 12 months) over its
   level at that origin (as many months before the origin), so a series that grew carries
   its past errors at today's size (errors of a multiplicative series grow with it); a
   level that was zero leaves its errors as they were.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shared.periods import add_months, months_between

INTERMITTENT_ADI = 1.32
MIN_TRAIN = 3
MIN_SELECTION_MONTHS = 6
MAX_SELECTION_HORIZON = 12
CLEAR_WINNER = 0.5
"""Rule 4: a best error under this share of the runner-up's forecasts alone."""


@dataclass(frozen=True)
class MonthlySeries:
    """A series on a full monthly grid: its first period, values, and months padded at the end."""

    first_period: str
    values: np.ndarray
    trailing_missing: int

    @property
    def last_period(self) -> str:
        return add_months(self.first_period, len(self.values) - 1)


def monthly_series(by_period: dict[str, float], *, last_period: str | None = None) -> MonthlySeries:
    """Rule 1: months missing inside the series or after it, up to ``last_period``, are zero."""
    first, last = min(by_period), max(by_period)
    end = last if last_period is None or last_period < last else last_period
    months = months_between(first, end) + 1
    values = np.array([by_period.get(add_months(first, k), 0.0) for k in range(months)])
    return MonthlySeries(first, values, trailing_missing=months_between(last, end))


def end_of_life_reason(y: np.ndarray, *, trailing_missing: int, inactive_months: int) -> str | None:
    """Rule 2: why the series is dead, or None when it is alive."""
    if trailing_missing > 0:
        return (
            f"the last {trailing_missing} month(s) before the last period are missing: "
            "the series has ended"
        )
    if len(y) >= inactive_months and not np.any(y[-inactive_months:] > 0):
        return f"no demand in the last {inactive_months} month(s): the series is inactive"
    return None


def is_intermittent(y: np.ndarray) -> bool:
    """Rule 3: months per non-zero month above the Syntetos-Boylan cut (at least 2 demands)."""
    demands = int(np.count_nonzero(y > 0))
    return demands >= 2 and len(y) / demands > INTERMITTENT_ADI


def selection_origins(
    months: int, *, horizon: int, windows: int, step: int
) -> tuple[int, list[int]]:
    """Rule 4: the selection's test length and its origins (months fitted), oldest first."""
    if months < MIN_SELECTION_MONTHS:
        return 0, []
    h = min(horizon, MAX_SELECTION_HORIZON, months // 2)
    origins = [months - h - step * k for k in range(windows)]
    return h, sorted(o for o in origins if o >= MIN_TRAIN)


def scoring_origins(months: int, *, horizon: int, windows: int, step: int) -> list[int]:
    """Rule 5: the backtest's origins, oldest first; those leaving too little to select drop."""
    origins = [months - horizon - step * k for k in range(windows)]
    return sorted(o for o in origins if o >= MIN_SELECTION_MONTHS)


def periods_after(last_period: str, horizon: int) -> list[str]:
    return [add_months(last_period, k) for k in range(1, horizon + 1)]


def errors_at_todays_level(
    errors: np.ndarray, history: np.ndarray, *, origins: Sequence[int], season: int
) -> np.ndarray:
    """Rule 7: ``errors`` (one row per origin, months fitted before it) times the mean of
    ``history``'s last year (``season`` months, at least 12) over the mean of the same number
    of months before each origin; a row whose origin's level is zero is left as it was."""
    year = max(season, 12)
    now = float(np.mean(np.abs(history[-year:])))
    then = np.array([np.mean(np.abs(history[max(o - year, 0) : o])) for o in origins])
    ratio = np.divide(now, then, out=np.ones_like(then), where=then > 0)
    return errors * ratio[:, None]


def calibrated_interval(
    point: np.ndarray, lo: np.ndarray, hi: np.ndarray, errors: np.ndarray, *, level: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 6: the interval ``lo``..``hi`` around ``point`` widened, month k of the horizon,
    to ``point`` plus the central ``level`` % of ``errors[:, k]`` (actual minus forecast, one
    row per selection origin, quantiles interpolated linearly; months beyond its columns take
    its last); never below zero."""
    column = np.minimum(np.arange(len(point)), errors.shape[1] - 1)
    tail = (1 - level / 100) / 2
    low = np.quantile(errors, tail, axis=0)[column]
    high = np.quantile(errors, 1 - tail, axis=0)[column]
    return np.maximum(np.minimum(lo, point + low), 0.0), np.maximum(hi, point + high)
