"""The consensus build: streams in, waterfall and plan lines out.

Every write to a stream rebuilds the plan's consensus in the same transaction, so the
lines and the waterfall always follow the current inputs and a lock freezes all three.
"""

from collections.abc import Mapping

from sqlalchemy import delete
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.demand.forecasting.models import BaselineSeries, BaselineValue
from services.demand.plans import service as plans
from services.demand.plans.models import (
    DemandPlan,
    DemandPlanCreate,
    DemandPlanLine,
    DemandPlanLineBase,
)
from services.demand.streams.models import DemandInput
from shared import crud
from shared.contracts.demand import DemandStream
from shared.crud import EntitySpec, in_chunks
from shared.errors import DomainError, FieldError, ValidationFailed
from shared.periods import horizon

from .models import (
    ConsensusSummaryPublic,
    NextVersionRequest,
    PlanCellFilters,
    WaterfallCell,
    WaterfallRow,
)
from .rules import Cell, RuleInput, Waterfall, build_waterfall

WATERFALL = EntitySpec(
    table=WaterfallCell,
    key=("plan_id", "family_code", "segment_code", "period"),
    label="waterfall cell",
)


def rule_input(row: DemandInput, *, ref: str) -> RuleInput:
    assert row.id is not None
    return RuleInput(
        ref=ref,
        input_id=row.id,
        stream=row.stream,
        kind=row.kind,
        family_code=row.family_code,
        segment_code=row.segment_code,
        period_from=row.period_from,
        period_to=row.period_to,
        quantity=row.quantity,
        uplift_pct=row.uplift_pct,
        cannibalised_family_code=row.cannibalised_family_code,
        cannibalisation_share=row.cannibalisation_share,
        ramp_months=row.ramp_months,
        author=row.author,
        reason_code=row.reason_code,
    )


def compute(
    session: Session, *, plan: DemandPlan, refs: Mapping[int, str] | None = None
) -> Waterfall:
    """The waterfall of the plan's stored baseline and inputs (inputs in the order written)."""
    refs = refs or {}
    baseline: dict[Cell, float] = {
        (v.family_code, v.segment_code, v.period): v.quantity
        for v in session.exec(select(BaselineValue).where(col(BaselineValue.plan_id) == plan.id))
    }
    rows = session.exec(
        select(DemandInput).where(col(DemandInput.plan_id) == plan.id).order_by(col(DemandInput.id))
    ).all()
    inputs = [rule_input(row, ref=refs.get(row.id or 0, f"inputs.{row.id}")) for row in rows]
    periods = horizon(plan.horizon_start, plan.horizon_months)
    return build_waterfall(periods=periods, baseline=baseline, inputs=inputs)


def rebuild(
    session: Session,
    *,
    plan: DemandPlan,
    refs: Mapping[int, str] | None = None,
    refusal: type[DomainError] = ValidationFailed,
) -> ConsensusSummaryPublic:
    """Recompute the waterfall and write it and the plan's lines; refuse if a cell breaks.

    ``refs`` names inputs of the current request (``body.3``) so errors point at them;
    stored inputs are named ``inputs.<id>``.
    """
    assert plan.id is not None
    waterfall = compute(session, plan=plan, refs=refs)
    if waterfall.violations:
        raise refusal(
            f"{len(waterfall.violations)} input field(s) would make the consensus invalid",
            errors=[
                FieldError(field=f"{v.ref}.{v.field}", reason=v.reason)
                for v in waterfall.violations
            ],
        )
    cells = sorted(waterfall.cells.items())
    rows = [
        WaterfallRow(
            plan_id=plan.id,
            family_code=family,
            segment_code=segment,
            period=period,
            contributions=result.contributions,
            **{stream.value: value for stream, value in result.layers.items()},
        )
        for (family, segment, period), result in cells
    ]
    crud.upsert_many(session, spec=WATERFALL, items=rows)
    lines = [
        DemandPlanLineBase(
            family_code=family,
            segment_code=segment,
            period=period,
            quantity=result.layers[DemandStream.consensus],
        )
        for (family, segment, period), result in cells
    ]
    plans.write_lines(session, plan=plan, lines=lines)
    keep = set(waterfall.cells)
    _delete_other_cells(session, table=WaterfallCell, plan_id=plan.id, keep=keep)
    _delete_other_cells(session, table=DemandPlanLine, plan_id=plan.id, keep=keep)
    plan.built_from_streams = True
    session.add(plan)
    session.flush()
    return consensus_summary(session, plan_id=plan.id)


