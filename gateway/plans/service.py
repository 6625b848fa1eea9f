"""Storing and reading consensus plans.

A plan is written whole (plan row, lines, escalations) by ``store_plan``, which only
flushes: the caller's session commits it in one transaction. Versions are the highest
version + 1 and unique, so two concurrent reconciles cannot share one (the loser gets 409).

Once stored, a plan's lines and escalation items never change (only the plan's status does:
``gateway/cycle/immutability.py``), so their validated rows are kept in ``ImmutableRows``
caches per plan id, read from the database once per process.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import func, insert
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from gateway.solver.problem import Objective, PlanningProblem
from gateway.solver.solution import EscalationItem, Explanation, Solution
from shared import crud
from shared.contracts.demand import DemandPlanPublic
from shared.errors import NotFound
from shared.money import MoneyRates
from shared.types import utc_now

from .models import (
    ConsensusFamilyLine,
    ConsensusFamilyLinePublic,
    ConsensusLine,
    ConsensusLineFilters,
    ConsensusLinePublic,
    ConsensusOperationsComparison,
    ConsensusPlan,
    ConsensusPlanFilters,
    ConsensusPlanMoney,
    ConsensusPlanPublic,
    ConsensusPlanSummary,
    ConsensusProblem,
    ConsensusResourceLine,
    ConsensusResourceLinePublic,
    ConsensusStatus,
    Escalation,
    EscalationPublic,
    OperationsComparison,
    SolutionSales,
    SupplyComparison,
)

# What a plan stored without a comparison (a re-solve, a plan from before they were kept) says.
NOT_COMPARED = (
    "no comparison was recorded with this plan: only the reconcile that makes a plan compares "
    "it with operations' proposal"
)

LINES = crud.EntitySpec(
    table=ConsensusLine, key=("family_code", "segment_code", "period"), label="consensus line"
)


def store_plan(
    session: Session,
    *,
    demand_plan: DemandPlanPublic,
    objective: Objective,
    solution: Solution,
    problem: PlanningProblem | None = None,
) -> ConsensusPlan:
    """A new recommended plan with the next version, its lines and its escalation items
    (and the problem it was solved from, when given)."""
    source = {
        "demand_plan_id": demand_plan.id,
        "demand_plan_version": demand_plan.version,
        "demand_plan_name": demand_plan.name,
        "demand_plan_status": demand_plan.status,
    }
    return _store(
        session,
        source=source,
        status=ConsensusStatus.recommended,
        objective=objective,
        solution=solution,
        problem=problem,
    )


def store_resolved(
    session: Session,
    *,
    source: ConsensusPlan,
    status: ConsensusStatus,
    solution: Solution,
    problem: PlanningProblem,
) -> ConsensusPlan:
    """A new plan (next version, ``status``) re-solved from ``source``'s problem changed: the
    same demand plan, the objective the changed problem holds."""
    demand = {
        name: getattr(source, name)
        for name in (
            "demand_plan_id",
            "demand_plan_version",
            "demand_plan_name",
            "demand_plan_status",
        )
    }
    return _store(
        session,
        source=demand,
        status=status,
        objective=problem.options.objective,
        solution=solution,
        problem=problem,
    )


def record_operations_comparison(
    session: Session, *, plan_id: int, operations: OperationsComparison
) -> None:
    """Keep operations' proposal compared with the plan (or why there is none) with it."""
    comparison = operations.comparison
    session.add(
        ConsensusOperationsComparison(
            plan_id=plan_id,
            comparison=None if comparison is None else comparison.model_dump(mode="json"),
            reason=operations.reason,
        )
    )
    session.flush()


def operations_comparisons(
    session: Session, *, plan_ids: Sequence[int]
) -> dict[int, OperationsComparison]:
    """Each plan's comparison with operations' proposal, as its reconcile recorded it."""
    query = select(ConsensusOperationsComparison).where(
        col(ConsensusOperationsComparison.plan_id).in_(plan_ids)
    )
    found = {
        row.plan_id: OperationsComparison(
            comparison=None
            if row.comparison is None
            else SupplyComparison.model_validate(row.comparison),
            reason=row.reason,
        )
        for row in session.exec(query)
    }
    return {
        plan_id: found.get(plan_id, OperationsComparison(comparison=None, reason=NOT_COMPARED))
        for plan_id in plan_ids
    }


