"""What-if re-solves through the API: warm scenario solves against cold /solve calls.

    python -m bench.scenario_api_bench [--families 1000] [--seed 1] [--time-limit 1200]

Builds a company with the generator (``sop demo --families N``: ``sop.demo.generator``),
loads it into the three services (in-process, fresh SQLite files) through their bulk APIs,
and runs the gateway in-process over them (its solver and warm workers are real worker
processes). Then, all over HTTP:

1. ``POST /reconcile``: the company's first (cold) solve, options and lines stored;
   ``GET /consensus-plans/{id}/problem`` is the base of the scenarios.
2. A scenario without changes, solved: its warm worker builds the base's model (cold).
3. For each what-if (one family's demand +10 % in one month, the most loaded resource's
   regular hours -30 % for three months, one family's price +8 %), a scenario is created and
   ``POST /scenarios/{id}/solve?lines=false`` timed: the warm re-solve with its totals and
   comparison (KPIs) against the base. Then the same with the 72,000 lines
   (``lines=true``), reported apart, and the cold solve of the same problem
   (``GET /scenarios/{id}/problem`` sent to ``POST /solve``, options off as in scenarios).

It prints one row per what-if: the path, warm and cold seconds and their ratio (the target:
under 3 %), the seconds with lines, the relative objective difference (target: 1e-7) and the
largest violation of the warm plan's balances (inventory, backlog, resource hours: the plan
is feasible when it is ~0). Times vary with the machine's load: nothing here is asserted.
"""

import argparse
import asyncio
import datetime as dt
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from gateway.main import create_app as create_gateway
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import AuthSettings, Role, mint_token
from shared.periods import current_period
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from sop.demo.generator import build_company
from sop.demo.load import ServiceClients, load_company, people_tokens

TIMEOUT = httpx.Timeout(7200.0)


