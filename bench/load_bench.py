"""Closed-loop HTTP load: N clients, each sending its next request as soon as the last answered.

Run against any running service, e.g. the demand service with the demo loaded:

    .venv/bin/python -m bench.load_bench --clients 100 --duration 30 \\
        -H "Authorization: Bearer $TOKEN" \\
        "http://127.0.0.1:8001/demand-plans/2/lines?limit=5000" \\
        http://127.0.0.1:8001/demand-plans/2

Client ``i`` walks the URL list from position ``i``, so every URL sees the same share. After
``--duration`` seconds no request starts; those in flight finish and count. The table has a
row per URL and one for all: requests, answers by status (errors are any status >= 400, or
the exception's name when there was no answer), requests per second over the run, and
latency percentiles in milliseconds.
"""

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx


@dataclass
class Tally:
    """What one URL (or all of them) answered."""

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


async def client_loop(
    *,
    client: httpx.AsyncClient,
    urls: Sequence[str],
    start: int,
    deadline: float,
    tallies: dict[str, Tally],
) -> None:
    position = start
    while time.perf_counter() < deadline:
        url = urls[position % len(urls)]
        position += 1
        began = time.perf_counter()
        try:
            response = await client.get(url)
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        tallies[url].add(outcome=outcome, seconds=time.perf_counter() - began)


async def run(
    *,
    urls: Sequence[str],
    clients: int,
    duration: float,
    headers: dict[str, str],
    timeout: float,
) -> tuple[dict[str, Tally], float]:
    """Every URL's tally, and the wall-clock seconds the run took."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, timeout=timeout, limits=limits) as client:
        began = time.perf_counter()
        deadline = began + duration
        await asyncio.gather(
            *(
                client_loop(client=client, urls=urls, start=i, deadline=deadline, tallies=tallies)
                for i in range(clients)
            )
        )
        return tallies, time.perf_counter() - began


def table(*, tallies: dict[str, Tally], urls: Sequence[str], elapsed: float) -> str:
    total = Tally()
    for url in urls:
        total.latencies += tallies[url].latencies
        total.outcomes += tallies[url].outcomes
    header = f"{'url':<60} {'requests':>8} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  errors"
    lines = [header, "-" * len(header)]
    for name, tally in [*((url, tallies[url]) for url in urls), ("all", total)]:
        ms = [1000 * s for s in tally.latencies]
        errors = ", ".join(f"{k}: {n}" for k, n in tally.errors.items()) or "none"
        lines.append(
            f"{name[-60:]:<60} {len(ms):>8} {len(ms) / elapsed:>7.1f} "
            f"{percentile(ms, 0.50):>7.0f} {percentile(ms, 0.95):>7.0f} "
            f"{percentile(ms, 0.99):>7.0f}  {errors}"
        )
    lines.append(f"({elapsed:.1f} s; latencies in ms)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", help="URLs to GET, taken in turn")
    parser.add_argument("-c", "--clients", type=int, default=100)
    parser.add_argument("-d", "--duration", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "-H", "--header", action="append", default=[], help='"Name: value", repeatable'
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    tallies, elapsed = asyncio.run(
        run(
            urls=args.urls,
            clients=args.clients,
            duration=args.duration,
            headers={k.strip(): v.strip() for k, v in headers.items()},
            timeout=args.timeout,
        )
    )
    print(table(tallies=tallies, urls=args.urls, elapsed=elapsed))


if __name__ == "__main__":
    main()
