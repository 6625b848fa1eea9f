"""Statistical forecasting methods (statsforecast), their choice per series, and backtests.

Pure functions over numpy arrays of monthly demand (oldest first); no I/O. The rules they
apply (gaps, end of life, intermittence, where series are cut to test) are stated in
``rules.py``.

Library: statsforecast (Nixtla); every model below is the library's, none is written here.
``bench/forecast_bench.py`` compared it with statsmodels (more accurate and about three
times faster on 1,000 series) and prints series per second of the fast and full sets.

Candidates: the fast set (seasonal naive, AutoETS, and CrostonSBA and TSB for intermittent
series) keeps the demo baseline interactive; the full set adds AutoARIMA, AutoTheta, AutoCES,
MSTL (for four seasons of history or more) and CrostonOptimized, ADIDA and IMAPA. AutoETS
searches error, trend (damped or not) and season forms by AICc, so a damped or trended
seasonal Holt-Winters competes inside it. Continuous methods compete on every series; the
intermittent ones only on intermittent series. Seasonal models take the season when the
history holds two seasons (MSTL four), else they run without it.

Intervals: the model's own prediction intervals where statsforecast has them; for the
intermittent methods, which have none, statsforecast's conformal intervals over the last
windows of the history. Forecasts and bounds are clipped at zero (demand is never negative).
A combination of the two best candidates (rules.py, rule 4) averages their points and, level
by level, their bounds (a level only one of them has is left out). Either way the bounds are
then widened to the forecast's own errors at the selection origins (rules.py, rule 6).
"""

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError
from pydantic import Field as Constraint
from statsforecast.models import (
    ADIDA,
    IMAPA,
    MSTL,
    TSB,
    AutoARIMA,
    AutoCES,
    AutoETS,
    AutoTheta,
    CrostonOptimized,
    CrostonSBA,
    SeasonalNaive,
    WindowAverage,
)
from statsforecast.utils import ConformalIntervals

from services.demand.accuracy import metrics
from shared.contracts.demand import CandidateSet, ForecastMethod
from shared.errors import ValidationFailed
from shared.types import CLOSED, MAX_QUANTITY

from . import rules

FALLBACK_WINDOW = 3
COMBINED = 2
"""Candidates averaged (rules.py, rule 4)."""
COMBINATION = "combination"
MIN_CONFORMAL_WINDOWS = 2


class NoParameters(BaseModel):
    model_config = CLOSED


class EtsParameters(NoParameters):
    model: str = Constraint(
        default="ZZZ",
        pattern="^[AMZ][NAMZ][NAMZ]$",
        description="Error, trend, season: A additive, M multiplicative, N none, Z chosen.",
    )
    damped: bool | None = Constraint(default=None, description="None: chosen by AICc.")


class ArimaParameters(NoParameters):
    d: int | None = Constraint(default=None, ge=0, le=2)
    D: int | None = Constraint(default=None, ge=0, le=1)
    max_p: int = Constraint(default=5, ge=0, le=5)
    max_q: int = Constraint(default=5, ge=0, le=5)
    seasonal: bool = True


class ThetaParameters(NoParameters):
    model: Literal["STM", "OTM", "DSTM", "DOTM"] | None = None
    decomposition_type: Literal["multiplicative", "additive"] = "multiplicative"


class CesParameters(NoParameters):
    model: Literal["N", "S", "P", "F", "Z"] = "Z"


class TsbParameters(NoParameters):
    alpha_d: float = Constraint(default=0.1, gt=0, le=1, allow_inf_nan=False)
    alpha_p: float = Constraint(default=0.1, gt=0, le=1, allow_inf_nan=False)


Builder = Callable[[int, Any], Any]


@dataclass(frozen=True)
class MethodSpec:
    """A statsforecast model, its parameters, and the history it needs."""

    name: ForecastMethod
    parameters: type[NoParameters]
    build: Builder
    seasons_needed: int = 2
    """Seasons of history to use the season; 0: the method has no season."""
    min_months: int = 1
    intermittent: bool = False
    native_intervals: bool = True


