"""Units of measure of the families: conversions, and the factor a report applies."""

from collections.abc import Iterable

from sqlmodel import Session

from services.demand.families.models import Family
from shared import crud
from shared.contracts.hierarchy import UnitTotal
from shared.crud import EntitySpec, Reference
from shared.errors import ValidationFailed

from . import rules
from .models import UnitConversion

CONVERSIONS = EntitySpec(
    table=UnitConversion,
    key=("family_code", "unit"),
    label="unit conversion",
    references=(Reference("family_code", Family),),
)


def factors(
    session: Session, *, family_codes: Iterable[str], unit: str | None, field: str = "query.unit"
) -> dict[str, tuple[str, float]]:
    """{family: (unit reported, factor from its base unit)}; a 422 naming ``field`` and every
    family that has no conversion to ``unit``."""
    wanted = set(family_codes)
    families = crud.rows_where_in(session, table=Family, column="code", values=wanted)
    conversions = {
        (row.family_code, row.unit.value): row.per_base_unit
        for row in crud.rows_where_in(
            session, table=UnitConversion, column="family_code", values=wanted
        )
    }
    answer: dict[str, tuple[str, float]] = {}
    missing: list[str] = []
    for family in families:
        try:
            factor = rules.conversion_factor(
                family_code=family.code,
                base_unit=family.unit,
                unit=unit,
                conversions=conversions,
            )
        except rules.MissingConversion as exc:
            missing.append(str(exc))
            continue
        answer[family.code] = (unit or family.unit, factor)
    if missing:
        raise ValidationFailed("; ".join(sorted(missing)), field=field)
    return answer


def unit_totals(rows: Iterable[tuple[str, str, float]]) -> list[UnitTotal]:
    return [
        UnitTotal(unit=unit, quantity=round(total, 6), families=families)
        for unit, (total, families) in rules.totals_by_unit(rows).items()
    ]
