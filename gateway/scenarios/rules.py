"""Who may see, change and promote a scenario, and which changes a promotion takes."""

from collections.abc import Sequence

from gateway.solver.changes import DemandChange, DemandMove, PlanChange
from shared.auth import Principal, Role

PROMOTERS = frozenset({Role.process_owner})


def can_read(principal: Principal, *, owner: str, shared_with: Sequence[str]) -> bool:
    """The owner reads a scenario, so do the roles it is shared with and the process owner
    (who runs pre-S&OP and may promote any scenario)."""
    return (
        principal.subject == owner
        or principal.has_any(PROMOTERS)
        or principal.has_any(Role(role) for role in shared_with)
    )


def can_write(principal: Principal, *, owner: str) -> bool:
    """Only the owner edits or deletes a scenario; others copy it."""
    return principal.subject == owner


def demand_changes(changes: Sequence[PlanChange]) -> list[int]:
    """Positions of the changes a promotion refuses: demand goes through the demand review
    and its sign-off, never through a supply decision."""
    return [i for i, change in enumerate(changes) if isinstance(change, DemandChange | DemandMove)]
