"""Accuracy, bias and forecast value added of every stream of the locked plans.

A locked plan's waterfall is its snapshot of every stream (lines only, for plans loaded
directly: their consensus). An observation pairs one stream's forecast of a cell with the
actual demand of that cell once it is in the history. The lag of an observation is the
number of months from the plan's horizon start to the period (0: the first planned month).
The naive benchmark is the last actual before the plan's horizon (a random walk), what a
planner would have had for free when the plan was drafted.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from services.demand.consensus.models import WaterfallCell
from services.demand.history.models import DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.plans.models import DemandPlan, DemandPlanLine
from shared.contracts.demand import InputStream, PlanStatus
from shared.periods import months_between

from . import metrics
from .models import (
    AccuracyDimension,
    AccuracyFilters,
    AccuracyRowPublic,
    BiasFlagParams,
    BiasFlagPublic,
    ForecastSource,
)

SOURCES = list(ForecastSource)
LAYERS = [s for s in ForecastSource if s != ForecastSource.naive]
INPUT_STREAMS = {s.value for s in InputStream}
CellKey = tuple[int, str, str, str]  # plan, family, segment, period
GroupKey = tuple[int | None, str | None, str | None, int | None]  # plan, family, segment, lag


@dataclass(frozen=True)
class Observation:
    stream: ForecastSource
    plan_id: int
    family_code: str
    segment_code: str
    period: str
    lag: int
    actual: float
    forecast: float
    touched: bool
    """For a role stream: it moved this cell. Always true for the other sources."""
    authors: tuple[str, ...] = ()

    @property
    def cell(self) -> CellKey:
        return (self.plan_id, self.family_code, self.segment_code, self.period)


def observations(
    session: Session,
    *,
    plan_id: int | None = None,
    family_code: str | None = None,
    segment_code: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
) -> list[Observation]:
    """Forecast/actual pairs of every source for the cells of locked plans with actuals."""
    plan_query = select(DemandPlan).where(col(DemandPlan.status) == PlanStatus.locked)
    if plan_id is not None:
        plan_query = plan_query.where(col(DemandPlan.id) == plan_id)
    plans = session.exec(plan_query.order_by(col(DemandPlan.version))).all()
    if not plans:
        return []
    history = load_series(
        session, filters=DemandHistoryFilters(family_code=family_code, segment_code=segment_code)
    )
    found: list[Observation] = []
    for plan in plans:
        assert plan.id is not None
        naive_of: dict[tuple[str, str], float | None] = {}
        for family, segment, period, forecasts, contributions in _plan_cells(
            session, plan=plan, family_code=family_code, segment_code=segment_code
        ):
            if (period_from and period < period_from) or (period_to and period > period_to):
                continue
            actual = history.get((family, segment), {}).get(period)
            if actual is None:
                continue
            if (family, segment) not in naive_of:
                naive_of[(family, segment)] = _last_before(
                    history.get((family, segment), {}), plan.horizon_start
                )
            naive = naive_of[(family, segment)]
            if naive is not None:
                forecasts = {**forecasts, ForecastSource.naive: naive}
            for source, forecast in forecasts.items():
                authors = tuple(
                    sorted({c["author"] for c in contributions if c["stream"] == source.value})
                )
                found.append(
                    Observation(
                        stream=source,
                        plan_id=plan.id,
                        family_code=family,
                        segment_code=segment,
                        period=period,
                        lag=months_between(plan.horizon_start, period),
                        actual=actual,
                        forecast=forecast,
                        touched=source.value not in INPUT_STREAMS or bool(authors),
                        authors=authors,
                    )
                )
    return found


def accuracy(session: Session, *, filters: AccuracyFilters) -> list[AccuracyRowPublic]:
    """Accuracy of each stream per group, with FVA against the statistical and naive forecasts."""
    found = observations(
        session,
        plan_id=filters.plan_id,
        family_code=filters.family_code,
        segment_code=filters.segment_code,
        period_from=filters.period_from,
        period_to=filters.period_to,
    )
    if filters.lag is not None:
        found = [o for o in found if o.lag == filters.lag]
    forecast_of = {(o.stream, o.cell): o.forecast for o in found}
    dims = set(filters.group_by)
    groups: dict[tuple[ForecastSource, GroupKey], list[Observation]] = defaultdict(list)
    for o in found:
        if filters.stream is None or o.stream == filters.stream:
            groups[(o.stream, _dimensions(o, dims))].append(o)
    rows = []
    for (source, key), members in sorted(
        groups.items(), key=lambda item: (SOURCES.index(item[0][0]), _sortable(item[0][1]))
    ):
        members.sort(key=lambda o: (o.period, o.lag, o.plan_id))
        stats = metrics.error_stats([o.actual for o in members], [o.forecast for o in members])
        plan_id, family, segment, lag = key
        rows.append(
            AccuracyRowPublic(
                stream=source.value,
                plan_id=plan_id,
                family_code=family,
                segment_code=segment,
                lag=lag,
                observations=stats.observations,
                actual_total=stats.actual_total,
                forecast_total=stats.forecast_total,
                mae=stats.mae,
                mse=stats.mse,
                mape=stats.mape,
                wmape=stats.wmape,
                bias=stats.bias,
                bias_pct=stats.bias_pct,
                tracking_signal=stats.tracking_signal,
                tracking_alarm=stats.tracking_alarm,
                fva_vs_statistical=_fva(members, ForecastSource.statistical, forecast_of),
                fva_vs_naive=_fva(members, ForecastSource.naive, forecast_of),
            )
        )
    return rows


def bias_flags(session: Session, *, params: BiasFlagParams) -> list[BiasFlagPublic]:
    """Streams, and authors within a stream, whose recent forecasts sit on one side of actuals.

    Role streams are judged on the cells they moved; an author on the cells they moved.
    """
    found = [
        o
        for o in observations(
            session, family_code=params.family_code, segment_code=params.segment_code
        )
        if o.stream != ForecastSource.naive and o.touched
    ]
    if params.stream is not None:
        found = [o for o in found if o.stream == params.stream]
    found = _one_forecast_per_period(found, lag=params.lag)
    groups: dict[tuple[str, str | None, str | None, str], list[Observation]] = defaultdict(list)
    for o in found:
        family = o.family_code if params.by_family else None
        for author in (None, *o.authors):
            if params.author is None or author == params.author:
                groups[(o.stream.value, author, family, o.segment_code)].append(o)
    flags = [
        flag
        for (stream, author, family, segment), members in sorted(
            groups.items(), key=lambda item: tuple(str(part) for part in item[0])
        )
        if (flag := _bias_flag(stream, author, family, segment, members, params)) is not None
    ]
    return sorted(flags, key=lambda f: (f.severity != "high", -abs(f.bias_pct)))


def _bias_flag(
    stream: str,
    author: str | None,
    family: str | None,
    segment: str,
    members: Sequence[Observation],
    params: BiasFlagParams,
) -> BiasFlagPublic | None:
    by_period: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for o in members:
        by_period[o.period][0] += o.actual
        by_period[o.period][1] += o.forecast
    periods = sorted(by_period)[-params.window_months :]
    if len(periods) < params.min_periods:
        return None
    actual = [by_period[p][0] for p in periods]
    forecast = [by_period[p][1] for p in periods]
    stats = metrics.error_stats(actual, forecast)
    if stats.bias_pct is None or abs(stats.bias_pct) < params.threshold:
        return None
    sign = 1 if stats.bias_pct > 0 else -1
    same_sign = sum(1 for a, f in zip(actual, forecast, strict=True) if (a - f) * sign > 0)
    share = same_sign / len(periods)
    if share < params.min_same_sign and not stats.tracking_alarm:
        return None
    direction = "under_forecast" if sign > 0 else "over_forecast"
    who = f" by {author}" if author else ""
    where = f"segment {segment}" + (f", family {family}" if family else "")
    signal = (
        "" if stats.tracking_signal is None else f"; tracking signal {stats.tracking_signal:+.1f}"
    )
    return BiasFlagPublic(
        stream=stream,
        author=author,
        family_code=family,
        segment_code=segment,
        periods=len(periods),
        first_period=periods[0],
        last_period=periods[-1],
        direction=direction,
        bias_pct=stats.bias_pct,
        same_sign_share=share,
        tracking_signal=stats.tracking_signal,
        severity="high"
        if abs(stats.bias_pct) >= 2 * params.threshold or stats.tracking_alarm
        else "medium",
        message=(
            f"{stream} forecast{who} for {where} {direction.replace('_', '-')} by "
            f"{abs(stats.bias_pct):.0%} over {len(periods)} months "
            f"({periods[0]}..{periods[-1]}){signal}"
        ),
    )


def _one_forecast_per_period(found: Iterable[Observation], *, lag: int | None) -> list[Observation]:
    """At a given lag, or else each cell's most recent forecast (the smallest lag)."""
    if lag is not None:
        return [o for o in found if o.lag == lag]
    latest: dict[tuple[ForecastSource, str, str, str], Observation] = {}
    for o in found:
        key = (o.stream, o.family_code, o.segment_code, o.period)
        if key not in latest or o.lag < latest[key].lag:
            latest[key] = o
    return list(latest.values())


