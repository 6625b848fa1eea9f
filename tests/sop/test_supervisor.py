"""The supervisor keeps the processes running: a process that dies is started again with
exponential backoff, one that keeps dying is given up (all stop, exit code 1), and the logs
are appended to and rotated by size."""

import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sop import cli
from sop.supervisor import (
    RestartPolicy,
    RotatingLog,
    ServiceFailed,
    ServiceSpec,
    Supervisor,
    next_restart,
)
from tests.e2e.platform import free_ports, nothing_listens
from tests.sop.apps import EXIT_CODE

POLICY = RestartPolicy(first_delay=1, max_delay=30, stable_after=60, max_quick_failures=5)
# Fast enough for a test: restarts 0.05 s, 0.1 s, 0.2 s apart; given up at the third.
FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, stable_after=30, max_quick_failures=2)


def spec(name: str, factory: str, port: int | None = None) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        factory=f"tests.sop.apps:{factory}",
        host="127.0.0.1",
        port=port or free_ports(1)[0],
    )


def delays(*uptimes: float, policy: RestartPolicy = POLICY) -> list[float | None]:
    """The delays before each restart of a process that ran ``uptimes`` seconds each time."""
    failures, answers = 0, []
    for uptime in uptimes:
        failures, delay = next_restart(policy=policy, failures=failures, uptime=uptime)
        answers.append(delay)
    return answers


def test_quick_failures_double_the_delay_up_to_the_cap_then_give_up() -> None:
    assert delays(1, 1, 1, 1, 1) == [1, 2, 4, 8, 16]
    assert delays(1, 1, 1, 1, 1, 1) == [1, 2, 4, 8, 16, None]
    capped = RestartPolicy(max_delay=5, max_quick_failures=10)
    assert delays(1, 1, 1, 1, 1, policy=capped) == [1, 2, 4, 5, 5]


def test_a_process_that_stayed_up_a_while_starts_the_count_over() -> None:
    # Up 60 s or more: the next failure is a first failure again.
    assert delays(1, 1, 1, 60, 1, 1) == [1, 2, 4, 1, 2, 4]
    assert delays(1, 1, 1, 1, 1, 600, 1) == [1, 2, 4, 8, 16, 1, 2]


def wait_until(condition: object, *, timeout: float = 30.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_process_that_dies_is_started_again_and_the_others_keep_running(
    tmp_path: Path,
) -> None:
    specs = [spec("one", "healthy_app"), spec("two", "healthy_app")]
    notes: list[str] = []
    with Supervisor(specs, log_dir=tmp_path, policy=FAST, notify=notes.append) as supervisor:
        supervisor.wait_healthy(timeout=60)
        one = supervisor.processes["one"]
        killed = supervisor.processes["two"]
        killed.kill()
        killed.wait()

        def restarted() -> bool:
            supervisor.tend()
            return supervisor.processes["two"] is not killed and answers(specs[1].url)

        wait_until(restarted)
        assert supervisor.processes["one"] is one and one.poll() is None
        (note,) = notes
        assert note.startswith("two exited with code -9 after ")
        assert note.endswith("s; starting it again in 0.05 s (quick failure 1 of at most 2)")
    log = (tmp_path / "two.log").read_text()
    # Appended: the first life's lines are still there, then the supervisor's notes.
    assert log.count("healthy app serving") == 2
    assert "two exited with code -9" in log and "starting two again (restart 1)" in log
    assert all(nothing_listens(s.port) for s in specs)


def test_a_process_that_keeps_dying_is_given_up_with_its_log(tmp_path: Path) -> None:
    specs = [spec("steady", "healthy_app"), spec("flaky", "short_lived_app")]
    notes: list[str] = []
    with (
        pytest.raises(ServiceFailed) as failure,
        Supervisor(specs, log_dir=tmp_path, policy=FAST, notify=notes.append) as supervisor,
    ):
        supervisor.watch(poll_seconds=0.05)
    message = str(failure.value)
    assert message.startswith(
        f"flaky exited with code {EXIT_CODE}, failing 3 times in a row within 30 s of its "
        "start: gave up; last lines of"
    )
    assert "short-lived app serving" in message
    assert [note.split("again in ")[1].split(" s")[0] for note in notes] == ["0.05", "0.1"]
    assert (tmp_path / "flaky.log").read_text().count("short-lived app serving") == 3
    assert all(p.poll() is not None for p in supervisor.processes.values())


def test_sop_up_stops_all_and_exits_1_when_a_process_keeps_dying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = free_ports(4)
    specs = [
        spec("gateway", "healthy_app", ports[0]),
        spec("demand", "healthy_app", ports[1]),
        spec("supply", "short_lived_app", ports[2]),
        spec("finance", "healthy_app", ports[3]),
    ]
    monkeypatch.setattr(cli, "local_services", lambda **_: specs)
    monkeypatch.setattr(cli, "Supervisor", partial(Supervisor, policy=FAST))
    result = CliRunner().invoke(cli.app, ["up", "--no-demo", "--log-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "S&OP platform is up" in result.output
    assert "supply exited with code 3 after" in result.output
    assert "error: supply exited with code 3, failing 3 times in a row" in result.output
    assert "stopping the others" in result.output
    assert all(nothing_listens(port) for port in ports)


def test_a_log_is_rotated_by_size_keeping_a_few_files(tmp_path: Path) -> None:
    path = tmp_path / "demand.log"
    path.write_bytes(b"from an earlier run\n")
    log = RotatingLog(path, max_bytes=100, backups=2)
    for index in range(12):
        log.write(f"line {index:02d} {'x' * 30}\n".encode())  # 39 bytes: two fit in a file
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["demand.log", "demand.log.1", "demand.log.2"]
    assert path.read_text().splitlines()[0].startswith("line 10")
    assert (tmp_path / "demand.log.1").read_text().splitlines()[0].startswith("line 08")
    assert all(p.stat().st_size <= 100 for p in tmp_path.iterdir())


def test_a_log_is_appended_to_never_overwritten(tmp_path: Path) -> None:
    for run in ("first", "second"):
        log = RotatingLog(tmp_path / "gateway.log", max_bytes=10_000, backups=3)
        log.write(f"{run} run\n".encode())
        log.close()
    assert (tmp_path / "gateway.log").read_text() == "first run\nsecond run\n"


@dataclass(frozen=True)
class ChattySpec(ServiceSpec):
    """A process that writes 200 lines of 50 bytes and exits."""

    def command(self) -> list[str]:
        code = "for i in range(200): print(f'{i:04d}' + 'x' * 45)"
        return [sys.executable, "-c", code]


def test_a_process_output_goes_to_its_rotated_log(tmp_path: Path) -> None:
    chatty = ChattySpec(name="chatty", factory="-", host="127.0.0.1", port=1)
    supervisor = Supervisor([chatty], log_dir=tmp_path, log_max_bytes=2_000, log_backups=2)
    supervisor.start()
    supervisor.processes["chatty"].wait(timeout=30)
    supervisor.stop()
    logs = [tmp_path / name for name in ("chatty.log.2", "chatty.log.1", "chatty.log")]
    lines = [line for log in logs for line in log.read_text().splitlines()]
    # The last 200 lines' worth that fits in three files of 2,000 bytes (40 lines each).
    assert lines == [f"{i:04d}" + "x" * 45 for i in range(200 - len(lines), 200)]
    assert len(lines) > 80
    assert not (tmp_path / "chatty.log.3").exists()
