"""Money rules every process applies the same way: ONE formula for a plan in money.

The finance service's valuation of any plan, the gateway's totals of a consensus plan (the
solver's ``totals_of``, over the plan's lines) and the frozen valuation of an approved plan
all use it, with the finance service's prices, unit costs and lever costs, so they agree to
the cent by construction. What a plan makes and costs in month t, at the rates as of t:

- revenue = units sold x price(family, segment, t);
- cost of goods sold (at standard) = units sold x unit cost(family, t), where the unit cost of
  t is the latest entry effective on or before t (``UnitCostSchedule``);
- lever costs, for the lever quantities the plan gives, at the lever cost of their code:
  regular / overtime hours x ``regular_hour`` / ``overtime_hour`` (resource; on a
  workforce-driven resource the regular hours are the whole crew's, wages being paid on
  them); workers hired / laid off x ``hire_worker`` / ``layoff_worker`` (resource); ending
  inventory x ``holding_unit_period`` (family): a unit on hand at a month's end is held for a
  month; outsourced units x ``outsourcing_unit`` - outsourced units x unit cost(t) (family):
  units sold already carry their standard cost, so an outsourced unit costs the premium of the
  subcontractor's price over the cost of making it; a capacity expansion step taken x
  ``expansion_step`` (step code): its fixed cost, paid once in the month it is decided (the
  plan's first), for the share of the step taken (a fraction in a linear plan);
- total cost = cost of goods sold + lever costs; gross margin = revenue - total cost;
  margin % = margin / revenue;
- inventory value (working capital) = ending inventory x unit cost(t);
- planning penalties, APART from cost and margin: backlog x ``backlog_unit_period`` and lost
  units x ``lost_sale_unit`` (segment), and (the model's own) units below safety stock x its
  safety-stock penalty. They steer the plan; nobody pays them.

Sums are exact (``math.fsum``): the correctly rounded sum of the items whatever their order,
so two callers holding the same items in another order get the same last bit.
"""

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter

from shared.contracts.finance import (
    ExpansionStepIn,
    ExpansionStepValuation,
    FamilyPeriodIn,
    FamilyPeriodValuation,
    Lever,
    LeverCostTotals,
    PeriodValuation,
    PlanningPenalties,
    ResourcePeriodIn,
    ResourcePeriodValuation,
    Valuation,
    ValuationLine,
    ValuationLineIn,
    ValuationRequest,
    ValuationTotals,
)
from shared.errors import FieldError, ValidationFailed

# Quantities within this of zero are solver or float noise: nothing to value.
NOISE = 1e-7

PriceKey = tuple[str, str, str]
LeverKey = tuple[Lever, str]
# A float, or a numpy array of them: the formula is the same item by item.
Amount = TypeVar("Amount", float, Any)


class UnitCostSchedule:
    """Each family's unit costs by effective month: the cost of a period is the latest entry
    effective on or before it."""

    def __init__(self, entries: Iterable[tuple[str, str, float]]) -> None:
        starts: dict[str, list[str]] = defaultdict(list)
        costs: dict[str, list[float]] = defaultdict(list)
        for family_code, effective_from, cost in sorted(entries):
            starts[family_code].append(effective_from)
            costs[family_code].append(cost)
        self._starts = dict(starts)
        self._costs = dict(costs)

    def cost_as_of(self, family_code: str, period: str) -> float | None:
        starts = self._starts.get(family_code)
        if not starts:
            return None
        index = bisect_right(starts, period) - 1
        return self._costs[family_code][index] if index >= 0 else None


# --- the formula, item by item (a float or an array of them alike) ------------------------


def revenue_of(sold: Amount, price: Amount) -> Amount:
    return sold * price


def cost_of_goods_sold(sold: Amount, unit_cost: Amount) -> Amount:
    return sold * unit_cost


def lever_cost(quantity: Amount, rate: Amount) -> Amount:
    """A lever quantity (hours, units held, workers, units late or lost) at its rate."""
    return quantity * rate


def outsourcing_premium(outsourced: Amount, rate: Amount, unit_cost: Amount) -> Amount:
    """Outsourced units at the subcontractor's rate, less their standard cost, which the
    units sold already carry."""
    return outsourced * rate - outsourced * unit_cost


def inventory_value(ending_inventory: Amount, unit_cost: Amount) -> Amount:
    return ending_inventory * unit_cost


