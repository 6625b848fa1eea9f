from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.finance.main import create_app
from shared.auth import Role
from shared.settings import FinanceSettings
from tests.tokens import bearer


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(FinanceSettings(database_url=database_url)),
        headers=bearer(Role.finance),
    ) as test_client:
        yield test_client


@pytest.fixture
def priced(client: TestClient) -> TestClient:
    client.put(
        "/prices",
        json=[
            {"family_code": "FAM-A", "segment_code": "KEY", "period": "2026-01", "price": 100},
            {"family_code": "FAM-A", "segment_code": "KEY", "period": "2026-02", "price": 110},
            {"family_code": "FAM-A", "segment_code": "RET", "period": "2026-01", "price": 120},
            {"family_code": "FAM-B", "segment_code": "KEY", "period": "2026-02", "price": 50},
        ],
    )
    client.put(
        "/unit-costs",
        json=[
            # FAM-A costs 60 from 2025-10, 70 from 2026-02; FAM-B costs 30 from 2026-01.
            {"family_code": "FAM-A", "effective_from": "2025-10", "variable_cost": 60},
            {"family_code": "FAM-A", "effective_from": "2026-02", "variable_cost": 70},
            {"family_code": "FAM-A", "effective_from": "2026-06", "variable_cost": 99},
            {"family_code": "FAM-B", "effective_from": "2026-01", "variable_cost": 30},
        ],
    )
    return client
