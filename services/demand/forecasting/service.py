"""The statistical stream of a plan: a baseline per family x segment from the history.

Only history before the plan's horizon is used, so a plan's baseline is what could have
been known when it was drafted. A series runs from its first month of history to the last
one before the horizon; missing months inside it count as zero demand (the data-quality
report lists them as gaps).
"""

import time
from collections import Counter

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from services.demand.consensus import service as consensus
from services.demand.history.models import DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.plans import service as plans
from shared import crud
from shared.crud import EntitySpec
from shared.errors import Conflict, ValidationFailed
from shared.periods import add_months, horizon, months_between

from .methods import forecast_series
from .models import (
    BaselineFilters,
    BaselineRequest,
    BaselineSeries,
    BaselineSummary,
    BaselineValue,
)

BASELINE = EntitySpec(
    table=BaselineSeries, key=("plan_id", "family_code", "segment_code"), label="baseline series"
)


def run_baseline(
    session: Session, *, plan_id: int, revision: int | None, request: BaselineRequest
) -> BaselineSummary:
    """Forecast every selected series, store the statistical stream, rebuild the consensus."""
    started = time.perf_counter()
    plan = plans.writable_plan(session, plan_id=plan_id, revision=revision)
    plans.require_stream_plan(session, plan=plan)
    crud.check_references(
        session, references=plans.LINES.references, items=[request], indexed=False
    )
    histories = load_series(
        session,
        filters=DemandHistoryFilters(
            family_code=request.family_code,
            segment_code=request.segment_code,
            period_from=request.history_from,
        ),
        before=plan.horizon_start,
    )
    if not histories:
        raise ValidationFailed(
            f"there is no demand history before {plan.horizon_start} for the selected series",
            field="body",
        )
    periods = horizon(plan.horizon_start, plan.horizon_months)
    _clear(session, plan_id=plan_id, request=request)
    methods: Counter[str] = Counter()
    fallbacks = 0
    for (family, segment), by_period in sorted(histories.items()):
        first, last = min(by_period), max(by_period)
        months = months_between(first, last) + 1
        y = np.array([by_period.get(add_months(first, k), 0.0) for k in range(months)])
        steps = months_between(last, periods[-1])
        result = forecast_series(y, steps)
        methods[result.method] += 1
        fallbacks += result.fallback
        session.add(
            BaselineSeries(
                plan_id=plan_id,
                family_code=family,
                segment_code=segment,
                method=result.method,
                detail=result.detail,
                history_months=result.history_months,
                intermittent=result.intermittent,
                fallback=result.fallback,
                note=result.note,
                holdout_months=result.holdout_months,
                holdout_mae=result.holdout_mae,
                holdout_wmape=result.holdout_wmape,
                candidates=result.candidates,
            )
        )
        session.add_all(
            BaselineValue(
                plan_id=plan_id,
                family_code=family,
                segment_code=segment,
                period=period,
                quantity=round(float(result.values[months_between(last, period) - 1]), 6),
            )
            for period in periods
        )
    session.flush()
    # A new baseline may break an input stored earlier (a delta now driving demand negative).
    consensus.rebuild(session, plan=plan, refusal=Conflict)
    return BaselineSummary(
        plan_id=plan_id,
        series=len(histories),
        fallbacks=fallbacks,
        methods=dict(sorted(methods.items())),
        seconds=round(time.perf_counter() - started, 3),
    )


def baseline_query(*, plan_id: int, filters: BaselineFilters) -> SelectOfScalar[BaselineSeries]:
    return crud.filtered(BASELINE, filters).where(col(BaselineSeries.plan_id) == plan_id)


def _clear(session: Session, *, plan_id: int, request: BaselineRequest) -> None:
    """Remove the stored baseline of the series about to be forecast again."""
    for table in (BaselineSeries, BaselineValue):
        statement = delete(table).where(col(table.plan_id) == plan_id)
        if request.family_code is not None:
            statement = statement.where(col(table.family_code) == request.family_code)
        if request.segment_code is not None:
            statement = statement.where(col(table.segment_code) == request.segment_code)
        session.exec(statement)
