"""HTTP and GraphQL load: closed-loop clients, or users pausing between requests.

Closed loop: N clients, each sending its next request as soon as the last answered. Run
against any running service, e.g. the demand service with the demo loaded:

    .venv/bin/python -m bench.load_bench --clients 100 --duration 30 \\
        -H "Authorization: Bearer $TOKEN" \\
        "http://127.0.0.1:8001/demand-plans/2/lines?limit=5000" \\
        http://127.0.0.1:8001/demand-plans/2

Users with think time (``--users 50 --pause 1.0``): each user sends a request, waits for the
answer, then pauses before the next one. The users start spread over the first pause (user
``i`` of ``n`` after ``i * pause / n`` seconds), as a load tool's spawn rate spreads them:
started together, users with the same pause stay in step and arrive as one wave a second.

GraphQL: ``--graphql URL`` POSTs documents to the gateway's ``/graphql``: those of
``--documents FILE`` (a JSON list of ``{"name", "query", "variables"}``), else the built-in
``planner-reads`` scenario, discovered over the running demo: the latest consensus plan with
its segments and escalations (by kind), its resources one at a time, families with their
demand plan lines in pages of at most 200 lines per segment, resources with their planned
load, and a cycle with its steps, action items and escalations (a cycle is opened, and a plan
reconciled, first when there is none). A GraphQL answer with ``errors`` counts as an error.

``--reconcile`` keeps a reconcile running meanwhile: ``POST /reconcile`` on the gateway (of
``--graphql``, else ``--gateway URL``) in a loop (the token of ``-H`` must be a
reconciler's, e.g. ``sop token --role process_owner``); its answers get their own row,
outside "all".

Client ``i`` of ``n`` walks the request list from position ``i * len / n``, so every request
sees the same share. After ``--duration`` seconds no request starts; those in flight finish
and count. The table has a row per request and one for all: requests, answers by status
(errors are any status >= 400, ``graphql`` for a GraphQL answer with errors, or the
exception's name when there was no answer), requests per second over the run, and latency
percentiles in ms.
"""

import argparse
import asyncio
import datetime as dt
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# Lines per page of the families reads: the "pages of up to 200".
PAGE_LINES = 200

# The first answer of each kind of error, printed under the table.
SAMPLES: dict[str, str] = {}


@dataclass(frozen=True)
class Request:
    """One distinct read: a GET of ``url``, or a POST of ``body`` (GraphQL) when it has one."""

    name: str
    url: str
    body: dict[str, Any] | None = None


@dataclass
class Tally:
    """What one request (or all of them) answered."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, *, outcome: str, seconds: float) -> None:
        self.outcomes[outcome] += 1
        self.latencies.append(seconds)

    @property
    def errors(self) -> dict[str, int]:
        return {k: n for k, n in sorted(self.outcomes.items()) if not k.startswith(("1", "2", "3"))}


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def send(client: httpx.AsyncClient, request: Request) -> str:
    """The outcome of one request: its status, ``graphql`` on GraphQL errors, or the
    exception's name."""
    try:
        if request.body is None:
            response = await client.get(request.url)
        else:
            response = await client.post(request.url, json=request.body)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    if request.body is not None and response.status_code == 200 and response.json().get("errors"):
        SAMPLES.setdefault(f"{request.name}: graphql", response.text[:300])
        return "graphql"
    if response.status_code >= 400:
        SAMPLES.setdefault(f"{request.name}: {response.status_code}", response.text[:300])
    return str(response.status_code)


async def client_loop(
    *,
    client: httpx.AsyncClient,
    requests: Sequence[Request],
    start: int,
    deadline: float,
    pause: float,
    delay: float,
    tallies: dict[str, Tally],
) -> None:
    position = start
    await asyncio.sleep(delay)
    while time.perf_counter() < deadline:
        request = requests[position % len(requests)]
        position += 1
        began = time.perf_counter()
        outcome = await send(client, request)
        tallies[request.name].add(outcome=outcome, seconds=time.perf_counter() - began)
        if pause:
            await asyncio.sleep(min(pause, max(0.0, deadline - time.perf_counter())))


async def reconcile_loop(
    *, client: httpx.AsyncClient, gateway: str, deadline: float, tally: Tally
) -> None:
    """``POST /reconcile`` again and again until the deadline (a refusal waits a second)."""
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        try:
            response = await client.post(f"{gateway}/reconcile")
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        tally.add(outcome=outcome, seconds=time.perf_counter() - began)
        if not outcome.startswith("2"):
            await asyncio.sleep(1.0)