def _fva(
    members: Sequence[Observation],
    reference: ForecastSource,
    forecast_of: dict[tuple[ForecastSource, CellKey], float],
) -> float | None:
    """WMAPE of the reference minus WMAPE of the stream, over the cells both forecast."""
    pairs = [
        (o.actual, o.forecast, forecast_of[(reference, o.cell)])
        for o in members
        if (reference, o.cell) in forecast_of
    ]
    if not pairs:
        return None
    actual = [a for a, _, _ in pairs]
    return metrics.forecast_value_added(
        metrics.wmape(actual, [r for _, _, r in pairs]),
        metrics.wmape(actual, [f for _, f, _ in pairs]),
    )


def _dimensions(o: Observation, dims: set[AccuracyDimension]) -> GroupKey:
    return (
        o.plan_id if AccuracyDimension.plan in dims else None,
        o.family_code if AccuracyDimension.family in dims else None,
        o.segment_code if AccuracyDimension.segment in dims else None,
        o.lag if AccuracyDimension.lag in dims else None,
    )


def _sortable(key: GroupKey) -> tuple[tuple[bool, str], ...]:
    """None last; numbers ordered as numbers (zero-padded), codes as text."""
    return tuple(
        (part is None, f"{part:020d}" if isinstance(part, int) else str(part or "")) for part in key
    )