def problem_of(session: Session, *, plan_id: int) -> PlanningProblem | None:
    """The problem a plan was solved from (None for a plan stored without one)."""
    row = session.get(ConsensusProblem, plan_id)
    return None if row is None else PlanningProblem.model_validate(row.problem)


def _store(
    session: Session,
    *,
    source: dict[str, Any],
    status: ConsensusStatus,
    objective: Objective,
    solution: Solution,
    problem: PlanningProblem | None,
) -> ConsensusPlan:
    highest = session.exec(select(func.max(ConsensusPlan.version))).one()
    plan = ConsensusPlan(
        **source,
        version=(highest or 0) + 1,
        status=status,
        objective=objective,
        horizon_start=solution.periods[0],
        periods=list(solution.periods),
        stats=solution.stats.model_dump(mode="json"),
        totals=solution.totals.model_dump(mode="json"),
        segments=[segment.model_dump(mode="json") for segment in solution.segments],
        expansions_started=dict(solution.expansions_started),
        expansion_levels=dict(solution.expansion_levels),
        explanation=solution.explanation.model_dump(mode="json") if solution.explanation else None,
        escalation_count=len(solution.escalations),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None  # assigned by the flush
    session.add(
        ConsensusPlanMoney(plan_id=plan.id, rates=solution.money_rates.model_dump(mode="json"))
    )
    if problem is not None:
        session.add(ConsensusProblem(plan_id=plan.id, problem=problem.model_dump(mode="json")))
    for table, rows in (
        (ConsensusLine, _sales_rows(plan.id, solution)),
        (ConsensusFamilyLine, _family_rows(plan.id, solution)),
        (ConsensusResourceLine, _resource_rows(plan.id, solution)),
        (Escalation, _escalation_rows(plan.id, solution)),
    ):
        if rows:
            # One executemany per table: thousands of lines, not thousands of ORM objects.
            session.execute(insert(table), rows)
    session.flush()
    return plan


def freeze_money(session: Session, *, plan_id: int) -> None:
    """Freeze the plan's money at the rates it was valued at (called when it is approved):
    its valuation never moves afterwards, whatever finance's rates become. A plan stored
    without its rates (before they were recorded) has nothing to freeze."""
    money = session.get(ConsensusPlanMoney, plan_id)
    if money is not None and money.frozen_at is None:
        money.frozen_at = utc_now()
        session.add(money)
        session.flush()


def frozen_rates(session: Session, *, plan_id: int) -> MoneyRates | None:
    """The rates a frozen plan's money is at; ``None`` while its money follows finance."""
    money = session.get(ConsensusPlanMoney, plan_id)
    if money is None or money.frozen_at is None:
        return None
    return MoneyRates.model_validate(money.rates)


def solution_sales(solution: Solution) -> list[SolutionSales]:
    """A solution's sales lines as a stored plan reads them back, before storing it."""
    return [
        SolutionSales(
            line.family,
            line.segment,
            period,
            line.demand[t],
            line.sales[t],
            line.backlog[t],
            line.lost[t],
            line.revenue[t],
        )
        for line in solution.sales
        for t, period in enumerate(solution.periods)
    ]


def solution_supply(
    solution: Solution,
) -> tuple[list[ConsensusFamilyLinePublic], list[ConsensusResourceLinePublic]]:
    """A solution's family and resource lines as a stored plan reads them back, before (or
    without) storing it."""
    return (
        [ConsensusFamilyLinePublic.model_validate(row) for row in _family_rows(0, solution)],
        [ConsensusResourceLinePublic.model_validate(row) for row in _resource_rows(0, solution)],
    )


def _sales_rows(plan_id: int, solution: Solution) -> list[dict[str, Any]]:
    return [{"plan_id": plan_id, **line._asdict()} for line in solution_sales(solution)]


def _family_rows(plan_id: int, solution: Solution) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": plan_id,
            "family_code": line.family,
            "period": period,
            "production": line.production[t],
            "outsourced": line.outsourced[t],
            "inventory": line.inventory[t],
            "safety_stock_shortfall": line.safety_stock_shortfall[t],
        }
        for line in solution.families
        for t, period in enumerate(solution.periods)
    ]


