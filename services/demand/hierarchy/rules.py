"""Rules of the demand hierarchy: how item history adds up, and how a family figure splits.

The bottom of the hierarchy is an item at a location for a customer segment, and optionally
for one customer of that segment: item history carries its segment (the segment of the
customer served) and may name the customer, so every level S&OP uses is an exact sum of
bottom series:

- family x segment (S&OP's level) = sum over the family's items, all locations and customers;
- family, family x region, family x location, family x customer, item, item x location,
  item x location x customer: likewise sums. The customer level keeps the demand not split by
  customer as a member of its own (no customer), so it adds up to the levels above exactly.

A family total is never added to another family's: families may be held in different units.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

Key = TypeVar("Key")


class Level(StrEnum):
    family = "family"
    family_segment = "family_segment"
    family_region = "family_region"
    family_location = "family_location"
    item = "item"
    item_location = "item_location"
    item_location_segment = "item_location_segment"
    family_customer = "family_customer"
    item_location_customer = "item_location_customer"


LEVEL_DIMENSIONS: dict[Level, tuple[str, ...]] = {
    Level.family: ("family",),
    Level.family_segment: ("family", "segment"),
    Level.family_region: ("family", "region"),
    Level.family_location: ("family", "location"),
    Level.item: ("family", "item"),
    Level.item_location: ("family", "item", "location"),
    Level.item_location_segment: ("family", "segment", "item", "location"),
    Level.family_customer: ("family", "segment", "customer"),
    Level.item_location_customer: ("family", "segment", "item", "location", "customer"),
}


def aggregate(
    rows: Iterable[tuple[Mapping[str, str], str, float]], *, level: Level
) -> dict[tuple[tuple[str, ...], str], float]:
    """Sum bottom rows ``(dimensions, period, quantity)`` to ``level``: {(key, period): sum},
    the key holding the level's dimensions in ``LEVEL_DIMENSIONS`` order."""
    kept = LEVEL_DIMENSIONS[level]
    totals: dict[tuple[tuple[str, ...], str], float] = defaultdict(float)
    for dimensions, period, quantity in rows:
        totals[(tuple(dimensions[name] for name in kept), period)] += quantity
    return dict(totals)


def mix_shares(basis: Mapping[Key, float]) -> dict[Key, float]:
    """Each member's share of the basis: its quantity over their sum; equal shares when the
    basis sums to zero (a mix with no volume says nothing, so no member is preferred)."""
    total = sum(basis.values())
    if total > 0:
        return {key: value / total for key, value in basis.items()}
    return {key: 1 / len(basis) for key in basis}


def disaggregate(quantity: float, shares: Mapping[Key, float]) -> dict[Key, float]:
    """Split a family x segment x month figure over items and locations by their mix.

    The rule of the hand-off to master scheduling: each part is ``quantity x share``, where
    a member's share is its part of the mix (``mix_shares``) over the items and locations of
    that family and segment. Basis ``history``: their actual quantities summed over the
    ``history_months`` months before the plan's horizon (the same mix in every month).
    Basis ``forecast``: their own base forecasts for that month (the bottom of the
    hierarchical forecast, so the mix follows each item's trend and season). By customer
    (basis ``history`` only), the members are item x location x customer, the demand not
    split by customer one member of its own, so an item x location's part is the same as
    without customers and is split further by its customers' history. A member absent from
    the mix gets nothing; the parts add up to the family figure."""
    return {key: quantity * share for key, share in shares.items()}


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Whole parts of a whole ``total`` in proportion to ``weights`` that add up to it exactly
    (largest remainder: each part is the floor of its quota, and the units left over go to the
    largest fractional remainders, the earlier weight first on a tie)."""
    weight_sum = sum(weights)
    quotas = [total * weight / weight_sum for weight in weights]
    parts = [int(quota) for quota in quotas]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for index in order[:left]:
        parts[index] += 1
    return parts