def _headers(*roles: Role) -> dict[str, str]:
    token = mint_token(AuthSettings(), subject="bench", roles=roles)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def platform(folder: Path, time_limit: float) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The three services and the gateway in-process, on SQLite files in ``folder``."""
    # A 1,000-family reconcile sends finance the plan's 72,000 lines for the AOP gaps: more
    # than the default body limit.
    big: dict[str, Any] = {"max_body_bytes": 1 << 30}
    services = {
        "demand": create_demand(
            DemandSettings(database_url=f"sqlite:///{folder}/demand.db", **big)
        ),
        "supply": create_supply(
            SupplySettings(database_url=f"sqlite:///{folder}/supply.db", **big)
        ),
        "finance": create_finance(
            FinanceSettings(database_url=f"sqlite:///{folder}/finance.db", **big)
        ),
    }
    gateway = create_gateway(
        GatewaySettings(
            **big,
            database_url=f"sqlite:///{folder}/gateway.db",
            solve_time_limit_seconds=time_limit,
            solve_max_cells=10_000_000,
            solver_workers=1,
            solver_warm_workers=1,
        ),
        transports={name: httpx.ASGITransport(app=app) for name, app in services.items()},
    )
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in [*services.items(), ("gateway", gateway)]:
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=_headers(Role.integration, Role.process_owner),
                    timeout=TIMEOUT,
                )
            )
        yield clients


def _answer(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text[:2000]}")
    return response.json()


def _per_period(value: float | list[float], periods: int) -> np.ndarray:
    return np.full(periods, value) if isinstance(value, int | float) else np.asarray(value)


def plan_violation(problem: PlanningProblem, solution: Solution) -> float:
    """The largest amount by which the plan breaks a balance of ``problem``: inventory =
    last inventory + production + outsourced - sales (never negative), sales within demand
    and backlog, every quantity non-negative, a resource's load = its routings' hours +
    committed hours and within regular (the problem's) + overtime + expansion hours."""
    periods = len(problem.periods)
    worst = 0.0
    sold: dict[str, np.ndarray] = {}
    initial_backlog = {(d.family, d.segment): d.initial_backlog for d in problem.demand}
    for line in solution.sales:
        sales, demand = np.asarray(line.sales), np.asarray(line.demand)
        backlog = np.asarray(line.backlog)
        before = np.concatenate(
            [[initial_backlog.get((line.family, line.segment), 0.0)], backlog[:-1]]
        )
        worst = max(worst, float(np.max(sales - demand - before)), -min(sales.min(), backlog.min()))
        sold[line.family] = sold.get(line.family, np.zeros(periods)) + sales
    production: dict[str, np.ndarray] = {}
    initial = {f.code: f.initial_inventory for f in problem.families}
    for family in solution.families:
        made = np.asarray(family.production)
        production[family.family] = made
        inventory = np.asarray(family.inventory)
        flow = np.asarray(family.outsourced) + made - sold.get(family.family, np.zeros(periods))
        expected = initial[family.family] + np.cumsum(flow)
        worst = max(worst, float(np.max(np.abs(expected - inventory))), -float(inventory.min()))
    hours: dict[str, np.ndarray] = {}
    for routing in problem.routings:
        made = production.get(routing.family, np.zeros(periods))
        hours[routing.resource] = hours.get(routing.resource, np.zeros(periods)) + (
            routing.hours_per_unit * made
        )
    resources = {r.code: r for r in problem.resources}
    for used in solution.resources:
        resource = resources[used.resource]
        load = np.asarray(used.load)
        committed = _per_period(resource.committed_hours, periods)
        worst = max(worst, float(np.max(np.abs(hours.get(used.resource, 0) + committed - load))))
        extra = np.asarray(used.overtime) + np.asarray(used.expansion_hours)
        regular = np.asarray(used.regular_capacity)
        if resource.workforce is None:
            regular = np.minimum(regular, _per_period(resource.regular_hours, periods))
        worst = max(worst, float(np.max(load - regular - extra)))
    return worst


def what_ifs(problem: PlanningProblem, base: Solution) -> dict[str, list[dict[str, Any]]]:
    """One family's demand +10 % in one month, the most loaded resource's regular hours
    -30 % for three months, one family's price +8 % (the family of the middle)."""
    family = problem.families[len(problem.families) // 2].code
    busiest = max(base.resources, key=lambda line: sum(line.load)).resource
    months = problem.periods
    return {
        "demand +10% one family, one month": [
            {"kind": "demand", "family": family, "periods": [months[6]], "value": 10}
        ],
        f"capacity -30% {busiest}, three months": [
            {"kind": "capacity", "resource": busiest, "periods": months[3:6], "value": -30}
        ],
        "price +8% one family": [{"kind": "price", "family": family, "value": 8}],
    }


async def timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    answer = await call
    return answer, time.perf_counter() - started


async def run(families: int, seed: int, time_limit: float) -> None:
    data = build_company(
        families=families, seed=seed, coupling=0.2, start=current_period(dt.date.today())
    )
    with tempfile.TemporaryDirectory(prefix="scenario-bench-") as folder:
        async with platform(Path(folder), time_limit) as api:
            clients = ServiceClients(api["demand"], api["supply"], api["finance"])
            _, seconds = await timed(load_company(clients, data, people=people_tokens()))
            print(f"{families} families loaded through the bulk APIs in {seconds:.1f} s")
            gateway = api["gateway"]

            plan, seconds = await timed(
                gateway.post("/reconcile", json={"time_limit_seconds": time_limit})
            )
            plan = _answer(plan, 201)
            problem = PlanningProblem.model_validate(
                _answer(await gateway.get(f"/consensus-plans/{plan['id']}/problem"))
            )
            lines = len(problem.demand) * len(problem.periods)
            print(f"POST /reconcile (cold, options, {lines:,} lines stored): {seconds:.1f} s")

            async def scenario(name: str, changes: list[dict[str, Any]]) -> int:
                body = {"name": name, "base": problem.model_dump(mode="json"), "changes": changes}
                created = _answer(await gateway.post("/scenarios", json=body), 201)
                return int(created["id"])

            base_id = await scenario("base", [])
            solved, seconds = await timed(gateway.post(f"/scenarios/{base_id}/solve"))
            base_solution = Solution.model_validate(_answer(solved)["solution"])
            outcome = _answer(solved)["scenario"]["outcome"]
            print(
                f"base scenario (builds the warm model): {outcome['path']} {seconds:.1f} s,"
                f" objective {outcome['objective']:.6f}"
            )
            print(
                f"{'what-if':36} {'path':5} {'warm s':>8} {'worker s':>8} {'cold s':>8}"
                f" {'ratio':>7} {'lines s':>8} {'rel. obj. diff':>14} {'violation':>10}"
            )
            for name, changes in what_ifs(problem, base_solution).items():
                scenario_id = await scenario(name, changes)
                solve = f"/scenarios/{scenario_id}/solve"
                warm, warm_seconds = await timed(gateway.post(solve, params={"lines": "false"}))
                outcome = _answer(warm)["scenario"]["outcome"]
                worker_seconds = outcome["seconds"]
                lines, lines_seconds = await timed(gateway.post(solve))
                warm_plan = Solution.model_validate(_answer(lines)["solution"])
                changed = _answer(await gateway.get(f"/scenarios/{scenario_id}/problem"))
                cold, cold_seconds = await timed(gateway.post("/solve", json=changed))
                cold_objective = _answer(cold)["stats"]["objective_value"]
                difference = abs(outcome["objective"] - cold_objective) / max(
                    abs(cold_objective), 1
                )
                violation = plan_violation(PlanningProblem.model_validate(changed), warm_plan)
                print(
                    f"{name:36} {outcome['path']:5} {warm_seconds:8.3f} {worker_seconds:8.3f}"
                    f" {cold_seconds:8.2f}"
                    f" {warm_seconds / cold_seconds:7.2%} {lines_seconds:8.2f}"
                    f" {difference:14.2e} {violation:10.2e}",
                    flush=True,
                )


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=1200.0)
    args = parser.parse_args()
    asyncio.run(run(args.families, args.seed, args.time_limit))


if __name__ == "__main__":
    main()
