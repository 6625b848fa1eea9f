"""The OpenAPI example of ``POST /solve``: two families on one short assembly line."""

from typing import Any

TWO_FAMILIES: dict[str, Any] = {
    "periods": ["2026-01", "2026-02", "2026-03"],
    "families": [
        {
            "code": "ESPRESSO",
            "variable_cost": 250,
            "holding_cost": 4,
            "initial_inventory": 40,
            "safety_stock": 20,
            "outsource_cost": 320,
            "outsource_limit": 30,
        },
        {"code": "GRINDER", "variable_cost": 60, "holding_cost": 1},
    ],
    "segments": [
        {
            "code": "KEY",
            "priority": 1,
            "strategic": True,
            "fill_rate_target": 0.98,
            "unmet": "backlog",
            "backlog_cost": 15,
        },
        {
            "code": "RETAIL",
            "priority": 5,
            "fill_rate_target": 0.9,
            "unmet": "lost",
            "lost_sale_penalty": 20,
        },
    ],
    "demand": [
        {"family": "ESPRESSO", "segment": "KEY", "quantity": [120, 140, 160], "price": 420},
        {"family": "ESPRESSO", "segment": "RETAIL", "quantity": [80, 90, 150], "price": 450},
        {"family": "GRINDER", "segment": "KEY", "quantity": [200, 200, 220], "price": 110},
        {
            "family": "GRINDER",
            "segment": "RETAIL",
            "quantity": [150, 160, 240],
            "price": [120, 120, 115],
        },
    ],
    "resources": [
        {
            "code": "ASSY-1",
            "regular_hours": 400,
            "max_overtime_hours": 60,
            "regular_hour_cost": 30,
            "overtime_hour_cost": 45,
        }
    ],
    "routings": [
        {"family": "ESPRESSO", "resource": "ASSY-1", "hours_per_unit": 1.5},
        {"family": "GRINDER", "resource": "ASSY-1", "hours_per_unit": 0.4},
    ],
    "options": {"objective": "max_margin", "time_limit_seconds": 10},
}

SOLVE_EXAMPLES: dict[str, Any] = {
    "two_families": {
        "summary": "Two families, two segments, one assembly line short in March",
        "description": "Demand needs 440, 489 and 649 hours a month on ASSY-1, which has "
        "400 regular and 60 overtime hours: the model pre-builds, works overtime, outsources "
        "espresso machines and serves the strategic KEY segment first.",
        "value": TWO_FAMILIES,
    }
}
