"""Rules of the cycle: when a step is late and when that is announced; at the executive step,
who may close an escalation item (delegation), and which decisions cannot hold together.

Lateness. A step is late by the whole days between its due date and the day it was done, or
today while it is not done (all of the due day counts, UTC). ``step.late`` is announced once
a step: the first time it is seen late while still open (the overdue sweep), or when it is
completed late without having been announced.

Delegation: most issues should be settled below the executive meeting. An item may be
closed by a role when a row of ``DELEGATIONS`` for that role covers the item's kind, the
item is no more severe than the row's ``max_severity``, and the chosen option moves the
plan's margin by at most ``max_money`` (either way) and gives up at most
``max_service_points`` of fill rate in any segment. Overrides (a decision of one's own) and
everything above every row go to the executive sponsor, who may decide any item.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.solver.changes import AcceptPlan, PlanChange, conflicts
from gateway.solver.solution import EscalationKind, Option, Severity
from shared.auth import Role


def days_late(*, due: dt.date, done_on: dt.date | None, as_of: dt.date) -> int:
    """Whole days past the due date: to the day it was done, or to ``as_of`` while not done."""
    return max(0, ((done_on or as_of) - due).days)


def announce_late(
    *, due: dt.date, done_on: dt.date | None, as_of: dt.date, announced: bool
) -> bool:
    """Whether ``step.late`` is sent now: the step is late and has not been announced."""
    return not announced and days_late(due=due, done_on=done_on, as_of=as_of) > 0


_SEVERITY_RANK = {Severity.low: 0, Severity.medium: 1, Severity.high: 2, Severity.critical: 3}


@dataclass(frozen=True)
class Delegation:
    """What ``role`` may close without the executive."""

    role: Role
    kinds: frozenset[EscalationKind]
    max_severity: Severity
    max_money: float
    max_service_points: float


DELEGATIONS: tuple[Delegation, ...] = (
    Delegation(
        role=Role.supply_planner,
        kinds=frozenset({EscalationKind.resource_overload, EscalationKind.safety_stock_breach}),
        max_severity=Severity.medium,
        max_money=25_000.0,
        max_service_points=0.005,
    ),
    Delegation(
        role=Role.process_owner,
        kinds=frozenset(
            {
                EscalationKind.service_below_target,
                EscalationKind.resource_overload,
                EscalationKind.safety_stock_breach,
                EscalationKind.aop_gap,
                EscalationKind.forecast_bias,
            }
        ),
        max_severity=Severity.medium,
        max_money=100_000.0,
        max_service_points=0.01,
    ),
)
DELEGATED_ROLES = frozenset(row.role for row in DELEGATIONS)


def service_given_up(option: Option) -> float:
    """The most fill-rate points the option loses in any segment (0 when none loses)."""
    return max([0.0, *(-delta for delta in option.fill_rate_delta.values())])


def covers(row: Delegation, *, kind: EscalationKind, severity: Severity, option: Option) -> bool:
    """Whether ``row`` lets its role close an item of ``kind`` and ``severity`` with
    ``option`` (see the module docstring)."""
    return (
        kind in row.kinds
        and _SEVERITY_RANK[severity] <= _SEVERITY_RANK[row.max_severity]
        and abs(option.margin_delta) <= row.max_money
        and service_given_up(option) <= row.max_service_points
    )


def authority(
    roles: Iterable[Role], *, kind: EscalationKind, severity: Severity, option: Option | None
) -> Role | None:
    """The role under which a caller holding ``roles`` may decide the item: the executive
    sponsor always; a delegated role when a row covers the chosen option (``option`` None
    is an override: the executive's alone); None when nobody the caller is may."""
    held = set(roles)
    if Role.executive_sponsor in held:
        return Role.executive_sponsor
    if option is None:
        return None
    for row in DELEGATIONS:
        if row.role in held and covers(row, kind=kind, severity=severity, option=option):
            return row.role
    return None


def effective(changes: Sequence[PlanChange]) -> list[PlanChange]:
    """The changes that change something (accepting the plan changes nothing)."""
    return [change for change in changes if not isinstance(change, AcceptPlan)]


@dataclass(frozen=True)
class DecisionConflict:
    """Two decisions (by their owners' keys) whose changes cannot hold together."""

    first: int
    second: int
    reason: str


def conflicting_decisions(
    decisions: Sequence[tuple[int, Sequence[PlanChange]]],
) -> list[DecisionConflict]:
    """Pairs of decisions (key, changes) with a change of one pinning what a change of the
    other pins to another value (``gateway.solver.changes.conflicts``); each pair once.
    Changes within one decision are its own business (applied in order)."""
    owners: list[int] = []
    flat: list[PlanChange] = []
    for key, changes in decisions:
        owners += [key] * len(changes)
        flat += changes
    found: dict[tuple[int, int], str] = {}
    for pair in conflicts(flat):
        first, second = owners[pair.first], owners[pair.second]
        if first != second:
            found.setdefault((min(first, second), max(first, second)), pair.reason)
    return [DecisionConflict(a, b, reason) for (a, b), reason in sorted(found.items())]
