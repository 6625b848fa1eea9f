from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.supply.main import create_app
from shared.auth import Role
from shared.settings import SupplySettings
from tests.tokens import bearer


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(SupplySettings(database_url=database_url)),
        headers=bearer(Role.supply_planner),
    ) as test_client:
        yield test_client


@pytest.fixture
def supply(client: TestClient) -> TestClient:
    """Two families on one assembly line of 400 regular and 50 overtime hours a month in
    2026-01 and 2026-02: FAM-A takes 2 h a unit (50 on hand, up to 20 outsourced a month),
    FAM-B 1 h."""
    client.post("/resources", json={"code": "ASSY", "name": "Assembly"})
    client.put(
        "/capacity",
        json=[
            {"resource_code": "ASSY", "period": p, "regular_hours": 400, "max_overtime_hours": 50}
            for p in ("2026-01", "2026-02")
        ],
    )
    client.put(
        "/routings",
        json=[
            {"family_code": "FAM-A", "resource_code": "ASSY", "hours_per_unit": 2},
            {"family_code": "FAM-B", "resource_code": "ASSY", "hours_per_unit": 1},
        ],
    )
    client.put(
        "/inventory-policies",
        json=[
            {"family_code": "FAM-A", "initial_on_hand": 50, "max_outsourced_per_period": 20},
            {"family_code": "FAM-B"},
        ],
    )
    return client
