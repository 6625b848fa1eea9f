from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.demand.main import create_app
from shared.auth import Role
from shared.settings import DemandSettings
from tests.demand.builders import AUTHOR
from tests.tokens import bearer


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The demand service as its demand planner (who drafts, loads and locks plans); the
    streams of the other roles are posted with their own tokens (``factories.post_inputs``)."""
    with TestClient(
        create_app(DemandSettings(database_url=database_url)),
        headers=bearer(Role.demand_planner, subject=AUTHOR),
    ) as test_client:
        yield test_client
