"""The monthly roll: the next version of a plan over a horizon moved forward.

The statistical baseline is forecast again on the history known before the new horizon,
every role input that still acts on the new horizon is carried with its author, reason,
assumption and time (``rules.still_acts``), and the inputs that ended are dropped and
listed. A plan loaded line by line carries its lines that fall in the new horizon.
"""

import datetime as dt

from sqlmodel import Session, col, select

from services.demand.consensus import service as consensus
from services.demand.forecasting import service as forecasting
from services.demand.forecasting.models import BaselineRequest, BaselineSeries
from services.demand.streams.models import DemandInput
from shared.contracts.demand import DemandPlanPublic, PlanRollPublic, PlanRollRequest, RolledInput
from shared.errors import Conflict
from shared.periods import add_months, check_horizon_start

from . import service as plans
from .models import DemandPlan, DemandPlanCreate, DemandPlanLine
from .rules import last_acting_month, still_acts


def roll_plan(session: Session, *, plan_id: int, request: PlanRollRequest) -> PlanRollPublic:
    """A new draft of plan ``plan_id`` over its horizon moved ``request.months`` forward."""
    source = plans.get_plan(session, plan_id=plan_id)
    start = add_months(source.horizon_start, request.months)
    check_horizon_start(start=start, today=dt.date.today(), field="body.months")
    draft = plans.create_plan(
        session,
        data=DemandPlanCreate(
            name=request.name or source.name,
            horizon_start=start,
            horizon_months=source.horizon_months,
            note=source.note if request.note is None else request.note,
        ),
    )
    carried: list[RolledInput] = []
    dropped: list[RolledInput] = []
    baseline_series = 0
    if source.built_from_streams:
        for row in _inputs(session, plan_id=plan_id):
            keep = still_acts(
                kind=row.kind, period_from=row.period_from, period_to=row.period_to, start=start
            )
            (carried if keep else dropped).append(_rolled(row, start=start, carried=keep))
            if keep:
                session.add(
                    DemandInput.model_validate(
                        row.model_dump(exclude={"id"}) | {"plan_id": draft.id}
                    )
                )
        session.flush()
        baseline_series = _refresh_baseline(session, source=source, draft=draft)
    else:
        lines = session.exec(
            select(DemandPlanLine)
            .where(col(DemandPlanLine.plan_id) == plan_id)
            .where(col(DemandPlanLine.period) >= start)
        ).all()
        plans.write_lines(session, plan=draft, lines=list(lines))
    return PlanRollPublic(
        plan=DemandPlanPublic.model_validate(draft),
        source_plan_id=plan_id,
        months=request.months,
        baseline_series=baseline_series,
        carried=carried,
        dropped=dropped,
    )


def _inputs(session: Session, *, plan_id: int) -> list[DemandInput]:
    # In id order: the later of two overrides on a cell wins, in the copy as in the source.
    return list(
        session.exec(
            select(DemandInput)
            .where(col(DemandInput.plan_id) == plan_id)
            .order_by(col(DemandInput.id))
        ).all()
    )


def _refresh_baseline(session: Session, *, source: DemandPlan, draft: DemandPlan) -> int:
    """Forecast the draft's baseline again when the source had one (the forecast rebuilds the
    consensus); otherwise rebuild it from the carried inputs alone. Returns the series."""
    had_baseline = session.exec(
        select(BaselineSeries.id).where(col(BaselineSeries.plan_id) == source.id).limit(1)
    ).first()
    assert draft.id is not None
    if had_baseline is None:
        consensus.rebuild(session, plan=draft, refusal=Conflict)
        return 0
    summary = forecasting.run_baseline(
        session, plan_id=draft.id, revision=draft.revision, request=BaselineRequest()
    )
    return summary.series


def _rolled(row: DemandInput, *, start: str, carried: bool) -> RolledInput:
    last = last_acting_month(kind=row.kind, period_from=row.period_from, period_to=row.period_to)
    if carried:
        note = f"acts through {last}" if last is not None else f"a {row.kind} acts for ever"
    else:
        note = f"ended {last}, before the rolled horizon starts in {start}"
    assert row.id is not None
    return RolledInput(
        input_id=row.id,
        stream=row.stream,
        kind=row.kind,
        family_code=row.family_code,
        segment_code=row.segment_code,
        period_from=row.period_from,
        period_to=row.period_to,
        author=row.author,
        reason_code=row.reason_code,
        note=note,
    )
