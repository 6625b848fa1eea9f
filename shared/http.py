"""Async HTTP clients for calls between services: timeouts, connection retries, paging."""

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import httpx
from asgi_correlation_id.context import correlation_id

from shared.errors import UpstreamFailed
from shared.observability import REQUEST_ID_HEADER

PAGE_SIZE = 5000

# The caller's credentials, forwarded on every upstream call made while serving its request,
# so each service enforces its own rights on the real user (set by the gateway per request).
forwarded_authorization: ContextVar[str | None] = ContextVar(
    "forwarded_authorization", default=None
)


async def _forward_caller(request: httpx.Request) -> None:
    value = forwarded_authorization.get()
    if value and "authorization" not in request.headers:
        request.headers["Authorization"] = value
    # One id follows a request through every process it reaches (shared.observability).
    request_id = correlation_id.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def make_client(
    base_url: str,
    *,
    timeout_seconds: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One long-lived client per upstream service (created in the app's lifespan).

    ``transport`` replaces the network (e.g. ``httpx.ASGITransport`` to an in-process app).
    """
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_seconds, connect=5.0),
        transport=transport or httpx.AsyncHTTPTransport(retries=2),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        event_hooks={"request": [_forward_caller]},
    )


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
) -> Any:
    """Call an upstream and return its JSON; any failure becomes an ``UpstreamFailed``."""
    return (await send(client, method, path, params=params, json=json)).json()


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Call an upstream and return its successful response (for its headers too, e.g. an
    ETag); any failure becomes an ``UpstreamFailed``."""
    service = str(client.base_url)
    try:
        response = await client.request(method, path, params=params, json=json, headers=headers)
    except httpx.HTTPError as exc:
        raise UpstreamFailed(f"{service}{path} is unreachable: {exc!r}") from exc
    if response.status_code >= 400:
        raise UpstreamFailed(
            f"{service}{path} answered {response.status_code}",
            extra={"upstream_status": response.status_code, "upstream_body": _body(response)},
        )
    return response


async def fetch_all(
    client: httpx.AsyncClient, path: str, *, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paginated list endpoint (``limit``/``offset``), page by page."""
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await request_json(
            client, "GET", path, params={**(params or {}), "limit": PAGE_SIZE, "offset": offset}
        )
        items.extend(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return items


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
