"""Valuation of any plan in money: per line, per family and resource month, per month, in total.

The formula is ``shared.money`` (the one the gateway's plan totals use too); this module
reads the rates it needs, one query per table for the whole request.

Every price, unit cost or lever cost that a non-zero quantity needs must exist: one 422
lists every missing one.
"""

from sqlmodel import Session, col, select

from services.finance.lever_costs.models import LeverCost
from services.finance.prices.models import Price
from services.finance.unit_costs.models import UnitCost
from shared.contracts.finance import Lever, Valuation, ValuationRequest
from shared.crud import in_chunks
from shared.money import LeverKey, PriceKey, Rates, UnitCostSchedule, value_plan_at


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
        for lever, quantity in (
            (Lever.regular_hour, resource.regular_hours),
            (Lever.overtime_hour, resource.overtime_hours),
            (Lever.hire_worker, resource.hired),
            (Lever.layoff_worker, resource.laid_off),
        ):
            if quantity:
                keys.add((lever, resource.resource_code))
    for step in request.expansion_steps:
        if step.level:
            keys.add((Lever.expansion_step, step.code))
    return keys


def load_rates(session: Session, *, request: ValuationRequest) -> Rates:
    """The prices, unit costs and lever costs the request's quantities need, where they exist."""
    periods = [line.period for line in request.lines]
    periods += [family.period for family in request.family_periods]
    periods += [step.period for step in request.expansion_steps]
    family_codes = {line.family_code for line in request.lines}
    family_codes |= {family.family_code for family in request.family_periods}
    return Rates(
        prices=load_prices(
            session, keys={(ln.family_code, ln.segment_code, ln.period) for ln in request.lines}
        ),
        unit_costs=load_unit_costs(
            session, family_codes=family_codes, through_period=max(periods, default="0000-01")
        ),
        lever_costs=load_lever_costs(session, keys=_lever_keys(request)),
    )


def value_plan(session: Session, *, request: ValuationRequest) -> Valuation:
    """The plan in money at the finance service's current rates (``shared.money``)."""
    return value_plan_at(request, rates=load_rates(session, request=request))