def _resource_rows(plan_id: int, solution: Solution) -> list[dict[str, Any]]:
    def at(values: list[float] | None, t: int) -> float | None:
        return values[t] if values is not None else None

    return [
        {
            "plan_id": plan_id,
            "resource_code": line.resource,
            "period": period,
            "load": line.load[t],
            "regular_capacity": line.regular_capacity[t],
            "overtime": line.overtime[t],
            "expansion_hours": line.expansion_hours[t],
            "utilisation": line.utilisation[t],
            "workers": at(line.workers, t),
            "hired": at(line.hired, t),
            "laid_off": at(line.laid_off, t),
            "shadow_price": line.shadow_price[t],
        }
        for line in solution.resources
        for t, period in enumerate(solution.periods)
    ]


def _escalation_rows(plan_id: int, solution: Solution) -> list[dict[str, Any]]:
    return [
        _escalation_row(plan_id, position, item)
        for position, item in enumerate(solution.escalations)
    ]


def _escalation_row(plan_id: int, position: int, item: EscalationItem) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "position": position,
        "kind": item.kind,
        "severity": item.severity,
        "title": item.title,
        "detail": item.detail,
        "family_code": item.family,
        "segment_code": item.segment,
        "resource_code": item.resource,
        "families": list(item.families),
        "periods": list(item.periods),
        "amount": item.amount,
        "unit": item.unit,
        "options": [option.model_dump(mode="json") for option in item.options],
        "recommended_option": item.recommended_option,
        "recommendation": item.recommendation,
    }


def plans_query(filters: ConsensusPlanFilters | None = None) -> SelectOfScalar[ConsensusPlan]:
    """Plans matching the filters, the newest version first."""
    query = select(ConsensusPlan)
    if filters is not None and filters.status is not None:
        query = query.where(col(ConsensusPlan.status) == filters.status)
    if filters is not None and filters.demand_plan_id is not None:
        query = query.where(col(ConsensusPlan.demand_plan_id) == filters.demand_plan_id)
    return query.order_by(col(ConsensusPlan.version).desc())


def get_plan(session: Session, *, plan_id: int) -> ConsensusPlan:
    plan = session.get(ConsensusPlan, plan_id)
    if plan is None:
        raise NotFound(f"no consensus plan with id {plan_id}")
    return plan


def latest_plan(session: Session) -> ConsensusPlan | None:
    return session.exec(plans_query().limit(1)).first()


def summary_of(plan: ConsensusPlan) -> ConsensusPlanSummary:
    return ConsensusPlanSummary.model_validate(plan)


def whole_plan(session: Session, *, plan_id: int) -> ConsensusPlanPublic:
    """The plan with every line and escalation item."""
    plan = get_plan(session, plan_id=plan_id)
    ids = [plan_id]
    return ConsensusPlanPublic(
        **summary_of(plan).model_dump(),
        explanation=plan.explanation,
        operations_comparison=operations_comparisons(session, plan_ids=ids)[plan_id],
        lines=[
            ConsensusLinePublic.model_validate(row) for row in sales_lines(session, plan_ids=ids)
        ],
        family_lines=[
            ConsensusFamilyLinePublic.model_validate(row)
            for row in family_lines(session, plan_ids=ids)
        ],
        resource_lines=[
            ConsensusResourceLinePublic.model_validate(row)
            for row in resource_lines(session, plan_ids=ids)
        ],
        escalations=[
            EscalationPublic.model_validate(row) for row in escalations(session, plan_ids=ids)
        ],
    )


def lines_query(
    *, plan_id: int, filters: ConsensusLineFilters | None = None
) -> SelectOfScalar[ConsensusLine]:
    """One plan's family/segment/period lines with exact-match filters and a period range."""
    return crud.filtered(LINES, filters).where(col(ConsensusLine.plan_id) == plan_id)


LINE_FIELDS = tuple(ConsensusLinePublic.model_fields)


def line_rows(
    session: Session, *, plan_id: int, filters: ConsensusLineFilters | None = None
) -> list[tuple[Any, ...]]:
    """A plan's lines as plain rows of ``LINE_FIELDS`` (no ORM objects: a large plan's
    72,000 lines read in a fraction of a second), in family, segment, period order."""
    columns = [col(getattr(ConsensusLine, name)) for name in LINE_FIELDS]
    query = lines_query(plan_id=plan_id, filters=filters).with_only_columns(*columns)
    return [tuple(row) for row in session.connection().execute(query)]