async def run(
    *,
    requests: Sequence[Request],
    clients: int,
    duration: float,
    headers: dict[str, str],
    timeout: float,
    pause: float = 0.0,
    reconcile_gateway: str | None = None,
) -> tuple[dict[str, Tally], float]:
    """Every request's tally (the reconcile loop's as ``reconcile``), and the wall-clock
    seconds the run took."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx.AsyncClient(headers=headers, timeout=timeout, limits=limits) as client:
        began = time.perf_counter()
        deadline = began + duration
        loops = [
            client_loop(
                client=client,
                requests=requests,
                start=i * len(requests) // clients,
                deadline=deadline,
                pause=pause,
                delay=i * pause / clients,
                tallies=tallies,
            )
            for i in range(clients)
        ]
        if reconcile_gateway:
            loops.append(
                reconcile_loop(
                    client=client,
                    gateway=reconcile_gateway,
                    deadline=deadline,
                    tally=tallies["reconcile"],
                )
            )
        await asyncio.gather(*loops)
        return tallies, time.perf_counter() - began


def table(*, tallies: dict[str, Tally], names: Sequence[str], elapsed: float) -> str:
    total = Tally()
    for name in names:
        total.latencies += tallies[name].latencies
        total.outcomes += tallies[name].outcomes
    rows = [*((name, tallies[name]) for name in names), ("all", total)]
    if "reconcile" in tallies:
        rows.append(("(background) POST /reconcile", tallies["reconcile"]))
    header = (
        f"{'request':<60} {'requests':>8} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  errors"
    )
    lines = [header, "-" * len(header)]
    for name, tally in rows:
        ms = [1000 * s for s in tally.latencies]
        errors = ", ".join(f"{k}: {n}" for k, n in tally.errors.items()) or "none"
        lines.append(
            f"{name[-60:]:<60} {len(ms):>8} {len(ms) / elapsed:>7.1f} "
            f"{percentile(ms, 0.50):>7.0f} {percentile(ms, 0.95):>7.0f} "
            f"{percentile(ms, 0.99):>7.0f}  {errors}"
        )
    lines.append(f"({elapsed:.1f} s; latencies in ms)")
    lines += [f"first {what}: {text}" for what, text in SAMPLES.items()]
    return "\n".join(lines)


# The planner reads (``--graphql URL`` without ``--documents``).

LATEST_PLAN = """
query LatestPlan($kind: EscalationKind) {
  latestConsensusPlan {
    id version status demandPlanId escalationCount
    segments { segment demand sales fillRate target }
    escalations(kind: $kind) {
      id kind severity title familyCode segmentCode resourceCode periods amount unit
      recommendedOption recommendation
    }
  }
}
"""

PLAN_RESOURCE = """
query PlanResource($id: Int!, $resource: Code!) {
  consensusPlan(id: $id) {
    id status segments { segment fillRate target }
    resources(resourceCode: $resource) {
      resourceCode period load regularCapacity overtime utilisation shadowPrice
    }
  }
}
"""

FAMILY_LINES = """
query FamilyLines($codes: [Code!], $segment: Code) {
  families(codes: $codes) {
    code name status
    demandPlanLines(segmentCode: $segment) { familyCode segmentCode period quantity }
  }
}
"""

RESOURCE_LOAD = """
query ResourceLoad($codes: [Code!]) {
  resources(codes: $codes) {
    code name site capacityMode
    plannedLoad { resourceCode period load regularCapacity overtime utilisation }
  }
}
"""

CYCLE = """
query Cycle($id: Int!) {
  cycle(id: $id) {
    id period status currentStep lateSteps openActionItems
    steps { step status dueDate isLate }
    actionItems { id title ownerRole dueDate status isOverdue }
    escalations { escalation { id kind severity title } decision { id } }
  }
}
"""

DISCOVER = """
query Discover {
  families { code }
  segments { code }
  resources { code }
  latestDemandPlan { id horizonMonths }
  latestConsensusPlan { id escalations { kind } }
  cycles(limit: 1) { id }
}
"""

ESCALATION_KINDS = ("resource_overload",)


async def graphql(client: httpx.AsyncClient, url: str, query: str) -> dict[str, Any]:
    response = await client.post(url, json={"query": query})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


async def planner_reads(
    *, graphql_url: str, headers: dict[str, str], timeout: float = 600.0
) -> list[Request]:
    """The planner reads over what the gateway serves (a consensus plan reconciled and a
    cycle opened first when there is none)."""
    gateway = graphql_url.removesuffix("/graphql")
    async with httpx.AsyncClient(headers=headers, timeout=timeout) as client:
        found = await graphql(client, graphql_url, DISCOVER)
        if not found["cycles"]:
            period = dt.date.today().strftime("%Y-%m")
            opened = await client.post(f"{gateway}/cycles", json={"period": period})
            if opened.status_code != 201:
                raise RuntimeError(f"opening a cycle: {opened.status_code} {opened.text}")
        if found["latestConsensusPlan"] is None:
            stored = await client.post(f"{gateway}/reconcile")
            if stored.status_code != 201:
                raise RuntimeError(f"reconciling: {stored.status_code} {stored.text}")
        found = await graphql(client, graphql_url, DISCOVER)

    def gql(name: str, query: str, **variables: Any) -> Request:
        return Request(name, graphql_url, {"query": query, "variables": variables})

    plan = found["latestConsensusPlan"]
    families = [f["code"] for f in found["families"]]
    segments = [s["code"] for s in found["segments"]]
    resources = [r["code"] for r in found["resources"]]
    months = (found["latestDemandPlan"] or {}).get("horizonMonths") or 24
    per_page = max(1, PAGE_LINES // months)
    kinds = sorted({e["kind"] for e in plan["escalations"]}) or list(ESCALATION_KINDS[:1])
    reads = [gql("latestConsensusPlan", LATEST_PLAN)]
    reads += [gql(f"latestConsensusPlan escalations {k}", LATEST_PLAN, kind=k) for k in kinds]
    reads += [
        gql(f"consensusPlan {plan['id']} resource {r}", PLAN_RESOURCE, id=plan["id"], resource=r)
        for r in resources
    ]
    for start in range(0, len(families), per_page):
        page = families[start : start + per_page]
        for segment in segments:
            name = f"families {start}..{start + len(page) - 1} lines {segment}"
            reads.append(gql(name, FAMILY_LINES, codes=page, segment=segment))
    reads += [gql(f"resource {r} plannedLoad", RESOURCE_LOAD, codes=[r]) for r in resources]
    reads += [gql(f"cycle {c['id']}", CYCLE, id=c["id"]) for c in found["cycles"]]
    return reads


def documents(path: Path, graphql_url: str) -> list[Request]:
    """The reads of a JSON file: a list of ``{"name", "query", "variables"}``."""
    return [
        Request(
            d.get("name") or f"document {i}",
            graphql_url,
            {"query": d["query"], "variables": d.get("variables") or {}},
        )
        for i, d in enumerate(json.loads(path.read_text()))
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*", help="URLs to GET, taken in turn")
    parser.add_argument("-c", "--clients", type=int, default=100, help="closed-loop clients")
    parser.add_argument("-u", "--users", type=int, help="users pausing between requests")
    parser.add_argument("--pause", type=float, default=1.0, help="users' pause, seconds")
    parser.add_argument("-d", "--duration", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "-H", "--header", action="append", default=[], help='"Name: value", repeatable'
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument("--graphql", metavar="URL", help="the gateway's /graphql")
    parser.add_argument("--documents", type=Path, help="JSON list of GraphQL documents")
    parser.add_argument(
        "--reconcile", action="store_true", help="keep POST /reconcile running meanwhile"
    )
    parser.add_argument(
        "--gateway", metavar="URL", help="the gateway to reconcile on (default: of --graphql)"
    )
    args = parser.parse_args(argv)
    pairs = (h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in pairs}
    requests = [Request(url, url) for url in args.urls]
    if args.graphql and args.documents:
        requests += documents(args.documents, args.graphql)
    elif args.graphql:
        requests += asyncio.run(planner_reads(graphql_url=args.graphql, headers=headers))
    if not requests:
        parser.error("give URLs to GET, or --graphql URL")
    gateway = args.gateway or (args.graphql.removesuffix("/graphql") if args.graphql else None)
    if args.reconcile and gateway is None:
        parser.error("--reconcile needs --gateway URL or --graphql URL")
    tallies, elapsed = asyncio.run(
        run(
            requests=requests,
            clients=args.users or args.clients,
            duration=args.duration,
            headers=headers,
            timeout=args.timeout,
            pause=args.pause if args.users else 0.0,
            reconcile_gateway=gateway if args.reconcile else None,
        )
    )
    print(table(tallies=tallies, names=[r.name for r in requests], elapsed=elapsed))


if __name__ == "__main__":
    main()
