"""Who may write what, table-driven over every role and a write of each service.

Each service enforces its own rights: sales, marketing, the demand planner and product
manager write demand; operations-side roles write supply; finance writes money. Viewers
and every other role read only; without a token nothing is served. (Within demand, each
input stream and the lock of a plan are narrower still: tests/demand/test_rights.py.)
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.demand.main import create_app as demand_app
from services.finance.main import create_app as finance_app
from services.supply.main import create_app as supply_app
from shared.auth import DEMAND_WRITERS, FINANCE_WRITERS, SUPPLY_WRITERS, Role
from shared.settings import DemandSettings, FinanceSettings, SupplySettings
from tests.conftest import sibling_database
from tests.tokens import bearer

SERVICES: dict[str, tuple[Callable[[], FastAPI], frozenset[Role], str, str, Any]] = {
    "demand": (
        lambda: demand_app(DemandSettings(database_url=sibling_database("demand"))),
        DEMAND_WRITERS,
        "/families",
        "PUT",
        [{"code": "F1", "name": "Family one"}],
    ),
    "supply": (
        lambda: supply_app(SupplySettings(database_url="sqlite://")),
        SUPPLY_WRITERS,
        "/resources",
        "PUT",
        [{"code": "R1", "name": "Line 1"}],
    ),
    "finance": (
        lambda: finance_app(FinanceSettings(database_url="sqlite://")),
        FINANCE_WRITERS,
        "/prices",
        "PUT",
        [{"family_code": "F1", "segment_code": "S1", "period": "2026-01", "price": 10}],
    ),
}


@pytest.fixture(params=sorted(SERVICES))
def service(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[TestClient, frozenset[Role], str, str, Any]]:
    factory, writers, path, method, body = SERVICES[request.param]
    with TestClient(factory()) as client:
        yield client, writers, path, method, body


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_write_only_its_own_data(service: Any, role: Role) -> None:
    client, writers, path, method, body = service
    response = client.request(method, path, json=body, headers=bearer(role))
    if role in writers:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
    assert client.get(path, headers=bearer(role)).status_code == 200


def test_without_a_token_nothing_is_served(service: Any) -> None:
    client, _writers, path, method, body = service
    assert client.request(method, path, json=body).status_code == 401
    assert client.get(path).status_code == 401
    assert client.get("/health").status_code == 200
