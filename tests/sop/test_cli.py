"""The ``sop`` command: wiring of the four processes, and the supervisor's lifecycle on real
subprocesses (start, health, a child that dies, a child that ignores SIGTERM, Ctrl-C)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from sop.cli import app, migrations_of
from sop.supervisor import (
    RestartPolicy,
    ServiceFailed,
    ServiceSpec,
    Supervisor,
    local_services,
)
from tests.e2e.platform import free_port_block, free_ports, nothing_listens, sqlite_urls

SOP = str(Path(sys.executable).with_name("sop"))


def health_app() -> FastAPI:
    """A process that becomes healthy (run by uvicorn in a child process)."""
    application = FastAPI()

    @application.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return application


def broken_app() -> FastAPI:
    raise RuntimeError("the database is unreachable")


def spec(name: str, factory: str) -> ServiceSpec:
    return ServiceSpec(
        name=name, factory=f"{__name__}:{factory}", host="127.0.0.1", port=free_ports(1)[0]
    )


@dataclass(frozen=True)
class StubbornSpec(ServiceSpec):
    """A process that ignores SIGTERM, so only a kill stops it."""

    def command(self) -> list[str]:
        code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
        return [sys.executable, "-c", code]


@pytest.fixture
def no_sop_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in [v for v in os.environ if v.startswith("SOP_")]:
        monkeypatch.delenv(variable)
    yield


def by_name(specs: list[ServiceSpec]) -> dict[str, ServiceSpec]:
    return {s.name: s for s in specs}


def test_the_four_processes_take_their_ports_from_the_settings(no_sop_env: None) -> None:
    specs = by_name(local_services())
    assert {name: s.port for name, s in specs.items()} == {
        "gateway": 8000,
        "demand": 8001,
        "supply": 8002,
        "finance": 8003,
    }
    assert specs["demand"].factory == "services.demand.main:create_app"
    assert specs["gateway"].factory == "gateway.main:create_app"
    gateway_env = specs["gateway"].env
    assert gateway_env["SOP_GATEWAY_DEMAND_URL"] == "http://127.0.0.1:8001"
    assert gateway_env["SOP_GATEWAY_SUPPLY_URL"] == "http://127.0.0.1:8002"
    assert gateway_env["SOP_GATEWAY_FINANCE_URL"] == "http://127.0.0.1:8003"


def test_sop_env_passes_through_and_the_gateway_follows(
    no_sop_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOP_SUPPLY_PORT", "9102")
    specs = by_name(local_services(host="0.0.0.0", database_urls={"demand": "sqlite:///x.db"}))
    assert specs["supply"].port == 9102
    assert specs["supply"].env["SOP_SUPPLY_PORT"] == "9102"
    command = specs["supply"].command()
    assert command[command.index("--port") + 1] == "9102"
    # Bound on every interface, reached on loopback.
    assert specs["gateway"].env["SOP_GATEWAY_SUPPLY_URL"] == "http://127.0.0.1:9102"
    assert specs["demand"].env["SOP_DEMAND_DATABASE_URL"] == "sqlite:///x.db"
    assert "SOP_SUPPLY_DATABASE_URL" not in specs["supply"].env


def test_the_supervisor_waits_for_health_and_stops_everything(tmp_path: Path) -> None:
    specs = [spec("one", "health_app"), spec("two", "health_app")]
    with Supervisor(specs, log_dir=tmp_path) as supervisor:
        supervisor.wait_healthy(timeout=60)
        for s in specs:
            assert httpx.get(f"{s.url}/health").json() == {"status": "ok"}
        processes = list(supervisor.processes.values())
    assert all(p.returncode is not None for p in processes)
    assert all(nothing_listens(s.port) for s in specs)


def test_a_process_that_cannot_start_is_reported_with_its_log(tmp_path: Path) -> None:
    specs = [spec("healthy", "health_app"), spec("broken", "broken_app")]
    with pytest.raises(ServiceFailed) as failure, Supervisor(specs, log_dir=tmp_path) as sup:
        sup.wait_healthy(timeout=60)
    assert "broken exited with code" in str(failure.value)
    assert "the database is unreachable" in str(failure.value)
    assert all(p.returncode is not None for p in sup.processes.values())


def test_watch_gives_up_at_once_when_no_restart_is_allowed(tmp_path: Path) -> None:
    specs = [spec("one", "health_app"), spec("two", "health_app")]
    never = RestartPolicy(max_quick_failures=0)
    with (
        pytest.raises(ServiceFailed, match="two exited with code -9, failing 1 time in a row"),
        Supervisor(specs, log_dir=tmp_path, policy=never) as sup,
    ):
        sup.wait_healthy(timeout=60)
        sup.processes["two"].kill()
        sup.watch(poll_seconds=0.05)
    assert sup.processes["one"].returncode is not None


def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    stubborn = StubbornSpec(name="stubborn", factory="-", host="127.0.0.1", port=1)
    supervisor = Supervisor([stubborn], log_dir=tmp_path, stop_timeout=0.5)
    supervisor.start()
    time.sleep(0.5)  # let it install its SIGTERM handler
    started = time.monotonic()
    supervisor.stop()
    assert supervisor.processes["stubborn"].returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_demo_load_reports_an_unreachable_service_without_a_traceback() -> None:
    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    result = CliRunner().invoke(
        app,
        ["demo", "load", "--demand-url", closed, "--supply-url", closed, "--finance-url", closed],
    )
    assert result.exit_code == 1
    assert "unreachable" in result.output
    assert "Traceback" not in result.output


def ignore_sigint() -> None:
    """As a shell does for the background jobs of a script."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_sop_up(
    tmp_path: Path, base: int, *extra: str, sigint_ignored: bool = False
) -> subprocess.Popen[str]:
    env = {**os.environ}
    for name, url in sqlite_urls(tmp_path).items():
        env[f"SOP_{name.upper()}_DATABASE_URL"] = url
    return subprocess.Popen(
        [SOP, "up", "--base-port", str(base), "--log-dir", str(tmp_path / "log"), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=ignore_sigint if sigint_ignored else None,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "sigint_ignored"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "sigint-in-a-background-job"],
)
def test_sop_up_serves_all_four_and_stops_them_on_a_signal(
    tmp_path: Path, stop: signal.Signals, sigint_ignored: bool
) -> None:
    base = free_port_block(4)
    process = start_sop_up(tmp_path, base, "--no-demo", sigint_ignored=sigint_ignored)
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if "Ctrl-C stops all four" in line:
            break
    assert process.poll() is None, "".join(output)
    for port in range(base, base + 4):
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    process.send_signal(stop)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, "".join(output) + rest
    assert "stopping all four" in rest
    assert all(nothing_listens(port) for port in range(base, base + 4))


