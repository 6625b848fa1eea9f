"""``sop up``'s process supervisor: it starts the gateway and the three services as uvicorn
subprocesses, waits for each ``/health``, starts one that dies again (with exponential
backoff, ``next_restart``), keeps their logs (appended, rotated by size) and stops all four
together: on Ctrl-C or SIGTERM, or when one keeps failing (then with a non-zero exit code)."""

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

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


@dataclass(frozen=True)
class RestartPolicy:
    """How a process that dies is started again (``next_restart``)."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    """Up this long, a process is sound again: its next failure starts the count over."""
    max_quick_failures: int = 5


def next_restart(
    *, policy: RestartPolicy, failures: int, uptime: float
) -> tuple[int, float | None]:
    """The count of quick failures after a process exited, having run ``uptime`` seconds
    after ``failures`` quick failures in a row, and the seconds to wait before starting it
    again, or ``None``: give up.

    The rule: an exit within ``stable_after`` seconds of the start is one more quick failure;
    a process that stayed up longer starts the count over (this exit is its first). The n-th
    failure in a row waits ``first_delay * 2 ** (n - 1)`` seconds, at most ``max_delay``
    (1, 2, 4, 8, 16, 30, 30... s by default); past ``max_quick_failures`` in a row, the
    process is failing for a reason a restart will not fix.
    """
    count = 1 if uptime >= policy.stable_after else failures + 1
    if count > policy.max_quick_failures:
        return count, None
    return count, min(policy.max_delay, policy.first_delay * 2 ** (count - 1))


class RotatingLog:
    """A process's log file, appended to (a restart never loses what was there) and rotated
    by size: a write that would take it past ``max_bytes`` first renames it ``<name>.1``
    (``.1`` becomes ``.2``..., the oldest beyond ``backups`` is removed)."""

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._file: BinaryIO = path.open("ab")
        self._size = self._file.tell()

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._file.closed:
                return
            if self._size and self._size + len(data) > self.max_bytes:
                self._rotate()
            self._file.write(data)
            self._file.flush()
            self._size += len(data)

    def note(self, message: str) -> None:
        """A line of the supervisor's own in the log (a restart, a give-up)."""
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.write(f"[sop up {stamp}] {message}\n".encode())

    def backup(self, index: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{index}")

    def _rotate(self) -> None:
        self._file.close()
        if self.backups:
            self.backup(self.backups).unlink(missing_ok=True)
            for index in range(self.backups - 1, 0, -1):
                if self.backup(index).exists():
                    self.backup(index).rename(self.backup(index + 1))
            self.path.rename(self.backup(1))
        else:
            self.path.unlink(missing_ok=True)
        self._file = self.path.open("ab")
        self._size = 0

    def close(self) -> None:
        with self._lock:
            self._file.close()


@dataclass
class _Child:
    """A running (or waiting to restart) process and its record."""

    spec: ServiceSpec
    log: RotatingLog
    process: subprocess.Popen[bytes] | None = None
    reader: threading.Thread | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


def _echo(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Supervisor:
    """Starts processes, waits for their health, restarts one that dies, and stops them all
    together.

    Each process writes to ``<log_dir>/<name>.log`` through a pipe the supervisor drains, so
    the log is appended to and rotated by size (``log_max_bytes``, ``log_backups``). Use as a
    context manager: leaving the block (normally, on an exception or on Ctrl-C) terminates
    every process, waits, and kills those still running after a timeout.
    """

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        *,
        log_dir: Path,
        stop_timeout: float = 10.0,
        policy: RestartPolicy | None = None,
        log_max_bytes: int = 10 * 1024 * 1024,
        log_backups: int = 3,
        notify: Callable[[str], None] = _echo,
    ) -> None:
        self.specs = list(specs)
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.policy = policy or RestartPolicy()
        self.log_max_bytes = log_max_bytes
        self.log_backups = log_backups
        self.notify = notify
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._children: dict[str, _Child] = {}

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
            log = RotatingLog(
                self.log_path(spec.name), max_bytes=self.log_max_bytes, backups=self.log_backups
            )
            child = self._children[spec.name] = _Child(spec=spec, log=log)
            self._launch(child)

    def _launch(self, child: _Child) -> None:
        process = subprocess.Popen(
            child.spec.command(),
            env={**os.environ, **child.spec.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Own process group: a terminal's Ctrl-C reaches only the supervisor, which
            # then stops every child in order.
            start_new_session=True,
        )
        assert process.stdout is not None
        child.reader = threading.Thread(
            target=_drain,
            args=(process.stdout, child.log),
            name=f"log-{child.spec.name}",
            daemon=True,
        )
        child.reader.start()
        child.process = process
        child.started_at = time.monotonic()
        child.restart_at = None
        self.processes[child.spec.name] = process

    def wait_healthy(self, *, timeout: float = 90.0) -> None:
        """Block until every process answers 200 on ``/health``; raise if one dies or hangs
        (a process that cannot start is misconfigured: it is not restarted)."""
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
        """Block while the processes run: one that exits is started again after a delay
        (``next_restart``); raise ``ServiceFailed`` when one keeps failing."""
        while True:
            self.tend()
            time.sleep(poll_seconds)

    def tend(self) -> None:
        """One round of ``watch``: start again what is due, schedule a restart of what
        exited, raise ``ServiceFailed`` for a process that keeps failing."""
        now = time.monotonic()
        for name, child in self._children.items():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    child.log.note(f"starting {name} again (restart {child.restarts})")
                    self._launch(child)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                continue
            uptime = now - child.started_at
            child.quick_failures, delay = next_restart(
                policy=self.policy, failures=child.quick_failures, uptime=uptime
            )
            if delay is None:
                times = child.quick_failures
                message = (
                    f"{name} exited with code {code}, failing {times} time{'s' * (times > 1)} "
                    f"in a row within {self.policy.stable_after:g} s of its start: gave up"
                )
                child.log.note(message)
                raise ServiceFailed(f"{message}{self._tail(name)}")
            message = (
                f"{name} exited with code {code} after {uptime:.1f} s; starting it again in "
                f"{delay:g} s (quick failure {child.quick_failures} of at most "
                f"{self.policy.max_quick_failures})"
            )
            child.log.note(message)
            self.notify(message)
            child.restart_at = now + delay

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
            for child in self._children.values():
                child.restart_at = None
                self._drained(child)
                child.log.close()

    def _drained(self, child: _Child, timeout: float = 5.0) -> None:
        """Wait until the exited process's output is all in its log."""
        if child.reader is not None:
            child.reader.join(timeout)

    def _tail(self, name: str, lines: int = 30) -> str:
        child = self._children.get(name)
        if child is not None and child.process is not None and child.process.poll() is not None:
            self._drained(child)
        path = self.log_path(name)
        text = path.read_text(errors="replace") if path.exists() else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"; last lines of {path}:\n{tail}" if tail else ""


def _drain(pipe: IO[bytes], log: RotatingLog) -> None:
    """Copy a process's output into its log, line by line, until the process closes it."""
    with pipe:
        for line in iter(pipe.readline, b""):
            log.write(line)
