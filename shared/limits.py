"""Request body size limit, as pure ASGI middleware: it counts each chunk as the app reads it
and answers before the app has the body (FastAPI reads a whole body before any dependency,
authentication included, runs)."""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response


class BodySizeLimit:
    """Answer 413 problem+json to a request whose body exceeds ``max_bytes``.

    A Content-Length over the limit is refused before the app runs, so the body is never read.
    A body that streams past the limit (chunked, or longer than declared) is cut off there:
    the 413 goes out at once, and the app's next read sees the client gone
    (``http.disconnect``, as after any complete response), so it stops and whatever it
    answers is dropped.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdecimal() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = answered = False

        async def counted_receive() -> Message:
            nonlocal received, answered
            if received > self.max_bytes:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Once the app's own response has begun, cutting the body off is all we can do.
                    if not started:
                        answered = True
                        await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            status=413,
            code="content-too-large",
            detail=f"The request body exceeds the limit of {self.max_bytes} bytes.",
            instance=scope.get("path"),
            extra={"max_body_bytes": self.max_bytes},
            # The rest of the body is not read: the connection cannot carry another request.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
