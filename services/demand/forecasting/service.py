"""Forecasts: stateless (series in, forecasts out), backtests, and the plan baseline.

One code path: ``methods.forecast_monthly`` forecasts a request's series and a plan's
history alike. A plan's baseline uses only history before the plan's horizon, so it is what
could have been known when the plan was drafted; a series runs from its first month of history
to the company's last month before the horizon (the latest month any series has), missing
months counting as zero demand (rules.py).
"""

import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sqlalchemy import delete, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.demand.accuracy import metrics
from services.demand.consensus import service as consensus
from services.demand.history.models import DemandHistory, DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.plans import service as plans
from shared import crud
from shared.contracts.demand import (
    BacktestOriginPublic,
    BacktestRequest,
    BacktestResponse,
    CandidateScorePublic,
    ForecastMetricsPublic,
    ForecastOptions,
    ForecastRequest,
    ForecastResponse,
    IntervalPublic,
    SelectionPublic,
    SeriesBacktestPublic,
    SeriesForecastPublic,
    SeriesIn,
)
from shared.crud import EntitySpec
from shared.errors import Conflict, ValidationFailed
from shared.periods import add_months, horizon, months_between

from . import rules
from .methods import (
    Choice,
    OriginResult,
    SeriesForecast,
    Settings,
    backtest_series,
    candidate_methods,
    forecast_monthly,
    parse_parameters,
)
from .models import (
    BaselineFilters,
    BaselineRequest,
    BaselineSeries,
    BaselineSummary,
    BaselineValue,
)

# The plan baseline runs the fast set: the demo must stay interactive.
BASELINE_SETTINGS = Settings()


def settings_of(options: ForecastOptions, *, levels: Sequence[int], started: float) -> Settings:
    """The request's forecasting settings; a 422 naming a parameter that does not fit."""
    if options.parameters and options.method is None:
        raise ValidationFailed("parameters need a method", field="parameters")
    override = None
    if options.method is not None:
        override = Choice(
            options.method,
            parse_parameters(options.method, options.parameters, field="parameters"),
        )
    return Settings(
        season_length=options.season_length,
        candidates=tuple(candidate_methods(options.candidates)),
        override=override,
        levels=tuple(sorted(set(levels))),
        windows=options.cv_windows,
        step=options.cv_step,
        inactive_months=options.inactive_months,
        deadline=started + options.time_budget_seconds,
    )


def _within_budget(options: ForecastOptions, *, started: float, done: int) -> None:
    """Past twice its time budget a request stops: a 422 rather than a request without end."""
    if time.perf_counter() - started > 2 * options.time_budget_seconds:
        raise ValidationFailed(
            f"twice the time budget ran out after {done} of {len(options.series)} series: "
            "raise it or send fewer series",
            field="time_budget_seconds",
        )


def _grid(series: Sequence[SeriesIn], last_period: str | None) -> list[rules.MonthlySeries]:
    end = last_period or max(max(s.periods) for s in series)
    for index, one in enumerate(series):
        if min(one.periods) > end:
            raise ValidationFailed(
                f"series {one.id} starts after the last period {end}",
                field=f"series.{index}.periods",
            )
    return [
        rules.monthly_series(dict(zip(s.periods, s.values, strict=True)), last_period=end)
        for s in series
    ]


def forecast(*, request: ForecastRequest) -> ForecastResponse:
    """Point forecasts, intervals and the evidence of the method, for every series."""
    started = time.perf_counter()
    settings = settings_of(request, levels=request.levels, started=started)
    answers: list[SeriesForecastPublic] = []
    for one, grid in zip(request.series, _grid(request.series, request.last_period), strict=True):
        _within_budget(request, started=started, done=len(answers))
        result = forecast_monthly(
            grid.values, request.horizon, settings, trailing_missing=grid.trailing_missing
        )
        answers.append(_public_forecast(one.id, grid, result))
    return ForecastResponse(series=answers, seconds=round(time.perf_counter() - started, 3))


def _public_forecast(
    series_id: str, grid: rules.MonthlySeries, result: SeriesForecast
) -> SeriesForecastPublic:
    return SeriesForecastPublic(
        id=series_id,
        method=result.method,
        detail=result.detail,
        periods=rules.periods_after(grid.last_period, len(result.mean)),
        mean=[round(float(v), 6) for v in result.mean],
        intervals=[
            IntervalPublic(
                level=level,
                lower=[round(float(v), 6) for v in lower],
                upper=[round(float(v), 6) for v in upper],
            )
            for level, (lower, upper) in sorted(result.intervals.items())
        ],
        end_of_life=result.end_of_life,
        intermittent=result.intermittent,
        fallback=result.fallback,
        note=result.note,
        history_months=result.history_months,
        selection=SelectionPublic(
            horizon=result.cv_horizon,
            origins=[add_months(grid.first_period, o - 1) for o in result.cv_origins],
            candidates=[
                CandidateScorePublic(method=c.method, mae=c.mae, note=c.note)
                for c in result.candidates
            ],
        ),
    )


