"""The demand hierarchy: item history summed to every level, coherent forecasts across the
levels, and a locked family plan split to items and locations for master scheduling."""

import inspect
import time
from collections import defaultdict
from collections.abc import Mapping

import pandas as pd
from sqlmodel import Session, col, select

from services.demand.families.models import Family
from services.demand.history.models import DemandHistoryFilters
from services.demand.history.service import load_series
from services.demand.items.service import (
    NO_CUSTOMER,
    BottomKey,
    CustomerKey,
    load_bottom_series,
    load_customer_series,
)
from services.demand.locations.models import Location
from services.demand.plans.models import DemandPlanLine
from services.demand.plans.service import get_plan
from services.demand.units import service as units
from shared import crud
from shared.contracts.demand import ForecastMethod, PlanStatus
from shared.contracts.hierarchy import (
    DisaggregatedLinePublic,
    DisaggregationBasis,
    DisaggregationPublic,
    ItemHistoryQuery,
    UnallocatedLinePublic,
    UnitTotal,
)
from shared.errors import Conflict, FieldError, ValidationFailed
from shared.periods import add_months, horizon, months_between

from . import reconcile, rules
from .models import (
    AggregateRow,
    CoherenceGap,
    DisaggregationParams,
    HierarchicalForecastRequest,
    HierarchicalForecastResponse,
    HierarchicalSeries,
    HistoryReportParams,
    TotalsParams,
)

NODE_FIELDS = ("family_code", "segment_code", "item_code", "location_code", "customer_code")
DIMENSION_FIELDS = {
    "family": "family_code",
    "segment": "segment_code",
    "region": "region",
    "location": "location_code",
    "item": "item_code",
    "customer": "customer_code",
}


def _bottom_rows(
    session: Session, series: Mapping[BottomKey, Mapping[str, float]]
) -> list[tuple[dict[str, str], str, float]]:
    customers = {(*key, NO_CUSTOMER): values for key, values in series.items()}
    return _customer_rows(session, customers)


def _customer_rows(
    session: Session, series: Mapping[CustomerKey, Mapping[str, float]]
) -> list[tuple[dict[str, str], str, float]]:
    regions = {location.code: location.region for location in session.exec(select(Location))}
    return [
        (
            {
                "family": family,
                "segment": segment,
                "item": item,
                "location": location,
                "region": regions[location],
                "customer": customer,
            },
            period,
            quantity,
        )
        for (family, segment, item, location, customer), values in series.items()
        for period, quantity in values.items()
    ]


def history_report(session: Session, *, params: HistoryReportParams) -> list[AggregateRow]:
    """Item history summed to ``params.level``, in ``params.unit`` (else each base unit)."""
    series = load_customer_series(session, query=params)
    factors = units.factors(session, family_codes={key[0] for key in series}, unit=params.unit)
    sums = rules.aggregate(_customer_rows(session, series), level=params.level)
    kept = rules.LEVEL_DIMENSIONS[params.level]
    rows = []
    for (key, period), quantity in sorted(sums.items()):
        unit, factor = factors[key[0]]
        fields = {
            DIMENSION_FIELDS[name]: value or None for name, value in zip(kept, key, strict=True)
        }
        rows.append(AggregateRow(**fields, period=period, quantity=quantity * factor, unit=unit))
    return rows


def totals(session: Session, *, params: TotalsParams) -> list[UnitTotal]:
    """Item history totals: one per unit, never a sum over families of different units."""
    series = load_bottom_series(session, query=params)
    factors = units.factors(session, family_codes={key[0] for key in series}, unit=params.unit)
    rows = [
        (family, factors[family][0], quantity * factors[family][1])
        for (family, *_), values in series.items()
        for quantity in values.values()
    ]
    return units.unit_totals(rows)


def coherence(session: Session, *, query: ItemHistoryQuery) -> list[CoherenceGap]:
    """Family x segment x months where item history and family history differ (either side
    missing counts as zero), for the families that have item history."""
    series = load_bottom_series(session, query=query)
    item_sums = rules.aggregate(_bottom_rows(session, series), level=rules.Level.family_segment)
    families = {key[0] for key in series}
    family_sums: dict[tuple[tuple[str, ...], str], float] = {}
    for family in sorted(families):
        filters = DemandHistoryFilters(
            family_code=family, period_from=query.period_from, period_to=query.period_to
        )
        for (family_code, segment), values in load_series(session, filters=filters).items():
            for period, quantity in values.items():
                family_sums[((family_code, segment), period)] = quantity
    gaps = []
    for key in sorted(set(item_sums) | set(family_sums)):
        (family_code, segment), period = key
        family_value, item_value = family_sums.get(key, 0.0), item_sums.get(key, 0.0)
        if family_value != item_value:
            gaps.append(
                CoherenceGap(
                    family_code=family_code,
                    segment_code=segment,
                    period=period,
                    family_history=family_value,
                    item_history=item_value,
                    difference=item_value - family_value,
                )
            )
    return gaps


