"""Per-caller limits on expensive calls (a solve, a reconcile, a statistical baseline).

Each caller (the token's subject) may have at most ``expensive_calls_concurrent`` of one
kind of call in flight and make ``expensive_calls_per_minute`` of them in any moving
minute; beyond either, the call is answered ``429`` problem+json with ``Retry-After``
before any work starts. The window is counted by ``limits`` (moving window, in memory: per
process, which is what a CPU-bound call protects).
"""

import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from shared.auth import current_principal
from shared.errors import DomainError

THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many calls of this kind of yours at once or this minute: retry "
        "after the Retry-After seconds"
    }
}
"""The answer a throttled route adds to its OpenAPI responses."""


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class Gate:
    """The limits of one kind of call, per caller."""

    def __init__(self, *, name: str, per_minute: int, concurrent: int) -> None:
        self.name = name
        self.concurrent = concurrent
        self._rate = RateLimitItemPerMinute(per_minute)
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self._in_flight: Counter[str] = Counter()

    @asynccontextmanager
    async def admit(self, caller: str) -> AsyncIterator[None]:
        if self._in_flight[caller] >= self.concurrent:
            raise TooManyRequests(
                f"at most {self.concurrent} {self.name} call(s) of yours may run at once",
                retry_after=1,
            )
        if not self._window.hit(self._rate, self.name, caller):
            reset_at, _ = self._window.get_window_stats(self._rate, self.name, caller)
            raise TooManyRequests(
                f"at most {self._rate.amount} {self.name} calls of yours a minute",
                retry_after=max(1, math.ceil(reset_at - time.time())),
            )
        self._in_flight[caller] += 1
        try:
            yield
        finally:
            self._in_flight[caller] -= 1


def gate_of(app: FastAPI, name: str) -> Gate:
    """The app's gate for ``name``, made on first use from the app's settings."""
    gates: dict[str, Gate] | None = getattr(app.state, "throttle_gates", None)
    if gates is None:
        gates = app.state.throttle_gates = {}
    if name not in gates:
        settings = app.state.settings
        gates[name] = Gate(
            name=name,
            per_minute=settings.expensive_calls_per_minute,
            concurrent=settings.expensive_calls_concurrent,
        )
    return gates[name]


def throttled(name: str) -> Callable[[Request], AsyncIterator[None]]:
    """A route dependency admitting the authenticated caller through the gate ``name``."""

    async def admit(request: Request) -> AsyncIterator[None]:
        caller = current_principal(request).subject
        async with gate_of(request.app, name).admit(caller):
            yield

    return admit