def backtest(*, request: BacktestRequest) -> BacktestResponse:
    """Nested rolling-origin backtest: metrics per series and over all, with the benchmark."""
    started = time.perf_counter()
    settings = settings_of(request, levels=request.levels, started=started)
    answers: list[SeriesBacktestPublic] = []
    pooled: list[OriginResult] = []
    for one, grid in zip(request.series, _grid(request.series, request.last_period), strict=True):
        _within_budget(request, started=started, done=len(answers))
        results = backtest_series(
            grid.values,
            horizon=request.horizon,
            windows=request.windows,
            step=request.step,
            settings=settings,
        )
        pooled.extend(results)
        answers.append(
            SeriesBacktestPublic(
                id=one.id,
                metrics=_scores(results, benchmark=False, levels=settings.levels),
                seasonal_naive=_scores(results, benchmark=True, levels=()),
                origins=[
                    BacktestOriginPublic(
                        origin=add_months(grid.first_period, r.origin - 1),
                        method=r.method,
                        selection_origins=[
                            add_months(grid.first_period, o - 1) for o in r.selection_origins
                        ],
                    )
                    for r in results
                ],
            )
        )
    return BacktestResponse(
        series=answers,
        overall=_scores(pooled, benchmark=False, levels=settings.levels),
        overall_seasonal_naive=_scores(pooled, benchmark=True, levels=()),
        seconds=round(time.perf_counter() - started, 3),
    )


def _scores(
    results: Sequence[OriginResult], *, benchmark: bool, levels: Sequence[int]
) -> ForecastMetricsPublic | None:
    """Metrics pooled over every origin's months (MASE scaled per origin)."""
    if not results:
        return None
    actual = np.concatenate([r.actual for r in results])
    forecast = np.concatenate([r.benchmark if benchmark else r.forecast for r in results])
    scales = [r.scale for r in results for _ in r.actual]
    scores = metrics.forecast_scores(actual.tolist(), forecast.tolist(), scales)
    coverage = {}
    for level in levels:
        inside = [
            (lower <= r.actual) & (r.actual <= upper)
            for r in results
            if level in r.intervals
            for lower, upper in [r.intervals[level]]
        ]
        if inside:
            coverage[str(level)] = float(np.mean(np.concatenate(inside)))
    return ForecastMetricsPublic(**vars(scores), coverage=coverage)


def company_last_period(session: Session, *, before: str) -> str | None:
    """The latest month of history any series has before ``before``: where series should end."""
    latest = session.exec(
        select(func.max(DemandHistory.period)).where(col(DemandHistory.period) < before)
    ).one()
    return str(latest) if latest is not None else None


def run_baseline(
    session: Session, *, plan_id: int, revision: int | None, request: BaselineRequest
) -> BaselineSummary:
    """Forecast every selected series, store the statistical stream, rebuild the consensus."""
    started = time.perf_counter()
    plan = plans.writable_plan(session, plan_id=plan_id, revision=revision)
    plans.require_stream_plan(session, plan=plan)
    crud.check_references(
        session, references=plans.LINES.references, items=[request], indexed=False
    )
    histories = load_series(
        session,
        filters=DemandHistoryFilters(
            family_code=request.family_code,
            segment_code=request.segment_code,
            period_from=request.history_from,
        ),
        before=plan.horizon_start,
    )
    if not histories:
        raise ValidationFailed(
            f"there is no demand history before {plan.horizon_start} for the selected series",
            field="body",
        )
    end = company_last_period(session, before=plan.horizon_start)
    periods = horizon(plan.horizon_start, plan.horizon_months)
    _clear(session, plan_id=plan_id, request=request)
    methods: Counter[str] = Counter()
    fallbacks = 0
    for (family, segment), by_period in sorted(histories.items()):
        grid = rules.monthly_series(by_period, last_period=end)
        steps = months_between(grid.last_period, periods[-1])
        result = forecast_monthly(
            grid.values, steps, BASELINE_SETTINGS, trailing_missing=grid.trailing_missing
        )
        methods[result.method] += 1
        fallbacks += result.fallback
        session.add(
            BaselineSeries(
                plan_id=plan_id,
                family_code=family,
                segment_code=segment,
                method=result.method,
                detail=result.detail,
                history_months=result.history_months,
                intermittent=result.intermittent,
                fallback=result.fallback,
                end_of_life=result.end_of_life,
                note=result.note[:2000],
                cv_horizon=result.cv_horizon,
                cv_mae=result.cv_mae,
                candidates={c.method: c.mae for c in result.candidates},
            )
        )
        session.add_all(
            BaselineValue(
                plan_id=plan_id,
                family_code=family,
                segment_code=segment,
                period=period,
                quantity=round(float(result.mean[months_between(grid.last_period, period) - 1]), 6),
            )
            for period in periods
        )
    session.flush()
    # A new baseline may break an input stored earlier (a delta now driving demand negative).
    consensus.rebuild(session, plan=plan, refusal=Conflict)
    return BaselineSummary(
        plan_id=plan_id,
        series=len(histories),
        fallbacks=fallbacks,
        methods=dict(sorted(methods.items())),
        seconds=round(time.perf_counter() - started, 3),
    )


BASELINE = EntitySpec(
    table=BaselineSeries, key=("plan_id", "family_code", "segment_code"), label="baseline series"
)


def baseline_query(*, plan_id: int, filters: BaselineFilters) -> SelectOfScalar[BaselineSeries]:
    return crud.filtered(BASELINE, filters).where(col(BaselineSeries.plan_id) == plan_id)


def _clear(session: Session, *, plan_id: int, request: BaselineRequest) -> None:
    """Remove the stored baseline of the series about to be forecast again."""
    for table in (BaselineSeries, BaselineValue):
        statement = delete(table).where(col(table.plan_id) == plan_id)
        if request.family_code is not None:
            statement = statement.where(col(table.family_code) == request.family_code)
        if request.segment_code is not None:
            statement = statement.where(col(table.segment_code) == request.segment_code)
        session.exec(statement)
