"""The demo company below family level: items, distribution centres, item history per
location and segment, and each family's units of measure.

Item history is the family history split, so it adds up exactly to it: each family x segment
x month quantity (whole units) is apportioned over the family's items and the segment's
locations by fixed weights (largest remainder, ``services.demand.hierarchy.rules.apportion``).
Weights: item k of n (first k = 0) weighs 1/(k+1), a long tail as in most ranges; each
segment is served from its own locations (``SEGMENT_LOCATIONS``), export only from the two
central European ones.
"""

from dataclasses import dataclass

from services.demand.hierarchy.rules import apportion
from shared.contracts.demand import DemandHistoryBase
from shared.contracts.hierarchy import (
    ItemBase,
    ItemHistoryBase,
    LocationBase,
    MeasureUnit,
    UnitConversionBase,
)
from sop.demo.catalogue import FAMILIES

LOCATIONS: tuple[LocationBase, ...] = (
    LocationBase(code="DC-LYON", name="Lyon distribution centre", region="FR"),
    LocationBase(code="DC-DUIS", name="Duisburg distribution centre", region="DE"),
    LocationBase(code="DC-BRNO", name="Brno distribution centre", region="CZ"),
)

# Share of a segment's demand served from each location.
SEGMENT_LOCATIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "KEY": (("DC-LYON", 0.5), ("DC-DUIS", 0.3), ("DC-BRNO", 0.2)),
    "PRO": (("DC-LYON", 0.6), ("DC-DUIS", 0.4)),
    "ECOM": (("DC-LYON", 0.3), ("DC-DUIS", 0.5), ("DC-BRNO", 0.2)),
    "DIST": (("DC-DUIS", 0.4), ("DC-BRNO", 0.6)),
}

MIN_ITEMS, MAX_ITEMS = 3, 8


@dataclass(frozen=True)
class Packaging:
    """A family's unit of sale in other units: kg per unit, units per case, cases per pallet."""

    kg_per_unit: float
    units_per_case: int
    cases_per_pallet: int


PACKAGING: dict[str, Packaging] = {
    "ESP-HOME": Packaging(7.5, 2, 24),
    "ESP-PRO": Packaging(38.0, 1, 8),
    "BEAN-AUTO": Packaging(9.5, 1, 30),
    "CAPS": Packaging(3.2, 4, 36),
    "GRIND": Packaging(2.8, 4, 40),
    "DRIP": Packaging(2.1, 4, 48),
    "MILK": Packaging(0.9, 12, 40),
    "KETTLE": Packaging(1.2, 6, 48),
    "TOAST": Packaging(1.8, 6, 40),
    "BLEND": Packaging(4.0, 2, 36),
    "HBLEND": Packaging(0.8, 12, 40),
    "MIXER": Packaging(8.5, 1, 30),
    "JUICE": Packaging(5.0, 2, 30),
    "AIRFRY": Packaging(5.5, 2, 24),
    "SODA": Packaging(2.4, 4, 36),
    "WAFFLE": Packaging(2.2, 4, 40),
    "RICE": Packaging(2.6, 4, 36),
    "ICE": Packaging(6.0, 2, 30),
    "SMART-OVEN": Packaging(9.0, 1, 24),
    "FONDUE": Packaging(2.0, 4, 48),
}


@dataclass(frozen=True)
class ItemLevel:
    locations: list[LocationBase]
    items: list[ItemBase]
    history: list[ItemHistoryBase]
    unit_conversions: list[UnitConversionBase]


def item_count(family_index: int) -> int:
    """3 to 8 items, cycling over the catalogue's order."""
    return MIN_ITEMS + family_index % (MAX_ITEMS - MIN_ITEMS + 1)


def demo_items() -> list[ItemBase]:
    return [
        ItemBase(
            code=f"{family.code}-{number:02d}",
            name=f"{family.name}, model {number}",
            family_code=family.code,
        )
        for index, family in enumerate(FAMILIES)
        for number in range(1, item_count(index) + 1)
    ]


def split_history(history: list[DemandHistoryBase], items: list[ItemBase]) -> list[ItemHistoryBase]:
    """Each family history row apportioned over (item, location) pairs: the parts of a row
    add up to it exactly (zero parts are left out)."""
    by_family: dict[str, list[str]] = {}
    for item in items:
        by_family.setdefault(item.family_code, []).append(item.code)
    rows: list[ItemHistoryBase] = []
    for line in history:
        codes = by_family[line.family_code]
        pairs = [
            (code, location, share / (rank + 1))
            for rank, code in enumerate(codes)
            for location, share in SEGMENT_LOCATIONS[line.segment_code]
        ]
        parts = apportion(round(line.quantity), [weight for _, _, weight in pairs])
        rows.extend(
            ItemHistoryBase(
                item_code=code,
                location_code=location,
                segment_code=line.segment_code,
                period=line.period,
                quantity=float(part),
            )
            for (code, location, _), part in zip(pairs, parts, strict=True)
            if part > 0
        )
    return rows


def conversions() -> list[UnitConversionBase]:
    return [
        conversion
        for family, pack in PACKAGING.items()
        for conversion in (
            UnitConversionBase(
                family_code=family, unit=MeasureUnit.kg, per_base_unit=pack.kg_per_unit
            ),
            UnitConversionBase(
                family_code=family, unit=MeasureUnit.cases, per_base_unit=1 / pack.units_per_case
            ),
            UnitConversionBase(
                family_code=family,
                unit=MeasureUnit.pallets,
                per_base_unit=1 / (pack.units_per_case * pack.cases_per_pallet),
            ),
        )
    ]


def item_level(history: list[DemandHistoryBase]) -> ItemLevel:
    items = demo_items()
    return ItemLevel(
        locations=list(LOCATIONS),
        items=items,
        history=split_history(history, items),
        unit_conversions=conversions(),
    )
