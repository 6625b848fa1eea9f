"""POST /reconcile on large generated companies, step by step, beside the raw solve of its LP.

    python -m bench.scale_bench [--families 1000 5000] [--coupling 0.2 0] [--seed 1]
                                [--time-limit 600] [--workers 2]

For each size and coupling it starts the four processes as ``sop up`` does (uvicorn
subprocesses, SQLite files in a temporary folder), loads the company of the generator
(``sop.demo.generator``: coupling 0.2 links a fifth of the families to the next group's
assembly resource, so the problem is one component; 0 keeps the groups of 10 apart) through
the services' public bulk APIs, and runs ``POST /reconcile`` on its locked demand plan. It
prints per step the gateway's own measure (``sop_reconcile_step_seconds`` from ``/metrics``:
gather, checks, solve, valuation, alternative, bias, store), the split of the solve into the
plan's LP (build + HiGHS) and its options (the solution's stats), the whole request and the
answer's size; beside it the same LP (``GET /consensus-plans/{id}/problem``, exported as
arrays) solved by raw ``highspy`` (``bench/highs_reference.py``), and the peak memory (VmHWM)
of each process: the services, the gateway and the largest solver worker (the gateway's
descendants), and the gateway's resident memory after the reconcile.

Everything runs on this machine: the numbers are only comparable within one run.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from gateway.solver.build import build_model
from gateway.solver.data import problem_data
from gateway.solver.decompose import components
from gateway.solver.optimise import money_formulation
from gateway.solver.problem import PlanningProblem
from shared.auth import AuthSettings, Role, mint_token
from shared.periods import current_period
from sop.demo.generator import build_company
from sop.demo.load import ServiceUrls, load_generated
from sop.supervisor import Supervisor, local_services

STEPS = ("gather", "checks", "solve", "valuation", "alternative", "bias", "store")


def _free_port() -> int:
    """A port free now, chosen by the system (``--port-base`` fixes the four instead)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    pending, found = _children(pid), []
    while pending:
        child = pending.pop()
        found.append(child)
        pending += _children(child)
    return found


@dataclass
class MemorySampler:
    """Peak resident memory (VmHWM, MB) per process, sampled every ``interval`` seconds: the
    solver workers come and go, so their peak is the largest seen among the gateway's
    descendants."""

    processes: dict[str, int]
    interval: float = 0.25
    peaks: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        for name, pid in self.processes.items():
            self._keep(name, _status_kb(pid, "VmHWM"))
        for pid in _descendants(self.processes["gateway"]):
            self._keep("solver worker", _status_kb(pid, "VmHWM"))

    def _keep(self, name: str, kb: int) -> None:
        self.peaks[name] = max(self.peaks.get(name, 0.0), kb / 1024)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @contextmanager
    def running(self) -> Iterator["MemorySampler"]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self._sample()


def _token(*roles: Role) -> str:
    return mint_token(AuthSettings(), subject="scale-bench", roles=roles)


def _step_sums(metrics: str) -> dict[str, float]:
    sums = {}
    for line in metrics.splitlines():
        if line.startswith('sop_reconcile_step_seconds_sum{step="'):
            labels, value = line.rsplit(" ", 1)
            sums[labels.split('"')[1]] = float(value)
    return sums


