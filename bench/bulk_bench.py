"""Speed of the bulk loads: rows per second of each bulk PUT, per service and database.

    python -m bench.bulk_bench [--families 1000] [--seed 1] [--postgres URL | --no-postgres]

Builds a company with the generator (``sop.demo.generator``: 1,000 families are 72,000 rows
of history, of prices and of demand plan lines) and loads it into the three services, each
in-process on a fresh database (SQLite files, then PostgreSQL when 127.0.0.1:5432 answers or
``--postgres`` names a server), through their public bulk endpoints in requests of at most
``MAX_BULK_ITEMS`` rows. Then it loads the same rows again (all unchanged) and once more with
every quantity, price or hour changed (all updated), and patches a field of every row
(``PATCH``, merged). It prints one row per endpoint and pass: rows, seconds, rows/s, and the
total per service and pass (the issue's target: 72,000 rows in under 3 s per service), with
the seconds 72,000 rows take at that pace. Beside them, the raw reference: the same history
rows inserted by a bare DBAPI ``executemany`` (and, on PostgreSQL, a bare ``COPY``) into a
table of the same shape and unique key, in one transaction, with no validation and no audit.
"""

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import AuthSettings, Role, mint_token
from shared.entity_router import MAX_BULK_ITEMS
from shared.periods import current_period
from shared.settings import DemandSettings, FinanceSettings, SupplySettings
from sop.demo.generator import CompanyData, build_company

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/sop_bench"


@dataclass(frozen=True)
class Timing:
    database: str
    service: str
    path: str
    step: str
    rows: int
    seconds: float
    cpu_seconds: float


def _headers(*roles: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(AuthSettings(), subject='bench', roles=roles)}"}


# Clients of in-process apps by name, open while the context lasts.
Clients = AbstractAsyncContextManager[dict[str, httpx.AsyncClient]]


