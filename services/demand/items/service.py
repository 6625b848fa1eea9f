"""Items of the product families, and their demand history per location and segment."""

from collections import defaultdict

from sqlmodel import Session, col, select

from services.demand.families.models import Family
from services.demand.locations.models import Location
from services.demand.segments.models import Segment
from shared.contracts.hierarchy import ItemHistoryQuery
from shared.crud import EntitySpec, Reference

from .models import Item, ItemHistory

ITEMS = EntitySpec(
    table=Item, key=("code",), label="item", references=(Reference("family_code", Family),)
)
ITEM_HISTORY = EntitySpec(
    table=ItemHistory,
    key=("item_code", "location_code", "segment_code", "period"),
    label="item history",
    references=(
        Reference("item_code", Item),
        Reference("location_code", Location),
        Reference("segment_code", Segment),
    ),
)

BottomKey = tuple[str, str, str, str]
"""(family, segment, item, location): one series at the bottom of the hierarchy."""


def load_bottom_series(
    session: Session, *, query: ItemHistoryQuery, before: str | None = None
) -> dict[BottomKey, dict[str, float]]:
    """Item history as {(family, segment, item, location): {period: quantity}}."""
    statement = select(ItemHistory, Item.family_code).join(
        Item, col(Item.code) == col(ItemHistory.item_code)
    )
    if query.family_code is not None:
        statement = statement.where(col(Item.family_code) == query.family_code)
    if query.period_from is not None:
        statement = statement.where(col(ItemHistory.period) >= query.period_from)
    if query.period_to is not None:
        statement = statement.where(col(ItemHistory.period) <= query.period_to)
    if before is not None:
        statement = statement.where(col(ItemHistory.period) < before)
    series: dict[BottomKey, dict[str, float]] = defaultdict(dict)
    for row, family_code in session.exec(statement):
        key = (family_code, row.segment_code, row.item_code, row.location_code)
        series[key][row.period] = row.quantity
    return dict(series)
