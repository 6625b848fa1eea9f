"""Process performance and the reviews' agendas, over the cycle's records (gateway database)
and, for the agendas' headline, the execution KPIs (``gateway.execution``).

Every rule is in ``gateway.process.rules``; this module reads and groups.
"""

import asyncio
import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from gateway.clients import Upstreams
from gateway.cycle import queries
from gateway.cycle.models import (
    ActionItem,
    ActionItemStatus,
    Cycle,
    CycleActionItem,
    CycleDeviation,
    CycleStep,
    Decision,
    EscalationDecision,
)
from gateway.cycle.raci import ACTIVITY_BY_CODE, StepName
from gateway.cycle.rules import days_late
from gateway.execution import service as execution
from gateway.execution.models import AdherenceFilters, ServiceFilters, VarianceFilters
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusFamilyLine, ConsensusPlan, FenceRelease
from gateway.process import rules
from gateway.process.models import (
    AgendaFilters,
    AgendaItem,
    AgendaKpis,
    AgendaOwner,
    CyclePerformance,
    DecisionLatency,
    FenceChange,
    FenceChanges,
    ItemSource,
    LateStep,
    Meeting,
    MeetingAgenda,
    OnTime,
    PerformanceFilters,
    PerformanceReport,
    ProcessMeasures,
    RoleInputs,
)
from gateway.solver.solution import Totals
from shared.auth import Role
from shared.db import run_in_session
from shared.errors import ValidationFailed
from shared.periods import add_months
from shared.types import as_utc, utc_now

# --- process performance -------------------------------------------------------------------


@dataclass(frozen=True)
class CycleRecords:
    """What one cycle's performance is measured on."""

    cycle: Cycle
    steps: list[CycleStep]
    latencies: list[float]
    undecided: int
    fence: list[FenceChange]
    action_items: list[ActionItem]


def _on_time(statuses: Iterable[rules.Timeliness]) -> OnTime:
    counts = Counter(statuses)
    on_time, late = counts[rules.Timeliness.on_time], counts[rules.Timeliness.late]
    return OnTime(
        total=sum(counts.values()),
        on_time=on_time,
        late=late,
        pending=counts[rules.Timeliness.pending],
        on_time_rate=rules.on_time_rate(on_time=on_time, late=late),
    )