@pytest.mark.slow
def test_sop_up_stops_the_others_and_fails_when_one_cannot_start(tmp_path: Path) -> None:
    for name in ("demand", "gateway"):
        (tmp_path / f"{name}.db").write_text("")
    base = free_port_block(4)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 2))  # the supply service's port is taken
        squatter.listen()
        process = start_sop_up(tmp_path, base, "--no-demo", "--reset")
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    assert "supply exited with code" in output
    assert f"deleted {tmp_path / 'demand.db'}" in output
    assert all(nothing_listens(port) for port in (base, base + 1, base + 3))


def test_db_upgrade_migrates_each_process_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, url in sqlite_urls(tmp_path).items():
        monkeypatch.setenv(f"SOP_{name.upper()}_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "upgrade", "supply", "gateway"])
    assert result.exit_code == 0, result.output
    heads = {name: migrations_of(name).head() for name in ("supply", "gateway")}
    assert heads == {"supply": "0004", "gateway": "0013"}  # the newest revisions' numbers
    assert result.output.splitlines() == [f"{name}: at revision {heads[name]}" for name in heads]
    assert {path.name for path in tmp_path.glob("*.db")} == {"supply.db", "gateway.db"}


def test_db_revision_writes_nothing_while_the_models_match_their_revisions() -> None:
    result = CliRunner().invoke(app, ["db", "revision", "finance", "-m", "nothing"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "finance: the models match the newest revision"
    unknown = CliRunner().invoke(app, ["db", "revision", "billing", "-m", "x"])
    assert unknown.exit_code == 2 and "unknown ['billing']" in unknown.output
