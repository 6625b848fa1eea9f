"""Schema migrations: every process's revisions build exactly the tables its models declare,
on SQLite and PostgreSQL, and carry a database created before migrations existed."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import create_engine

from shared.schema import Migrations, current_revision, drift, migrate
from sop.cli import PROCESS_NAMES, migrations_of
from tests.conftest import POSTGRES_URL, reset_postgres_schema


@pytest.fixture(params=PROCESS_NAMES)
def migrations(request: pytest.FixtureRequest) -> Migrations:
    return migrations_of(request.param)


def disposed_engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from disposed_engine(database_url)


def test_the_revisions_build_the_models_tables_and_nothing_else(
    migrations: Migrations, engine: Engine
) -> None:
    migrate(engine, migrations)
    assert drift(engine, migrations) == []
    assert current_revision(engine, migrations) == migrations.head()
    tables = set(inspect(engine).get_table_names())
    assert tables == set(migrations.metadata.tables) | {migrations.version_table}
    migrate(engine, migrations)  # at the head already: nothing to do
    assert current_revision(engine, migrations) == migrations.head()


def test_a_database_made_before_migrations_is_stamped_and_kept(
    migrations: Migrations, engine: Engine
) -> None:
    migrations.metadata.create_all(engine)
    migrate(engine, migrations)
    assert current_revision(engine, migrations) == migrations.head()
    assert drift(engine, migrations) == []


def test_every_revision_can_be_undone_and_done_again(
    migrations: Migrations, engine: Engine
) -> None:
    migrate(engine, migrations)
    with engine.begin() as connection:
        command.downgrade(migrations.config(connection), "base")
    assert set(inspect(engine).get_table_names()) == {migrations.version_table}
    migrate(engine, migrations)
    assert drift(engine, migrations) == []


def test_a_model_change_without_its_revision_is_drift(
    migrations: Migrations, engine: Engine
) -> None:
    migrate(engine, migrations)
    table = next(iter(migrations.metadata.sorted_tables))
    with engine.begin() as connection:
        connection.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN stray_column INTEGER')
    assert [change[0] for change in drift(engine, migrations)] == ["remove_column"]


def test_the_expression_key_autogenerate_skips_is_built_by_the_revision(engine: Engine) -> None:
    """The AOP has one company row (no family group) per month: a unique index on the group
    read as '' when NULL, which only the hand-written part of the revision creates."""
    migrate(engine, migrations_of("finance"))
    insert = text(
        "INSERT INTO aop (period, family_group, revenue, margin) VALUES ('2027-01', NULL, 1, 1)"
    )
    with engine.begin() as connection:
        connection.execute(insert)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert)


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Replicas share a PostgreSQL database (SQLite serves one process's file)."""
    if not POSTGRES_URL:
        pytest.skip("needs a PostgreSQL server: set SOP_TEST_DATABASE_URL")
    url: str = request.getfixturevalue("postgres_database")
    reset_postgres_schema(url)
    yield from disposed_engine(url)


def test_replicas_starting_together_migrate_once(
    migrations: Migrations, postgres_engine: Engine
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = [pool.submit(migrate, postgres_engine, migrations) for _ in range(4)]
        for replica in started:
            replica.result(timeout=120)  # without turns they block each other: fail, not hang
    assert current_revision(postgres_engine, migrations) == migrations.head()
    assert drift(postgres_engine, migrations) == []
