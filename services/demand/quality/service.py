"""The data-quality report of the demand history (step 1 of the cycle, data gathering).

Per family x segment series: gaps (months missing between its first and last month), zero
months, outliers, too little history, and series that stopped before the others. Negative
quantities cannot be stored (validation refuses them), so they are counted as checked.

Outliers use the modified z-score of Iglewicz and Hoaglin (1993),
0.6745 (x - median) / MAD with MAD the median absolute deviation, flagged above 3.5. When
more than half the months are equal the MAD is 0 and the mean absolute deviation stands in
(scaled by 1.2533 so that both estimate the same spread for normal data). Intermittent
series are judged on their non-zero months only, else every sale would be an outlier.
"""

from statistics import mean, median

import numpy as np
from sqlmodel import Session, col, select

from services.demand.families.models import Family
from services.demand.forecasting.rules import is_intermittent
from services.demand.history.models import DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.segments.models import Segment
from shared.contracts.demand import LifecycleStatus
from shared.periods import add_months, months_between

from .models import (
    DataQualityIssue,
    DataQualityParams,
    DataQualitySummaryPublic,
    OutlierPublic,
    SeriesQualityFilters,
    SeriesQualityPublic,
)

MODIFIED_Z = 0.6745
MEAN_AD_SCALE = 1.2533


def outlier_scores(values: list[float]) -> list[float]:
    """Modified z-score of each value (0 for all when the values do not spread)."""
    if not values:
        return []
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    spread = median(deviations)
    if spread > 0:
        return [MODIFIED_Z * (v - centre) / spread for v in values]
    mean_deviation = mean(deviations)
    if mean_deviation > 0:
        return [(v - centre) / (MEAN_AD_SCALE * mean_deviation) for v in values]
    return [0.0] * len(values)


def series_quality(
    *,
    family: str,
    segment: str,
    by_period: dict[str, float],
    latest: str,
    params: DataQualityParams,
) -> SeriesQualityPublic:
    first, last = min(by_period), max(by_period)
    months = months_between(first, last) + 1
    span = [add_months(first, k) for k in range(months)]
    gaps = [p for p in span if p not in by_period]
    zeros = [p for p in span if by_period.get(p) == 0]
    filled = [by_period.get(p, 0.0) for p in span]
    judged = [p for p in span if p in by_period]
    if is_intermittent_series := is_intermittent(np.asarray(filled)):
        judged = [p for p in judged if by_period[p] > 0]
    scores = outlier_scores([by_period[p] for p in judged])
    outliers = [
        OutlierPublic(period=p, quantity=by_period[p], score=round(score, 3))
        for p, score in zip(judged, scores, strict=True)
        if abs(score) > params.outlier_score
    ]
    too_short = len(by_period) < params.min_months
    stale = last < latest
    issues = [
        issue
        for issue, present in (
            (DataQualityIssue.gaps, bool(gaps)),
            # A zero in an intermittent series is its nature, not a data problem.
            (DataQualityIssue.zeros, bool(zeros) and not is_intermittent_series),
            (DataQualityIssue.outliers, bool(outliers)),
            (DataQualityIssue.too_short, too_short),
            (DataQualityIssue.stale, stale),
        )
        if present
    ]
    return SeriesQualityPublic(
        family_code=family,
        segment_code=segment,
        first_period=first,
        last_period=last,
        months=months,
        observed=len(by_period),
        gaps=gaps,
        zeros=zeros,
        outliers=outliers,
        too_short=too_short,
        stale=stale,
        issues=issues,
    )


def series_report(session: Session, *, params: DataQualityParams) -> list[SeriesQualityPublic]:
    histories = load_series(
        session,
        filters=DemandHistoryFilters(
            family_code=params.family_code,
            segment_code=params.segment_code,
            period_from=params.period_from,
            period_to=params.period_to,
        ),
    )
    if not histories:
        return []
    latest = max(max(by_period) for by_period in histories.values())
    return [
        series_quality(
            family=family, segment=segment, by_period=by_period, latest=latest, params=params
        )
        for (family, segment), by_period in sorted(histories.items())
    ]


def filtered_series(
    session: Session, *, filters: SeriesQualityFilters
) -> list[SeriesQualityPublic]:
    return [
        series
        for series in series_report(session, params=filters)
        if (filters.issue is None or filters.issue in series.issues)
        and (series.issues or not filters.only_issues)
    ]


def summary(session: Session, *, params: DataQualityParams) -> DataQualitySummaryPublic:
    report = series_report(session, params=params)
    with_history = {s.family_code for s in report}
    segments_with_history = {s.segment_code for s in report}
    families = select(Family.code).where(col(Family.status) != LifecycleStatus.phase_out)
    segments = select(Segment.code)
    if params.family_code is not None:
        families = families.where(col(Family.code) == params.family_code)
    if params.segment_code is not None:
        segments = segments.where(col(Segment.code) == params.segment_code)
    return DataQualitySummaryPublic(
        series=len(report),
        series_with_issues=sum(1 for s in report if s.issues),
        rows=sum(s.observed for s in report),
        latest_period=max((s.last_period for s in report), default=None),
        gaps=sum(len(s.gaps) for s in report),
        zeros=sum(len(s.zeros) for s in report if DataQualityIssue.zeros in s.issues),
        outliers=sum(len(s.outliers) for s in report),
        too_short=sum(s.too_short for s in report),
        stale=sum(s.stale for s in report),
        negatives=0,
        families_without_history=sorted(set(session.exec(families)) - with_history),
        segments_without_history=sorted(set(session.exec(segments)) - segments_with_history),
    )