def _done_on(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else as_utc(moment).date()


def measure(records: Sequence[CycleRecords], *, as_of: dt.date) -> ProcessMeasures:
    """The measures of ``records`` pooled: one cycle's, or every cycle's together."""
    step_status: list[tuple[Cycle, CycleStep, rules.Timeliness]] = [
        (
            record.cycle,
            step,
            rules.timeliness(due=step.due_date, done_on=_done_on(step.completed_at), as_of=as_of),
        )
        for record in records
        for step in record.steps
    ]
    by_role: dict[str, list[rules.Timeliness]] = defaultdict(list)
    for _, step, status in step_status:
        by_role[step.owner_role].append(status)
    latencies = [days for record in records for days in record.latencies]
    fence = [change for record in records for change in record.fence]
    return ProcessMeasures(
        inputs=[
            RoleInputs(role=Role(role), steps=_on_time(statuses))
            for role, statuses in sorted(by_role.items())
        ],
        steps=_on_time(status for _, _, status in step_status),
        late_steps=[
            LateStep(
                cycle_id=cycle.id or 0,
                period=cycle.period,
                step=StepName(step.step),
                owner_role=Role(step.owner_role),
                due_date=step.due_date,
                completed_at=step.completed_at,
                status=status,
                days_late=days_late(
                    due=step.due_date, done_on=_done_on(step.completed_at), as_of=as_of
                ),
            )
            for cycle, step, status in step_status
            if status == rules.Timeliness.late
        ],
        decision_latency=DecisionLatency(
            decisions=len(latencies),
            mean_days=math.fsum(latencies) / len(latencies) if latencies else None,
            max_days=max(latencies) if latencies else None,
            undecided=sum(record.undecided for record in records),
        ),
        fence=FenceChanges(
            releases=len(fence),
            units_moved=math.fsum(
                abs(change.planned_production - change.held_production) for change in fence
            ),
            changes=fence,
        ),
        action_items=_on_time(
            rules.timeliness(due=item.due_date, done_on=_done_on(item.done_at), as_of=as_of)
            for record in records
            for item in record.action_items
        ),
    )


def _records(session: Session, cycles: Sequence[Cycle]) -> list[CycleRecords]:
    ids = [cycle.id for cycle in cycles if cycle.id is not None]
    steps = queries.steps_by_cycle(session, ids)
    decisions = session.exec(select(Decision).where(col(Decision.cycle_id).in_(ids))).all()
    plan_ids = sorted({decision.plan_id for decision in decisions})
    raised = {
        plan.id: as_utc(plan.created_at)
        for plan in consensus.plans_by_id(session, plan_ids=plan_ids)
    }
    latencies: dict[int, list[float]] = defaultdict(list)
    for decision in decisions:
        latencies[decision.cycle_id].append(
            rules.latency_days(raised=raised[decision.plan_id], decided=as_utc(decision.decided_at))
        )
    escalations = queries.escalations_by_cycle(session, cycles=cycles)
    recommended = {c.recommended_plan_id: c for c in cycles if c.recommended_plan_id}
    releases = session.exec(
        select(FenceRelease)
        .where(col(FenceRelease.plan_id).in_(list(recommended)))
        .order_by(col(FenceRelease.plan_id), col(FenceRelease.period), col(FenceRelease.id))
    ).all()
    planned = {
        (line.plan_id, line.family_code, line.period): line.production
        for line in session.exec(
            select(ConsensusFamilyLine).where(
                col(ConsensusFamilyLine.plan_id).in_({r.plan_id for r in releases})
            )
        )
    }
    fence: dict[int, list[FenceChange]] = defaultdict(list)
    for release in releases:
        cycle = recommended[release.plan_id]
        assert cycle.id is not None
        fence[cycle.id].append(
            FenceChange(
                cycle_id=cycle.id,
                period=cycle.period,
                plan_id=release.plan_id,
                family_code=release.family_code,
                fenced_period=release.period,
                reason=release.reason,
                held_production=release.held_production,
                planned_production=planned.get(
                    (release.plan_id, release.family_code, release.period), 0.0
                ),
            )
        )
    items = session.exec(
        select(ActionItem).where(col(ActionItem.cycle_id).in_(ids)).order_by(col(ActionItem.id))
    ).all()
    items_by_cycle: dict[int, list[ActionItem]] = defaultdict(list)
    for item in items:
        items_by_cycle[item.cycle_id].append(item)
    return [
        CycleRecords(
            cycle=cycle,
            steps=steps[cycle.id],
            latencies=latencies[cycle.id],
            undecided=sum(1 for row in escalations[cycle.id] if row.decision is None),
            fence=fence[cycle.id],
            action_items=items_by_cycle[cycle.id],
        )
        for cycle in cycles
        if cycle.id is not None
    ]


def performance_report(session: Session, *, filters: PerformanceFilters) -> PerformanceReport:
    """How the process performs, per cycle and over the cycles of the months asked for:
    steps (the roles' inputs) and action items against their due dates, decision latency,
    changes inside the time fence (``gateway.process.rules``)."""
    as_of = filters.as_of or utc_now().date()
    query = select(Cycle).order_by(col(Cycle.period))
    if filters.period_from is not None:
        query = query.where(col(Cycle.period) >= filters.period_from)
    if filters.period_to is not None:
        query = query.where(col(Cycle.period) <= filters.period_to)
    records = _records(session, session.exec(query).all())
    return PerformanceReport(
        as_of=as_of,
        cycles=[
            CyclePerformance(
                **dict(measure([record], as_of=as_of)),
                cycle_id=record.cycle.id,
                period=record.cycle.period,
                status=record.cycle.status,
            )
            for record in records
        ],
        over_cycles=measure(records, as_of=as_of),
    )


# --- agendas -------------------------------------------------------------------------------


def _escalation_item(row: EscalationDecision, *, period: str) -> AgendaItem:
    item = row.escalation
    meeting = rules.meeting_of(kind=item.kind, owner_role=None)
    return AgendaItem(
        source=ItemSource.escalation,
        id=item.id,
        kind=item.kind,
        title=item.title,
        detail=item.detail,
        severity=item.severity,
        owner_role=rules.owner_of_meeting(meeting),
        owner_user=None,
        due_date=None,
        periods=item.periods,
        amount=item.amount,
        unit=item.unit,
        raised_in_period=period,
        overdue=False,
    )


def _action_item(item: CycleActionItem) -> AgendaItem:
    return AgendaItem(
        source=ItemSource.action_item,
        id=item.id,
        kind=ItemSource.action_item.value,
        title=item.title,
        detail=item.detail,
        severity=None,
        owner_role=item.owner_role,
        owner_user=item.owner_user,
        due_date=item.due_date,
        periods=[],
        amount=None,
        unit=None,
        raised_in_period=item.raised_in_period,
        overdue=item.is_overdue,
    )


def _deviation_item(row: CycleDeviation) -> AgendaItem:
    assert row.id is not None
    return AgendaItem(
        source=ItemSource.deviation,
        id=row.id,
        kind=f"{rules.DEVIATION}_{row.kind}",
        title=f"{row.kind.replace('_', ' ')} of {row.subject_code} in {row.period}",
        detail=row.detail,
        severity=None,
        owner_role=Role(row.owner_role),
        owner_user=None,
        due_date=None,
        periods=[row.period],
        amount=row.value,
        unit="share",
        raised_in_period=row.period,
        overdue=False,
    )


def _meeting_of(item: AgendaItem) -> StepName:
    return rules.meeting_of(kind=item.kind, owner_role=item.owner_role)


def _owners(items: Iterable[AgendaItem]) -> list[AgendaOwner]:
    counts = Counter((item.owner_role, item.owner_user) for item in items)
    return [
        AgendaOwner(role=role, user=user, items=count)
        for (role, user), count in sorted(
            counts.items(), key=lambda i: (str(i[0][0]), str(i[0][1]))
        )
    ]


@dataclass(frozen=True)
class AgendaRecords:
    cycle: Cycle
    steps: dict[StepName, CycleStep]
    undecided: list[AgendaItem]
    open_actions: list[AgendaItem]
    deviations: list[AgendaItem]
    plan_totals: Totals | None


def _agenda_records(session: Session, *, cycle_id: int) -> AgendaRecords:
    cycle = queries.get_cycle(session, cycle_id=cycle_id)
    escalations = queries.escalations_by_cycle(session, cycles=[cycle])[cycle_id]
    actions = queries.action_items_by_cycle(session, cycles=[cycle])[cycle_id]
    plan = (
        session.get(ConsensusPlan, cycle.recommended_plan_id) if cycle.recommended_plan_id else None
    )
    return AgendaRecords(
        cycle=cycle,
        steps=queries.steps_of(session, cycle),
        undecided=[
            _escalation_item(row, period=cycle.period)
            for row in escalations
            if row.decision is None
        ],
        open_actions=[
            _action_item(item) for item in actions if item.status != ActionItemStatus.done
        ],
        deviations=[
            _deviation_item(row)
            for row in session.exec(
                select(CycleDeviation)
                .where(CycleDeviation.cycle_id == cycle_id)
                .order_by(col(CycleDeviation.id))
            ).all()
        ],
        plan_totals=None if plan is None else consensus.summary_of(plan).totals,
    )


async def headline(
    *, upstreams: Upstreams, engine: Engine, month: str, plan_totals: Totals | None
) -> AgendaKpis:
    """The execution KPIs of ``month`` against its approved plan; a figure that cannot be
    worked out (e.g. a cost actual missing) is left out with the reason in ``notes``."""
    notes: list[str] = []
    adherence, service, variance = await asyncio.gather(
        execution.adherence_report(
            upstreams=upstreams,
            engine=engine,
            filters=AdherenceFilters(period_from=month, period_to=month),
        ),
        execution.service_report(
            upstreams=upstreams, filters=ServiceFilters(period_from=month, period_to=month)
        ),
        execution.variance_report(
            upstreams=upstreams,
            engine=engine,
            filters=VarianceFilters(period_from=month, period_to=month),
        ),
        return_exceptions=True,
    )
    for name, answer in (("adherence", adherence), ("service", service), ("variance", variance)):
        if isinstance(answer, ValidationFailed):
            notes.append(f"{name}: {answer.detail}")
        elif isinstance(answer, BaseException):
            raise answer
    made = None if isinstance(adherence, BaseException) or not adherence.months else adherence
    sold = None if isinstance(variance, BaseException) or not variance.months else variance
    if not isinstance(adherence, BaseException) and made is None:
        notes.append(f"adherence: no supply actuals of {month} against an approved plan")
    if not isinstance(variance, BaseException) and sold is None:
        notes.append(f"variance: no revenue actuals of {month} against an approved plan")
    return AgendaKpis(
        month=month,
        production=made.total if made else None,
        inventory=made.total_inventory if made else None,
        service=[] if isinstance(service, BaseException) else service.by_segment,
        margin_variance=sold.total if sold else None,
        plan_totals=plan_totals,
        notes=notes,
    )


def _agenda(records: AgendaRecords, meeting: Meeting, kpis: AgendaKpis) -> MeetingAgenda:
    step = records.steps[StepName(meeting)]
    items = [
        item
        for item in [*records.undecided, *records.open_actions, *records.deviations]
        if _meeting_of(item) == meeting
    ]
    decisions = (
        records.undecided
        if meeting == Meeting.executive_sop
        else [item for item in records.undecided if _meeting_of(item) == meeting]
    )
    activity = ACTIVITY_BY_CODE[meeting]
    attendees = {role: activity.letters(role) for role in Role}
    assert records.cycle.id is not None
    return MeetingAgenda(
        cycle_id=records.cycle.id,
        period=records.cycle.period,
        meeting=meeting,
        due_date=step.due_date,
        status=step.status,
        owner_role=Role(step.owner_role),
        attendees={role: letters for role, letters in attendees.items() if letters != "I"},
        open_items=items,
        deviations=[item for item in items if rules.is_deviation(item.kind)],
        decisions_needed=decisions,
        kpis=kpis,
        owners=_owners({(i.source, i.id): i for i in [*items, *decisions]}.values()),
    )


async def agendas(
    *, upstreams: Upstreams, engine: Engine, cycle_id: int, filters: AgendaFilters
) -> list[MeetingAgenda]:
    """The pre-meeting report of each review of a cycle (or of ``filters.meeting``): its open
    items, deviations and decisions needed (``rules.meeting_of``), their owners, and the
    execution headline of the month before the cycle's."""
    records = await run_in_session(
        engine, lambda session: _agenda_records(session, cycle_id=cycle_id)
    )
    kpis = await headline(
        upstreams=upstreams,
        engine=engine,
        month=add_months(records.cycle.period, -1),
        plan_totals=records.plan_totals,
    )
    meetings = [filters.meeting] if filters.meeting is not None else list(Meeting)
    return [_agenda(records, meeting, kpis) for meeting in meetings]