SPECS: dict[ForecastMethod, MethodSpec] = {
    spec.name: spec
    for spec in (
        MethodSpec(
            ForecastMethod.seasonal_naive,
            NoParameters,
            lambda m, _: SeasonalNaive(season_length=m),
            seasons_needed=1,
        ),
        MethodSpec(
            ForecastMethod.auto_ets,
            EtsParameters,
            lambda m, p: AutoETS(season_length=m, model=p.model, damped=p.damped),
        ),
        MethodSpec(
            ForecastMethod.auto_theta,
            ThetaParameters,
            lambda m, p: AutoTheta(
                season_length=m, model=p.model, decomposition_type=p.decomposition_type
            ),
        ),
        MethodSpec(
            ForecastMethod.auto_ces,
            CesParameters,
            lambda m, p: AutoCES(season_length=m, model=p.model),
        ),
        MethodSpec(
            ForecastMethod.auto_arima,
            ArimaParameters,
            lambda m, p: AutoARIMA(
                season_length=m, d=p.d, D=p.D, max_p=p.max_p, max_q=p.max_q, seasonal=p.seasonal
            ),
        ),
        MethodSpec(
            ForecastMethod.mstl,
            NoParameters,
            lambda m, _: MSTL(season_length=m),
            seasons_needed=4,
            min_months=8,
        ),
        MethodSpec(
            ForecastMethod.croston_optimized,
            NoParameters,
            lambda _m, _p: CrostonOptimized(),
            seasons_needed=0,
            intermittent=True,
            native_intervals=False,
        ),
        MethodSpec(
            ForecastMethod.croston_sba,
            NoParameters,
            lambda _m, _p: CrostonSBA(),
            seasons_needed=0,
            intermittent=True,
            native_intervals=False,
        ),
        MethodSpec(
            ForecastMethod.adida,
            NoParameters,
            lambda _m, _p: ADIDA(),
            seasons_needed=0,
            intermittent=True,
            native_intervals=False,
        ),
        MethodSpec(
            ForecastMethod.imapa,
            NoParameters,
            lambda _m, _p: IMAPA(),
            seasons_needed=0,
            intermittent=True,
            native_intervals=False,
        ),
        MethodSpec(
            ForecastMethod.tsb,
            TsbParameters,
            lambda _m, p: TSB(alpha_d=p.alpha_d, alpha_p=p.alpha_p),
            seasons_needed=0,
            intermittent=True,
            native_intervals=False,
        ),
    )
}

# Cheapest first: when the time budget runs out, the methods already scored still compete.
FAST: tuple[ForecastMethod, ...] = (
    ForecastMethod.seasonal_naive,
    ForecastMethod.croston_sba,
    ForecastMethod.tsb,
    ForecastMethod.auto_ets,
)
FULL: tuple[ForecastMethod, ...] = (
    ForecastMethod.seasonal_naive,
    ForecastMethod.croston_sba,
    ForecastMethod.tsb,
    ForecastMethod.croston_optimized,
    ForecastMethod.adida,
    ForecastMethod.imapa,
    ForecastMethod.auto_theta,
    ForecastMethod.mstl,
    ForecastMethod.auto_ets,
    ForecastMethod.auto_ces,
    ForecastMethod.auto_arima,
)


def candidate_methods(candidates: CandidateSet | Sequence[ForecastMethod]) -> list[ForecastMethod]:
    if candidates == CandidateSet.fast:
        return list(FAST)
    if candidates == CandidateSet.full:
        return list(FULL)
    return list(dict.fromkeys(candidates))


def parse_parameters(
    method: ForecastMethod, parameters: dict[str, Any], *, field: str
) -> NoParameters:
    """The method's parameters, or a 422 naming each unknown or invalid one."""
    try:
        return SPECS[method].parameters.model_validate(parameters)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        reason = (
            "is not a parameter of " + method.value
            if first["type"] == "extra_forbidden"
            else (first["msg"])
        )
        raise ValidationFailed(f"{where} {reason}", field=f"{field}.{where}") from error


