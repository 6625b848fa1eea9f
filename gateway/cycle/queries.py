"""Reading the cycle: cycles with their steps, lateness and links, decisions, escalation
items, the action items a cycle reviews, the current plan, the RACI matrix."""

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from gateway.cycle.models import (
    ActionItem,
    ActionItemFilters,
    ActionItemPublic,
    ActionItemStatus,
    Cycle,
    CycleActionItem,
    CycleDeviation,
    CycleDeviationPublic,
    CycleFilters,
    CyclePublic,
    CycleStatus,
    CycleStep,
    Decision,
    DecisionPublic,
    DecisionRight,
    DelegationRow,
    EscalationDecision,
    LineResolution,
    LinkKind,
    PlanLink,
    RaciActivity,
    RaciMatrix,
    StepPublic,
    StepStatus,
)
from gateway.cycle.raci import ACTIVITIES, RIGHTS, StepName
from gateway.cycle.rules import DELEGATIONS, days_late
from gateway.plans import service as consensus
from gateway.plans.models import (
    ConsensusPlan,
    ConsensusPlanPublic,
    ConsensusStatus,
    EscalationPublic,
)
from shared.auth import Role
from shared.errors import NotFound
from shared.periods import add_months
from shared.types import as_utc, utc_now

# The inputs and outputs each step shows, in the order of the process.
STEP_LINKS: dict[StepName, tuple[tuple[LinkKind, ...], tuple[LinkKind, ...]]] = {
    StepName.data_gathering: ((LinkKind.action_items,), (LinkKind.data_quality_report,)),
    StepName.demand_review: ((LinkKind.data_quality_report,), (LinkKind.demand_plan,)),
    StepName.supply_review: ((LinkKind.demand_plan,), (LinkKind.supply_plan,)),
    StepName.pre_sop: (
        (LinkKind.demand_plan, LinkKind.supply_plan),
        (LinkKind.recommended_plan,),
    ),
    StepName.executive_sop: ((LinkKind.recommended_plan,), (LinkKind.approved_plan,)),
}


def today() -> dt.date:
    return utc_now().date()


def get_cycle(session: Session, *, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"no S&OP cycle with id {cycle_id}", field="path.id")
    return cycle


def open_cycle(session: Session) -> Cycle | None:
    return session.exec(select(Cycle).where(col(Cycle.status) == CycleStatus.open)).first()


def cycles_by_id(session: Session, *, cycle_ids: Sequence[int]) -> list[Cycle]:
    return list(session.exec(select(Cycle).where(col(Cycle.id).in_(cycle_ids))))


def current_cycle(session: Session) -> Cycle:
    cycle = open_cycle(session)
    if cycle is None:
        raise NotFound("no open S&OP cycle: POST /cycles opens the first one")
    return cycle


def cycles_query(filters: CycleFilters | None = None) -> SelectOfScalar[Cycle]:
    """Cycles matching the filters, the latest month first."""
    query = select(Cycle)
    if filters is not None:
        if filters.status is not None:
            query = query.where(col(Cycle.status) == filters.status)
        if filters.period_from is not None:
            query = query.where(col(Cycle.period) >= filters.period_from)
        if filters.period_to is not None:
            query = query.where(col(Cycle.period) <= filters.period_to)
    return query.order_by(col(Cycle.period).desc())


def steps_by_cycle(session: Session, cycle_ids: Sequence[int]) -> dict[int, list[CycleStep]]:
    rows = session.exec(
        select(CycleStep)
        .where(col(CycleStep.cycle_id).in_(cycle_ids))
        .order_by(col(CycleStep.cycle_id), col(CycleStep.position))
    )
    steps: dict[int, list[CycleStep]] = {cycle_id: [] for cycle_id in cycle_ids}
    for row in rows:
        steps[row.cycle_id].append(row)
    return steps


def steps_of(session: Session, cycle: Cycle) -> dict[StepName, CycleStep]:
    assert cycle.id is not None
    return {StepName(row.step): row for row in steps_by_cycle(session, [cycle.id])[cycle.id]}


def _links(cycle: Cycle) -> dict[LinkKind, PlanLink]:
    def plan(kind: LinkKind, plan_id: int | None, version: int | None, path: str) -> PlanLink:
        ref = f"{path}/{plan_id}" if plan_id is not None else None
        return PlanLink(kind=kind, id=plan_id, version=version, ref=ref)

    return {
        LinkKind.data_quality_report: PlanLink(
            kind=LinkKind.data_quality_report, ref=cycle.data_quality_report
        ),
        LinkKind.demand_plan: plan(
            LinkKind.demand_plan, cycle.demand_plan_id, cycle.demand_plan_version, "/demand-plans"
        ),
        LinkKind.supply_plan: plan(
            LinkKind.supply_plan, cycle.supply_plan_id, cycle.supply_plan_version, "/supply-plans"
        ),
        LinkKind.recommended_plan: plan(
            LinkKind.recommended_plan,
            cycle.recommended_plan_id,
            cycle.recommended_plan_version,
            "/consensus-plans",
        ),
        LinkKind.approved_plan: plan(
            LinkKind.approved_plan,
            cycle.approved_plan_id,
            cycle.approved_plan_version,
            "/consensus-plans",
        ),
        LinkKind.action_items: PlanLink(
            kind=LinkKind.action_items, ref=f"/cycles/{cycle.id}/action-items"
        ),
    }


