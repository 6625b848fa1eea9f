"""The supply-review gate: operations' proposed supply plan may be infeasible (the supply
service's validation names its infeasible lines), but the supply review cannot complete
until every infeasible line carries a documented resolution: a reason, or an escalation item
raised for it (``LineResolution``).

Rules (pure functions):
* ``unresolved_lines``: the infeasible lines (family, period) without a resolution;
* ``stray_resolutions``: resolutions naming no infeasible line (a 422: a resolution documents
  an infeasibility, it is not a note on a feasible line);
* ``escalation_covers``: an escalation item covers a line when its periods include the
  line's period and, when it names families, the line's family.
"""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from gateway.cycle.models import LineResolution
from gateway.cycle.problems import GateClosed
from gateway.cycle.sources import PlanSources
from gateway.plans.models import Escalation
from shared.contracts.supply import InfeasibleLine
from shared.errors import FieldError, ValidationFailed

# A gate's problem lists the unresolved lines; beyond this many, the validation has them all.
LISTED_LINES = 200


def unresolved_lines(
    infeasible: Sequence[InfeasibleLine], resolutions: Sequence[LineResolution]
) -> list[InfeasibleLine]:
    """The infeasible lines no resolution names (by family and period), in their order."""
    resolved = {(r.family_code, r.period) for r in resolutions}
    return [line for line in infeasible if (line.family_code, line.period) not in resolved]


def stray_resolutions(
    infeasible: Sequence[InfeasibleLine], resolutions: Sequence[LineResolution]
) -> list[int]:
    """Positions of the resolutions that name no infeasible line, or repeat one."""
    open_lines = {(line.family_code, line.period) for line in infeasible}
    stray = []
    for index, resolution in enumerate(resolutions):
        key = (resolution.family_code, resolution.period)
        if key in open_lines:
            open_lines.remove(key)
        else:
            stray.append(index)
    return stray


def escalation_covers(
    *, families: Sequence[str], periods: Sequence[str], family_code: str, period: str
) -> bool:
    """An item covers a line when its periods include the line's period and, when it names
    families, the line's family."""
    return period in periods and (not families or family_code in families)


async def check_resolutions(
    sources: PlanSources,
    *,
    supply_plan_id: int,
    resolutions: Sequence[LineResolution],
    location: str,
) -> None:
    """The supply plan's infeasible lines are all resolved (409 naming the others), and each
    resolution names one of them (422 naming the resolution)."""
    validation = await sources.supply_plan_validation(supply_plan_id)
    stray = stray_resolutions(validation.infeasible_lines, resolutions)
    if stray:
        raise ValidationFailed(
            f"{len(stray)} resolution(s) name no infeasible line of supply plan {supply_plan_id}",
            errors=[
                FieldError(
                    field=f"{location}.resolutions.{index}",
                    reason=f"({resolutions[index].family_code}, {resolutions[index].period}) "
                    "is not an infeasible line of the plan, or is resolved twice",
                )
                for index in stray
            ],
        )
    unresolved = unresolved_lines(validation.infeasible_lines, resolutions)
    if unresolved:
        raise GateClosed(
            "supply-plan-infeasibility-resolved",
            f"supply plan {supply_plan_id} has {len(unresolved)} infeasible line(s) without a "
            "resolution: give each a reason or an escalation item in `resolutions`",
            errors=[
                FieldError(
                    field=f"{location}.resolutions",
                    reason=f"{line.family_code} {line.period}: {', '.join(line.kinds)}",
                )
                for line in unresolved[:LISTED_LINES]
            ],
            extra={
                "unresolved_lines": [
                    {"family_code": line.family_code, "period": line.period, "kinds": line.kinds}
                    for line in unresolved[:LISTED_LINES]
                ],
                "unresolved": len(unresolved),
            },
        )


def check_escalations(
    session: Session, *, resolutions: Sequence[LineResolution], location: str
) -> None:
    """Each escalation a resolution names exists and covers its line (422 naming it)."""
    ids = {r.escalation_id for r in resolutions if r.escalation_id is not None}
    if not ids:
        return
    items = {
        item.id: item
        for item in session.exec(select(Escalation).where(col(Escalation.id).in_(ids))).all()
    }
    errors = []
    for index, resolution in enumerate(resolutions):
        if resolution.escalation_id is None:
            continue
        item = items.get(resolution.escalation_id)
        field = f"{location}.resolutions.{index}.escalation_id"
        if item is None:
            errors.append(
                FieldError(field=field, reason=f"no escalation item {resolution.escalation_id}")
            )
            continue
        families = item.families or ([item.family_code] if item.family_code else [])
        if not escalation_covers(
            families=families,
            periods=item.periods,
            family_code=resolution.family_code,
            period=resolution.period,
        ):
            errors.append(
                FieldError(
                    field=field,
                    reason=f"escalation item {item.id} does not cover "
                    f"{resolution.family_code} {resolution.period}",
                )
            )
    if errors:
        raise ValidationFailed("escalation items that resolve no line", errors=errors)