def _families(session: Session, *, family_codes: list[str] | None) -> list[str]:
    """The families asked for (every family when none is named); 422 naming unknown ones."""
    if family_codes is None:
        return sorted(set(session.exec(select(Family.code)).all()))
    known = crud.existing_values(session, table=Family, column="code", values=family_codes)
    errors = [
        FieldError(field=f"body.family_codes.{index}", reason=f"unknown family code '{code}'")
        for index, code in enumerate(family_codes)
        if code not in known
    ]
    if errors:
        raise ValidationFailed(f"{len(errors)} unknown family code(s)", errors=errors)
    return sorted(set(family_codes))


def hierarchical_forecast(
    session: Session, *, request: HierarchicalForecastRequest
) -> HierarchicalForecastResponse:
    """Base forecasts of every node of each family's tree, and the coherent forecasts of each
    reconciliation method asked for (``reconcile``)."""
    started = time.perf_counter()
    families = _families(session, family_codes=request.family_codes)
    by_family: dict[str, reconcile.History] = {}
    load = load_customer_series if request.by_customer else load_bottom_series
    for family in families:
        query = ItemHistoryQuery(family_code=family, period_to=request.last_period)
        by_family[family] = load(session, query=query)
    with_history = [family for family in families if by_family[family]]
    if not with_history:
        raise ValidationFailed(
            "no item history to forecast for these families", field="body.family_codes"
        )
    last = request.last_period or max(
        max(values) for family in with_history for values in by_family[family].values()
    )
    first = min(min(values) for family in with_history for values in by_family[family].values())
    periods = horizon(first, months_between(first, last) + 1)
    future = horizon(add_months(last, 1), request.horizon)
    factors = units.factors(session, family_codes=with_history, unit=request.unit)
    series: list[HierarchicalSeries] = []
    for family in with_history:
        tree = reconcile.build_tree(by_family[family], periods)
        try:
            base, fitted = reconcile.base_forecasts(
                tree,
                horizon=request.horizon,
                method=ForecastMethod(request.method.value),
                season_length=request.season_length,
            )
        except ValueError as exc:
            raise ValidationFailed(f"family {family}: {exc}", field="body.method") from exc
        try:
            coherent = reconcile.reconcile(
                tree, base=base, fitted=fitted, methods=request.reconciliation
            )
        except ValueError as exc:
            raise ValidationFailed(f"family {family}: {exc}", field="body.reconciliation") from exc
        unit, factor = factors[family]
        series.extend(_tree_series(tree, coherent, request=request, unit=unit, factor=factor))
    return HierarchicalForecastResponse(
        periods=future,
        method=request.method,
        reconciliation=request.reconciliation,
        levels=list(reconcile.CUSTOMER_LEVELS if request.by_customer else reconcile.TREE_LEVELS),
        series=series,
        seconds=round(time.perf_counter() - started, 3),
    )


def _tree_series(
    tree: reconcile.Tree,
    coherent: pd.DataFrame,
    *,
    request: HierarchicalForecastRequest,
    unit: str,
    factor: float,
) -> list[HierarchicalSeries]:
    level_of = {node: level for level, nodes in tree.tags.items() for node in nodes}
    answer = []
    for node, frame in coherent.sort_values("ds").groupby("unique_id", sort=False):
        codes = reconcile.node_codes(str(node))
        # The customer '' is the demand not split by customer: no customer code.
        fields = {name: code or None for name, code in zip(NODE_FIELDS, codes, strict=False)}
        answer.append(
            HierarchicalSeries(
                level=level_of[str(node)],
                **fields,
                unit=unit,
                base=[round(v * factor, 6) for v in frame[reconcile.BASE]],
                reconciled={
                    method.value: [round(v * factor, 6) for v in frame[method.value]]
                    for method in request.reconciliation
                },
            )
        )
    order = {level: index for index, level in enumerate(reconcile.CUSTOMER_LEVELS)}
    return sorted(
        answer,
        key=lambda s: (
            order[s.level],
            s.segment_code or "",
            s.item_code or "",
            s.location_code or "",
            s.customer_code or "",
        ),
    )


DISAGGREGATION_RULE = inspect.cleandoc(rules.disaggregate.__doc__ or "")


