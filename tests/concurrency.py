"""Concurrent requests against a real app (its database: a file or a server, never in-memory
SQLite, whose single connection would be shared by the concurrent transactions): in the test's
event loop (``serving``), or over HTTP from a uvicorn server whose loop is watched for lag
(``running_server``)."""

import asyncio
import gc
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI, headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An async client of ``app`` within its lifespan: requests sent together run together
    (each sync endpoint in a worker thread, with its own session and connection)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers
        ) as client:
            yield client


class LoopWatchdog:
    """A thread that pings an event loop every ``tick`` seconds and keeps the longest the loop
    took to answer, a ping still unanswered included: how long the loop was blocked (and so
    every request on it), even by a block that has not ended yet."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, tick: float = 0.01) -> None:
        self.loop = loop
        self.tick = tick
        self.worst = 0.0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stopped.wait(self.tick):
            answered = threading.Event()
            sent = time.monotonic()
            self.loop.call_soon_threadsafe(answered.set)
            while not answered.wait(self.tick) and not self.stopped.is_set():
                self.worst = max(self.worst, time.monotonic() - sent)
            self.worst = max(self.worst, time.monotonic() - sent)

    def restart(self) -> None:
        """Forget what was seen so far (e.g. a bulk load, which FastAPI validates on the loop)."""
        self.worst = 0.0


@contextmanager
def running_server(
    app: FastAPI, *, startup_seconds: float = 60
) -> Iterator[tuple[str, LoopWatchdog]]:
    """``app`` served for real by uvicorn on a free port of 127.0.0.1, in a thread with its own
    event loop: yields the base URL and a watchdog of that loop, started once it serves (its
    startup migrates the database, which blocks on purpose)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_keep_alive=60, timeout_graceful_shutdown=5)
    )
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    # A full garbage collection of the test process's objects takes ~150 ms on whichever
    # thread triggers it, the loop's too: frozen, they are not scanned again while serving.
    gc.freeze()
    thread.start()
    deadline = time.monotonic() + startup_seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    watchdog = LoopWatchdog(loops[0])
    watchdog.thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", watchdog
    finally:
        watchdog.stopped.set()
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        gc.unfreeze()