def _reference(problem: PlanningProblem, folder: Path) -> dict[str, Any]:
    """The plan's own LP exported as arrays and solved by raw highspy (its own process:
    highspy and OR-Tools ship clashing copies of libhighs)."""
    data = problem_data(problem)
    lp, _ = build_model(data, money_formulation(data, problem.options))
    path = folder / "lp.npz"
    np.savez(
        path,
        objective=lp.objective,
        offset=lp.offset,
        lower=lp.lower,
        upper=lp.upper,
        integer=lp.integer,
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
        row_starts=lp.row_starts(),
        columns=lp.columns,
        values=lp.values,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.highs_reference", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["components"] = len(components(problem))
    return result


async def _reconcile(
    gateway: str, plan_id: int, time_limit: float, sampler: MemorySampler
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {_token(Role.process_owner)}"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=3600) as client:
        before = _step_sums((await client.get("/metrics")).text)
        started = time.perf_counter()
        answer = await client.post(
            "/reconcile", json={"demand_plan_id": plan_id, "time_limit_seconds": time_limit}
        )
        whole = time.perf_counter() - started
        if answer.status_code != 201:
            raise SystemExit(f"POST /reconcile: {answer.status_code} {answer.text[:2000]}")
        after = _step_sums((await client.get("/metrics")).text)
        plan = answer.json()
        problem = (await client.get(f"/consensus-plans/{plan['id']}/problem")).json()
        reads = await _line_reads(client, plan["id"])
    await asyncio.sleep(2)  # the gateway frees the answer's objects
    return {
        "whole": whole,
        "answer_mb": len(answer.content) / 1e6,
        "steps": {step: after.get(step, 0.0) - before.get(step, 0.0) for step in STEPS},
        "stats": plan["stats"],
        "escalations": len(plan.get("escalations", [])),
        "problem": PlanningProblem.model_validate(problem),
        "gateway_rss_after_mb": _status_kb(sampler.processes["gateway"], "VmRSS") / 1024,
        **reads,
    }


LINES_PAGE = """
query Lines($id: Int!, $offset: Int!) {
  consensusPlan(id: $id) {
    lines(limit: 1000, offset: $offset) { familyCode segmentCode period demand sales revenue }
  }
}
"""


async def _line_reads(client: httpx.AsyncClient, plan_id: int) -> dict[str, Any]:
    """Every line of the plan over REST in pages of 5,000, and GraphQL pages of 1,000 lines
    (the p95 of 20 pages spread over the plan)."""
    started, offset, lines = time.perf_counter(), 0, 0
    while True:
        page = (
            await client.get(
                f"/consensus-plans/{plan_id}/lines", params={"limit": 5000, "offset": offset}
            )
        ).json()
        lines += len(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    rest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    export = await client.get(f"/consensus-plans/{plan_id}/lines/export")
    export_seconds = time.perf_counter() - started
    assert export.text.count("\n") == lines, "the export has every line"
    seconds = []
    for index in range(20):
        started = time.perf_counter()
        answer = await client.post(
            "/graphql",
            json={
                "query": LINES_PAGE,
                "variables": {"id": plan_id, "offset": (index * lines // 20) // 1000 * 1000},
            },
        )
        seconds.append(time.perf_counter() - started)
        assert "errors" not in answer.json(), answer.text[:500]
    return {
        "lines": lines,
        "rest_lines_seconds": rest_seconds,
        "export_lines_seconds": export_seconds,
        "graphql_page_p95": sorted(seconds)[int(0.95 * len(seconds)) - 1],
    }


def measure(
    families: int,
    coupling: float,
    *,
    seed: int,
    time_limit: float,
    workers: int,
    port_base: int = 0,
) -> dict[str, Any]:
    data = build_company(
        families=families, seed=seed, coupling=coupling, start=current_period(dt.date.today())
    )
    with tempfile.TemporaryDirectory(prefix="sop-scale-bench-") as name:
        folder = Path(name)
        names = ("gateway", "demand", "supply", "finance")
        specs = local_services(
            host="127.0.0.1",
            ports={
                process: port_base + offset if port_base else _free_port()
                for offset, process in enumerate(names)
            },
            database_urls={process: f"sqlite:///{folder / process}.db" for process in names},
        )
        gateway_env = {
            "SOP_GATEWAY_SOLVE_TIME_LIMIT_SECONDS": str(time_limit),
            "SOP_GATEWAY_SOLVER_WORKERS": str(workers),
            "SOP_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "600",
        }
        # The plan's valuation request (every line, about 11 MB a 1,000 families) passes
        # finance's default body limit of 64 MB past about 5,000 families: raised here.
        extra_env = {"gateway": gateway_env, "finance": {"SOP_FINANCE_MAX_BODY_BYTES": str(2**28)}}
        specs = [replace(spec, env={**spec.env, **extra_env.get(spec.name, {})}) for spec in specs]
        urls = {spec.name: spec.url for spec in specs}
        with Supervisor(specs, log_dir=folder / "logs", notify=lambda _message: None) as running:
            running.wait_healthy(timeout=300)
            sampler = MemorySampler({n: p.pid for n, p in running.processes.items()})
            with sampler.running():
                started = time.perf_counter()
                report = asyncio.run(
                    load_generated(
                        ServiceUrls(urls["demand"], urls["supply"], urls["finance"]),
                        data,
                        token=_token(Role.integration, Role.demand_planner),
                    )
                )
                loaded = time.perf_counter() - started
                assert report.plan is not None
                result = asyncio.run(
                    _reconcile(urls["gateway"], report.plan.id, time_limit, sampler)
                )
            result["load_seconds"] = loaded
            result["peaks"] = dict(sampler.peaks)
        result["highspy"] = _reference(result.pop("problem"), folder)
    result["families"], result["coupling"] = families, coupling
    return result


def table(results: list[dict[str, Any]]) -> str:
    heads = [f"{r['families']:,} families, coupling {r['coupling']:g}" for r in results]
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, cell: Any) -> None:
        rows.append((label, [cell(r) for r in results]))

    add("components (families sharing no resource)", lambda r: f"{r['highspy']['components']:,}")
    add(
        "LP variables x rows",
        lambda r: f"{r['stats']['variables']:,} x {r['stats']['constraints']:,}",
    )
    add("load through the bulk APIs (s)", lambda r: f"{r['load_seconds']:.1f}")
    add("gather (s)", lambda r: f"{r['steps']['gather']:.2f}")
    add("checks and build of the problem (s)", lambda r: f"{r['steps']['checks']:.2f}")
    add(
        "the plan's LP: build + HiGHS (s; summed over the parts when split)",
        lambda r: f"{r['stats']['build_seconds'] + r['stats']['solve_seconds']:.2f}",
    )
    add(
        "options with the AOP-gap alternative (s, solves; the solution's stats)",
        lambda r: f"{r['stats']['options_seconds']:.2f} ({r['stats']['option_solves']})",
    )
    add("solve step, options and decoding included (s)", lambda r: f"{r['steps']['solve']:.2f}")
    add("valuation against the AOP (s)", lambda r: f"{r['steps']['valuation']:.2f}")
    add("AOP-gap alternative (s)", lambda r: f"{r['steps']['alternative']:.2f}")
    add("forecast-bias alternatives (s)", lambda r: f"{r['steps']['bias']:.2f}")
    add("store (s)", lambda r: f"{r['steps']['store']:.2f}")
    add("whole request, wall (s)", lambda r: f"{r['whole']:.2f}")
    add("answer (MB)", lambda r: f"{r['answer_mb']:.1f}")
    add(
        "every plan line over REST, pages of 5,000 (s)",
        lambda r: f"{r['rest_lines_seconds']:.2f} ({r['lines']:,} lines)",
    )
    add(
        "GraphQL page of 1,000 lines, p95 of 20 (ms)",
        lambda r: f"{1000 * r['graphql_page_p95']:.0f}",
    )
    add("raw highspy solve of the same LP (s)", lambda r: f"{r['highspy']['solve_seconds']:.2f}")
    add("whole request / raw solve", lambda r: f"{r['whole'] / r['highspy']['solve_seconds']:.1f}x")
    for process in ("gateway", "solver worker", "demand", "supply", "finance"):
        add(f"peak MB: {process}", lambda r, p=process: f"{r['peaks'].get(p, 0):.0f}")
    add("peak MB: raw highspy", lambda r: f"{r['highspy']['peak_mb']:.0f}")
    add("gateway RSS after the reconcile (MB)", lambda r: f"{r['gateway_rss_after_mb']:.0f}")
    lines = ["| step | " + " | ".join(heads) + " |", "| --- |" + " --- |" * len(heads)]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, nargs="+", default=[1000])
    parser.add_argument("--coupling", type=float, nargs="+", default=[0.2, 0.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--port-base", type=int, default=0, help="The four processes' ports from here (else free)."
    )
    args = parser.parse_args()
    results = []
    for families in args.families:
        for coupling in args.coupling:
            results.append(
                measure(
                    families,
                    coupling,
                    seed=args.seed,
                    time_limit=args.time_limit,
                    workers=args.workers,
                    port_base=args.port_base,
                )
            )
            print(table(results[-1:]), flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
