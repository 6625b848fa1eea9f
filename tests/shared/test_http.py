"""The upstream clients against servers that close idle connections: keep-alive shorter than
the server's, and one retry of an idempotent request that met a connection being closed."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from gateway.main import create_app as create_gateway
from shared.errors import UpstreamFailed
from shared.http import UPSTREAM_KEEPALIVE_SECONDS, make_client, send
from shared.settings import DemandSettings, GatewaySettings
from sop.supervisor import local_services

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class IdleClosingServer:
    """An HTTP/1.1 server on loopback that answers the first ``answers`` requests of each
    connection and keeps the connection; the next request on it meets the server's idle
    timer firing: the connection is closed (``reset``: aborted) without an answer.
    ``answers=0`` closes every connection at its first request, ``None`` never closes."""

    reset: bool = False
    answers: int | None = 1
    connections: int = 0
    requests: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                lengths = [ln[15:] for ln in lines if ln.lower().startswith("content-length:")]
                await reader.readexactly(int(lengths[0]) if lengths else 0)
                self.requests.append(lines[0].split(" ")[0])
                if self.answers is not None and served >= self.answers:
                    if self.reset:
                        writer.transport.abort()
                    else:
                        writer.close()
                    return
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: 2\r\n\r\n{}"
                )
                await writer.drain()
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


@asynccontextmanager
async def serving(server: IdleClosingServer) -> AsyncIterator[str]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield f"http://127.0.0.1:{server.port}"
        listener.close()


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_a_get_on_a_connection_the_server_closed_is_sent_again_on_a_new_one(
    reset: bool,
) -> None:
    server = IdleClosingServer(reset=reset)
    async with serving(server) as url, make_client(url) as client:
        assert (await send(client, "GET", "/families")).json() == {}
        answer = await send(client, "GET", "/families")
    assert answer.status_code == 200
    # The second GET met the closing connection, then went out once more on a new one.
    assert server.requests == ["GET", "GET", "GET"]
    assert server.connections == 2


async def test_a_post_on_a_connection_the_server_closed_is_not_sent_again() -> None:
    server = IdleClosingServer()
    async with serving(server) as url, make_client(url) as client:
        await send(client, "POST", "/reconcile", json={})
        with pytest.raises(UpstreamFailed, match="unreachable") as failure:
            await send(client, "POST", "/reconcile", json={})
    assert isinstance(failure.value.__cause__, httpx.RemoteProtocolError)
    assert server.requests == ["POST", "POST"]


async def test_a_get_that_fails_on_a_new_connection_is_not_sent_again() -> None:
    server = IdleClosingServer(answers=0)
    async with serving(server) as url, make_client(url) as client:
        with pytest.raises(UpstreamFailed):
            await send(client, "GET", "/families")
    assert server.requests == ["GET"]


async def test_an_idle_connection_is_forgotten_after_the_client_keep_alive() -> None:
    server = IdleClosingServer()
    async with serving(server) as url, make_client(url, keepalive_seconds=0.2) as client:
        await send(client, "GET", "/families")
        await asyncio.sleep(0.4)
        # Expired in the client's pool: a new connection, the server's timer never raced.
        await send(client, "GET", "/families")
    assert server.requests == ["GET", "GET"]
    assert server.connections == 2


async def test_the_gateway_keeps_upstream_connections_as_its_settings_say() -> None:
    server = IdleClosingServer(answers=None)
    async with serving(server) as url:
        settings = GatewaySettings(
            database_url="sqlite://", demand_url=url, upstream_keepalive_seconds=0.3
        )
        app = create_gateway(settings)
        async with app.router.lifespan_context(app):
            demand = app.state.gateway.upstreams.demand
            await demand.health()
            await asyncio.sleep(0.05)
            await demand.health()  # idle 0.05 s: the same connection
            assert server.connections == 1
            await asyncio.sleep(0.5)
            await demand.health()  # idle 0.5 s: forgotten, a new one
            assert server.connections == 2


def test_the_clients_forget_idle_connections_before_the_services_close_them() -> None:
    """The gateway keeps an idle upstream connection less long than the services' uvicorn
    keeps it open, by default and as ``sop up`` starts them."""
    assert GatewaySettings().upstream_keepalive_seconds == UPSTREAM_KEEPALIVE_SECONDS
    service_keep_alive = DemandSettings().keep_alive_seconds
    assert service_keep_alive > UPSTREAM_KEEPALIVE_SECONDS
    for spec in local_services():
        command = spec.command()
        timeout = int(command[command.index("--timeout-keep-alive") + 1])
        assert timeout == service_keep_alive > UPSTREAM_KEEPALIVE_SECONDS
