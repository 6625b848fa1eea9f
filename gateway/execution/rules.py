"""The execution KPIs as pure formulas: adherence, inventory and service against plan, the
margin variance split, plan stability, and the deviations beyond tolerance. No I/O."""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gateway.cycle.models import DeviationFound, DeviationKind
from gateway.cycle.raci import ACTIVITY_BY_CODE


def adherence(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Plan adherence of (plan, actual) pairs: ``1 - sum|actual - plan| / sum plan``, clipped
    at 0 (missing a plan by more than its size is no adherence, not a negative one).

    Over- and under-production both count against it. ``None`` when the plan sums to 0: there
    is nothing to adhere to. Used for production in units (per family, and all families
    together) and for resource hours (per resource)."""
    planned = deviation = 0.0
    for plan, actual in pairs:
        planned += plan
        deviation += abs(actual - plan)
    if planned <= 0:
        return None
    return max(0.0, 1.0 - deviation / planned)


def share_of(difference: float, base: float) -> float | None:
    """``difference / base``: a gap as a share of what was planned; ``None`` when the base is
    0 (no plan to measure against)."""
    return difference / base if base else None


def service_attained(*, shipped: float, demand: float) -> float | None:
    """Service attained, the fill rate of the finance KPIs (``services/finance/kpis``):
    ``min(1, shipped / demand)`` summed over a segment's lines; ``None`` without demand."""
    return min(1.0, shipped / demand) if demand else None


@dataclass(frozen=True)
class MarginLine:
    """One family x segment x month, planned and actual: units, unit price and unit cost."""

    plan_quantity: float
    plan_price: float
    plan_unit_cost: float
    actual_quantity: float
    actual_price: float
    actual_unit_cost: float

    @property
    def plan_unit_margin(self) -> float:
        return self.plan_price - self.plan_unit_cost

    @property
    def plan_margin(self) -> float:
        return self.plan_quantity * self.plan_unit_margin

    @property
    def actual_margin(self) -> float:
        return self.actual_quantity * (self.actual_price - self.actual_unit_cost)


@dataclass(frozen=True)
class VarianceSplit:
    plan_margin: float
    actual_margin: float
    volume: float
    mix: float
    price: float
    cost: float

    @property
    def total(self) -> float:
        return self.volume + self.mix + self.price + self.cost


def margin_variance(lines: Sequence[MarginLine]) -> VarianceSplit:
    """The variance of the actual contribution margin (revenue - variable cost) to the
    planned one, split four ways over lines i with planned units PQ_i, actual units AQ_i,
    planned unit margin PM_i, plan mix share s_i = PQ_i / PQ and plan average unit margin
    PM = sum PQ_i PM_i / PQ:

    - volume = (AQ - PQ) x PM, with AQ and PQ the total actual and planned units;
    - mix    = sum_i (AQ_i - AQ x s_i) x PM_i;
    - price  = sum_i (actual price_i - plan price_i) x AQ_i;
    - cost   = -sum_i (actual unit cost_i - plan unit cost_i) x AQ_i.

    The four add up to actual margin - plan margin exactly (volume + mix = sum AQ_i PM_i -
    plan margin; price + cost = sum AQ_i (actual unit margin_i - PM_i)). Without planned
    units (PQ = 0) the plan has no mix: all of the units' plan margin is volume."""
    plan_units = sum(line.plan_quantity for line in lines)
    actual_units = sum(line.actual_quantity for line in lines)
    plan_margin = sum(line.plan_margin for line in lines)
    at_plan_margin = sum(line.actual_quantity * line.plan_unit_margin for line in lines)
    if plan_units:
        volume = (actual_units - plan_units) * plan_margin / plan_units
        mix = sum(
            (line.actual_quantity - actual_units * line.plan_quantity / plan_units)
            * line.plan_unit_margin
            for line in lines
        )
    else:
        volume, mix = at_plan_margin - plan_margin, 0.0
    return VarianceSplit(
        plan_margin=plan_margin,
        actual_margin=sum(line.actual_margin for line in lines),
        volume=volume,
        mix=mix,
        price=sum((line.actual_price - line.plan_price) * line.actual_quantity for line in lines),
        cost=-sum(
            (line.actual_unit_cost - line.plan_unit_cost) * line.actual_quantity for line in lines
        ),
    )


def stability(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Plan stability of (previous, this) pairs, the same month in two consecutive approved
    plans: ``1 - sum|this - previous| / sum previous``, clipped at 0; ``None`` when the
    previous plan sums to 0. 1 means the months did not move at all."""
    return adherence(pairs)


@dataclass(frozen=True)
class Tolerances:
    """How far an executed month may stray before it goes on the next cycle's agenda
    (``SOP_GATEWAY_DEVIATION_*_TOLERANCE``)."""

    adherence: float
    service: float
    variance: float


@dataclass(frozen=True)
class MonthKpis:
    """One executed month's KPIs against the plan approved for it. ``None`` where a KPI
    cannot be measured (nothing planned, no target)."""

    period: str
    plan_id: int
    production: Mapping[str, float | None]  # family -> production adherence
    hours: Mapping[str, float | None]  # resource -> hours adherence
    service: Mapping[str, tuple[float | None, float | None]]  # segment -> (attained, target)
    margin: Mapping[str, tuple[float, float]]  # family -> (variance total, plan margin)


def deviations(kpis: MonthKpis, tolerances: Tolerances) -> list[DeviationFound]:
    """The deviations of an executed month beyond tolerance, each an item for the next
    cycle's agenda owned by the role the RACI holds accountable for its KPI:

    - a family whose production adherence is below ``1 - tolerances.adherence``
      (``production_adherence``: the supply planner);
    - a resource whose hours adherence is below ``1 - tolerances.adherence``
      (``hours_adherence``: operations);
    - a segment whose service attained is below its fill-rate target ``- tolerances.service``
      (``service_attainment``: sales);
    - a family whose margin variance to the approved plan, as a share of its plan margin, is
      beyond ``tolerances.variance`` either way (``margin_variance``: finance).

    A value on its limit is within tolerance; a KPI that cannot be measured (nothing
    planned, no target, no plan margin to measure a variance by) raises nothing.
    Ordered by kind, then subject."""
    found: list[DeviationFound] = []

    def raise_(kind: DeviationKind, code: str, value: float, limit: float, detail: str) -> None:
        found.append(
            DeviationFound(
                kind=kind,
                subject_code=code,
                period=kpis.period,
                plan_id=kpis.plan_id,
                value=value,
                limit=limit,
                owner_role=ACTIVITY_BY_CODE[kind].accountable,
                detail=detail,
            )
        )

    floor = 1.0 - tolerances.adherence
    for family, value in sorted(kpis.production.items()):
        if value is not None and value < floor:
            raise_(
                DeviationKind.production_adherence,
                family,
                value,
                floor,
                f"{family} made its plan of {kpis.period} at {value:.1%} adherence "
                f"(tolerance {floor:.1%})",
            )
    for resource, value in sorted(kpis.hours.items()):
        if value is not None and value < floor:
            raise_(
                DeviationKind.hours_adherence,
                resource,
                value,
                floor,
                f"{resource} worked its planned hours of {kpis.period} at {value:.1%} adherence "
                f"(tolerance {floor:.1%})",
            )
    for segment, (attained, target) in sorted(kpis.service.items()):
        if attained is None or target is None:
            continue
        least = target - tolerances.service
        if attained < least:
            raise_(
                DeviationKind.service_attainment,
                segment,
                attained,
                least,
                f"{segment} was served at {attained:.1%} in {kpis.period} against a target "
                f"of {target:.1%}",
            )
    for family, (variance, plan_margin) in sorted(kpis.margin.items()):
        share = share_of(variance, abs(plan_margin))
        if share is not None and abs(share) > tolerances.variance:
            raise_(
                DeviationKind.margin_variance,
                family,
                share,
                math.copysign(tolerances.variance, share),
                f"{family}'s margin of {kpis.period} is {variance:+,.2f} against its plan "
                f"margin of {plan_margin:,.2f}",
            )
    return found