def _step_public(step: CycleStep, links: dict[LinkKind, PlanLink], day: dt.date) -> StepPublic:
    name = StepName(step.step)
    inputs, outputs = STEP_LINKS[name]
    late = days_late(
        due=step.due_date,
        done_on=step.completed_at.date() if step.completed_at is not None else None,
        as_of=day,
    )
    return StepPublic(
        step=name,
        position=step.position,
        owner_role=Role(step.owner_role),
        due_date=step.due_date,
        status=StepStatus(step.status),
        completed_at=step.completed_at,
        completed_by=step.completed_by,
        note=step.note,
        is_late=late > 0,
        days_late=late,
        inputs=[links[kind] for kind in inputs],
        outputs=[links[kind] for kind in outputs],
        resolutions=[LineResolution.model_validate(r) for r in step.resolutions or []],
    )


def cycles_public(session: Session, cycles: Sequence[Cycle]) -> list[CyclePublic]:
    """Cycles with their steps and open action items, in two queries whatever their number."""
    ids = [cycle.id for cycle in cycles if cycle.id is not None]
    steps = steps_by_cycle(session, ids)
    # Months in which the action items still open were raised: a cycle counts those up to it.
    open_raised = sorted(
        session.exec(
            select(Cycle.period)
            .join(ActionItem, col(ActionItem.cycle_id) == col(Cycle.id))
            .where(col(ActionItem.status) != ActionItemStatus.done)
        )
    )
    day = today()
    answers = []
    for cycle in cycles:
        assert cycle.id is not None
        links = _links(cycle)
        public_steps = [_step_public(step, links, day) for step in steps[cycle.id]]
        current = next((s.step for s in public_steps if s.status != StepStatus.completed), None)
        answers.append(
            CyclePublic(
                **cycle.model_dump(exclude={"open_marker", "status"}),
                status=CycleStatus(cycle.status),
                horizon_end=add_months(cycle.horizon_start, cycle.horizon_months - 1),
                current_step=current,
                late_steps=[step.step for step in public_steps if step.is_late],
                open_action_items=bisect.bisect_right(open_raised, cycle.period),
                steps=public_steps,
            )
        )
    return answers


def cycle_public(session: Session, cycle: Cycle) -> CyclePublic:
    return cycles_public(session, [cycle])[0]


def decisions_public(session: Session, decisions: Sequence[Decision]) -> list[DecisionPublic]:
    items: dict[int, list[int]] = {decision.id: [] for decision in decisions if decision.id}
    for decision_id, item_id in session.exec(
        select(ActionItem.decision_id, ActionItem.id)
        .where(col(ActionItem.decision_id).in_(list(items)))
        .order_by(col(ActionItem.id))
    ):
        assert item_id is not None
        items[decision_id].append(item_id)
    return [
        DecisionPublic(**decision.model_dump(), action_item_ids=items[decision.id])
        for decision in decisions
        if decision.id is not None
    ]


def decisions_by_cycle(
    session: Session, *, cycle_ids: Sequence[int]
) -> dict[int, list[DecisionPublic]]:
    decisions = session.exec(
        select(Decision).where(col(Decision.cycle_id).in_(cycle_ids)).order_by(col(Decision.id))
    ).all()
    answer: dict[int, list[DecisionPublic]] = {cycle_id: [] for cycle_id in cycle_ids}
    for decision in decisions_public(session, decisions):
        answer[decision.cycle_id].append(decision)
    return answer


def cycle_decisions(session: Session, *, cycle_id: int) -> list[DecisionPublic]:
    get_cycle(session, cycle_id=cycle_id)
    return decisions_by_cycle(session, cycle_ids=[cycle_id])[cycle_id]


def escalations_by_cycle(
    session: Session, *, cycles: Sequence[Cycle]
) -> dict[int, list[EscalationDecision]]:
    """The escalation items of each cycle's recommended plan, each with its decision."""
    plan_ids = [cycle.recommended_plan_id for cycle in cycles if cycle.recommended_plan_id]
    items = consensus.escalations(session, plan_ids=plan_ids) if plan_ids else []
    decisions = session.exec(
        select(Decision).where(col(Decision.escalation_id).in_([item.id for item in items]))
    ).all()
    decided = {
        decision.escalation_id: decision for decision in decisions_public(session, decisions)
    }
    answer: dict[int, list[EscalationDecision]] = {}
    for cycle in cycles:
        assert cycle.id is not None
        answer[cycle.id] = [
            EscalationDecision(
                escalation=EscalationPublic.model_validate(item),
                decision=decided.get(item.id) if item.id is not None else None,
            )
            for item in items
            if item.plan_id == cycle.recommended_plan_id
        ]
    return answer


