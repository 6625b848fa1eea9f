"""The problems the cycle answers besides the shared ones: closed gates, and stale or missing
versions (``shared.concurrency``'s, re-exported here)."""

from typing import Any

from shared.concurrency import PreconditionRequired, VersionConflict
from shared.errors import Conflict, FieldError

__all__ = ["GateClosed", "PreconditionRequired", "VersionConflict"]


class GateClosed(Conflict):
    """A transition the process forbids in the cycle's current state (409), naming the gate."""

    code = "gate-closed"

    def __init__(
        self,
        gate: str,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            f"gate '{gate}': {detail}", errors=errors or (), extra={"gate": gate, **(extra or {})}
        )
        self.gate = gate
