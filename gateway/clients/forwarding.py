"""Forward the caller's credentials on every upstream call made for its request.

Each service enforces its own write and read rights; the gateway must not call them with
rights of its own. This ASGI middleware puts the request's ``Authorization`` header in
``shared.http.forwarded_authorization``, which the upstream clients add to each call.
It is plain ASGI (not ``BaseHTTPMiddleware``) so the endpoint, its DataLoader tasks and
its worker threads all run in the context where the value is set.
"""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http import forwarded_authorization


class ForwardAuthorization:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = forwarded_authorization.set(Headers(scope=scope).get("authorization"))
        try:
            await self.app(scope, receive, send)
        finally:
            forwarded_authorization.reset(token)