def _last_before(by_period: dict[str, float], period: str) -> float | None:
    earlier = [p for p in by_period if p < period]
    return by_period[max(earlier)] if earlier else None


def _plan_cells(
    session: Session, *, plan: DemandPlan, family_code: str | None, segment_code: str | None
) -> Iterable[tuple[str, str, str, dict[ForecastSource, float], list[dict[str, Any]]]]:
    """Each cell of the plan with the forecast of every layer it has."""
    if plan.built_from_streams:
        cells = select(WaterfallCell).where(col(WaterfallCell.plan_id) == plan.id)
        if family_code is not None:
            cells = cells.where(col(WaterfallCell.family_code) == family_code)
        if segment_code is not None:
            cells = cells.where(col(WaterfallCell.segment_code) == segment_code)
        for cell in session.exec(cells):
            forecasts: dict[ForecastSource, float] = {
                layer: float(getattr(cell, layer.value)) for layer in LAYERS
            }
            yield cell.family_code, cell.segment_code, cell.period, forecasts, cell.contributions
        return
    lines = select(DemandPlanLine).where(col(DemandPlanLine.plan_id) == plan.id)
    if family_code is not None:
        lines = lines.where(col(DemandPlanLine.family_code) == family_code)
    if segment_code is not None:
        lines = lines.where(col(DemandPlanLine.segment_code) == segment_code)
    for line in session.exec(lines):
        consensus: dict[ForecastSource, float] = {ForecastSource.consensus: line.quantity}
        yield line.family_code, line.segment_code, line.period, consensus, []
