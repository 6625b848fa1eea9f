"""The difference between two stored plans: ``diff(plan_a, plan_b)``.

Pure: two whole plans in, one ``PlanDiff`` out, every quantity as (a, b, b - a). Units are
summed over the horizon from the plans' lines (sales, backlog and lost per family/segment,
production and outsourcing per family; inventory is the mean month-end stock); money is
each plan's stored totals, measure by measure; service is each segment's on-time fill rate
and sales; load is each resource's hours, overtime and peak utilisation. Families and
resources appear only where one of their quantities moved by more than ``TOLERANCE``.
"""

from collections import defaultdict
from collections.abc import Iterable

from gateway.solver.solution import Totals

from .models import (
    Change,
    ConsensusPlanPublic,
    FamilyUnitsChange,
    PlanDiff,
    ResourceLoadChange,
    SegmentServiceChange,
)

TOLERANCE = 1e-6


def _change(a: float, b: float) -> Change:
    return Change(a=round(a, 6), b=round(b, 6), delta=round(b - a, 6))


def _moved(changes: Iterable[Change]) -> bool:
    return any(abs(change.delta) > TOLERANCE for change in changes)


def _units(plan: ConsensusPlanPublic) -> dict[str, float]:
    months = max(len(plan.periods), 1)
    return {
        "demand": sum(line.demand for line in plan.lines),
        "sales": sum(line.sales for line in plan.lines),
        "backlog": sum(line.backlog for line in plan.lines),
        "lost": sum(line.lost for line in plan.lines),
        "production": sum(line.production for line in plan.family_lines),
        "outsourced": sum(line.outsourced for line in plan.family_lines),
        "mean_inventory": sum(line.inventory for line in plan.family_lines) / months,
    }


def _families(plan: ConsensusPlanPublic) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in plan.lines:
        found[line.family_code]["sales"] += line.sales
        found[line.family_code]["lost"] += line.lost
    for row in plan.family_lines:
        found[row.family_code]["production"] += row.production
        found[row.family_code]["outsourced"] += row.outsourced
    return found


def _resources(plan: ConsensusPlanPublic) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in plan.resource_lines:
        totals = found[row.resource_code]
        totals["load"] += row.load
        totals["overtime"] += row.overtime
        totals["peak_utilisation"] = max(totals["peak_utilisation"], row.utilisation)
    return found


def money_measures(totals: Totals) -> dict[str, float]:
    """A plan's money measures by name, its planning penalties as ``planning_penalties.*``
    (never part of a margin, shared.money): what a comparison of two plans' money compares."""
    measures = totals.model_dump()
    penalties = measures.pop("planning_penalties", {}) or {}
    return {name: float(value) for name, value in measures.items()} | {
        f"planning_penalties.{name}": float(value) for name, value in penalties.items()
    }


def diff(plan_a: ConsensusPlanPublic, plan_b: ConsensusPlanPublic) -> PlanDiff:
    """Plan b against plan a (see the module docstring)."""
    units_a, units_b = _units(plan_a), _units(plan_b)
    money_a, money_b = money_measures(plan_a.totals), money_measures(plan_b.totals)
    service_a = {row.segment: row for row in plan_a.segments}
    service_b = {row.segment: row for row in plan_b.segments}
    service = []
    for segment in sorted(service_a.keys() | service_b.keys()):
        a, b = service_a.get(segment), service_b.get(segment)
        service.append(
            SegmentServiceChange(
                segment=segment,
                fill_rate=_change(a.fill_rate if a else 0.0, b.fill_rate if b else 0.0),
                sales=_change(a.sales if a else 0.0, b.sales if b else 0.0),
            )
        )
    families_a, families_b = _families(plan_a), _families(plan_b)
    families = []
    for family in sorted(families_a.keys() | families_b.keys()):
        changes = {
            name: _change(families_a[family][name], families_b[family][name])
            for name in ("sales", "production", "outsourced", "lost")
        }
        if _moved(changes.values()):
            families.append(FamilyUnitsChange(family=family, **changes))
    resources_a, resources_b = _resources(plan_a), _resources(plan_b)
    resources = []
    for resource in sorted(resources_a.keys() | resources_b.keys()):
        changes = {
            name: _change(resources_a[resource][name], resources_b[resource][name])
            for name in ("load", "overtime", "peak_utilisation")
        }
        if _moved(changes.values()):
            resources.append(ResourceLoadChange(resource=resource, **changes))
    return PlanDiff(
        plan_a_id=plan_a.id,
        plan_b_id=plan_b.id,
        units={name: _change(units_a[name], units_b[name]) for name in units_a},
        money={name: _change(money_a[name], money_b[name]) for name in money_a},
        service=service,
        families=families,
        resources=resources,
    )
