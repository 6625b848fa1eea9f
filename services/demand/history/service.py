"""Demand history: actual units per family, segment and month."""

from collections import defaultdict

from sqlmodel import Session, col

from services.demand.families.models import Family
from services.demand.segments.models import Segment
from shared import crud
from shared.crud import EntitySpec, Reference

from .models import DemandHistory, DemandHistoryFilters

HISTORY = EntitySpec(
    table=DemandHistory,
    key=("family_code", "segment_code", "period"),
    label="demand history",
    references=(Reference("family_code", Family), Reference("segment_code", Segment)),
)


Series = tuple[str, str]


def load_series(
    session: Session,
    *,
    filters: DemandHistoryFilters | None = None,
    before: str | None = None,
) -> dict[Series, dict[str, float]]:
    """History as {(family, segment): {period: quantity}}, optionally only before a period."""
    query = crud.filtered(HISTORY, filters)
    if before is not None:
        query = query.where(col(DemandHistory.period) < before)
    series: dict[Series, dict[str, float]] = defaultdict(dict)
    for row in session.exec(query):
        series[(row.family_code, row.segment_code)][row.period] = row.quantity
    return series