@dataclass
class Amounts:
    """A plan's money item by item, by kind: floats, or arrays of them."""

    revenue: list[Any] = field(default_factory=list)
    cost_of_goods_sold: list[Any] = field(default_factory=list)
    regular_labour: list[Any] = field(default_factory=list)
    overtime: list[Any] = field(default_factory=list)
    outsourcing: list[Any] = field(default_factory=list)
    holding: list[Any] = field(default_factory=list)
    hiring: list[Any] = field(default_factory=list)
    layoff: list[Any] = field(default_factory=list)
    expansion: list[Any] = field(default_factory=list)
    backlog_penalty: list[Any] = field(default_factory=list)
    lost_sale_penalty: list[Any] = field(default_factory=list)
    safety_stock_penalty: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class MoneyTotals:
    revenue: float
    cost_of_goods_sold: float
    regular_labour: float
    overtime: float
    outsourcing: float
    holding: float
    hiring: float
    layoff: float
    expansion: float
    lever_cost: float
    total_cost: float
    margin: float
    penalties: PlanningPenalties


def exact_sum(items: Iterable[Any]) -> float:
    """The correctly rounded sum of floats and arrays of floats, in any order."""
    flat: list[float] = []
    for item in items:
        if isinstance(item, np.ndarray):
            flat.extend(item.ravel().tolist())
        else:
            flat.append(item)
    return math.fsum(flat)


def money_totals(amounts: Amounts) -> MoneyTotals:
    """The plan's totals (see the module): lever cost = regular labour + overtime +
    outsourcing + holding + hiring + layoff + expansion steps; total cost = cost of goods
    sold + lever cost; margin = revenue - total cost; the planning penalties apart."""
    revenue = exact_sum(amounts.revenue)
    goods = exact_sum(amounts.cost_of_goods_sold)
    levers = [
        exact_sum(kind)
        for kind in (
            amounts.regular_labour,
            amounts.overtime,
            amounts.outsourcing,
            amounts.holding,
            amounts.hiring,
            amounts.layoff,
            amounts.expansion,
        )
    ]
    lever = math.fsum(levers)
    total_cost = math.fsum([goods, lever])
    backlog = exact_sum(amounts.backlog_penalty)
    lost = exact_sum(amounts.lost_sale_penalty)
    safety = exact_sum(amounts.safety_stock_penalty)
    return MoneyTotals(
        revenue=revenue,
        cost_of_goods_sold=goods,
        regular_labour=levers[0],
        overtime=levers[1],
        outsourcing=levers[2],
        holding=levers[3],
        hiring=levers[4],
        layoff=levers[5],
        expansion=levers[6],
        lever_cost=lever,
        total_cost=total_cost,
        margin=revenue - total_cost,
        penalties=PlanningPenalties(
            backlog=backlog,
            lost_sale=lost,
            safety_stock=safety,
            total=math.fsum([backlog, lost, safety]),
        ),
    )


# --- rates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The finance service's prices, unit costs and lever costs, as lookups."""

    prices: dict[PriceKey, float]
    unit_costs: UnitCostSchedule
    lever_costs: dict[LeverKey, float]


class MoneyRates(BaseModel):
    """Rates recorded with a plan (the values it was valued at), so that its money can be
    recomputed, and frozen, without asking the finance service again."""

    prices: list[tuple[str, str, str, float]] = Field(
        default_factory=list, description="(family, segment, period, price)."
    )
    unit_costs: list[tuple[str, str, float]] = Field(
        default_factory=list, description="(family, effective from, unit cost)."
    )
    lever_costs: list[tuple[Lever, str, float]] = Field(
        default_factory=list, description="(lever, code, cost): the levers with a cost."
    )

    def rates(self) -> Rates:
        return Rates(
            prices={(f, s, p): price for f, s, p, price in self.prices},
            unit_costs=UnitCostSchedule(self.unit_costs),
            lever_costs={(lever, code): cost for lever, code, cost in self.lever_costs},
        )


# --- a whole plan in money ----------------------------------------------------------------

# Where a quantity sits in the request: its list and index; field names are built on error only.
Where = tuple[str, int]
VALUATION_LINES = TypeAdapter(list[ValuationLine])


