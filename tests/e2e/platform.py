"""The four processes started for real, on free ports with throw-away SQLite files, by the
same supervisor as ``sop up``."""

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sop.supervisor import PROCESSES, Supervisor, local_services


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on right now (held together, so they are distinct)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def free_port_block(count: int, *, attempts: int = 50) -> int:
    """The first of ``count`` consecutive free ports (for ``sop up --base-port``)."""
    for _ in range(attempts):
        base = free_ports(1)[0]
        if base + count <= 65536 and all(port_is_free(base + i) for i in range(1, count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports found")


def port_is_free(port: int) -> bool:
    """Whether a server could listen on the port (uvicorn binds with SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def nothing_listens(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def sqlite_urls(directory: Path) -> dict[str, str]:
    return {name: f"sqlite:///{directory / name}.db" for name, *_ in PROCESSES}


@contextmanager
def running_platform(directory: Path) -> Iterator[Supervisor]:
    names = [name for name, *_ in PROCESSES]
    specs = local_services(
        host="127.0.0.1",
        ports=dict(zip(names, free_ports(len(names)), strict=True)),
        database_urls=sqlite_urls(directory),
    )
    with Supervisor(specs, log_dir=directory / "log") as supervisor:
        supervisor.wait_healthy(timeout=120)
        yield supervisor
