"""GET /ready apart from GET /health: a database read-only or unreachable when a process
starts makes it not ready (503), and it serves again as soon as the database recovers,
without a restart, on SQLite and PostgreSQL."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from services.demand.main import create_app
from shared.auth import Role
from shared.settings import DemandSettings
from tests.conftest import _admin_execute
from tests.tokens import bearer

LOADER = bearer(Role.integration, subject="erp")
FAMILY = {"code": "FAM-01", "name": "Espresso machines"}


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _freeze(path: Path, frozen: bool) -> None:
    """Make a file or folder unwritable, even to root (immutable), or writable again."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a file read-only")
        result = subprocess.run(
            ["chattr", "+i" if frozen else "-i", str(path)], capture_output=True, text=True
        )
        if result.returncode != 0:
            pytest.skip(f"chattr is not allowed here: {result.stderr.strip()}")
    else:
        path.chmod((0o555 if path.is_dir() else 0o444) if frozen else 0o755)


def _database(url: str) -> str:
    return str(make_url(url).database)


class Outage:
    """The database read-only (``read_only``: SQLite's file unwritable, PostgreSQL's every
    new session read-only by ``default_transaction_read_only``) or unreachable (SQLite's
    file cannot be created in its folder; PostgreSQL's database refuses connections), from
    entering the block until ``end()`` (at the latest when the block ends)."""

    def __init__(self, url: str, *, read_only: bool) -> None:
        self.url = url
        self.read_only = read_only
        self.ended = True

    def _set(self, on: bool) -> None:
        if _is_sqlite(self.url):
            path = Path(_database(self.url))
            if not self.read_only:
                path = path.parent
                path.mkdir(parents=True, exist_ok=True)
            _freeze(path, on)
            return
        name = _database(self.url)
        statement = (
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}'
            if self.read_only
            else f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if on else "true"}'
        )
        _admin_execute(self.url, statement)

    def __enter__(self) -> "Outage":
        self._set(True)
        self.ended = False
        return self

    def end(self) -> None:
        if not self.ended:
            self._set(False)
            self.ended = True

    def __exit__(self, *_: object) -> None:
        self.end()


def assert_not_ready(client: TestClient, reason: str) -> dict[str, object]:
    response = client.get("/ready")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "5"
    body: dict[str, object] = response.json()
    assert body["code"] == "not-ready"
    assert reason in str(body["detail"]), body
    return body


def test_ready_when_the_database_takes_writes(database_url: str) -> None:
    with TestClient(create_app(DemandSettings(database_url=database_url))) as client:
        response = client.get("/ready")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "status": "ready",
            "service": "S&OP demand service",
            "checks": {"database": "ok"},
        }


def test_a_database_read_only_at_start_serves_again_once_writable(database_url: str) -> None:
    settings = DemandSettings(database_url=database_url)
    with TestClient(create_app(settings)):
        pass  # migrated, then stopped
    with (
        Outage(database_url, read_only=True) as outage,
        TestClient(create_app(settings), headers=LOADER) as client,
    ):
        assert client.get("/health").status_code == 200  # alive
        body = assert_not_ready(client, "not ready: the database is read-only")
        assert body["extra"] == {
            "checks": {"database": str(body["detail"]).removeprefix("not ready: ")}
        }
        assert client.put("/families", json=[FAMILY]).status_code == 503
        assert client.get("/families").status_code == 200  # reads go on

        outage.end()

        # The same process, no restart: the read-only connections were not kept.
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        loaded = client.put("/families", json=[FAMILY])
        assert loaded.status_code == 200, loaded.text
        assert client.get("/families").json()["total"] == 1


def test_a_database_unreachable_at_start_is_migrated_once_it_answers(database_url: str) -> None:
    settings = DemandSettings(database_url=database_url)
    with (
        Outage(database_url, read_only=False) as outage,
        TestClient(create_app(settings), headers=LOADER) as client,  # starts all the same
    ):
        assert_not_ready(client, "not ready: the schema is not migrated yet")
        assert client.put("/families", json=[FAMILY]).status_code == 503

        outage.end()

        assert client.get("/ready").status_code == 200
        assert client.put("/families", json=[FAMILY]).status_code == 200
        assert client.get("/health").status_code == 200
