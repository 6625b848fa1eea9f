"""Set-based writes of many rows, the same on SQLite and PostgreSQL: the rows are staged in a
temporary table (PostgreSQL ``COPY``, SQLite one ``executemany``), then merged into the
table by two statements (``UPDATE ... FROM`` the staged rows that carry a stored id, and
``INSERT ... SELECT ... RETURNING`` the others, their new ids with their keys). Plain inserts
(the audit's) are one ``COPY`` or one ``executemany``.

Values are bound as SQLAlchemy would bind them (each column type's bind processor, resolved
once per column, not once per value), so what is stored is what an ORM or Core insert
stores; JSON is encoded by ``pydantic_core`` (the same document, compact). What to write is
decided before (``shared.bulk``, ``shared.crud``); these functions only write, in the
caller's transaction.
"""

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_json
from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

Binder = Callable[[Any], Any]

_staged = itertools.count(1)


def _json_binder(none_as_null: bool) -> Binder:
    null = None if none_as_null else "null"

    def bind(value: Any) -> Any:
        return null if value is None else to_json(value).decode()

    return bind


def _binder(column: sa.Column[Any], dialect: Dialect) -> Binder | None:
    kind = column.type
    if isinstance(kind, sa.JSON):
        return _json_binder(kind.none_as_null)
    binder: Binder | None = kind.dialect_impl(dialect).bind_processor(dialect)
    return binder


def bound_rows(
    table: Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """The rows as tuples of ``columns``, each value as the column's type binds it (built
    column by column: one processor mapped over a column's values; a column holding one
    object in every row, as an audit's who and when, is bound once)."""
    values: list[Iterable[Any]] = []
    for name in columns:
        column = [row[name] for row in rows]
        bind = _binder(table.c[name], dialect)
        if bind is None:
            values.append(column)
        elif column and all(value is column[0] for value in column):
            values.append(itertools.repeat(bind(column[0]), len(column)))
        else:
            values.append(map(bind, column))
    return list(zip(*values, strict=True))


def _quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _copy(connection: Connection, name: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
    names = ", ".join(_quoted(connection, column) for column in columns)
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {_quoted(connection, name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _executemany(
    connection: Connection, name: str, columns: Sequence[str], rows: Sequence[Any]
) -> None:
    names = ", ".join(_quoted(connection, column) for column in columns)
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {_quoted(connection, name)} ({names}) VALUES ({marks})", list(rows)
    )


def _load(connection: Connection, name: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
    if not rows:
        return
    if _postgres(connection):
        _copy(connection, name, columns, rows)
    else:
        _executemany(connection, name, columns, rows)


def insert_rows(connection: Connection, *, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns, those of the first) in one ``COPY``
    (PostgreSQL) or one ``executemany`` (SQLite); nothing is read back."""
    if not rows:
        return
    columns = list(rows[0])
    _load(connection, table.name, columns, bound_rows(table, columns, rows, connection.dialect))


def merge_rows(
    connection: Connection,
    *,
    table: Table,
    key: Sequence[str],
    created: Sequence[Mapping[str, Any]],
    changed: Sequence[tuple[Any, Mapping[str, Any]]],
) -> dict[tuple[Any, ...], int]:
    """Insert ``created`` and overwrite the stored rows of ``changed`` ((stored id, new
    fields) pairs) with their fields, in set-based statements over a staged copy: fields a
    row does not carry are left as they are. Every row carries the same columns. Answers the
    new ids by key (the key columns as the table reads them)."""
    if not created and not changed:
        return {}
    sample = created[0] if created else changed[0][1]
    columns = [name for name in sample if name != "id"]
    staged = f"bulk_stage_{next(_staged)}"
    quoted = _quoted(connection, staged)
    names = ", ".join(_quoted(connection, name) for name in ["id", *columns])
    source = _quoted(connection, table.name)
    if _postgres(connection):
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {quoted} ON COMMIT DROP AS "
            f"SELECT {names} FROM {source} WITH NO DATA"
        )
    else:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {quoted} AS SELECT {names} FROM {source} WHERE 0"
        )
    rows: list[Mapping[str, Any]] = [{**row, "id": None} for row in created]
    rows += [{**row, "id": stored_id} for stored_id, row in changed]
    _load(
        connection,
        staged,
        ["id", *columns],
        bound_rows(table, ["id", *columns], rows, connection.dialect),
    )
    stage = sa.table(staged, *[sa.column(name, table.c[name].type) for name in ["id", *columns]])
    if changed:
        connection.execute(
            sa.update(table)
            .values({name: stage.c[name] for name in columns})
            .where(table.c.id == stage.c.id)
        )
    id_of: dict[tuple[Any, ...], int] = {}
    if created:
        fresh = sa.select(*[stage.c[name] for name in columns]).where(stage.c.id.is_(None))
        inserted = connection.execute(
            sa.insert(table)
            .from_select(columns, fresh)
            .returning(table.c.id, *[table.c[name] for name in key])
        )
        # int(): SQLite may hand ids back as floats from a multi-row RETURNING.
        id_of = {tuple(row[1:]): int(row[0]) for row in inserted}
    connection.exec_driver_sql(f"DROP TABLE {quoted}")
    return id_of