@dataclass(frozen=True)
class Choice:
    """A method to run and its parameters (validated)."""

    method: ForecastMethod
    parameters: NoParameters | None = None
    """None: the method's defaults."""


@dataclass(frozen=True)
class Settings:
    season_length: int = 12
    candidates: tuple[ForecastMethod, ...] = FAST
    override: Choice | None = None
    levels: tuple[int, ...] = ()
    windows: int = 8
    step: int = 3
    inactive_months: int = 6
    deadline: float | None = None
    """``time.perf_counter()`` after which no further candidate is scored."""


@dataclass(frozen=True)
class CandidateScore:
    method: str
    mae: float | None
    note: str = ""


@dataclass(frozen=True)
class SeriesForecast:
    """A forecast of one series and the evidence for its method."""

    mean: np.ndarray
    intervals: dict[int, tuple[np.ndarray, np.ndarray]]
    method: str
    detail: str
    history_months: int
    intermittent: bool
    fallback: bool
    note: str
    end_of_life: bool = False
    cv_horizon: int = 0
    cv_origins: tuple[int, ...] = ()
    candidates: tuple[CandidateScore, ...] = ()

    @property
    def cv_mae(self) -> float | None:
        return next((c.mae for c in self.candidates if c.method == self.method), None)


@dataclass(frozen=True)
class Fit:
    mean: np.ndarray
    intervals: dict[int, tuple[np.ndarray, np.ndarray]]
    detail: str


def usable_season(method: ForecastMethod, months: int, season_length: int) -> int | None:
    """The season the method takes on this many months (1: none), or None when it cannot run."""
    spec = SPECS[method]
    if months < spec.min_months:
        return None
    if method == ForecastMethod.seasonal_naive:
        return season_length if months >= season_length else None
    if spec.seasons_needed and season_length > 1 and months >= spec.seasons_needed * season_length:
        return season_length
    return None if method == ForecastMethod.mstl else 1


def fit(
    choice: Choice, y: np.ndarray, h: int, *, season: int, levels: Sequence[int] = ()
) -> Fit | None:
    """The method's forecast (and intervals) with this season, or None when it cannot fit."""
    spec = SPECS[choice.method]
    model = spec.build(season, choice.parameters or spec.parameters())
    wanted = list(levels)
    if wanted and not spec.native_intervals:
        windows = (len(y) - 1) // h
        if windows >= MIN_CONFORMAL_WINDOWS:
            model.prediction_intervals = ConformalIntervals(h=h, n_windows=windows)
        else:
            wanted = []
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = model.forecast(y=y, h=h, level=wanted or None)
    except Exception:
        # The library refuses odd series in many ways (tiny data, singular fits); a refusal
        # only removes this method from the contest, it must not fail the whole forecast.
        return None
    mean = np.asarray(result["mean"], dtype=float)
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        return None
    intervals = {
        level: (_clip(result[f"lo-{level}"]), _clip(result[f"hi-{level}"])) for level in wanted
    }
    if any(not np.all(np.isfinite(lo + hi)) for lo, hi in intervals.values()):
        intervals = {}
    return Fit(_clip(mean), intervals, _detail(choice.method, model, season))


def _clip(values: Any) -> np.ndarray:
    # Demand is never negative, and never beyond what a quantity field can hold.
    return np.clip(np.asarray(values, dtype=float), 0.0, MAX_QUANTITY)


def _detail(method: ForecastMethod, model: Any, season: int) -> str:
    fitted = getattr(model, "model_", None)
    form = fitted.get("method") if isinstance(fitted, dict) else None
    seasonal = f", season {season}" if season > 1 else ""
    return f"{form} chosen by AICc" if form else f"{method.value}{seasonal}"


def cross_validate(
    choice: Choice, y: np.ndarray, *, h: int, origins: Sequence[int], season: int
) -> float | None:
    """Mean absolute error of the method over every origin and month; None if it cannot fit one."""
    pairs = cross_validation_forecasts(choice, y, h=h, origins=origins, season=season)
    return None if pairs is None else float(np.mean(np.abs(pairs[0] - pairs[1])))