@asynccontextmanager
async def in_process_clients(
    apps: dict[str, FastAPI], headers: dict[str, str]
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Each app started (its lifespan) and a client of it by name, over ASGI: no sockets."""
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=headers,
                    timeout=600,
                )
            )
        yield clients


def _services(urls: dict[str, str]) -> Clients:
    """The three services in-process, as the loader (integration, demand planner)."""
    apps: dict[str, FastAPI] = {
        "demand": create_demand(DemandSettings(database_url=urls["demand"])),
        "supply": create_supply(SupplySettings(database_url=urls["supply"])),
        "finance": create_finance(FinanceSettings(database_url=urls["finance"])),
    }
    return in_process_clients(apps, _headers(Role.integration, Role.demand_planner))


def _bodies(
    items: Sequence[BaseModel], change: Callable[[dict[str, Any]], None] | None
) -> list[list[dict[str, Any]]]:
    rows = [item.model_dump(mode="json") for item in items]
    if change is not None:
        for row in rows:
            change(row)
    return [rows[start : start + MAX_BULK_ITEMS] for start in range(0, len(rows), MAX_BULK_ITEMS)]


def _scaled(field: str) -> Callable[[dict[str, Any]], None]:
    def change(row: dict[str, Any]) -> None:
        row[field] = round(row[field] * 1.1 + 1, 2)

    return change


async def _send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    bodies: list[list[dict[str, Any]]],
    headers: dict[str, str] | None = None,
) -> tuple[float, float, httpx.Response]:
    """Wall and CPU seconds (of this process, the services' included: they run in it) to
    send every body, request encoding excluded, and the last answer."""
    seconds = cpu = 0.0
    answer: httpx.Response | None = None
    for body in bodies:
        request = client.build_request(method, path, json=body, headers=headers)
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = await client.send(request)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        if answer.status_code >= 300:
            raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
    assert answer is not None
    return seconds, cpu, answer


# (service, path, items, field changed by the update pass)
def _loads(data: CompanyData) -> list[tuple[str, str, Sequence[BaseModel], str]]:
    return [
        ("demand", "/segments", data.segments, "priority"),
        ("demand", "/families", data.families, "name"),
        ("demand", "/history", data.history, "quantity"),
        ("supply", "/resources", data.resources, "name"),
        ("supply", "/capacity", data.capacity, "regular_hours"),
        ("supply", "/routings", data.routings, "hours_per_unit"),
        ("supply", "/inventory-policies", data.inventory_policies, "safety_stock"),
        ("finance", "/prices", data.prices, "price"),
        ("finance", "/unit-costs", data.unit_costs, "variable_cost"),
        ("finance", "/lever-costs", data.lever_costs, "cost"),
        ("finance", "/aop", data.aop, "revenue"),
    ]


def _change_of(field: str) -> Callable[[dict[str, Any]], None]:
    if field == "name":

        def rename(row: dict[str, Any]) -> None:
            row["name"] = f"{row['name']} (renamed)"

        return rename
    if field == "priority":

        def reprioritise(row: dict[str, Any]) -> None:
            row["priority"] = min(9, row["priority"] + 1)

        return reprioritise
    return _scaled(field)


def _patch_of(
    items: Sequence[BaseModel], field: str, key: Sequence[str]
) -> list[list[dict[str, Any]]]:
    """Partial rows: the natural key and the one changed field."""
    rows = [item.model_dump(mode="json") for item in items]
    change = _change_of(field)
    partial = []
    for row in rows:
        change(row)
        partial.append({name: row[name] for name in (*key, field)})
    return [partial[s : s + MAX_BULK_ITEMS] for s in range(0, len(partial), MAX_BULK_ITEMS)]


KEYS = {
    "/segments": ("code",),
    "/families": ("code",),
    "/history": ("family_code", "segment_code", "period"),
    "/resources": ("code",),
    "/capacity": ("resource_code", "period"),
    "/routings": ("family_code", "resource_code"),
    "/inventory-policies": ("family_code",),
    "/prices": ("family_code", "segment_code", "period"),
    "/unit-costs": ("family_code", "effective_from"),
    "/lever-costs": ("lever", "code"),
    "/aop": ("period", "family_group"),
}


async def bench(
    database: str, urls: dict[str, str], data: CompanyData, *, patch: bool
) -> list[Timing]:
    timings: list[Timing] = []
    async with _services(urls) as clients:
        steps: list[
            tuple[str, Callable[[Sequence[BaseModel], str, str], list[list[dict[str, Any]]]], str]
        ] = [
            ("create", lambda items, _f, _p: _bodies(items, None), "PUT"),
            ("unchanged", lambda items, _f, _p: _bodies(items, None), "PUT"),
            ("update", lambda items, field, _p: _bodies(items, _change_of(field)), "PUT"),
        ]
        if patch:
            steps.append(
                ("patch", lambda items, field, path: _patch_of(items, field, KEYS[path]), "PATCH")
            )
        for step, make, method in steps:
            for service, path, items, field in _loads(data):
                if step == "patch" and field in ("name", "priority"):
                    field = "name" if field == "name" else "priority"
                bodies = make(items, field, path)
                seconds, cpu, _ = await _send(clients[service], method, path, bodies)
                timings.append(Timing(database, service, path, step, len(items), seconds, cpu))
            if step == "create":
                seconds, cpu = await _plan_lines(clients["demand"], data)
                timings.append(
                    Timing(
                        database,
                        "demand",
                        "/demand-plans/{id}/lines",
                        step,
                        len(data.plan_lines),
                        seconds,
                        cpu,
                    )
                )
    return timings


async def _plan_lines(client: httpx.AsyncClient, data: CompanyData) -> tuple[float, float]:
    created = await client.post("/demand-plans", json=data.plan.model_dump(mode="json"))
    created.raise_for_status()
    etag = created.headers["ETag"]
    path = f"/demand-plans/{created.json()['id']}/lines"
    seconds = cpu = 0.0
    for body in _bodies(data.plan_lines, None):
        spent, spent_cpu, answer = await _send(
            client, "PUT", path, [body], headers={"If-Match": etag}
        )
        seconds += spent
        cpu += spent_cpu
        etag = answer.headers["ETag"]
    return seconds, cpu


def _row(
    database: str, service: str, path: str, step: str, rows: int, wall: float, cpu: float
) -> str:
    per_72k = 72000 * wall / rows if rows else 0.0
    return (
        f"{database:<10} {service:<8} {path:<26} {step:<10} {rows:>7} {wall:>7.2f} {cpu:>7.2f} "
        f"{rows / wall if wall else 0:>8.0f} {rows / cpu if cpu else 0:>9.0f} {per_72k:>7.2f}"
    )


RAW_TABLE = (
    "CREATE TABLE raw_reference (id {id} PRIMARY KEY, family_code VARCHAR(64) NOT NULL, "
    "segment_code VARCHAR(64) NOT NULL, period VARCHAR(7) NOT NULL, quantity FLOAT NOT NULL, "
    "UNIQUE (family_code, segment_code, period))"
)


def raw_reference(database: str, url: str, data: CompanyData) -> list[Timing]:
    """The floor under a bulk load: the history rows by a bare ``executemany`` (and ``COPY``
    on PostgreSQL) in one transaction, timed from the first row sent to the commit."""
    rows = [(h.family_code, h.segment_code, h.period, h.quantity) for h in data.history]
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    timings = []
    methods = ["executemany", "copy"] if postgres else ["executemany"]
    for method in methods:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("DROP TABLE IF EXISTS raw_reference")
            cursor.execute(RAW_TABLE.format(id="SERIAL" if postgres else "INTEGER"))
            raw.commit()
            marks = "%s" if postgres else "?"
            started, cpu_started = time.perf_counter(), time.process_time()
            if method == "copy":
                with cursor.copy(  # type: ignore[attr-defined]
                    "COPY raw_reference (family_code, segment_code, period, quantity) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    "INSERT INTO raw_reference (family_code, segment_code, period, quantity) "
                    f"VALUES ({', '.join([marks] * 4)})",
                    rows,
                )
            raw.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            cursor.execute("DROP TABLE raw_reference")
            raw.commit()
        finally:
            raw.close()
        timings.append(Timing(database, "raw", f"bare {method}", "create", len(rows), seconds, cpu))
    engine.dispose()
    return timings


def table(timings: Sequence[Timing]) -> str:
    """One row per endpoint and pass, then the totals per service and pass. CPU seconds are
    this process's (client and services): steadier than wall time on a shared machine, but
    PostgreSQL's own work is not in them."""
    header = (
        f"{'database':<10} {'service':<8} {'endpoint':<26} {'pass':<10} {'rows':>7} "
        f"{'wall s':>7} {'cpu s':>7} {'rows/s':>8} {'rows/cpu':>9} {'s/72k':>7}"
    )
    lines = [header]
    lines += [
        _row(t.database, t.service, t.path, t.step, t.rows, t.seconds, t.cpu_seconds)
        for t in timings
    ]
    lines += ["", "totals per service and pass", header]
    totals: dict[tuple[str, str, str], tuple[int, float, float]] = {}
    for t in timings:
        rows, seconds, cpu = totals.get((t.database, t.service, t.step), (0, 0.0, 0.0))
        totals[(t.database, t.service, t.step)] = (
            rows + t.rows,
            seconds + t.seconds,
            cpu + t.cpu_seconds,
        )
    lines += [
        _row(database, service, "(all)", step, rows, seconds, cpu)
        for (database, service, step), (rows, seconds, cpu) in totals.items()
    ]
    return "\n".join(lines)


def _postgres_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


def _fresh_postgres(base: str, name: str) -> str:
    url = make_url(base).set(database=f"{make_url(base).database}_{name}_{os.getpid()}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("SOP_TEST_DATABASE_URL") or POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-patch", action="store_true", help="Skip the PATCH pass.")
    args = parser.parse_args()

    data = build_company(
        families=args.families, seed=args.seed, coupling=0.2, start=current_period(dt.date.today())
    )
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="sop-bulk-bench-") as folder:
        sqlite = {
            name: f"sqlite:///{Path(folder) / f'{name}-{uuid.uuid4().hex}.db'}"
            for name in ("demand", "supply", "finance")
        }
        timings += raw_reference("sqlite", sqlite["demand"], data)
        timings += asyncio.run(bench("sqlite", sqlite, data, patch=not args.no_patch))
    if not args.no_postgres and _postgres_answers():
        urls = {
            name: _fresh_postgres(args.postgres, name) for name in ("demand", "supply", "finance")
        }
        try:
            timings += raw_reference("postgresql", urls["demand"], data)
            timings += asyncio.run(bench("postgresql", urls, data, patch=not args.no_patch))
        finally:
            for url in urls.values():
                _drop_postgres(url)
    print(table(timings))


if __name__ == "__main__":
    main()
