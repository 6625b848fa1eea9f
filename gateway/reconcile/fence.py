"""The time fence: the near-term months of the last approved plan are frozen.

The first ``SOP_GATEWAY_TIME_FENCE_MONTHS`` months of a reconcile's horizon hold each
family's production at the value of the approved consensus plan (production bounds of the
problem, ``FamilyInput.fixed_production``), unless the request releases that family-month
with a stated reason (``fence_overrides``). Released months are free to move.
"""

from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from gateway.plans.models import (
    ConsensusFamilyLine,
    ConsensusPlan,
    ConsensusStatus,
    FenceRelease,
)
from shared.errors import FieldError, ValidationFailed

from .models import FenceOverride

FenceCell = tuple[str, str]  # (family, period)


def fenced_cells(
    *, periods: Sequence[str], fence_months: int, approved: Mapping[FenceCell, float]
) -> set[FenceCell]:
    """The family-months inside the fence: the horizon's first ``fence_months`` months that
    the approved plan planned for the family. A family or month it did not plan is free."""
    near = set(periods[:fence_months])
    return {cell for cell in approved if cell[1] in near}


def fixed_production(
    *,
    families: Sequence[str],
    periods: Sequence[str],
    fenced: set[FenceCell],
    approved: Mapping[FenceCell, float],
    released: set[FenceCell],
) -> dict[str, list[float | None]]:
    """Per family with a fenced month, production per period: the approved value in a fenced
    month not released, None (free) elsewhere."""
    fixed: dict[str, list[float | None]] = {}
    for family in families:
        row = [
            approved[(family, period)]
            if (family, period) in fenced and (family, period) not in released
            else None
            for period in periods
        ]
        if any(value is not None for value in row):
            fixed[family] = row
    return fixed


def check_overrides(
    overrides: Sequence[FenceOverride], *, fenced: set[FenceCell], location: str
) -> set[FenceCell]:
    """The released cells; 422 naming each override that is outside the fence or repeated."""
    errors: list[FieldError] = []
    released: set[FenceCell] = set()
    for index, override in enumerate(overrides):
        cell = (override.family_code, override.period)
        if cell not in fenced:
            errors.append(
                FieldError(
                    field=f"{location}.fence_overrides.{index}.period",
                    reason=f"{override.family_code} in {override.period} is not inside the time "
                    "fence of the approved plan; it is free to change",
                )
            )
        elif cell in released:
            errors.append(
                FieldError(
                    field=f"{location}.fence_overrides.{index}",
                    reason=f"{override.family_code} in {override.period} is released twice",
                )
            )
        released.add(cell)
    if errors:
        raise ValidationFailed(f"{len(errors)} fence override(s) are invalid", errors=errors)
    return released


def approved_production(session: Session) -> dict[FenceCell, float]:
    """Production per family and month of the approved consensus plan (none: empty)."""
    plan_id = session.exec(
        select(ConsensusPlan.id).where(col(ConsensusPlan.status) == ConsensusStatus.approved)
    ).first()
    if plan_id is None:
        return {}
    lines = session.exec(
        select(ConsensusFamilyLine).where(col(ConsensusFamilyLine.plan_id) == plan_id)
    ).all()
    return {(line.family_code, line.period): line.production for line in lines}


def record_releases(
    session: Session,
    *,
    plan_id: int,
    overrides: Sequence[FenceOverride],
    approved: Mapping[FenceCell, float],
) -> None:
    """Keep the fence overrides a plan was reconciled with (checked: each inside the fence),
    with the approved production each released: the changes inside the time fence."""
    session.add_all(
        FenceRelease(
            plan_id=plan_id,
            family_code=override.family_code,
            period=override.period,
            reason=override.reason,
            held_production=approved[(override.family_code, override.period)],
        )
        for override in overrides
    )
    session.flush()