def lines_page(
    session: Session,
    *,
    plan_id: int,
    filters: ConsensusLineFilters | None = None,
    offset: int,
    limit: int,
) -> list[ConsensusLine]:
    """One page of a plan's lines, in family, segment, period order."""
    query = lines_query(plan_id=plan_id, filters=filters).offset(offset).limit(limit)
    return list(session.exec(query))


def explanations(session: Session, *, plan_ids: Sequence[int]) -> dict[int, Explanation | None]:
    query = select(ConsensusPlan.id, ConsensusPlan.explanation).where(
        col(ConsensusPlan.id).in_(plan_ids)
    )
    return {
        plan_id: Explanation.model_validate(explanation) if explanation else None
        for plan_id, explanation in session.exec(query)
        if plan_id is not None
    }


def plans_by_id(session: Session, *, plan_ids: Sequence[int]) -> list[ConsensusPlan]:
    return list(session.exec(select(ConsensusPlan).where(col(ConsensusPlan.id).in_(plan_ids))))


def sales_lines(
    session: Session, *, plan_ids: Sequence[int], filters: ConsensusLineFilters | None = None
) -> list[ConsensusLine]:
    query = crud.filtered(LINES, filters).where(col(ConsensusLine.plan_id).in_(plan_ids))
    return list(session.exec(query))


def family_lines(
    session: Session, *, plan_ids: Sequence[int], family_codes: Sequence[str] | None = None
) -> list[ConsensusFamilyLine]:
    query = select(ConsensusFamilyLine).where(col(ConsensusFamilyLine.plan_id).in_(plan_ids))
    if family_codes is not None:
        query = query.where(col(ConsensusFamilyLine.family_code).in_(family_codes))
    order = (col(ConsensusFamilyLine.family_code), col(ConsensusFamilyLine.period))
    return list(session.exec(query.order_by(*order)))


def resource_lines(
    session: Session, *, plan_ids: Sequence[int], resource_codes: Sequence[str] | None = None
) -> list[ConsensusResourceLine]:
    query = select(ConsensusResourceLine).where(col(ConsensusResourceLine.plan_id).in_(plan_ids))
    if resource_codes is not None:
        query = query.where(col(ConsensusResourceLine.resource_code).in_(resource_codes))
    order = (col(ConsensusResourceLine.resource_code), col(ConsensusResourceLine.period))
    return list(session.exec(query.order_by(*order)))


def escalations(session: Session, *, plan_ids: Sequence[int]) -> list[Escalation]:
    query = select(Escalation).where(col(Escalation.plan_id).in_(plan_ids))
    return list(session.exec(query.order_by(col(Escalation.plan_id), col(Escalation.position))))


KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class ImmutableRows(Generic[KeyT, ValueT]):
    """A bounded, process-wide LRU of rows that never change once stored, by a key that names
    them for good (a plan id; a plan id and version).

    Entries are kept per scope (the engine, or the client, the rows were read through), held
    weakly, so two apps in one process (tests) never see each other's plan 1, and a scope's
    entries go with it. Safe from worker threads and the event loop alike.
    """

    def __init__(self, *, maxsize: int) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._scopes: weakref.WeakKeyDictionary[object, OrderedDict[KeyT, ValueT]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, scope: object, key: KeyT) -> ValueT | None:
        with self._lock:
            entries = self._scopes.get(scope)
            if entries is None or key not in entries:
                return None
            entries.move_to_end(key)
            return entries[key]

    def put(self, scope: object, key: KeyT, value: ValueT) -> ValueT:
        with self._lock:
            entries = self._scopes.setdefault(scope, OrderedDict())
            entries[key] = value
            entries.move_to_end(key)
            while len(entries) > self.maxsize:
                entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._scopes.clear()

    def many(
        self, scope: object, keys: Sequence[KeyT], read: Callable[[list[KeyT]], dict[KeyT, ValueT]]
    ) -> dict[KeyT, ValueT]:
        """The values of ``keys``: cached ones, and the others from ``read`` (given only the
        missing keys), kept; a key ``read`` does not answer (no such row yet) is left out."""
        found: dict[KeyT, ValueT] = {}
        missing: list[KeyT] = []
        for key in dict.fromkeys(keys):
            value = self.get(scope, key)
            if value is None:
                missing.append(key)
            else:
                found[key] = value
        if missing:
            for key, value in read(missing).items():
                found[key] = self.put(scope, key, value)
        return found


