"""How the services reach their database: only endpoints touch it, in a worker thread; a
database that cannot be reached answers 503 problem+json with Retry-After."""

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.db import get_session
from shared.settings import DemandSettings, FinanceSettings, SupplySettings
from tests.tokens import bearer

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"


def service_apps(database_url: str) -> list[FastAPI]:
    return [
        create_demand(DemandSettings(database_url=database_url)),
        create_supply(SupplySettings(database_url=database_url)),
        create_finance(FinanceSettings(database_url=database_url)),
    ]


def session_users(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every callable under ``dependant`` that is handed the request's session."""
    for sub in dependant.dependencies:
        if sub.call is get_session:
            assert dependant.call is not None
            yield dependant.call
        else:
            yield from session_users(sub)


def test_only_sync_endpoints_touch_the_session() -> None:
    """No dependency reads the database: each would run in a thread hop of its own, keeping
    its connection while the endpoint waits for a thread. And no ``async def`` endpoint takes
    a session, whose queries would block the event loop."""
    checked = 0
    for app in service_apps("sqlite://"):
        for route in iter_route_contexts(app.routes):
            dependant = getattr(route, "dependant", None)
            if dependant is None:
                continue
            users = set(session_users(dependant))
            where = f"{sorted(route.methods or ())} {route.path}"
            assert users <= {dependant.call}, f"{where}: a dependency takes the session"
            if users:
                assert not inspect.iscoroutinefunction(dependant.call), f"{where} is async"
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("path", ["/health", "/families"])
def test_an_unreachable_database_is_503_with_retry_after(path: str) -> None:
    app = create_demand(DemandSettings(database_url=UNREACHABLE))
    # No lifespan: it would migrate the database at startup.
    client = TestClient(app, headers=bearer(Role.viewer))
    answer = client.get(path)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["code"] == "database-unavailable"
