"""The demo below family level: its item history adds up exactly to the family history."""

import datetime as dt
from collections import Counter, defaultdict

from sop.demo import build_demo
from sop.demo.items import SEGMENT_LOCATIONS

TODAY = dt.date(2026, 11, 22)


def test_items_and_locations_have_the_designed_shape() -> None:
    below = build_demo(TODAY).below_family
    per_family = Counter(item.family_code for item in below.items)
    assert len(per_family) == 20
    assert set(per_family.values()) <= set(range(3, 9))
    assert {len(served) for served in SEGMENT_LOCATIONS.values()} == {2, 3}
    assert len(below.locations) == 3
    # Every family converts to kg, cases and pallets; none to hours or money.
    assert Counter(c.unit.value for c in below.unit_conversions) == {
        "kg": 20,
        "cases": 20,
        "pallets": 20,
    }


def test_item_history_adds_up_exactly_to_the_family_history() -> None:
    data = build_demo(TODAY)
    family_of = {item.code: item.family_code for item in data.below_family.items}
    summed: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in data.below_family.history:
        summed[(family_of[row.item_code], row.segment_code, row.period)] += row.quantity
    family = {(r.family_code, r.segment_code, r.period): r.quantity for r in data.history}
    assert {key: value for key, value in family.items() if value} == dict(summed)
    # Whole units at every level: the sums are exact, not rounded.
    assert all(row.quantity == int(row.quantity) for row in data.below_family.history)
