"""Fixtures shared by every test: a database URL per backend under test.

Every service test runs on a SQLite file of its own (as in production: an in-memory database
would share one connection between the request's worker threads and background tasks, so
one's rollback could undo another's writes); when ``SOP_TEST_DATABASE_URL`` points at a
PostgreSQL server it runs there too, in a database of this test process's own (created at
first use, emptied before each test, dropped at the end) so parallel runs never collide.
"""

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import fastapi.dependencies.models
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import mapperlib

_CONFIGURED = os.environ.get("SOP_TEST_DATABASE_URL", "")
POSTGRES_URL = (
    make_url(_CONFIGURED)
    .set(database=f"{make_url(_CONFIGURED).database or 'sop_test'}_{os.getpid()}")
    .render_as_string(hide_password=False)
    if _CONFIGURED
    else ""
)
BACKENDS = ["sqlite"] + ([POSTGRES_URL] if POSTGRES_URL else [])


def _admin_execute(url: str, statement: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    name = make_url(POSTGRES_URL).database
    _admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}"')
    _admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    yield POSTGRES_URL
    _admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def release_apps() -> Iterator[None]:
    """After each test, FastAPI forgets the endpoints it classified: its module-level caches
    (4,096 callables each) keep every endpoint closure seen, and through it each test's whole
    app (routes, schemas, engine): 20 apps started and stopped in a row all stayed alive, none
    with the caches cleared. One app a process, as in production, never notices."""
    yield
    for cached in vars(fastapi.dependencies.models).values():
        if callable(getattr(cached, "cache_clear", None)):
            cached.cache_clear()
    # Each mapper's compiled-statement cache (100 entries, keyed with the dialect) kept the
    # dialect of every test's engine, and through its type memos the MetaData and tables its
    # migrations built: 57 cycle tests grew the process from 445 to 513 MB (196,000 objects
    # more), and with the caches cleared it stays at 476-477 MB after the first tests.
    for registry in mapperlib._all_registries():
        for mapper in registry.mappers:
            mapper._compiled_cache.clear()


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(
    params=BACKENDS, ids=lambda url: make_url(url).get_backend_name() if "://" in url else url
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url: str = request.param
    if url == "sqlite":
        url = f"sqlite:///{tmp_path / 'service.db'}"
    else:
        request.getfixturevalue("postgres_database")
        reset_postgres_schema(url)
    yield url


# Other services' databases in a test: files in one folder removed when the run ends.
_SIBLINGS = Path(tempfile.mkdtemp(prefix="sop-test-"))
atexit.register(shutil.rmtree, _SIBLINGS, ignore_errors=True)


def sibling_database(name: str) -> str:
    """A fresh SQLite file for another service beside the one under test."""
    return f"sqlite:///{_SIBLINGS / f'{name}-{uuid.uuid4().hex}.db'}"
