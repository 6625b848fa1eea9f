"""Items, locations and item history of two families in units and one in litres, posted
through the demand service's API."""

import math

from fastapi.testclient import TestClient

from shared.periods import add_months
from tests.demand.builders import load_master

SYRUP = {"code": "SYRUP", "name": "Barista syrups", "unit": "litres"}
LOCATIONS = [
    {"code": "LYON", "name": "Lyon distribution centre", "region": "FR"},
    {"code": "BRNO", "name": "Brno distribution centre", "region": "CZ"},
]
ITEMS = [
    {"code": "A1", "name": "Espresso 15 bar", "family_code": "FAM-01"},
    {"code": "A2", "name": "Espresso dual boiler", "family_code": "FAM-01"},
    {"code": "B1", "name": "Burr grinder", "family_code": "FAM-02"},
    {"code": "C1", "name": "Vanilla syrup", "family_code": "SYRUP"},
]
# One espresso machine weighs 7.5 kg; 48 fill a pallet.
CONVERSIONS = [
    {"family_code": "FAM-01", "unit": "kg", "per_base_unit": 7.5},
    {"family_code": "FAM-01", "unit": "pallets", "per_base_unit": 1 / 48},
]


def item_row(item: str, location: str, segment: str, period: str, quantity: float) -> dict:
    return {
        "item_code": item,
        "location_code": location,
        "segment_code": segment,
        "period": period,
        "quantity": quantity,
    }


# FAM-01 in KEY over the last two months of 2025: A1 at Lyon 30 + 30, A1 at Brno 20, A2 at
# Lyon 20 (mix 60 : 20 : 20); in RET only A2 at Brno (10). FAM-02 at Lyon 8; SYRUP 12 litres.
RECENT = [
    item_row("A1", "LYON", "KEY", "2025-11", 30),
    item_row("A1", "LYON", "KEY", "2025-12", 30),
    item_row("A1", "BRNO", "KEY", "2025-12", 20),
    item_row("A2", "LYON", "KEY", "2025-12", 20),
    item_row("A2", "BRNO", "RET", "2025-12", 10),
    item_row("B1", "LYON", "RET", "2025-12", 8),
    item_row("C1", "LYON", "KEY", "2025-12", 12),
]


def load_items(client: TestClient, history: list[dict]) -> None:
    load_master(client)
    for path, body in (
        ("/families", [SYRUP]),
        ("/locations", LOCATIONS),
        ("/items", ITEMS),
        ("/unit-conversions", CONVERSIONS),
        ("/item-history", history),
    ):
        response = client.put(path, json=body)
        assert response.status_code == 200, response.text


def seasonal_items(*, start: str = "2023-01", months: int = 36) -> list[dict]:
    """FAM-01's items at both locations in both segments and FAM-02's at Lyon: smooth seasonal
    series of different levels."""
    series = [
        ("A1", "LYON", "KEY", 60.0),
        ("A1", "BRNO", "KEY", 25.0),
        ("A2", "LYON", "KEY", 15.0),
        ("A2", "BRNO", "RET", 30.0),
        ("B1", "LYON", "RET", 40.0),
    ]
    return [
        item_row(
            item,
            location,
            segment,
            add_months(start, k),
            round(level * (1 + 0.25 * math.sin(2 * math.pi * k / 12)) + 0.3 * k),
        )
        for item, location, segment, level in series
        for k in range(months)
    ]
