"""Schema migrations with Alembic: each service's tables evolve by versioned revisions.

Every service (and the gateway) keeps its revisions in its own ``migrations/`` folder and its
own version table (``alembic_version_<name>``), so services never share schema history even
when pointed at one database. They all run through one Alembic environment (``env.py`` here)
that is handed the connection and the service's metadata, never a URL from an ini file.

A service migrates its database to the newest revision when it starts (``migrate``). A
database created before migrations existed (tables, no version table) is stamped with the
baseline revision, whose schema it has, and migrated on from there. ``drift`` compares a
migrated database with the models: a model changed without its revision is a test failure.
``new_revision`` autogenerates the next revision from that difference (``sop db revision``).
"""

import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, op
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, inspect, text

ENVIRONMENT = Path(__file__).parent
BASELINE = "0001"


@dataclass(frozen=True)
class Migrations:
    """The schema history of one service: its tables and the folder of its revisions."""

    name: str
    metadata: MetaData
    versions: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    def config(self, connection: Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(ENVIRONMENT))
        config.set_main_option("version_locations", str(self.versions))
        config.set_main_option("version_table", self.version_table)
        # Written revisions are formatted as the rest of the code (ruff is a dev tool).
        hooks = {
            "hooks": "ruff_format, ruff_fix",
            "ruff_format.type": "module",
            "ruff_format.module": "ruff",
            "ruff_format.options": "format REVISION_SCRIPT_FILENAME",
            "ruff_fix.type": "module",
            "ruff_fix.module": "ruff",
            "ruff_fix.options": "check --fix --quiet REVISION_SCRIPT_FILENAME",
        }
        for option, value in hooks.items():
            config.set_section_option("post_write_hooks", option, value)
        config.attributes["migrations"] = self
        config.attributes["connection"] = connection
        return config

    def context_options(self) -> dict[str, Any]:
        """How Alembic compares and records this schema: the same when it migrates
        (``env.py``) and when a test looks for drift."""
        return {
            "version_table": self.version_table,
            # Only these tables: a shared database may hold another service's.
            "include_name": lambda name, type_, _parent: (
                type_ != "table" or name in self.metadata.tables
            ),
            "compare_type": True,
            # SQLite alters a table by copying it: batch operations work on every backend.
            "render_as_batch": True,
        }

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self.config()).get_current_head()


def migrate(engine: Engine, migrations: Migrations) -> None:
    """Bring the database to the newest revision, in one transaction. On PostgreSQL the
    replicas of a process starting together take turns (a transaction-scoped advisory lock):
    the first migrates, the others find the head already there."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            key = zlib.crc32(migrations.version_table.encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        config = migrations.config(connection)
        tables = set(inspect(connection).get_table_names())
        ours = set(migrations.metadata.tables) & tables
        if ours and migrations.version_table not in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")


def current_revision(engine: Engine, migrations: Migrations) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=migrations.context_options())
        return context.get_current_revision()


def drift(engine: Engine, migrations: Migrations) -> list[Any]:
    """What the models have that the migrated database lacks, or the reverse: nothing when
    every model change came with its revision. Expression indexes are left out (SQLite
    cannot reflect them): their revisions are written by hand and tested by behaviour."""
    with warnings.catch_warnings(), engine.connect() as connection:
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(connection, opts=migrations.context_options())
        return list(compare_metadata(context, migrations.metadata))


def new_revision(migrations: Migrations, *, message: str) -> Path | None:
    """Autogenerate the next revision: the models compared with a scratch database at the
    newest revision. ``None`` when there is nothing to migrate."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            migrate(engine, migrations)
            if not drift(engine, migrations):
                return None
            with engine.begin() as connection:
                script = command.revision(
                    migrations.config(connection),
                    message=message,
                    autogenerate=True,
                    rev_id=_next_id(migrations),
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def _next_id(migrations: Migrations) -> str:
    head = migrations.head()
    return f"{int(head or 0) + 1:04d}"


def drop_enum_types(*names: str) -> None:
    """For a revision's downgrade: PostgreSQL keeps an enum column's type when its table is
    dropped, so a later upgrade could not create it again (elsewhere a no-op)."""
    bind = op.get_bind()
    for name in names:
        sa.Enum(name=name).drop(bind, checkfirst=True)