def cross_validation_forecasts(
    choice: Choice, y: np.ndarray, *, h: int, origins: Sequence[int], season: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The actual months after every origin and the method's forecasts of them (origins in
    order, ``h`` months each); None if it cannot fit one origin.

    The model is fitted at the first origin; at each later origin the fitted model runs over
    the longer history without estimating again (its ``forward``, as statsforecast's own
    cross-validation with ``refit=False``), so a candidate costs one estimation, not one per
    origin. Methods without a ``forward`` (the intermittent ones, cheap) are refitted."""
    actual: list[np.ndarray] = []
    forecasts: list[np.ndarray] = []
    model: Any = None
    forwards = hasattr(SPECS[choice.method].build(season, _parameters(choice)), "forward")
    for origin in origins:
        if model is not None:
            mean = _mean_of(partial(model.forward, y=y[:origin], h=h), h)
        elif forwards:
            model = _fitted(choice, y[:origin], season=season)
            mean = None if model is None else _mean_of(partial(model.predict, h=h), h)
        else:
            result = fit(choice, y[:origin], h, season=season)
            mean = None if result is None else result.mean
        if mean is None:
            return None
        actual.append(y[origin : origin + h])
        forecasts.append(mean)
    return np.concatenate(actual), np.concatenate(forecasts)


def _parameters(choice: Choice) -> NoParameters:
    return choice.parameters or SPECS[choice.method].parameters()


def _fitted(choice: Choice, y: np.ndarray, *, season: int) -> Any:
    """The method's model estimated on ``y``, or None when the library refuses the series."""
    model = SPECS[choice.method].build(season, _parameters(choice))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model.fit(y=y)
    except Exception:
        return None
    return model


