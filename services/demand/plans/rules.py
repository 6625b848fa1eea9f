"""The roll's rule: which inputs of a plan still act on a horizon moved forward. Pure."""

from shared.contracts.demand import InputKind

# Kinds whose effect never ends: a launch keeps its volume after the ramp, a phase-out
# keeps its family at zero after the end-of-life month (``consensus.rules``, layer 4).
OPEN_ENDED = frozenset({InputKind.launch, InputKind.phase_out})


def last_acting_month(*, kind: InputKind, period_from: str, period_to: str | None) -> str | None:
    """The last month an input moves demand in, None when it acts for ever: an override,
    delta or marketing event acts from ``period_from`` through ``period_to`` (or that one
    month without it); a launch or a phase-out acts for ever."""
    if kind in OPEN_ENDED:
        return None
    return period_to or period_from


def still_acts(*, kind: InputKind, period_from: str, period_to: str | None, start: str) -> bool:
    """An input is carried into a horizon starting at ``start`` when it acts on ``start`` or
    later; one whose last acting month is before ``start`` has ended and drops out."""
    last = last_acting_month(kind=kind, period_from=period_from, period_to=period_to)
    return last is None or last >= start
