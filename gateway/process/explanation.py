"""What changed against last month's approved plan, and why: the cycle-over-cycle waterfall.

Reads the previous cycle's approved plan, this cycle's recommended plan and the plan the
decisions made of it (gateway database), the rates each was valued at (``consensus_plan_money``)
and both demand plans' waterfalls (demand service: every stream input's move of every cell,
with its reason and author). Money is ``shared.money.value_plan_at`` over each plan's lines,
the one formula of every valuation; the steps are ``rules.explain``.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from gateway.clients import Upstreams
from gateway.cycle import queries
from gateway.cycle.models import Authorisation, Cycle, DecisionPublic
from gateway.figures.figures import LeverRates, consensus_request
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlanMoney, ConsensusPlanPublic
from gateway.process import rules
from gateway.process.models import (
    CapacityChange,
    CycleExplanation,
    DecisionNote,
    PlanPoint,
    WaterfallStep,
)
from shared.contracts.demand import PlanCellFilters, WaterfallRowPublic
from shared.contracts.finance import Valuation
from shared.db import run_in_session
from shared.errors import Conflict
from shared.money import MoneyRates, value_plan_at

STATISTICAL = "statistical"


@dataclass(frozen=True)
class PricedPlan:
    plan: ConsensusPlanPublic
    rates: MoneyRates


@dataclass(frozen=True)
class ExplainedPlans:
    cycle: Cycle
    previous: Cycle
    last: PricedPlan
    recommended: PricedPlan
    current: PricedPlan
    decisions: list[DecisionPublic]


def _previous_cycle(session: Session, cycle: Cycle) -> Cycle:
    previous = session.exec(
        select(Cycle)
        .where(col(Cycle.period) < cycle.period)
        .where(col(Cycle.approved_plan_id).is_not(None))
        .order_by(col(Cycle.period).desc())
    ).first()
    if previous is None:
        raise Conflict(
            f"no cycle before {cycle.period} approved a plan: there is nothing to compare with"
        )
    return previous


def _priced(session: Session, plan_id: int) -> PricedPlan:
    money = session.get(ConsensusPlanMoney, plan_id)
    if money is None:
        raise Conflict(f"consensus plan {plan_id} was stored before its rates were kept")
    return PricedPlan(
        plan=consensus.whole_plan(session, plan_id=plan_id),
        rates=MoneyRates.model_validate(money.rates),
    )


def _explained_plans(session: Session, *, cycle_id: int) -> ExplainedPlans:
    cycle = queries.get_cycle(session, cycle_id=cycle_id)
    if cycle.recommended_plan_id is None:
        raise Conflict(
            f"cycle {cycle.period} has no recommended plan yet: pre-S&OP records it",
            field="path.id",
        )
    previous = _previous_cycle(session, cycle)
    assert previous.approved_plan_id is not None
    current_id = cycle.approved_plan_id
    if current_id is None:
        current_id = session.exec(
            select(Authorisation.plan_id)
            .where(col(Authorisation.cycle_id) == cycle_id)
            .order_by(col(Authorisation.id).desc())
        ).first()
    current_id = current_id or cycle.recommended_plan_id
    return ExplainedPlans(
        cycle=cycle,
        previous=previous,
        last=_priced(session, previous.approved_plan_id),
        recommended=_priced(session, cycle.recommended_plan_id),
        current=_priced(session, current_id),
        decisions=queries.decisions_by_cycle(session, cycle_ids=[cycle_id])[cycle_id],
    )


def rates_over(older: MoneyRates, newer: MoneyRates) -> MoneyRates:
    """``newer``'s rates, and ``older``'s where ``newer`` has none (a price of a line, the
    unit costs of a family, a lever's cost): last month's plan revalued at this month's."""
    prices = {(f, s, p): price for f, s, p, price in older.prices}
    prices.update({(f, s, p): price for f, s, p, price in newer.prices})
    newer_families = {family for family, _, _ in newer.unit_costs}
    levers = {(lever, code): cost for lever, code, cost in older.lever_costs}
    levers.update({(lever, code): cost for lever, code, cost in newer.lever_costs})
    return MoneyRates(
        prices=[(f, s, p, price) for (f, s, p), price in sorted(prices.items())],
        unit_costs=[
            *(entry for entry in older.unit_costs if entry[0] not in newer_families),
            *newer.unit_costs,
        ],
        lever_costs=[(lever, code, cost) for (lever, code), cost in levers.items()],
    )


def valued(plan: ConsensusPlanPublic, rates: MoneyRates) -> Valuation:
    """The plan's lines in money at ``rates`` (``shared.money``)."""
    request = consensus_request(
        lines=plan.lines,
        family_lines=plan.family_lines,
        resource_lines=plan.resource_lines,
        rates=LeverRates(present={(lever, code) for lever, code, _ in rates.lever_costs}),
        expansion_levels=plan.expansion_levels,
        first_period=plan.periods[0],
    )
    return value_plan_at(request, rates=rates.rates())


def months_of(valuation: Valuation) -> dict[str, rules.PlanMonth]:
    return {
        month.period: rules.PlanMonth(
            units=month.quantity,
            revenue=month.revenue,
            cost=month.cost,
            lever_cost=month.lever_cost,
        )
        for month in valuation.periods
    }


def cells_of(valuation: Valuation) -> dict[rules.Cell, rules.CellValue]:
    return {
        (line.family_code, line.segment_code, line.period): rules.CellValue(
            sold=line.quantity,
            demand=line.demand or 0.0,
            price=line.price,
            unit_cost=line.unit_cost,
        )
        for line in valuation.lines
    }


StreamKey = tuple[rules.Cell, str, str]  # cell, stream, reason code


def _stream_units(rows: Iterable[WaterfallRowPublic]) -> dict[StreamKey, tuple[float, set[str]]]:
    """Per cell, the statistical baseline and each stream and reason's inputs' moves."""
    found: dict[StreamKey, tuple[float, set[str]]] = {}
    for row in rows:
        cell = (row.family_code, row.segment_code, row.period)
        found[(cell, STATISTICAL, "")] = (row.statistical, set())
        for move in row.contributions:
            units, authors = found.get((cell, move.stream, move.reason_code), (0.0, set()))
            found[(cell, move.stream, move.reason_code)] = (
                units + move.delta,
                authors | {move.author},
            )
    return found


def demand_moves(
    last: Iterable[WaterfallRowPublic], now: Iterable[WaterfallRowPublic]
) -> list[rules.DemandMove]:
    """Each cell's baseline and stream-and-reason moves, now against last month's plan."""
    before, after = _stream_units(last), _stream_units(now)
    moves = []
    for key in sorted(before.keys() | after.keys()):
        cell, stream, reason = key
        units_before, authors_before = before.get(key, (0.0, set()))
        units_after, authors_after = after.get(key, (0.0, set()))
        if abs(units_after - units_before) > rules.TOLERANCE:
            moves.append(
                rules.DemandMove(
                    stream=stream,
                    reason_code=reason,
                    authors=frozenset(authors_before | authors_after),
                    cell=cell,
                    units=units_after - units_before,
                )
            )
    return moves


def capacity_changes(
    last: ConsensusPlanPublic, now: ConsensusPlanPublic, months: Sequence[str]
) -> list[CapacityChange]:
    """Regular capacity and load per resource over ``months``, where either moved."""
    common = set(months)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for offset, plan in ((0, last), (1, now)):
        for line in plan.resource_lines:
            if line.period in common:
                totals[line.resource_code][offset] += line.regular_capacity
                totals[line.resource_code][2 + offset] += line.load
    return [
        CapacityChange(
            resource_code=code,
            regular_capacity_before=before,
            regular_capacity_after=after,
            load_before=load_before,
            load_after=load_after,
        )
        for code, (before, after, load_before, load_after) in sorted(totals.items())
        if abs(after - before) > rules.TOLERANCE or abs(load_after - load_before) > rules.TOLERANCE
    ]


def _label(step: rules.Step, waterfall: rules.Waterfall, decisions: int) -> str:
    if step.kind == rules.StepKind.demand:
        reason = f" / {step.reason_code}" if step.reason_code else ""
        return f"demand: {step.stream}{reason}"
    return {
        rules.StepKind.months_out: f"months executed, out: {', '.join(waterfall.months_out)}",
        rules.StepKind.months_in: f"months added, in: {', '.join(waterfall.months_in)}",
        rules.StepKind.prices: "prices: last month's units at this month's prices",
        rules.StepKind.costs: "costs: last month's quantities at this month's unit and lever costs",
        rules.StepKind.service: "service: demand moved that the plan does not (or now does) serve",
        rules.StepKind.lever_costs: "levers: hours, overtime, hiring, stock and outsourcing",
        rules.StepKind.decisions: f"decisions: the executive's {decisions} decision(s)",
    }[step.kind]


def _point(priced: PricedPlan, units: float, money: float) -> PlanPoint:
    return PlanPoint(
        plan_id=priced.plan.id,
        plan_version=priced.plan.version,
        status=priced.plan.status,
        units=units,
        money=money,
    )


async def explain_cycle(*, upstreams: Upstreams, engine: Engine, cycle_id: int) -> CycleExplanation:
    """Last month's approved plan to this cycle's plan, in units sold and margin, step by
    step (``rules.explain``), with the capacity that moved and the decisions taken."""
    plans = await run_in_session(engine, lambda s: _explained_plans(s, cycle_id=cycle_id))
    last, recommended, current = plans.last, plans.recommended, plans.current
    common = sorted(set(last.plan.periods) & set(recommended.plan.periods))
    moves: list[rules.DemandMove] = []
    if common:
        cells = PlanCellFilters(period_from=common[0], period_to=common[-1])
        rows_before, rows_after = await asyncio.gather(
            upstreams.demand.waterfall(plan_id=last.plan.demand_plan_id, filters=cells),
            upstreams.demand.waterfall(plan_id=recommended.plan.demand_plan_id, filters=cells),
        )
        moves = demand_moves(rows_before, rows_after)

    def value_all() -> tuple[Valuation, Valuation, Valuation, Valuation]:
        return (
            valued(last.plan, last.rates),
            valued(last.plan, rates_over(last.rates, recommended.rates)),
            valued(recommended.plan, recommended.rates),
            valued(current.plan, current.rates),
        )

    at_old, at_new, now, decided = await asyncio.to_thread(value_all)
    waterfall = rules.explain(
        rules.WaterfallInput(
            last=months_of(at_old),
            last_at_new=months_of(at_new),
            recommended=months_of(now),
            decided=months_of(decided),
            last_cells=cells_of(at_new),
            recommended_cells=cells_of(now),
            demand_moves=moves,
        )
    )
    steps = []
    units, money = waterfall.start_units, waterfall.start_money
    for step in waterfall.steps:
        units += step.units
        money += step.money
        steps.append(
            WaterfallStep(
                kind=step.kind,
                label=_label(step, waterfall, len(plans.decisions)),
                stream=step.stream,
                reason_code=step.reason_code,
                authors=step.authors,
                units=step.units,
                money=step.money,
                cumulative_units=units,
                cumulative_money=money,
            )
        )
    assert plans.cycle.id is not None and plans.previous.id is not None
    return CycleExplanation(
        cycle_id=plans.cycle.id,
        period=plans.cycle.period,
        previous_cycle_id=plans.previous.id,
        previous_period=plans.previous.period,
        last=_point(last, waterfall.start_units, waterfall.start_money),
        recommended=_point(recommended, now.totals.quantity, now.totals.margin),
        current=_point(current, waterfall.end_units, waterfall.end_money),
        common_months=waterfall.common,
        months_out=waterfall.months_out,
        months_in=waterfall.months_in,
        steps=steps,
        capacity=capacity_changes(last.plan, recommended.plan, common),
        decisions=[
            DecisionNote(
                decision_id=decision.id,
                escalation_title=decision.escalation_title,
                rationale=decision.rationale,
                decided_by=decision.decided_by_name,
            )
            for decision in plans.decisions
        ],
    )
