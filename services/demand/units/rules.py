"""Units of measure: conversion of a family's quantities, and totals that never mix units.

A family's quantities are held in its base unit (``Family.unit``). A conversion says how much
of another unit one base unit is (``per_base_unit``), so a quantity in ``unit`` is the base
quantity times that factor; the base unit converts to itself with factor 1. Hours come from
routings and money from prices: neither is a unit of measure, so no conversion yields them.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping


class MissingConversion(Exception):
    def __init__(self, family_code: str, base_unit: str, unit: str) -> None:
        super().__init__(
            f"family {family_code} is held in {base_unit} and has no conversion to {unit}"
        )
        self.family_code = family_code


def conversion_factor(
    *,
    family_code: str,
    base_unit: str,
    unit: str | None,
    conversions: Mapping[tuple[str, str], float],
) -> float:
    """Multiplier from the family's base unit to ``unit`` (None: the base unit, factor 1).

    Raises ``MissingConversion`` when the family has no conversion to ``unit``."""
    if unit is None or unit == base_unit:
        return 1.0
    factor = conversions.get((family_code, unit))
    if factor is None:
        raise MissingConversion(family_code, base_unit, unit)
    return factor


def totals_by_unit(rows: Iterable[tuple[str, str, float]]) -> dict[str, tuple[float, list[str]]]:
    """Sum (family, unit, quantity) rows per unit: a total only adds quantities of one unit.

    Returns {unit: (total, sorted families in it)}; families held in different units are
    split into one total each, never added together."""
    totals: dict[str, float] = defaultdict(float)
    families: dict[str, set[str]] = defaultdict(set)
    for family_code, unit, quantity in rows:
        totals[unit] += quantity
        families[unit].add(family_code)
    return {unit: (totals[unit], sorted(families[unit])) for unit in sorted(totals)}