def cycle_escalations(session: Session, *, cycle_id: int) -> list[EscalationDecision]:
    cycle = get_cycle(session, cycle_id=cycle_id)
    return escalations_by_cycle(session, cycles=[cycle])[cycle_id]


def _action_item_public(item: ActionItem, day: dt.date) -> dict[str, Any]:
    overdue = item.status != ActionItemStatus.done and item.due_date < day
    return {**item.model_dump(), "is_overdue": overdue}


def action_item_public(item: ActionItem) -> ActionItemPublic:
    return ActionItemPublic(**_action_item_public(item, today()))


def action_items_by_cycle(
    session: Session, *, cycles: Sequence[Cycle]
) -> dict[int, list[CycleActionItem]]:
    """Per cycle, its own action items and those of earlier cycles still open when it opened
    (not done yet, or done since): what its data gathering reviews."""
    if not cycles:
        return {}
    ids = [cycle.id for cycle in cycles]
    earliest_opening = min(as_utc(cycle.opened_at) for cycle in cycles)
    rows = session.exec(
        select(ActionItem, Cycle.period)
        .join(Cycle, col(ActionItem.cycle_id) == col(Cycle.id))
        .where(col(Cycle.period) <= max(cycle.period for cycle in cycles))
        .where(
            or_(
                col(ActionItem.cycle_id).in_(ids),
                col(ActionItem.status) != ActionItemStatus.done,
                col(ActionItem.done_at) >= earliest_opening,
            )
        )
        .order_by(col(ActionItem.due_date), col(ActionItem.id))
    ).all()
    day = today()
    answer: dict[int, list[CycleActionItem]] = {}
    for cycle in cycles:
        assert cycle.id is not None
        opened = as_utc(cycle.opened_at)
        answer[cycle.id] = [
            CycleActionItem(
                **_action_item_public(item, day),
                raised_in_period=period,
                carried_over=item.cycle_id != cycle.id,
            )
            for item, period in rows
            if item.cycle_id == cycle.id
            or (period < cycle.period and (item.done_at is None or as_utc(item.done_at) >= opened))
        ]
    return answer


def cycle_action_items(session: Session, *, cycle_id: int) -> list[CycleActionItem]:
    cycle = get_cycle(session, cycle_id=cycle_id)
    return action_items_by_cycle(session, cycles=[cycle])[cycle_id]


def cycle_deviations(session: Session, *, cycle_id: int) -> list[CycleDeviationPublic]:
    """The deviations on a cycle's agenda in the order raised (by kind, then subject)."""
    get_cycle(session, cycle_id=cycle_id)
    rows = session.exec(
        select(CycleDeviation)
        .where(col(CycleDeviation.cycle_id) == cycle_id)
        .order_by(col(CycleDeviation.id))
    ).all()
    return [CycleDeviationPublic.model_validate(row) for row in rows]


def action_items_query(filters: ActionItemFilters | None = None) -> SelectOfScalar[ActionItem]:
    query = select(ActionItem)
    if filters is not None:
        for name in ("status", "owner_role", "owner_user"):
            value = getattr(filters, name)
            if value is not None:
                query = query.where(col(getattr(ActionItem, name)) == value)
    return query.order_by(col(ActionItem.due_date), col(ActionItem.id))


def get_action_item(session: Session, *, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound(f"no action item with id {item_id}", field="path.id")
    return item


def approved_plan(session: Session) -> ConsensusPlan | None:
    """The approved consensus plan: the one set of numbers every query calls current."""
    return session.exec(
        select(ConsensusPlan).where(col(ConsensusPlan.status) == ConsensusStatus.approved)
    ).first()


def current_plan(session: Session) -> ConsensusPlanPublic:
    """The approved consensus plan, whole."""
    plan = approved_plan(session)
    if plan is None or plan.id is None:
        raise NotFound("no approved consensus plan yet: the executive S&OP approves one")
    return consensus.whole_plan(session, plan_id=plan.id)


def raci_matrix() -> RaciMatrix:
    roles = list(Role)
    return RaciMatrix(
        roles=roles,
        activities=[
            RaciActivity(
                activity=activity.code,
                kind=activity.kind,
                description=activity.description,
                accountable=activity.accountable,
                cells={role: activity.letters(role) for role in roles},
            )
            for activity in ACTIVITIES
        ],
        decision_rights=[
            DecisionRight(action=action, roles=sorted(allowed))
            for action, allowed in RIGHTS.items()
        ],
        delegations=[
            DelegationRow(
                role=row.role,
                kinds=sorted(row.kinds),
                max_severity=row.max_severity,
                max_money=row.max_money,
                max_service_points=row.max_service_points,
            )
            for row in DELEGATIONS
        ],
    )
