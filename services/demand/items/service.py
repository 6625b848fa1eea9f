"""Items of the product families, and their demand history per location and segment, and
optionally per customer (the customer must be one of the segment's customers)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from services.demand.customers.models import Customer
from services.demand.families.models import Family
from services.demand.locations.models import Location
from services.demand.segments.models import Segment
from shared.contracts.hierarchy import ItemHistoryQuery
from shared.crud import EntitySpec, Reference
from shared.errors import FieldError, ValidationFailed

from .models import Item, ItemHistory

ITEMS = EntitySpec(
    table=Item, key=("code",), label="item", references=(Reference("family_code", Family),)
)
ITEM_HISTORY = EntitySpec(
    table=ItemHistory,
    key=("item_code", "location_code", "segment_code", "customer_code", "period"),
    label="item history",
    references=(
        Reference("item_code", Item),
        Reference("location_code", Location),
        Reference("segment_code", Segment),
        Reference("customer_code", Customer),
    ),
)

BottomKey = tuple[str, str, str, str]
"""(family, segment, item, location): one series at the bottom of the hierarchy."""
CustomerKey = tuple[str, str, str, str, str]
"""(family, segment, item, location, customer): the bottom with the customer level; the
customer ``NO_CUSTOMER`` holds the demand not split by customer."""
NO_CUSTOMER = ""


def check_customer_segments(session: Session, writes: Sequence[tuple[str, Any]]) -> None:
    """A row's customer must belong to the row's segment (422 naming each one that does not);
    an unknown customer is the references' 422."""
    named = [(where, row) for where, row in writes if getattr(row, "customer_code", None)]
    if not named:
        return
    codes = {row.customer_code for _, row in named}
    segment_of = dict(
        session.exec(
            select(Customer.code, Customer.segment_code).where(col(Customer.code).in_(codes))
        ).all()
    )
    errors = [
        FieldError(
            field=f"{where}.customer_code",
            reason=f"customer {row.customer_code} is in segment {segment_of[row.customer_code]}, "
            f"not {row.segment_code}",
        )
        for where, row in named
        if row.customer_code in segment_of
        and getattr(row, "segment_code", None) is not None
        and segment_of[row.customer_code] != row.segment_code
    ]
    if errors:
        raise ValidationFailed(
            f"{len(errors)} item history row(s) name a customer of another segment", errors=errors
        )


def load_bottom_series(
    session: Session, *, query: ItemHistoryQuery, before: str | None = None
) -> dict[BottomKey, dict[str, float]]:
    """Item history as {(family, segment, item, location): {period: quantity}}, summed over
    its customers (the rows split by customer and the row not split)."""
    series: dict[BottomKey, dict[str, float]] = defaultdict(dict)
    for (family, segment, item, location, _), values in load_customer_series(
        session, query=query, before=before
    ).items():
        for period, quantity in values.items():
            key = (family, segment, item, location)
            series[key][period] = series[key].get(period, 0.0) + quantity
    return dict(series)


def load_customer_series(
    session: Session, *, query: ItemHistoryQuery, before: str | None = None
) -> dict[CustomerKey, dict[str, float]]:
    """Item history as {(family, segment, item, location, customer): {period: quantity}}
    (customer ``NO_CUSTOMER`` for the rows not split by customer)."""
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
    series: dict[CustomerKey, dict[str, float]] = defaultdict(dict)
    for row, family_code in session.exec(statement):
        customer = row.customer_code or NO_CUSTOMER
        key = (family_code, row.segment_code, row.item_code, row.location_code, customer)
        series[key][row.period] = row.quantity
    return dict(series)