@dataclass
class _Pricer:
    """Rates of one valuation, and every rate found missing while using them."""

    rates: Rates
    errors: list[FieldError] = field(default_factory=list)

    def missing(self, where: Where, name: str, reason: str) -> None:
        self.errors.append(FieldError(field=f"body.{where[0]}.{where[1]}.{name}", reason=reason))

    def price(self, where: Where, line: ValuationLineIn) -> float:
        price = self.rates.prices.get((line.family_code, line.segment_code, line.period))
        if price is None:
            sold = f"{line.family_code}/{line.segment_code}"
            self.missing(where, "period", f"no price for {sold} in {line.period}")
        return price or 0.0

    def unit_cost(self, where: Where, family_code: str, period: str) -> float:
        cost = self.rates.unit_costs.cost_as_of(family_code, period)
        if cost is None:
            reason = f"no unit cost for {family_code} effective on or before {period}"
            self.missing(where, "period", reason)
        return cost or 0.0

    def rate(self, where: Where, name: str, lever: Lever, code: str, quantity: float) -> float:
        """The rate of the ``name`` quantity of a lever; a missing rate matters only when used."""
        if quantity == 0:
            return 0.0
        rate = self.rates.lever_costs.get((lever, code))
        if rate is None:
            self.missing(where, name, f"no {lever.value} lever cost for {code}")
            return 0.0
        return rate


def reject_duplicate_keys(request: ValuationRequest) -> None:
    """Stocks and hours of a month are given once, an expansion step once: two entries for
    one key are ambiguous."""
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
    steps: dict[str, int] = {}
    for index, step in enumerate(request.expansion_steps):
        first = steps.setdefault(step.code, index)
        if first != index:
            errors.append(
                FieldError(
                    field=f"body.expansion_steps.{index}.code",
                    reason=f"duplicate of item {first}: a step is taken once ({step.code})",
                )
            )
    if errors:
        raise ValidationFailed(f"{len(errors)} duplicate month(s) in the plan", errors=errors)


@dataclass
class _Month:
    quantity: list[float] = field(default_factory=list)
    amounts: Amounts = field(default_factory=Amounts)
    inventory_value: list[float] = field(default_factory=list)


def value_plan_at(request: ValuationRequest, *, rates: Rates) -> Valuation:
    """The plan in money at ``rates`` (see the module); one 422 lists every missing rate."""
    reject_duplicate_keys(request)
    pricer = _Pricer(rates)
    months: dict[str, _Month] = defaultdict(_Month)
    lines = [
        _value_line(pricer, ("lines", index), line, months[line.period])
        for index, line in enumerate(request.lines)
    ]
    families = [
        _value_family(pricer, ("family_periods", index), family, months[family.period])
        for index, family in enumerate(request.family_periods)
    ]
    resources = [
        _value_resource(pricer, ("resource_periods", index), resource, months[resource.period])
        for index, resource in enumerate(request.resource_periods)
    ]
    steps = [
        _value_step(pricer, ("expansion_steps", index), step, months[step.period])
        for index, step in enumerate(request.expansion_steps)
    ]
    if pricer.errors:
        raise ValidationFailed(
            f"{len(pricer.errors)} price(s), unit cost(s) or lever cost(s) missing",
            errors=pricer.errors,
        )
    periods = [_period(period, months[period]) for period in sorted(months)]
    whole = Amounts()
    for month in months.values():
        for name, items in vars(month.amounts).items():
            getattr(whole, name).extend(items)
    totals = money_totals(whole)
    return Valuation(
        # One validation of the whole list: much faster than one model per line.
        lines=VALUATION_LINES.validate_python(lines),
        totals=ValuationTotals(
            quantity=math.fsum(q for month in months.values() for q in month.quantity),
            revenue=totals.revenue,
            cost=totals.cost_of_goods_sold,
            margin=totals.margin,
            margin_pct=totals.margin / totals.revenue if totals.revenue else None,
            lever_cost=totals.lever_cost,
            lever_costs=LeverCostTotals(
                regular_hour=totals.regular_labour,
                overtime_hour=totals.overtime,
                outsourcing_unit=totals.outsourcing,
                holding_unit_period=totals.holding,
                hire_worker=totals.hiring,
                layoff_worker=totals.layoff,
                expansion_step=totals.expansion,
            ),
            planning_penalties=totals.penalties,
            ending_inventory_value=periods[-1].inventory_value if periods else 0.0,
            average_inventory_value=(
                math.fsum(p.inventory_value for p in periods) / len(periods) if periods else 0.0
            ),
        ),
        family_periods=families,
        resource_periods=resources,
        expansion_steps=steps,
        periods=periods,
    )