# Validated rows of stored plans, by plan id (a plan's lines and escalations never change).
PLAN_ESCALATIONS: ImmutableRows[int, list[EscalationPublic]] = ImmutableRows(maxsize=64)
PLAN_FAMILY_LINES: ImmutableRows[int, list[ConsensusFamilyLinePublic]] = ImmutableRows(maxsize=64)
PLAN_RESOURCE_LINES: ImmutableRows[int, list[ConsensusResourceLinePublic]] = ImmutableRows(
    maxsize=64
)


def cached_escalations(
    session: Session, *, plan_ids: Sequence[int]
) -> dict[int, list[EscalationPublic]]:
    """Each plan's escalation items: a published plan's (never changed again) validated
    once per process, the others' read each time (a promoted scenario adds an item to the
    recommended plan: ``add_escalation``)."""

    def read(missing: list[int]) -> dict[int, list[EscalationPublic]]:
        found: dict[int, list[EscalationPublic]] = _stored(session, missing)
        for row in escalations(session, plan_ids=missing):
            found[row.plan_id].append(EscalationPublic.model_validate(row))
        return found

    published = {
        plan.id
        for plan in plans_by_id(session, plan_ids=plan_ids)
        if plan.status in (ConsensusStatus.approved, ConsensusStatus.superseded)
    }
    found = PLAN_ESCALATIONS.many(_scope(session), [i for i in plan_ids if i in published], read)
    return found | read([i for i in plan_ids if i not in published])


def add_escalation(session: Session, *, plan_id: int, item: EscalationItem) -> Escalation:
    """One more escalation item on a plan not yet published (the immutability guard
    refuses it on a published one), after its last."""
    plan = get_plan(session, plan_id=plan_id)
    last = session.exec(
        select(func.max(Escalation.position)).where(col(Escalation.plan_id) == plan_id)
    ).one()
    row = Escalation(**_escalation_row(plan_id, 0 if last is None else last + 1, item))
    plan.escalation_count += 1
    session.add_all([plan, row])
    session.flush()
    return row


def cached_family_lines(
    session: Session, *, plan_ids: Sequence[int]
) -> dict[int, list[ConsensusFamilyLinePublic]]:
    """Each plan's lines per family and month (every family), validated once per process."""

    def read(missing: list[int]) -> dict[int, list[ConsensusFamilyLinePublic]]:
        found: dict[int, list[ConsensusFamilyLinePublic]] = _stored(session, missing)
        for row in family_lines(session, plan_ids=missing):
            found[row.plan_id].append(ConsensusFamilyLinePublic.model_validate(row))
        return found

    return PLAN_FAMILY_LINES.many(_scope(session), plan_ids, read)


def cached_resource_lines(
    session: Session, *, plan_ids: Sequence[int]
) -> dict[int, list[ConsensusResourceLinePublic]]:
    """Each plan's lines per resource and month (every resource), validated once per process."""

    def read(missing: list[int]) -> dict[int, list[ConsensusResourceLinePublic]]:
        found: dict[int, list[ConsensusResourceLinePublic]] = _stored(session, missing)
        for row in resource_lines(session, plan_ids=missing):
            found[row.plan_id].append(ConsensusResourceLinePublic.model_validate(row))
        return found

    return PLAN_RESOURCE_LINES.many(_scope(session), plan_ids, read)


def _stored(session: Session, plan_ids: list[int]) -> dict[int, list[Any]]:
    """An empty list per plan id stored (an id not stored yet must not be cached as empty)."""
    return {plan.id: [] for plan in plans_by_id(session, plan_ids=plan_ids) if plan.id is not None}


def _scope(session: Session) -> object:
    """What a session reads through: its engine (plan ids are per database)."""
    bind = session.get_bind()
    return getattr(bind, "engine", bind)
