"""``sop up``'s process supervisor: it starts the gateway and the three services as uvicorn
subprocesses, waits for each ``/health`` and stops all four together: on Ctrl-C or SIGTERM,
or as soon as one of them dies (then with a non-zero exit code)."""

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import TextIO

import httpx

from shared.settings import (
    DemandSettings,
    FinanceSettings,
    GatewaySettings,
    ServiceSettings,
    SupplySettings,
)
from sop.demo import (
    ServiceUrls,
)

# Name, ASGI factory and settings class of each process; ``--base-port`` adds the offset.
PROCESSES: tuple[tuple[str, str, type[ServiceSettings], int], ...] = (
    ("gateway", "gateway.main:create_app", GatewaySettings, 0),
    ("demand", "services.demand.main:create_app", DemandSettings, 1),
    ("supply", "services.supply.main:create_app", SupplySettings, 2),
    ("finance", "services.finance.main:create_app", FinanceSettings, 3),
)
UPSTREAMS = ("demand", "supply", "finance")
KEEP_ALIVE_SECONDS: int = ServiceSettings.model_fields["keep_alive_seconds"].default


@dataclass(frozen=True)
class ServiceSpec:
    """One process to run: its ASGI factory, where it listens, the env it needs on top."""

    name: str
    factory: str
    host: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    # uvicorn's idle-connection timeout: longer than its clients keep connections idle.
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS

    @property
    def url(self) -> str:
        # A wildcard bind address is not a destination; reach it on loopback.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            self.factory,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--timeout-graceful-shutdown",
            "5",
            "--timeout-keep-alive",
            str(self.keep_alive_seconds),
        ]


def local_services(
    *,
    host: str | None = None,
    ports: Mapping[str, int] | None = None,
    database_urls: Mapping[str, str] | None = None,
) -> list[ServiceSpec]:
    """The four processes on one machine, wired to each other.

    Host, ports and database URLs default to each settings class (so ``SOP_*`` variables
    apply); the gateway is always pointed at the three services actually started.
    """
    specs = []
    for name, factory, settings_class, _offset in PROCESSES:
        settings = settings_class()
        prefix = settings_class.model_config.get("env_prefix", "")
        spec_host = host or settings.host
        port = (ports or {}).get(name, settings.port)
        env = {f"{prefix}HOST": spec_host, f"{prefix}PORT": str(port)}
        if database_urls and name in database_urls:
            env[f"{prefix}DATABASE_URL"] = database_urls[name]
        specs.append(
            ServiceSpec(
                name=name,
                factory=factory,
                host=spec_host,
                port=port,
                env=env,
                keep_alive_seconds=settings.keep_alive_seconds,
            )
        )
    upstreams = upstream_urls(specs)
    wiring = {f"SOP_GATEWAY_{name.upper()}_URL": getattr(upstreams, name) for name in UPSTREAMS}
    return [
        replace(spec, env={**spec.env, **wiring}) if spec.name == "gateway" else spec
        for spec in specs
    ]


def upstream_urls(specs: Sequence[ServiceSpec]) -> ServiceUrls:
    urls = {spec.name: spec.url for spec in specs}
    return ServiceUrls(demand=urls["demand"], supply=urls["supply"], finance=urls["finance"])


class ServiceFailed(RuntimeError):
    """A process exited or never became healthy; the message ends with its log's tail."""


class Supervisor:
    """Starts processes, waits for their health, and stops them all together.

    Use as a context manager: leaving the block (normally, on an exception or on Ctrl-C)
    terminates every process, waits, and kills those still running after a timeout.
    """

    def __init__(
        self, specs: Sequence[ServiceSpec], *, log_dir: Path, stop_timeout: float = 10.0
    ) -> None:
        self.specs = list(specs)
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[TextIO] = []

    def __enter__(self) -> "Supervisor":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.specs:
            log = self.log_path(spec.name).open("w")
            self._logs.append(log)
            self.processes[spec.name] = subprocess.Popen(
                spec.command(),
                env={**os.environ, **spec.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: a terminal's Ctrl-C reaches only the supervisor, which
                # then stops every child in order.
                start_new_session=True,
            )

    def wait_healthy(self, *, timeout: float = 90.0) -> None:
        """Block until every process answers 200 on ``/health``; raise if one dies or hangs."""
        deadline = time.monotonic() + timeout
        waiting = {spec.name: f"{spec.url}/health" for spec in self.specs}
        with httpx.Client(timeout=2.0) as client:
            while waiting:
                self.raise_if_exited()
                for name, url in list(waiting.items()):
                    try:
                        if client.get(url).status_code == 200:
                            del waiting[name]
                    except httpx.HTTPError:
                        pass
                if waiting and time.monotonic() > deadline:
                    name = sorted(waiting)[0]
                    raise ServiceFailed(
                        f"{name} did not become healthy in {timeout:.0f} s{self._tail(name)}"
                    )
                if waiting:
                    time.sleep(0.2)

    def raise_if_exited(self) -> None:
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                raise ServiceFailed(f"{name} exited with code {code}{self._tail(name)}")

    def watch(self, *, poll_seconds: float = 0.5) -> None:
        """Block while every process runs; raise ``ServiceFailed`` when one exits."""
        while True:
            self.raise_if_exited()
            time.sleep(poll_seconds)

    def stop(self) -> None:
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        try:
            for process in running:
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            # Past the timeout, or on a second Ctrl-C, nothing is left running.
            for process in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            for log in self._logs:
                log.close()
            self._logs.clear()

    def _tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        text = path.read_text(errors="replace") if path.exists() else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"; last lines of {path}:\n{tail}" if tail else ""