def build_consensus(
    session: Session, *, plan_id: int, revision: int | None
) -> ConsensusSummaryPublic:
    """An explicit rebuild of a draft plan from its streams."""
    plan = plans.writable_plan(session, plan_id=plan_id, revision=revision)
    plans.require_stream_plan(session, plan=plan)
    if not plan.built_from_streams:
        raise ValidationFailed(
            f"demand plan {plan_id} has no demand streams yet: compute its baseline or post "
            "role inputs first",
            field="path.id",
        )
    return rebuild(session, plan=plan)


def consensus_summary(session: Session, *, plan_id: int) -> ConsensusSummaryPublic:
    """Totals of the stored waterfall of any plan, draft or locked."""
    plan = plans.get_plan(session, plan_id=plan_id)
    cells = session.exec(select(WaterfallCell).where(col(WaterfallCell.plan_id) == plan_id)).all()
    totals = {
        stream.value: round(sum(getattr(c, stream.value) for c in cells), 6)
        for stream in DemandStream
    }
    inputs = len(
        session.exec(select(DemandInput.id).where(col(DemandInput.plan_id) == plan_id)).all()
    )
    return ConsensusSummaryPublic(
        plan_id=plan_id,
        version=plan.version,
        series=len({(c.family_code, c.segment_code) for c in cells}),
        cells=len(cells),
        inputs=inputs,
        totals=totals,
    )


def waterfall_query(*, plan_id: int, filters: PlanCellFilters) -> SelectOfScalar[WaterfallCell]:
    return crud.filtered(WATERFALL, filters).where(col(WaterfallCell.plan_id) == plan_id)


def _delete_other_cells(
    session: Session,
    *,
    table: type[WaterfallCell] | type[DemandPlanLine],
    plan_id: int,
    keep: set[Cell],
) -> None:
    stale = [
        row_id
        for row_id, family, segment, period in session.exec(
            select(table.id, table.family_code, table.segment_code, table.period).where(
                col(table.plan_id) == plan_id
            )
        )
        if (family, segment, period) not in keep
    ]
    for chunk in in_chunks(stale):
        session.exec(delete(table).where(col(table.id).in_(chunk)))


def draft_next_version(
    session: Session, *, plan_id: int, request: NextVersionRequest
) -> DemandPlan:
    """A new draft over the same horizon, carrying the source plan's streams or lines over.

    Copied inputs keep their author, reason, assumption and time: the audit trail follows.
    """
    source = plans.get_plan(session, plan_id=plan_id)
    draft = plans.create_plan(
        session,
        data=DemandPlanCreate(
            name=request.name or source.name,
            horizon_start=source.horizon_start,
            horizon_months=source.horizon_months,
            note=source.note if request.note is None else request.note,
        ),
    )
    if not source.built_from_streams:
        lines = session.exec(select(DemandPlanLine).where(col(DemandPlanLine.plan_id) == plan_id))
        plans.write_lines(session, plan=draft, lines=list(lines))
        return draft
    stream_tables: tuple[type[BaselineSeries] | type[BaselineValue] | type[DemandInput], ...] = (
        BaselineSeries,
        BaselineValue,
        DemandInput,
    )
    for table in stream_tables:
        rows = session.exec(
            select(table).where(col(table.plan_id) == plan_id).order_by(col(table.id))
        ).all()
        session.add_all(
            table.model_validate(row.model_dump(exclude={"id"}) | {"plan_id": draft.id})
            for row in rows
        )
    session.flush()
    rebuild(session, plan=draft)
    return draft
