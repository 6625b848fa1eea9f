"""Valuation of any plan in money: per line, per family and resource month, per month, in total.

What a plan makes and costs in month t, at the prices and costs as of t:

- revenue = units sold x price(family, segment, t);
- variable cost (cost of goods sold, at standard) = units sold x unit cost(family, t), where
  the unit cost of t is the latest entry effective on or before t;
- lever costs, for the lever quantities the plan gives, at the lever cost of their code:
  regular / overtime hours x ``regular_hour`` / ``overtime_hour`` (resource);
  ending inventory x ``holding_unit_period`` (family): a unit on hand at a month's end is
  held for a month; outsourced units x (``outsourcing_unit`` - unit cost(t)) (family): units
  sold already carry their standard cost, and an outsourced unit costs the subcontractor's
  price instead of the cost of making it; backlog x ``backlog_unit_period`` and lost units x
  ``lost_sale_unit`` (segment);
- gross margin = revenue - variable cost - lever costs; margin % = margin / revenue;
- inventory value (working capital) = ending inventory x unit cost(t).

Every price, unit cost or lever cost that a non-zero quantity needs must exist: one 422
lists every missing one. The lookups are one query per table for the whole request.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session, col, select

from services.finance.lever_costs.models import LeverCost
from services.finance.prices.models import Price
from services.finance.unit_costs.models import UnitCost
from shared.contracts.finance import (
    FamilyPeriodIn,
    FamilyPeriodValuation,
    Lever,
    LeverCostTotals,
    PeriodValuation,
    ResourcePeriodIn,
    ResourcePeriodValuation,
    Valuation,
    ValuationLine,
    ValuationLineIn,
    ValuationRequest,
    ValuationTotals,
)
from shared.crud import in_chunks
from shared.errors import FieldError, ValidationFailed
from shared.money import UnitCostSchedule

PriceKey = tuple[str, str, str]
LeverKey = tuple[Lever, str]
# Where a quantity sits in the request: its list and index; field names are built on error only.
Where = tuple[str, int]
VALUATION_LINES = TypeAdapter(list[ValuationLine])


def load_prices(session: Session, *, keys: set[PriceKey]) -> dict[PriceKey, float]:
    """Prices of the given family/segment/period keys that exist."""
    if not keys:
        return {}
    periods = [period for _, _, period in keys]
    found: dict[PriceKey, float] = {}
    for chunk in in_chunks(family for family, _, _ in keys):
        query = select(Price.family_code, Price.segment_code, Price.period, Price.price).where(
            col(Price.family_code).in_(chunk),
            col(Price.period) >= min(periods),
            col(Price.period) <= max(periods),
        )
        for family_code, segment_code, period, price in session.exec(query):
            key = (family_code, segment_code, period)
            if key in keys:
                found[key] = price
    return found


def load_unit_costs(
    session: Session, *, family_codes: set[str], through_period: str
) -> UnitCostSchedule:
    """The unit-cost entries of the families effective up to ``through_period``."""
    entries: list[tuple[str, str, float]] = []
    for chunk in in_chunks(family_codes):
        query = select(UnitCost.family_code, UnitCost.effective_from, UnitCost.variable_cost).where(
            col(UnitCost.family_code).in_(chunk), col(UnitCost.effective_from) <= through_period
        )
        entries.extend(session.exec(query).all())
    return UnitCostSchedule(entries)


def load_lever_costs(session: Session, *, keys: set[LeverKey]) -> dict[LeverKey, float]:
    """Lever costs of the given lever/code keys that exist."""
    found: dict[LeverKey, float] = {}
    for chunk in in_chunks(code for _, code in keys):
        query = select(LeverCost.lever, LeverCost.code, LeverCost.cost).where(
            col(LeverCost.code).in_(chunk)
        )
        for lever, code, cost in session.exec(query):
            key = (Lever(lever), code)
            if key in keys:
                found[key] = cost
    return found


@dataclass
class _Pricer:
    """Rates of one request, and every rate found missing while using them."""

    prices: dict[PriceKey, float]
    unit_costs: UnitCostSchedule
    lever_costs: dict[LeverKey, float]
    errors: list[FieldError] = field(default_factory=list)

    def missing(self, where: Where, name: str, reason: str) -> None:
        self.errors.append(FieldError(field=f"body.{where[0]}.{where[1]}.{name}", reason=reason))

    def price(self, where: Where, line: ValuationLineIn) -> float:
        price = self.prices.get((line.family_code, line.segment_code, line.period))
        if price is None:
            sold = f"{line.family_code}/{line.segment_code}"
            self.missing(where, "period", f"no price for {sold} in {line.period}")
        return price or 0.0

    def unit_cost(self, where: Where, family_code: str, period: str) -> float:
        cost = self.unit_costs.cost_as_of(family_code, period)
        if cost is None:
            reason = f"no unit cost for {family_code} effective on or before {period}"
            self.missing(where, "period", reason)
        return cost or 0.0

    def lever(self, where: Where, name: str, lever: Lever, code: str, quantity: float) -> float:
        """Cost of the ``name`` quantity of a lever; a missing rate matters only when used."""
        if quantity == 0:
            return 0.0
        rate = self.lever_costs.get((lever, code))
        if rate is None:
            self.missing(where, name, f"no {lever.value} lever cost for {code}")
            return 0.0
        return quantity * rate


def _lever_keys(request: ValuationRequest) -> set[LeverKey]:
    keys: set[LeverKey] = set()
    for line in request.lines:
        if line.backlog:
            keys.add((Lever.backlog_unit_period, line.segment_code))
        if line.lost:
            keys.add((Lever.lost_sale_unit, line.segment_code))
    for family in request.family_periods:
        if family.ending_inventory:
            keys.add((Lever.holding_unit_period, family.family_code))
        if family.outsourced:
            keys.add((Lever.outsourcing_unit, family.family_code))
    for resource in request.resource_periods:
        if resource.regular_hours:
            keys.add((Lever.regular_hour, resource.resource_code))
        if resource.overtime_hours:
            keys.add((Lever.overtime_hour, resource.resource_code))
    return keys


def _load_pricer(session: Session, *, request: ValuationRequest) -> _Pricer:
    periods = [line.period for line in request.lines]
    periods += [family.period for family in request.family_periods]
    family_codes = {line.family_code for line in request.lines}
    family_codes |= {family.family_code for family in request.family_periods}
    return _Pricer(
        prices=load_prices(
            session, keys={(ln.family_code, ln.segment_code, ln.period) for ln in request.lines}
        ),
        unit_costs=load_unit_costs(
            session, family_codes=family_codes, through_period=max(periods, default="0000-01")
        ),
        lever_costs=load_lever_costs(session, keys=_lever_keys(request)),
    )


def _reject_duplicate_keys(request: ValuationRequest) -> None:
    """Stocks and hours of a month are given once: two entries for one key are ambiguous."""
    errors: list[FieldError] = []
    keyed: list[tuple[str, str, Sequence[Any]]] = [
        ("family_periods", "family_code", request.family_periods),
        ("resource_periods", "resource_code", request.resource_periods),
    ]
    for location, code_field, items in keyed:
        seen: dict[tuple[str, str], int] = {}
        for index, item in enumerate(items):
            key = (getattr(item, code_field), item.period)
            first = seen.setdefault(key, index)
            if first != index:
                errors.append(
                    FieldError(
                        field=f"body.{location}.{index}.period",
                        reason=f"duplicate of item {first} ({key[0]} in {key[1]})",
                    )
                )
    if errors:
        raise ValidationFailed(f"{len(errors)} duplicate month(s) in the plan", errors=errors)


@dataclass
class _Month:
    quantity: float = 0.0
    revenue: float = 0.0
    cost: float = 0.0
    lever_cost: float = 0.0
    inventory_value: float = 0.0


def value_plan(session: Session, *, request: ValuationRequest) -> Valuation:
    """The plan in money (see the module's conventions); one 422 lists every missing rate."""
    _reject_duplicate_keys(request)
    pricer = _load_pricer(session, request=request)
    months: dict[str, _Month] = defaultdict(_Month)
    levers: dict[Lever, float] = defaultdict(float)
    lines = [
        _value_line(pricer, ("lines", index), line, months[line.period], levers)
        for index, line in enumerate(request.lines)
    ]
    families = [
        _value_family(pricer, ("family_periods", index), family, months[family.period], levers)
        for index, family in enumerate(request.family_periods)
    ]
    resources = [
        _value_resource(
            pricer, ("resource_periods", index), resource, months[resource.period], levers
        )
        for index, resource in enumerate(request.resource_periods)
    ]
    if pricer.errors:
        raise ValidationFailed(
            f"{len(pricer.errors)} price(s), unit cost(s) or lever cost(s) missing",
            errors=pricer.errors,
        )
    periods = [_period(period, months[period]) for period in sorted(months)]
    return Valuation(
        # One validation of the whole list: much faster than one model per line.
        lines=VALUATION_LINES.validate_python(lines),
        totals=_totals(periods, levers),
        family_periods=families,
        resource_periods=resources,
        periods=periods,
    )


def _value_line(
    pricer: _Pricer,
    where: Where,
    line: ValuationLineIn,
    month: _Month,
    levers: dict[Lever, float],
) -> dict[str, Any]:
    price = pricer.price(where, line)
    unit_cost = pricer.unit_cost(where, line.family_code, line.period)
    segment = line.segment_code
    backlog_cost = pricer.lever(where, "backlog", Lever.backlog_unit_period, segment, line.backlog)
    lost_sale_cost = pricer.lever(where, "lost", Lever.lost_sale_unit, segment, line.lost)
    revenue = line.quantity * price
    cost = line.quantity * unit_cost
    month.quantity += line.quantity
    month.revenue += revenue
    month.cost += cost
    month.lever_cost += backlog_cost + lost_sale_cost
    levers[Lever.backlog_unit_period] += backlog_cost
    levers[Lever.lost_sale_unit] += lost_sale_cost
    return {
        **line.__dict__,
        "price": price,
        "unit_cost": unit_cost,
        "revenue": revenue,
        "cost": cost,
        "margin": revenue - cost - backlog_cost - lost_sale_cost,
        "backlog_cost": backlog_cost,
        "lost_sale_cost": lost_sale_cost,
    }


def _value_family(
    pricer: _Pricer,
    where: Where,
    family: FamilyPeriodIn,
    month: _Month,
    levers: dict[Lever, float],
) -> FamilyPeriodValuation:
    code = family.family_code
    unit_cost: float | None = None
    if family.ending_inventory or family.outsourced:
        unit_cost = pricer.unit_cost(where, code, family.period)
    holding_cost = pricer.lever(
        where, "ending_inventory", Lever.holding_unit_period, code, family.ending_inventory
    )
    outsourced_at_price = pricer.lever(
        where, "outsourced", Lever.outsourcing_unit, code, family.outsourced
    )
    outsourcing_cost = outsourced_at_price - family.outsourced * (unit_cost or 0.0)
    inventory_value = family.ending_inventory * (unit_cost or 0.0)
    month.lever_cost += holding_cost + outsourcing_cost
    month.inventory_value += inventory_value
    levers[Lever.holding_unit_period] += holding_cost
    levers[Lever.outsourcing_unit] += outsourcing_cost
    return FamilyPeriodValuation(
        **dict(family),
        unit_cost=unit_cost,
        inventory_value=inventory_value,
        holding_cost=holding_cost,
        outsourcing_cost=outsourcing_cost,
    )


def _value_resource(
    pricer: _Pricer,
    where: Where,
    resource: ResourcePeriodIn,
    month: _Month,
    levers: dict[Lever, float],
) -> ResourcePeriodValuation:
    code = resource.resource_code
    regular_cost = pricer.lever(
        where, "regular_hours", Lever.regular_hour, code, resource.regular_hours
    )
    overtime_cost = pricer.lever(
        where, "overtime_hours", Lever.overtime_hour, code, resource.overtime_hours
    )
    month.lever_cost += regular_cost + overtime_cost
    levers[Lever.regular_hour] += regular_cost
    levers[Lever.overtime_hour] += overtime_cost
    return ResourcePeriodValuation(
        **dict(resource), regular_cost=regular_cost, overtime_cost=overtime_cost
    )


def _period(period: str, month: _Month) -> PeriodValuation:
    margin = month.revenue - month.cost - month.lever_cost
    return PeriodValuation(
        period=period,
        quantity=month.quantity,
        revenue=month.revenue,
        cost=month.cost,
        lever_cost=month.lever_cost,
        margin=margin,
        margin_pct=margin / month.revenue if month.revenue else None,
        inventory_value=month.inventory_value,
    )


def _totals(periods: Sequence[PeriodValuation], levers: dict[Lever, float]) -> ValuationTotals:
    revenue = sum(p.revenue for p in periods)
    cost = sum(p.cost for p in periods)
    lever_cost = sum(p.lever_cost for p in periods)
    margin = revenue - cost - lever_cost
    return ValuationTotals(
        quantity=sum(p.quantity for p in periods),
        revenue=revenue,
        cost=cost,
        margin=margin,
        margin_pct=margin / revenue if revenue else None,
        lever_cost=lever_cost,
        lever_costs=LeverCostTotals(**{lever.value: amount for lever, amount in levers.items()}),
        ending_inventory_value=periods[-1].inventory_value if periods else 0.0,
        average_inventory_value=(
            sum(p.inventory_value for p in periods) / len(periods) if periods else 0.0
        ),
    )
