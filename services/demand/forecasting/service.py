"""Forecasts: stateless (series in, forecasts out), backtests, and the plan baseline.

One code path: ``methods.forecast_monthly`` forecasts a request's series and a plan's
history alike. A plan's baseline uses only history before the plan's horizon, so it is what
could have been known when the plan was drafted; a series runs from its first month of history
to the company's last month before the horizon (the latest month any series has), missing
months counting as zero demand (rules.py).
"""

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
from sqlalchemy import delete, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.demand.accuracy import metrics
from services.demand.consensus import service as consensus
from services.demand.families.models import Family
from services.demand.history.models import DemandHistory, DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.plans import service as plans
from shared import crud
from shared.auth import Principal
from shared.concurrency import claim_version
from shared.contracts.demand import (
    BacktestOriginPublic,
    BacktestRequest,
    BacktestResponse,
    CandidateScorePublic,
    ForecastMethod,
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
from shared.crud import EntitySpec, Reference
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.periods import add_months, horizon, months_between
from shared.types import utc_now

from . import rules
from .engine import LOCAL, SeriesTask, forecast_many
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
    ForecastOverride,
    ForecastOverrideCreate,
    ForecastOverrideFilters,
    ForecastOverridePublic,
    ForecastOverrideUpdate,
)


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
    session: Session,
    *,
    plan_id: int,
    revision: int | None,
    request: BaselineRequest,
    engine: str = LOCAL,
) -> BaselineSummary:
    """Forecast every selected series (a family's stored override instead of the contest),
    store the statistical stream, rebuild the consensus."""
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
    settings = Settings(
        candidates=tuple(candidate_methods(request.candidates)),
        deadline=started + request.time_budget_seconds,
    )
    overrides = {row.family_code: row for row in _overrides_of(session, {f for f, _ in histories})}
    keys = sorted(histories)
    grids = [rules.monthly_series(histories[key], last_period=end) for key in keys]
    tasks = [
        SeriesTask(
            grid.values,
            months_between(grid.last_period, periods[-1]),
            _with_override(settings, overrides.get(family)),
            trailing_missing=grid.trailing_missing,
        )
        for (family, _segment), grid in zip(keys, grids, strict=True)
    ]
    results = forecast_many(tasks, engine=engine)
    _clear(session, plan_id=plan_id, request=request)
    methods: Counter[str] = Counter()
    overridden_series = 0
    for (family, segment), grid, result in zip(keys, grids, results, strict=True):
        methods[result.method] += 1
        override = overrides.get(family)
        # An ended series is forecast at zero even with an override: it did not apply.
        overridden = override is not None and result.method == override.method
        overridden_series += overridden
        note = result.note
        if overridden and override is not None:
            note = "; ".join(filter(None, [override_note(override), note]))
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
                overridden=overridden,
                note=note[:2000],
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
        fallbacks=sum(r.fallback for r in results),
        methods=dict(sorted(methods.items())),
        overridden=overridden_series,
        candidates=request.candidates,
        engine=engine,
        seconds=round(time.perf_counter() - started, 3),
    )


def _with_override(settings: Settings, override: ForecastOverride | None) -> Settings:
    if override is None:
        return settings
    method = ForecastMethod(override.method)
    # Stored parameters were validated on write; a stored row is parsed again in case the
    # method's parameters changed since (a 422 naming the family rather than a 500).
    parameters = parse_parameters(
        method, override.parameters, field=f"forecast-overrides.{override.family_code}.parameters"
    )
    return replace(settings, override=Choice(method, parameters))


def override_note(override: ForecastOverride) -> str:
    why = f": {override.reason}" if override.reason else ""
    return (
        f"method set by the family's forecast override (version {override.version}, "
        f"{override.updated_by}){why}"
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


# --- A family's stored method override ---------------------------------------------------

OVERRIDES = EntitySpec(
    table=ForecastOverride,
    key=("family_code",),
    label="forecast override",
    references=(Reference("family_code", Family),),
)


def _overrides_of(session: Session, families: Iterable[str]) -> Sequence[ForecastOverride]:
    return session.exec(
        select(ForecastOverride).where(col(ForecastOverride.family_code).in_(list(families)))
    ).all()


def overrides_query(*, filters: ForecastOverrideFilters) -> SelectOfScalar[ForecastOverride]:
    return crud.filtered(OVERRIDES, filters).order_by(col(ForecastOverride.family_code))


def get_override(session: Session, *, family_code: str) -> ForecastOverride:
    row = session.exec(
        select(ForecastOverride).where(col(ForecastOverride.family_code) == family_code)
    ).first()
    if row is None:
        raise NotFound(f"family {family_code} has no forecast override")
    return row


def public_override(row: ForecastOverride) -> ForecastOverridePublic:
    return ForecastOverridePublic.model_validate(row, from_attributes=True)


def create_override(
    session: Session, *, request: ForecastOverrideCreate, principal: Principal
) -> ForecastOverride:
    """A family's method, its parameters checked as POST /forecasts checks them (422)."""
    crud.check_references(session, references=OVERRIDES.references, items=[request], indexed=False)
    parse_parameters(request.method, request.parameters, field="body.parameters")
    existing = session.exec(
        select(ForecastOverride).where(col(ForecastOverride.family_code) == request.family_code)
    ).first()
    if existing is not None:
        raise Conflict(
            f"family {request.family_code} already has a forecast override "
            f"(version {existing.version}): change it with PATCH and If-Match",
            field="body.family_code",
        )
    row = ForecastOverride(
        family_code=request.family_code,
        method=request.method.value,
        parameters=request.parameters,
        reason=request.reason,
        updated_by=principal.subject,
    )
    session.add(row)
    session.flush()
    return row


def update_override(
    session: Session,
    *,
    family_code: str,
    expected_version: int | None,
    patch: ForecastOverrideUpdate,
    principal: Principal,
) -> ForecastOverride:
    """Change the method, its parameters or the reason. A new method without parameters
    starts from its defaults: the old method's parameters would not fit it."""
    row = get_override(session, family_code=family_code)
    what = f"the forecast override of family {family_code}"
    method = patch.method if patch.method is not None else ForecastMethod(row.method)
    if patch.parameters is not None:
        parameters = patch.parameters
    elif method.value != row.method:
        parameters = {}
    else:
        parameters = row.parameters

    def valid() -> None:
        parse_parameters(method, parameters, field="body.parameters")

    claim_version(session, row, expected_version, what=what, writable=valid)
    row.method = method.value
    row.parameters = dict(parameters)
    if patch.reason is not None:
        row.reason = patch.reason
    row.updated_by = principal.subject
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    return row


def delete_override(session: Session, *, family_code: str, expected_version: int | None) -> None:
    row = get_override(session, family_code=family_code)
    what = f"the forecast override of family {family_code}"
    claim_version(session, row, expected_version, what=what)
    session.delete(row)
    session.flush()