def _mean_of(call: Callable[[], Any], h: int) -> np.ndarray | None:
    """The point forecast a fitted model's call returns, clipped; None when it fails."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            mean = np.asarray(call()["mean"], dtype=float)
    except Exception:
        return None
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        return None
    return _clip(mean)


@dataclass(frozen=True)
class Contest:
    """The candidates able to run, each with the season it keeps, and the origins they share.

    A method keeps the season it can take at the latest origin, in every fit including the
    final one; the origins are those where every candidate can take its season, so all are
    scored on the same months and the form scored is the form that forecasts.
    """

    seasons: dict[ForecastMethod, int]
    origins: list[int]
    left_out: list[CandidateScore]


def contest(
    names: Sequence[Choice], *, months: int, origins: Sequence[int], season_length: int
) -> Contest:
    last = origins[-1] if origins else months
    seasons: dict[ForecastMethod, int] = {}
    left_out = []
    for choice in names:
        season = usable_season(choice.method, last, season_length)
        if season is None:
            left_out.append(CandidateScore(choice.method.value, None, "history too short"))
        else:
            seasons[choice.method] = season
    shared = [
        o
        for o in origins
        if all(usable_season(m, o, season_length) == season for m, season in seasons.items())
    ]
    return Contest(seasons, shared, left_out)


def forecast_series(y: Sequence[float] | np.ndarray, h: int, settings: Settings) -> SeriesForecast:
    """Forecast ``h`` months after ``y`` (no end-of-life check: see ``forecast_monthly``)."""
    history = np.asarray(y, dtype=float)
    months = len(history)
    intermittent = rules.is_intermittent(history)
    if months == 0:
        return _zero(h, months, "cold start: no history, forecast 0 (a launch input sets it)")
    if not np.any(history > 0):
        return _zero(h, months, f"all {months} months of history are zero: forecast 0")
    cv_h, origins = rules.selection_origins(
        months, horizon=h, windows=settings.windows, step=settings.step
    )
    if settings.override is not None:
        names = [settings.override]
    else:
        names = [
            Choice(method)
            for method in settings.candidates
            if intermittent or not SPECS[method].intermittent
        ]
    game = contest(names, months=months, origins=origins, season_length=settings.season_length)
    scores, cv_forecasts = _score_candidates(names, history, h=cv_h, game=game, settings=settings)
    if origins:
        order = ranking(scores, names)
        if not order and any(c.note == "time budget spent" for c in scores):
            # No time left to compare: the first candidate able to run (the cheapest) forecasts.
            order = [m.value for m in game.seasons][:1]
    else:
        # Too short to cross-validate: a method asked for still runs, the contest does not.
        order = [m.value for m in game.seasons if settings.override is not None]
    notes = [f"{c.method}: {c.note}" for c in scores if c.note]
    maes = {c.method: c.mae for c in scores}
    fits: list[tuple[str, Fit]] = []
    for method in order:
        if fits and not combines(maes[fits[0][0]], maes[method]):
            break
        choice = next(n for n in names if n.method.value == method)
        final = fit(choice, history, h, season=game.seasons[choice.method], levels=settings.levels)
        if final is None:
            notes.append(f"{method}: could not fit the full history")
            continue
        fits.append((method, final))
        if len(fits) == COMBINED:
            break
    if fits:
        method, final = fits[0]
        errors = None
        if method in cv_forecasts:
            actual, forecast = cv_forecasts[method]
            errors = actual - forecast
        if len(fits) == COMBINED:
            (first, _), (second, _) = fits
            method, final = COMBINATION, combine([f for _, f in fits], [first, second])
            actual, one = cv_forecasts[first]
            errors = actual - (one + cv_forecasts[second][1]) / 2
            combined_mae = float(np.mean(np.abs(errors)))
            scores.append(
                CandidateScore(COMBINATION, combined_mae, f"mean of {first} and {second}")
            )
        intervals = final.intervals
        if errors is not None and game.origins:
            by_origin = rules.errors_at_todays_level(
                errors.reshape(len(game.origins), cv_h),
                history,
                origins=game.origins,
                season=settings.season_length,
            )
            intervals = {
                level: rules.calibrated_interval(final.mean, lo, hi, by_origin, level=level)
                for level, (lo, hi) in final.intervals.items()
            }
        return SeriesForecast(
            mean=final.mean,
            intervals=intervals,
            method=method,
            detail=final.detail,
            history_months=months,
            intermittent=intermittent,
            fallback=False,
            note="; ".join(notes),
            cv_horizon=cv_h if origins else 0,
            cv_origins=tuple(game.origins),
            candidates=tuple(scores),
        )
    if not origins:
        notes.insert(
            0,
            f"only {months} month(s) of history: too short to compare methods "
            f"(needs {rules.MIN_SELECTION_MONTHS})",
        )
    return _fallback(
        history,
        h,
        note="; ".join(notes) or "no method could fit the series",
        intermittent=intermittent,
        scores=tuple(scores),
    )


def ranking(scores: Sequence[CandidateScore], names: Sequence[Choice]) -> list[str]:
    """The scored candidates, lowest cross-validated MAE first (ties: the cheaper, listed first)."""
    listed = [n.method.value for n in names]
    scored = (c for c in scores if c.mae is not None and c.method in listed)
    return [c.method for c in sorted(scored, key=lambda c: (c.mae, listed.index(c.method)))]


def combines(best: float | None, runner_up: float | None) -> bool:
    """rules.py, rule 4: the two best are averaged unless the best is a clear winner."""
    if best is None or runner_up is None:
        return False
    return best >= rules.CLEAR_WINNER * runner_up


def combine(fits: Sequence[Fit], methods: Sequence[str]) -> Fit:
    """The equal-weight mean of the forecasts, and of their bounds at each level both have."""
    mean = np.mean([f.mean for f in fits], axis=0)
    levels = set.intersection(*(set(f.intervals) for f in fits))
    intervals = {
        level: (
            np.mean([f.intervals[level][0] for f in fits], axis=0),
            np.mean([f.intervals[level][1] for f in fits], axis=0),
        )
        for level in sorted(levels)
    }
    members = " and ".join(f"{m} ({f.detail})" for m, f in zip(methods, fits, strict=True))
    return Fit(mean, intervals, f"mean of {members}"[:200])


def _score_candidates(
    names: Sequence[Choice], y: np.ndarray, *, h: int, game: Contest, settings: Settings
) -> tuple[list[CandidateScore], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each candidate's cross-validated MAE, and its forecasts of the origins' months."""
    if not game.origins:
        return [], {}
    scores = list(game.left_out)
    forecasts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for choice in names:
        if choice.method not in game.seasons:
            continue
        if settings.deadline is not None and time.perf_counter() > settings.deadline:
            scores.append(CandidateScore(choice.method.value, None, "time budget spent"))
            continue
        pairs = cross_validation_forecasts(
            choice, y, h=h, origins=game.origins, season=game.seasons[choice.method]
        )
        if pairs is None:
            scores.append(CandidateScore(choice.method.value, None, "could not fit every origin"))
            continue
        forecasts[choice.method.value] = pairs
        scores.append(
            CandidateScore(choice.method.value, float(np.mean(np.abs(pairs[0] - pairs[1]))))
        )
    return scores, forecasts


