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
