"""Who may see, change and promote a scenario, and which changes a promotion takes."""

from collections.abc import Mapping, Sequence

from gateway.solver.changes import AcceptPlan, DemandChange, DemandMove, PlanChange
from gateway.solver.solution import EscalationItem, EscalationKind, Option, Severity
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


def proposal_item(
    *,
    scenario_id: int,
    name: str,
    changes: Sequence[PlanChange],
    rationale: str,
    moved: Mapping[str, float],
) -> EscalationItem:
    """The escalation item a promoted scenario puts before the executive: an
    ``executive_lever`` item, high severity (no delegated role decides it), whose option 0
    carries the scenario's changes and option 1 keeps the recommended plan (accept). No
    option is recommended: the process owner proposes, the executive decides. The money
    deltas are the scenario's last solve against its own base when it was solved (the
    authorisation re-solves them on the plan's problem), else zero: ``moved`` is the
    change of each money total by name (``margin``, ``total_cost``, ``revenue``)."""
    margin, cost = moved.get("margin", 0.0), moved.get("total_cost", 0.0)
    revenue = moved.get("revenue", 0.0)
    kinds = ", ".join(sorted({change.kind for change in changes}))
    return EscalationItem(
        kind=EscalationKind.executive_lever,
        severity=Severity.high,
        title=f"Scenario {scenario_id} proposed: {name}"[:200],
        detail=f"{len(changes)} change(s) ({kinds}) from scenario {scenario_id}: {rationale}",
        amount=margin,
        unit="currency",
        options=[
            Option(
                lever="scenario",
                description=f"apply scenario {scenario_id}'s changes ({kinds})",
                fill_rate_delta={},
                cost_delta=cost,
                margin_delta=margin,
                inventory_delta=0.0,
                revenue_delta=revenue,
                changes=list(changes),
            ),
            Option(
                lever="accept",
                description="keep the recommended plan",
                fill_rate_delta={},
                cost_delta=0.0,
                margin_delta=0.0,
                inventory_delta=0.0,
                changes=[AcceptPlan()],
            ),
        ],
        recommendation="proposed by the process owner from a scenario; the executive decides",
    )
