"""Speed of reading a large plan's lines over REST: pages against the NDJSON export.

    python -m bench.read_bench [--families 1000] [--seed 1] [--postgres URL | --no-postgres]

Builds a company with the generator (``sop.demo.generator``: 1,000 families are 72,000 demand
plan lines), loads its demand plan into the demand service (in-process, a fresh SQLite file,
then PostgreSQL when 127.0.0.1:5432 answers or ``--postgres`` names a server) and stores as
many consensus lines in the gateway's database (a consensus plan of the same cells, written
directly: a reconcile is not what is measured). Then it reads them as a client does, each
answer decoded into Python objects (the issue's target: 72,000 plan lines in under 1 s):

- the demand plan's lines in pages of 5,000 (``GET /demand-plans/{id}/lines``, what the
  gateway's reconcile read page by page) and in one NDJSON export
  (``GET /demand-plans/{id}/lines/export``);
- the consensus plan's lines in pages of 5,000 and as NDJSON
  (``GET /consensus-plans/{id}/lines/export``);
- beside them the raw reference: the same rows by a bare ``SELECT`` through the DBAPI.

Wall seconds are of the whole read (client decoding included); CPU seconds are this
process's (client and service: they run in it). Everything runs on this machine: the
numbers are only comparable within one run.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert

from bench.bulk_bench import (
    Clients,
    _drop_postgres,
    _fresh_postgres,
    _headers,
    _postgres_answers,
    in_process_clients,
)
from gateway.main import create_app as create_gateway
from gateway.plans.models import ConsensusLine, ConsensusPlan
from services.demand.main import create_app as create_demand
from shared.auth import Role
from shared.entity_router import MAX_BULK_ITEMS
from shared.periods import current_period
from shared.settings import DemandSettings, GatewaySettings
from sop.demo.generator import CompanyData, build_company

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/sop_bench"
PAGE = 5000


@dataclass(frozen=True)
class Timing:
    database: str
    read: str
    rows: int
    requests: int
    seconds: float
    cpu_seconds: float
    megabytes: float


async def _timed(
    database: str, read: str, fetch: Callable[[], Awaitable[tuple[int, int, int]]]
) -> Timing:
    started, cpu = time.perf_counter(), time.process_time()
    rows, requests, size = await fetch()
    return Timing(
        database,
        read,
        rows,
        requests,
        time.perf_counter() - started,
        time.process_time() - cpu,
        size / 1e6,
    )


async def _pages(client: httpx.AsyncClient, path: str) -> tuple[int, int, int]:
    rows = requests = size = offset = 0
    while True:
        answer = await client.get(path, params={"limit": PAGE, "offset": offset})
        answer.raise_for_status()
        page = answer.json()
        requests += 1
        size += len(answer.content)
        rows += len(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return rows, requests, size


async def _ndjson(client: httpx.AsyncClient, path: str) -> tuple[int, int, int]:
    answer = await client.get(path)
    answer.raise_for_status()
    rows = [json.loads(line) for line in answer.content.splitlines() if line]
    return len(rows), 1, len(answer.content)


def _raw_select(url: str, table: str, plan_id: int) -> tuple[int, int, int]:
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        marks = "%s" if engine.dialect.name == "postgresql" else "?"
        cursor.execute(
            f"SELECT * FROM {table} WHERE plan_id = {marks} "
            "ORDER BY family_code, segment_code, period",
            (plan_id,),
        )
        rows = cursor.fetchall()
    finally:
        raw.close()
        engine.dispose()
    return len(rows), 0, 0


def _apps(urls: dict[str, str]) -> Clients:
    """Demand and the gateway over it, in-process."""
    demand = create_demand(DemandSettings(database_url=urls["demand"]))
    gateway = create_gateway(
        GatewaySettings(database_url=urls["gateway"], solver_workers=1, solver_warm_workers=1),
        transports={"demand": httpx.ASGITransport(app=demand)},
    )
    return in_process_clients(
        {"demand": demand, "gateway": gateway}, _headers(Role.integration, Role.demand_planner)
    )


async def _load_demand(client: httpx.AsyncClient, data: CompanyData) -> int:
    for path, items in (("/segments", data.segments), ("/families", data.families)):
        (await client.put(path, json=[i.model_dump(mode="json") for i in items])).raise_for_status()
    created = await client.post("/demand-plans", json=data.plan.model_dump(mode="json"))
    created.raise_for_status()
    etag, plan_id = created.headers["ETag"], created.json()["id"]
    lines = [line.model_dump(mode="json") for line in data.plan_lines]
    for start in range(0, len(lines), MAX_BULK_ITEMS):
        answer = await client.put(
            f"/demand-plans/{plan_id}/lines",
            json=lines[start : start + MAX_BULK_ITEMS],
            headers={"If-Match": etag},
        )
        answer.raise_for_status()
        etag = answer.headers["ETag"]
    return int(plan_id)


def _store_consensus(url: str, data: CompanyData) -> int:
    """A consensus plan of the demand plan's cells (sales = demand), written directly."""
    engine = create_engine(url)
    with engine.begin() as conn:
        plan = conn.execute(
            insert(ConsensusPlan.__table__).returning(ConsensusPlan.__table__.c.id),  # type: ignore[attr-defined]
            {
                "version": 1,
                "created_at": dt.datetime.now(dt.UTC),
                "status": "recommended",
                "demand_plan_id": 1,
                "demand_plan_version": 1,
                "demand_plan_name": "bench",
                "demand_plan_status": "locked",
                "objective": "profit",
                "horizon_start": data.plan.horizon_start,
                "periods": [],
                "stats": {},
                "totals": {},
                "segments": [],
                "expansions_started": {},
                "expansion_levels": {},
                "escalation_count": 0,
            },
        ).scalar_one()
        conn.execute(
            insert(ConsensusLine.__table__),  # type: ignore[attr-defined]
            [
                {
                    "plan_id": plan,
                    "family_code": line.family_code,
                    "segment_code": line.segment_code,
                    "period": line.period,
                    "demand": line.quantity,
                    "sales": line.quantity,
                    "backlog": 0.0,
                    "lost": 0.0,
                    "revenue": line.quantity * 10,
                }
                for line in data.plan_lines
            ],
        )
    engine.dispose()
    return int(plan)


