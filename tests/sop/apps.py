"""Tiny ASGI apps for the supervisor's tests, run by uvicorn in child processes: plain ASGI
(no framework), so a child starts fast."""

import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

EXIT_CODE = 3
LIFETIME_SECONDS = 0.8
AFTER_FIRST_REQUEST_SECONDS = 0.3


def _exit_in(seconds: float) -> None:
    timer = threading.Timer(seconds, os._exit, args=(EXIT_CODE,))
    timer.daemon = True
    timer.start()


def _app(*, on_request: Callable[[], None] = lambda: None) -> Asgi:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"status": "ok"}'})
        on_request()

    return app


def healthy_app() -> Asgi:
    """Answers 200 to everything, for as long as it is left running."""
    print("healthy app serving", file=sys.stderr, flush=True)
    return _app()


def short_lived_app() -> Asgi:
    """Answers 200, but exits (code 3) 0.3 s after its first request, or 0.8 s after it
    started when nobody calls it: healthy for the supervisor's wait, then dead."""
    print("short-lived app serving", file=sys.stderr, flush=True)
    _exit_in(LIFETIME_SECONDS)
    answered: list[bool] = []

    def after_request() -> None:
        if not answered:
            answered.append(True)
            _exit_in(AFTER_FIRST_REQUEST_SECONDS)

    return _app(on_request=after_request)