def forecast_monthly(
    y: np.ndarray, h: int, settings: Settings, *, trailing_missing: int = 0
) -> SeriesForecast:
    """Forecast a series on its monthly grid: zero, flagged, when it has reached end of life."""
    reason = rules.end_of_life_reason(
        y, trailing_missing=trailing_missing, inactive_months=settings.inactive_months
    )
    if reason is None:
        return forecast_series(y, h, settings)
    return SeriesForecast(
        mean=np.zeros(h),
        intervals={level: (np.zeros(h), np.zeros(h)) for level in settings.levels},
        method="zero",
        detail="end of life",
        history_months=len(y),
        intermittent=rules.is_intermittent(y),
        fallback=False,
        note=reason,
        end_of_life=True,
    )


def _zero(h: int, months: int, reason: str) -> SeriesForecast:
    return SeriesForecast(
        mean=np.zeros(h),
        intervals={},
        method="zero",
        detail="no demand to extrapolate",
        fallback=True,
        note=reason,
        history_months=months,
        intermittent=False,
    )


def _fallback(
    history: np.ndarray,
    h: int,
    *,
    note: str,
    intermittent: bool,
    scores: tuple[CandidateScore, ...],
) -> SeriesForecast:
    window = min(FALLBACK_WINDOW, len(history))
    mean = np.asarray(WindowAverage(window_size=window).forecast(y=history, h=h)["mean"], float)
    return SeriesForecast(
        mean=mean,
        intervals={},
        method="moving_average",
        detail=f"average of the last {window} months",
        fallback=True,
        note=note,
        history_months=len(history),
        intermittent=intermittent,
        candidates=scores,
    )


@dataclass(frozen=True)
class OriginResult:
    """One scoring origin of a backtest: what was chosen before it and what happened after."""

    origin: int
    method: str
    actual: np.ndarray
    forecast: np.ndarray
    benchmark: np.ndarray
    """Seasonal naive (naive below a season of history) from the same origin."""
    intervals: dict[int, tuple[np.ndarray, np.ndarray]]
    scale: float | None
    selection_origins: tuple[int, ...]


def backtest_series(
    y: Sequence[float] | np.ndarray,
    *,
    horizon: int,
    windows: int,
    step: int,
    settings: Settings,
) -> list[OriginResult]:
    """Nested backtest (rules.py, rule 5): select on the months before each origin, score after."""
    history = np.asarray(y, dtype=float)
    results = []
    for origin in rules.scoring_origins(len(history), horizon=horizon, windows=windows, step=step):
        train = history[:origin]
        chosen = forecast_monthly(train, horizon, settings)
        season = settings.season_length if origin >= settings.season_length else 1
        benchmark = fit(Choice(ForecastMethod.seasonal_naive), train, horizon, season=season)
        assert benchmark is not None  # a season of history (or one month) is always enough
        results.append(
            OriginResult(
                origin=origin,
                method=chosen.method,
                actual=history[origin : origin + horizon],
                forecast=chosen.mean,
                benchmark=benchmark.mean,
                intervals=chosen.intervals,
                scale=metrics.seasonal_scale(train.tolist(), season_length=settings.season_length),
                selection_origins=chosen.cv_origins,
            )
        )
    return results