async def bench(database: str, urls: dict[str, str], data: CompanyData) -> list[Timing]:
    async with _apps(urls) as clients:
        demand_plan = await _load_demand(clients["demand"], data)
        consensus_plan = _store_consensus(urls["gateway"], data)
        demand, gateway = clients["demand"], clients["gateway"]
        lines = f"/demand-plans/{demand_plan}/lines"
        consensus = f"/consensus-plans/{consensus_plan}/lines"

        async def raw(table: str, url: str, plan_id: int) -> tuple[int, int, int]:
            return await asyncio.to_thread(_raw_select, url, table, plan_id)

        reads: list[tuple[str, Callable[[], Awaitable[tuple[int, int, int]]]]] = [
            (
                "raw SELECT demand_plan_line",
                lambda: raw("demand_plan_line", urls["demand"], demand_plan),
            ),
            (f"demand lines, pages of {PAGE}", lambda: _pages(demand, lines)),
            ("demand lines, NDJSON export", lambda: _ndjson(demand, f"{lines}/export")),
            (
                "raw SELECT consensus_line",
                lambda: raw("consensus_line", urls["gateway"], consensus_plan),
            ),
            (f"consensus lines, pages of {PAGE}", lambda: _pages(gateway, consensus)),
            ("consensus lines, NDJSON export", lambda: _ndjson(gateway, f"{consensus}/export")),
        ]
        return [await _timed(database, name, fetch) for name, fetch in reads]


def table(timings: list[Timing]) -> str:
    header = (
        f"{'database':<10} {'read':<32} {'rows':>7} {'requests':>8} {'wall s':>7} "
        f"{'cpu s':>7} {'rows/s':>8} {'MB':>6}"
    )
    lines = [header]
    for t in timings:
        lines.append(
            f"{t.database:<10} {t.read:<32} {t.rows:>7} {t.requests:>8} {t.seconds:>7.2f} "
            f"{t.cpu_seconds:>7.2f} {t.rows / t.seconds if t.seconds else 0:>8.0f} "
            f"{t.megabytes:>6.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("SOP_TEST_DATABASE_URL") or POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    data = build_company(
        families=args.families, seed=args.seed, coupling=0.2, start=current_period(dt.date.today())
    )
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="sop-read-bench-") as folder:
        sqlite = {
            name: f"sqlite:///{Path(folder) / f'{name}-{uuid.uuid4().hex}.db'}"
            for name in ("demand", "gateway")
        }
        timings += asyncio.run(bench("sqlite", sqlite, data))
    if not args.no_postgres and _postgres_answers():
        urls = {name: _fresh_postgres(args.postgres, name) for name in ("demand", "gateway")}
        try:
            timings += asyncio.run(bench("postgresql", urls, data))
        finally:
            for url in urls.values():
                _drop_postgres(url)
    print(table(timings))


if __name__ == "__main__":
    main()
