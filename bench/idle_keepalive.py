"""Requests after an idle pause: how many fail because the server closed the pooled connection.

    python -m bench.idle_keepalive [--rounds 20] [--clients 10] [--pause 4.99] [--jitter 0.01]
                                   [--server-keep-alive S] [--client-keep-alive C]

Starts the demand service under uvicorn exactly as ``sop up`` does (``ServiceSpec.command``,
so with the supervisor's keep-alive settings), and ``--clients`` upstream clients built as the
gateway builds them (``shared.http.make_client``, requests through ``shared.http.send``). Each
client makes one request, then ``--rounds`` times: waits ``--pause`` seconds (plus or minus
up to ``--jitter``, uniformly, seeded) and requests again, on the connection left idle in its
pool. Prints the failures per round and in total, with the errors seen.

A pause just under both sides' keep-alive is the race: the client still trusts its pooled
connection while the server's idle timer fires and closes it, a request already on the wire.
The window is a few milliseconds wide, hence the jitter around it. ``--server-keep-alive`` and
``--client-keep-alive`` replace the defaults (``ServiceSettings.keep_alive_seconds``,
``shared.http.UPSTREAM_KEEPALIVE_SECONDS``), e.g. 5 and 5, uvicorn's and httpx's own defaults,
to measure the retry alone.
"""

import argparse
import asyncio
import collections
import os
import random
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from shared.errors import UpstreamFailed
from shared.http import UPSTREAM_KEEPALIVE_SECONDS, make_client, send
from sop.supervisor import ServiceSpec


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become healthy")


async def client_loop(
    url: str, *, pauses: list[float], errors: collections.Counter[str], keep_alive: float | None
) -> list[bool]:
    failed: list[bool] = []
    async with make_client(
        url, keepalive_seconds=keep_alive or UPSTREAM_KEEPALIVE_SECONDS
    ) as client:
        await send(client, "GET", "/health")
        for pause in pauses:
            await asyncio.sleep(pause)
            try:
                await send(client, "GET", "/health")
                failed.append(False)
            except UpstreamFailed as exc:
                cause = exc.__cause__
                errors[type(cause).__name__ if cause else str(exc)] += 1
                failed.append(True)
    return failed


async def measure(
    url: str, *, rounds: int, clients: int, pause: float, jitter: float, keep_alive: float | None
) -> None:
    errors: collections.Counter[str] = collections.Counter()
    rng = random.Random(10)
    pauses = [[pause + rng.uniform(-jitter, jitter) for _ in range(rounds)] for _ in range(clients)]
    results = await asyncio.gather(
        *(
            client_loop(url, pauses=pauses[index], errors=errors, keep_alive=keep_alive)
            for index in range(clients)
        )
    )
    total = rounds * clients
    failures = sum(sum(result) for result in results)
    print(f"pause {pause:g} s +- {jitter:g} s, {clients} clients x {rounds} rounds")
    for index in range(rounds):
        print(f"  round {index + 1:2d}: {sum(result[index] for result in results)} failed")
    print(f"failed: {failures} of {total} ({100 * failures / total:.1f} %)")
    for name, count in errors.most_common():
        print(f"  {name}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--pause", type=float, default=4.99)
    parser.add_argument("--jitter", type=float, default=0.01)
    parser.add_argument("--server-keep-alive", type=int, default=None)
    parser.add_argument("--client-keep-alive", type=float, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        spec = ServiceSpec(
            name="demand",
            factory="services.demand.main:create_app",
            host="127.0.0.1",
            port=free_port(),
        )
        if args.server_keep_alive is not None:
            spec = replace(spec, keep_alive_seconds=args.server_keep_alive)
        env = {**os.environ, "SOP_DEMAND_DATABASE_URL": f"sqlite:///{Path(directory) / 'd.db'}"}
        print("server:", " ".join(spec.command()[1:]))
        print("client keep-alive:", args.client_keep_alive or UPSTREAM_KEEPALIVE_SECONDS, "s")
        process = subprocess.Popen(
            spec.command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_healthy(spec.url, process)
            asyncio.run(
                measure(
                    spec.url,
                    rounds=args.rounds,
                    clients=args.clients,
                    pause=args.pause,
                    jitter=args.jitter,
                    keep_alive=args.client_keep_alive,
                )
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