def disaggregation(
    session: Session, *, plan_id: int, params: DisaggregationParams
) -> DisaggregationPublic:
    """The locked plan's family x segment lines split to items and locations (``rules``)."""
    if params.by_customer and params.basis != DisaggregationBasis.history:
        raise ValidationFailed(
            "by_customer splits by the history mix only: use basis history",
            field="query.by_customer",
        )
    plan = get_plan(session, plan_id=plan_id)
    if plan.status != PlanStatus.locked:
        raise Conflict(
            f"demand plan {plan_id} is a draft: only the approved (locked) plan is handed "
            "to master scheduling",
            field="path.id",
        )
    query = select(DemandPlanLine).where(col(DemandPlanLine.plan_id) == plan_id)
    for name in ("family_code", "segment_code"):
        value = getattr(params, name)
        if value is not None:
            query = query.where(col(getattr(DemandPlanLine, name)) == value)
    if params.period_from is not None:
        query = query.where(col(DemandPlanLine.period) >= params.period_from)
    if params.period_to is not None:
        query = query.where(col(DemandPlanLine.period) <= params.period_to)
    lines = list(session.exec(query.order_by(col(DemandPlanLine.id))))
    families = sorted({line.family_code for line in lines})
    factors = units.factors(session, family_codes=families, unit=params.unit)
    history_from = add_months(plan.horizon_start, -params.history_months)
    mixes = {
        family: _mix(
            session,
            family=family,
            params=params,
            history_from=history_from,
            horizon_start=plan.horizon_start,
            horizon_months=plan.horizon_months,
        )
        for family in families
    }
    allocated: list[DisaggregatedLinePublic] = []
    unallocated: list[UnallocatedLinePublic] = []
    for line in sorted(lines, key=lambda x: (x.family_code, x.segment_code, x.period)):
        unit, factor = factors[line.family_code]
        basis = mixes[line.family_code].get((line.segment_code, line.period), {})
        if not basis:
            unallocated.append(
                UnallocatedLinePublic(
                    family_code=line.family_code,
                    segment_code=line.segment_code,
                    period=line.period,
                    quantity=line.quantity * factor,
                    unit=unit,
                    reason=f"no item history of family {line.family_code} in segment "
                    f"{line.segment_code} from {history_from} to mix by",
                )
            )
            continue
        shares = rules.mix_shares(basis)
        for member, quantity in sorted(rules.disaggregate(line.quantity, shares).items()):
            item, location, *customer = member
            allocated.append(
                DisaggregatedLinePublic(
                    plan_id=plan_id,
                    family_code=line.family_code,
                    segment_code=line.segment_code,
                    item_code=item,
                    location_code=location,
                    customer_code=customer[0] or None if customer else None,
                    period=line.period,
                    quantity=quantity * factor,
                    share=shares[member],
                    unit=unit,
                )
            )
    return DisaggregationPublic(
        plan_id=plan_id,
        basis=params.basis,
        rule=DISAGGREGATION_RULE,
        lines=allocated,
        unallocated=unallocated,
    )


Mix = dict[tuple[str, str], dict[tuple[str, ...], float]]
"""{(segment, period): {(item, location[, customer]): basis quantity}}."""


def _mix(
    session: Session,
    *,
    family: str,
    params: DisaggregationParams,
    history_from: str,
    horizon_start: str,
    horizon_months: int,
) -> Mix:
    """The basis each of the family's plan lines is split by."""
    plan_periods = horizon(horizon_start, horizon_months)
    if params.basis == DisaggregationBasis.history:
        recent = load_customer_series(
            session,
            query=ItemHistoryQuery(family_code=family, period_from=history_from),
            before=horizon_start,
        )
        per_segment: dict[str, dict[tuple[str, ...], float]] = defaultdict(dict)
        for (_, segment, item, location, customer), values in recent.items():
            member = (item, location, customer) if params.by_customer else (item, location)
            per_segment[segment][member] = per_segment[segment].get(member, 0.0) + sum(
                values.values()
            )
        return {
            (segment, period): basis
            for segment, basis in per_segment.items()
            for period in plan_periods
        }
    history = load_bottom_series(
        session, query=ItemHistoryQuery(family_code=family), before=horizon_start
    )
    if not history:
        return {}
    first = min(min(values) for values in history.values())
    last = add_months(horizon_start, -1)
    tree = reconcile.build_tree(history, horizon(first, months_between(first, last) + 1))
    try:
        base, _ = reconcile.base_forecasts(
            tree,
            horizon=horizon_months,
            method=ForecastMethod(params.method.value),
            season_length=12,
        )
    except ValueError as exc:
        raise ValidationFailed(f"family {family}: {exc}", field="query.method") from exc
    bottom = set(tree.tags[reconcile.TREE_LEVELS[-1]])
    mix: Mix = defaultdict(dict)
    for node, ds, value in base[["unique_id", "ds", reconcile.BASE]].itertuples(index=False):
        if node in bottom:
            _, segment, item, location = reconcile.node_codes(str(node))
            mix[(segment, ds.strftime("%Y-%m"))][(item, location)] = float(value)
    return dict(mix)