def _value_line(
    pricer: _Pricer, where: Where, line: ValuationLineIn, month: _Month
) -> dict[str, Any]:
    price = pricer.price(where, line)
    unit_cost = pricer.unit_cost(where, line.family_code, line.period)
    segment = line.segment_code
    backlog_rate = pricer.rate(where, "backlog", Lever.backlog_unit_period, segment, line.backlog)
    lost_rate = pricer.rate(where, "lost", Lever.lost_sale_unit, segment, line.lost)
    revenue = revenue_of(line.quantity, price)
    cost = cost_of_goods_sold(line.quantity, unit_cost)
    backlog_penalty = lever_cost(line.backlog, backlog_rate)
    lost_penalty = lever_cost(line.lost, lost_rate)
    month.quantity.append(line.quantity)
    month.amounts.revenue.append(revenue)
    month.amounts.cost_of_goods_sold.append(cost)
    month.amounts.backlog_penalty.append(backlog_penalty)
    month.amounts.lost_sale_penalty.append(lost_penalty)
    return {
        **line.__dict__,
        "price": price,
        "unit_cost": unit_cost,
        "revenue": revenue,
        "cost": cost,
        "margin": revenue - cost,
        "backlog_cost": backlog_penalty,
        "lost_sale_cost": lost_penalty,
    }


def _value_family(
    pricer: _Pricer, where: Where, family: FamilyPeriodIn, month: _Month
) -> FamilyPeriodValuation:
    code = family.family_code
    unit_cost: float | None = None
    if family.ending_inventory or family.outsourced:
        unit_cost = pricer.unit_cost(where, code, family.period)
    holding_rate = pricer.rate(
        where, "ending_inventory", Lever.holding_unit_period, code, family.ending_inventory
    )
    outsourcing_rate = pricer.rate(
        where, "outsourced", Lever.outsourcing_unit, code, family.outsourced
    )
    holding = lever_cost(family.ending_inventory, holding_rate)
    outsourcing = outsourcing_premium(family.outsourced, outsourcing_rate, unit_cost or 0.0)
    value = inventory_value(family.ending_inventory, unit_cost or 0.0)
    month.amounts.holding.append(holding)
    month.amounts.outsourcing.append(outsourcing)
    month.inventory_value.append(value)
    return FamilyPeriodValuation(
        **dict(family),
        unit_cost=unit_cost,
        inventory_value=value,
        holding_cost=holding,
        outsourcing_cost=outsourcing,
    )


def _value_resource(
    pricer: _Pricer, where: Where, resource: ResourcePeriodIn, month: _Month
) -> ResourcePeriodValuation:
    code = resource.resource_code
    amounts = {
        name: lever_cost(quantity, pricer.rate(where, name, lever, code, quantity))
        for name, lever, quantity in (
            ("regular_hours", Lever.regular_hour, resource.regular_hours),
            ("overtime_hours", Lever.overtime_hour, resource.overtime_hours),
            ("hired", Lever.hire_worker, resource.hired),
            ("laid_off", Lever.layoff_worker, resource.laid_off),
        )
    }
    month.amounts.regular_labour.append(amounts["regular_hours"])
    month.amounts.overtime.append(amounts["overtime_hours"])
    month.amounts.hiring.append(amounts["hired"])
    month.amounts.layoff.append(amounts["laid_off"])
    return ResourcePeriodValuation(
        **dict(resource),
        regular_cost=amounts["regular_hours"],
        overtime_cost=amounts["overtime_hours"],
        hiring_cost=amounts["hired"],
        layoff_cost=amounts["laid_off"],
    )


def _value_step(
    pricer: _Pricer, where: Where, step: ExpansionStepIn, month: _Month
) -> ExpansionStepValuation:
    """A step taken: level x its ``expansion_step`` cost (see the module)."""
    fixed = pricer.rate(where, "code", Lever.expansion_step, step.code, step.level)
    cost = lever_cost(step.level, fixed)
    month.amounts.expansion.append(cost)
    return ExpansionStepValuation(**dict(step), fixed_cost=fixed, cost=cost)


def _period(period: str, month: _Month) -> PeriodValuation:
    totals = money_totals(month.amounts)
    return PeriodValuation(
        period=period,
        quantity=math.fsum(month.quantity),
        revenue=totals.revenue,
        cost=totals.cost_of_goods_sold,
        lever_cost=totals.lever_cost,
        margin=totals.margin,
        margin_pct=totals.margin / totals.revenue if totals.revenue else None,
        inventory_value=math.fsum(month.inventory_value),
    )
