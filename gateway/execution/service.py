"""The execution KPIs: each month's approved plan (gateway database) against the actuals of
the supply, finance and demand services.

The plan a month is measured against is the consensus plan approved by the latest cycle
whose approved plan covers the month (``plans_by_month``): the last plan the company
committed to before the month was executed. Months count once they have actuals: supply
actuals for adherence and inventory, revenue actuals for variance and service.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from gateway.clients import Upstreams
from gateway.cycle.models import Cycle, DeviationFound
from gateway.execution import rules
from gateway.execution.models import (
    Adherence,
    AdherenceFilters,
    AdherenceReport,
    FamilyExecution,
    FamilyMonthExecution,
    FamilyStability,
    FamilyVariance,
    InventoryVsPlan,
    MonthExecution,
    MonthVariance,
    PeriodRange,
    PlanOfMonth,
    PlanStability,
    ResourceExecution,
    ResourceMonthExecution,
    SegmentMonthService,
    SegmentService,
    SegmentVariance,
    ServiceFilters,
    ServiceReport,
    StabilityFilters,
    StabilityReport,
    Variance,
    VarianceFilters,
    VarianceReport,
)
from gateway.figures.kpis import TARGET_SLACK
from gateway.plans import service as consensus
from gateway.plans.models import (
    ConsensusFamilyLine,
    ConsensusLine,
    ConsensusLineFilters,
    ConsensusResourceLine,
)
from shared.contracts.finance import CostActualFilters, RevenueActualFilters
from shared.contracts.supply import ProductionActualFilters, ResourceActualFilters
from shared.db import run_in_session
from shared.errors import FieldError, ValidationFailed
from shared.money import UnitCostSchedule


class PlanRow(Protocol):
    period: str
    plan_id: int


RowT = TypeVar("RowT", bound=PlanRow)


@dataclass(frozen=True)
class ApprovedPlan:
    cycle_period: str
    plan_id: int
    plan_version: int
    periods: tuple[str, ...]


def approved_plans(session: Session) -> list[ApprovedPlan]:
    """The plan each cycle approved, in the order of the cycles' months."""
    cycles = session.exec(
        select(Cycle).where(col(Cycle.approved_plan_id).is_not(None)).order_by(col(Cycle.period))
    ).all()
    plans = {
        plan.id: plan
        for plan in consensus.plans_by_id(
            session, plan_ids=[c.approved_plan_id for c in cycles if c.approved_plan_id]
        )
    }
    return [
        ApprovedPlan(
            cycle_period=cycle.period,
            plan_id=plan.id,
            plan_version=plan.version,
            periods=tuple(plan.periods),
        )
        for cycle in cycles
        if (plan := plans.get(cycle.approved_plan_id)) is not None and plan.id is not None
    ]


def plans_by_month(plans: Sequence[ApprovedPlan], months: Iterable[str]) -> dict[str, PlanOfMonth]:
    """Each month's plan: the latest cycle's approved plan covering it (months no approved
    plan covers are left out)."""
    found: dict[str, PlanOfMonth] = {}
    wanted = set(months)
    for plan in plans:  # in cycle order: a later cycle's plan replaces an earlier one
        for period in wanted.intersection(plan.periods):
            found[period] = PlanOfMonth(
                period=period,
                cycle_period=plan.cycle_period,
                plan_id=plan.plan_id,
                plan_version=plan.plan_version,
            )
    return dict(sorted(found.items()))


def _lines_of(rows: Iterable[RowT], month_plans: dict[str, PlanOfMonth]) -> list[RowT]:
    """The rows of the plan each month is measured against."""
    return [
        row
        for row in rows
        if (month := month_plans.get(row.period)) is not None and month.plan_id == row.plan_id
    ]


def _adherence(pairs: Sequence[tuple[float, float]]) -> Adherence:
    return Adherence(
        plan=sum(plan for plan, _ in pairs),
        actual=sum(actual for _, actual in pairs),
        adherence=rules.adherence(pairs),
    )


def _inventory(pairs: Sequence[tuple[float, float]]) -> InventoryVsPlan:
    plan = sum(p for p, _ in pairs)
    actual = sum(a for _, a in pairs)
    return InventoryVsPlan(
        plan=plan, actual=actual, gap=actual - plan, gap_pct=rules.share_of(actual - plan, plan)
    )


def _grouped(
    items: dict[tuple[str, str], tuple[float, float]], position: int
) -> dict[str, list[tuple[float, float]]]:
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for key, pair in sorted(items.items()):
        groups[key[position]].append(pair)
    return dict(sorted(groups.items()))


async def adherence_report(
    *, upstreams: Upstreams, engine: Engine, filters: AdherenceFilters
) -> AdherenceReport:
    """Production and hours against the approved plan of each month with supply actuals.

    A month's production is reported once any of its production actuals are loaded (its
    hours once any hours are): a family (resource) the plan has but the reported month's
    actuals do not counts as 0 made (worked)."""
    production, hours = await asyncio.gather(
        upstreams.supply.production_actuals(
            ProductionActualFilters(
                family_code=filters.family_code,
                period_from=filters.period_from,
                period_to=filters.period_to,
            )
        ),
        upstreams.supply.resource_actuals(
            ResourceActualFilters(
                resource_code=filters.resource_code,
                period_from=filters.period_from,
                period_to=filters.period_to,
            )
        ),
    )
    production_months = {row.period for row in production}
    hour_months = {row.period for row in hours}
    reported = production_months | hour_months

    def work(
        session: Session,
    ) -> tuple[dict[str, PlanOfMonth], list[ConsensusFamilyLine], list[ConsensusResourceLine]]:
        month_plans = plans_by_month(approved_plans(session), reported)
        plan_ids = sorted({plan.plan_id for plan in month_plans.values()})
        family_rows = consensus.family_lines(
            session,
            plan_ids=plan_ids,
            family_codes=None if filters.family_code is None else [filters.family_code],
        )
        resource_rows = consensus.resource_lines(
            session,
            plan_ids=plan_ids,
            resource_codes=None if filters.resource_code is None else [filters.resource_code],
        )
        return (
            month_plans,
            _lines_of(family_rows, month_plans),
            _lines_of(resource_rows, month_plans),
        )

    month_plans, family_rows, resource_rows = await run_in_session(engine, work)
    produced: dict[tuple[str, str], tuple[float, float]] = {}
    stocked: dict[tuple[str, str], tuple[float, float]] = {}
    for line in family_rows:
        if line.period not in production_months:
            continue
        produced[(line.period, line.family_code)] = (line.production, 0.0)
        stocked[(line.period, line.family_code)] = (line.inventory, 0.0)
    for actual in production:
        if actual.period in month_plans:
            key = (actual.period, actual.family_code)
            produced[key] = (produced.get(key, (0.0, 0.0))[0], actual.production)
            stocked[key] = (stocked.get(key, (0.0, 0.0))[0], actual.ending_inventory)
    worked: dict[tuple[str, str], tuple[float, float]] = {}
    for resource_line in resource_rows:
        if resource_line.period not in hour_months:
            continue
        worked[(resource_line.period, resource_line.resource_code)] = (resource_line.load, 0.0)
    for used in hours:
        if used.period in month_plans:
            key = (used.period, used.resource_code)
            worked[key] = (worked.get(key, (0.0, 0.0))[0], used.hours_used)

    production_by_month = _grouped(produced, 0)
    inventory_by_month = _grouped(stocked, 0)
    inventory_by_family = _grouped(stocked, 1)
    return AdherenceReport(
        months=[
            MonthExecution(
                plan=plan,
                production=_adherence(production_by_month.get(period, [])),
                inventory=_inventory(inventory_by_month.get(period, [])),
            )
            for period, plan in month_plans.items()
        ],
        families=[
            FamilyMonthExecution(
                family_code=family,
                period=period,
                production=_adherence([pair]),
                inventory=_inventory([stocked[(period, family)]]),
            )
            for (period, family), pair in sorted(produced.items(), key=lambda i: i[0][::-1])
        ],
        by_family=[
            FamilyExecution(
                family_code=family,
                production=_adherence(pairs),
                inventory=_inventory(inventory_by_family[family]),
            )
            for family, pairs in _grouped(produced, 1).items()
        ],
        resources=[
            ResourceMonthExecution(resource_code=resource, period=period, hours=_adherence([pair]))
            for (period, resource), pair in sorted(worked.items(), key=lambda i: i[0][::-1])
        ],
        by_resource=[
            ResourceExecution(resource_code=resource, hours=_adherence(pairs))
            for resource, pairs in _grouped(worked, 1).items()
        ],
        total=_adherence(list(produced.values())),
        total_inventory=_inventory(list(stocked.values())),
    )


async def service_report(*, upstreams: Upstreams, filters: ServiceFilters) -> ServiceReport:
    """Units shipped (revenue actuals) against actual demand (demand history) per segment,
    in the months with revenue actuals, held against each segment's fill-rate target."""
    sold, history, segments = await asyncio.gather(
        upstreams.finance.revenue_actuals(
            RevenueActualFilters(
                segment_code=filters.segment_code,
                period_from=filters.period_from,
                period_to=filters.period_to,
            )
        ),
        upstreams.demand.history(
            segment_code=filters.segment_code,
            period_from=filters.period_from,
            period_to=filters.period_to,
        ),
        upstreams.demand.segments(),
    )
    reported = {row.period for row in sold}
    served: dict[tuple[str, str], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for row in history:
        if row.period in reported:
            demand, shipped = served[(row.period, row.segment_code)]
            served[(row.period, row.segment_code)] = (demand + row.quantity, shipped)
    for line in sold:
        demand, shipped = served[(line.period, line.segment_code)]
        served[(line.period, line.segment_code)] = (demand, shipped + line.quantity)
    targets = {segment.code: segment.fill_rate_target for segment in segments}

    def attained(segment: str, demand: float, shipped: float) -> dict[str, object]:
        share = rules.service_attained(shipped=shipped, demand=demand)
        target = targets.get(segment)
        return {
            "segment_code": segment,
            "demand": demand,
            "shipped": shipped,
            "attained": share,
            "target": target,
            "meets_target": (
                share >= target - TARGET_SLACK if share is not None and target is not None else None
            ),
        }

    return ServiceReport(
        months=[
            SegmentMonthService.model_validate(
                {**attained(segment, demand, shipped), "period": period}
            )
            for (period, segment), (demand, shipped) in sorted(
                served.items(), key=lambda item: item[0][::-1]
            )
        ],
        by_segment=[
            SegmentService.model_validate(
                attained(
                    segment,
                    sum(demand for demand, _ in pairs),
                    sum(shipped for _, shipped in pairs),
                )
            )
            for segment, pairs in _grouped(served, 1).items()
        ],
    )


def _variance(split: rules.VarianceSplit) -> Variance:
    return Variance(
        plan_margin=split.plan_margin,
        actual_margin=split.actual_margin,
        volume=split.volume,
        mix=split.mix,
        price=split.price,
        cost=split.cost,
        total=split.total,
    )


def _summed(splits: Iterable[Variance]) -> Variance:
    names = list(Variance.model_fields)
    totals = dict.fromkeys(names, 0.0)
    for split in splits:
        for name in names:
            totals[name] += getattr(split, name)
    return Variance.model_validate(totals)


LineKey = tuple[str, str, str]  # period, family, segment


def margin_lines(
    *,
    planned: dict[LineKey, tuple[float, float]],
    sold: dict[LineKey, tuple[float, float]],
    cost_of_goods_sold: dict[tuple[str, str], float],
    unit_costs: UnitCostSchedule,
) -> dict[LineKey, rules.MarginLine]:
    """Each family x segment x month as a margin line: the plan's price is its revenue over
    its units and its unit cost the finance unit cost of the month; the actual price is
    revenue over units sold and the actual unit cost the family's cost of goods sold over
    all its units sold that month. A line only one side has takes the other side's price
    and cost (no price or cost variance: its effect is volume and mix). 422 listing every
    cost actual or unit cost that is missing."""
    family_units: dict[tuple[str, str], float] = defaultdict(float)
    for (period, family, _), (quantity, _revenue) in sold.items():
        family_units[(period, family)] += quantity
    errors: list[FieldError] = []
    lines: dict[LineKey, rules.MarginLine] = {}
    for key in sorted(planned.keys() | sold.keys()):
        period, family, _segment = key
        plan_quantity, plan_revenue = planned.get(key, (0.0, 0.0))
        actual_quantity, actual_revenue = sold.get(key, (0.0, 0.0))
        if not plan_quantity and not actual_quantity:
            continue
        actual_cost: float | None = None
        if actual_quantity:
            cogs = cost_of_goods_sold.get((period, family))
            if cogs is None:
                errors.append(
                    FieldError(
                        field=f"finance.cost_actuals.{family}.{period}",
                        reason="units were sold but no cost of goods sold is loaded",
                    )
                )
                continue
            actual_cost = cogs / family_units[(period, family)]
        plan_cost: float | None = None
        if plan_quantity:
            plan_cost = unit_costs.cost_as_of(family, period)
            if plan_cost is None:
                errors.append(
                    FieldError(
                        field=f"finance.unit_costs.{family}",
                        reason=f"no unit cost effective in {period}",
                    )
                )
                continue
        plan_price = plan_revenue / plan_quantity if plan_quantity else None
        actual_price = actual_revenue / actual_quantity if actual_quantity else None
        lines[key] = rules.MarginLine(
            plan_quantity=plan_quantity,
            plan_price=plan_price if plan_price is not None else actual_price or 0.0,
            plan_unit_cost=plan_cost if plan_cost is not None else actual_cost or 0.0,
            actual_quantity=actual_quantity,
            actual_price=actual_price if actual_price is not None else plan_price or 0.0,
            actual_unit_cost=actual_cost if actual_cost is not None else plan_cost or 0.0,
        )
    if errors:
        raise ValidationFailed(
            f"{len(errors)} cost(s) missing to value the actuals against the plan", errors=errors
        )
    return lines


async def variance_report(
    *, upstreams: Upstreams, engine: Engine, filters: VarianceFilters
) -> VarianceReport:
    """The margin variance to the approved plan of each month with revenue actuals."""
    # Every segment is read: a family's unit cost is its cost over all of its units sold.
    sold_rows, cost_rows, unit_cost_rows = await asyncio.gather(
        upstreams.finance.revenue_actuals(
            RevenueActualFilters(
                family_code=filters.family_code,
                period_from=filters.period_from,
                period_to=filters.period_to,
            )
        ),
        upstreams.finance.cost_actuals(
            CostActualFilters(
                family_code=filters.family_code,
                period_from=filters.period_from,
                period_to=filters.period_to,
            )
        ),
        upstreams.finance.unit_costs(family_code=filters.family_code),
    )
    reported = {row.period for row in sold_rows}

    def work(session: Session) -> tuple[dict[str, PlanOfMonth], list[ConsensusLine]]:
        month_plans = plans_by_month(approved_plans(session), reported)
        rows = consensus.sales_lines(
            session,
            plan_ids=sorted({plan.plan_id for plan in month_plans.values()}),
            filters=ConsensusLineFilters(family_code=filters.family_code),
        )
        return month_plans, _lines_of(rows, month_plans)

    month_plans, plan_rows = await run_in_session(engine, work)
    lines = margin_lines(
        planned={
            (row.period, row.family_code, row.segment_code): (row.sales, row.revenue)
            for row in plan_rows
        },
        sold={
            (row.period, row.family_code, row.segment_code): (row.quantity, row.revenue)
            for row in sold_rows
            if row.period in month_plans
        },
        cost_of_goods_sold={
            (row.period, row.family_code): row.cost_of_goods_sold for row in cost_rows
        },
        unit_costs=UnitCostSchedule(
            (row.family_code, row.effective_from, row.variable_cost) for row in unit_cost_rows
        ),
    )
    if filters.segment_code is not None:
        lines = {key: line for key, line in lines.items() if key[2] == filters.segment_code}

    def split_by(position: int) -> dict[str, Variance]:
        """Per family (1) or segment (2): each month's split of its own lines, summed."""
        groups: dict[tuple[str, str], list[rules.MarginLine]] = defaultdict(list)
        for key, line in lines.items():
            groups[(key[position], key[0])].append(line)
        per_code: dict[str, list[Variance]] = defaultdict(list)
        for (code, _period), group in sorted(groups.items()):
            per_code[code].append(_variance(rules.margin_variance(group)))
        return {code: _summed(splits) for code, splits in sorted(per_code.items())}

    months = [
        MonthVariance(
            plan=plan,
            variance=_variance(
                rules.margin_variance([line for key, line in lines.items() if key[0] == period])
            ),
        )
        for period, plan in month_plans.items()
    ]
    return VarianceReport(
        months=months,
        by_family=[
            FamilyVariance(family_code=code, variance=split) for code, split in split_by(1).items()
        ],
        by_segment=[
            SegmentVariance(segment_code=code, variance=split)
            for code, split in split_by(2).items()
        ],
        total=_summed(month.variance for month in months),
    )


async def stability_report(*, engine: Engine, filters: StabilityFilters) -> StabilityReport:
    """Each approved plan against the one approved before it (cycles in month order): how
    much the production of its first ``near_term_months`` months, those the previous plan
    also covers, moved per family and in total."""

    def work(
        session: Session,
    ) -> tuple[list[tuple[ApprovedPlan, ApprovedPlan]], list[ConsensusFamilyLine]]:
        plans = approved_plans(session)
        pairs = [
            (previous, current)
            for previous, current in pairwise(plans)
            if filters.covers(current.cycle_period)
        ]
        ids = sorted({plan.plan_id for pair in pairs for plan in pair})
        rows = consensus.family_lines(
            session,
            plan_ids=ids,
            family_codes=None if filters.family_code is None else [filters.family_code],
        )
        return pairs, rows

    pairs, rows = await run_in_session(engine, work)
    production = {(row.plan_id, row.family_code, row.period): row.production for row in rows}
    families = sorted({row.family_code for row in rows})
    report = []
    for previous, current in pairs:
        months = [
            period
            for period in current.periods[: filters.near_term_months]
            if period in previous.periods
        ]
        moves: list[FamilyStability] = []
        every: list[tuple[float, float]] = []
        for family in families:
            compared = [
                (
                    production.get((previous.plan_id, family, period), 0.0),
                    production.get((current.plan_id, family, period), 0.0),
                )
                for period in months
            ]
            if not any(before or after for before, after in compared):
                continue
            every.extend(compared)
            moves.append(
                FamilyStability(
                    family_code=family,
                    previous=sum(before for before, _ in compared),
                    current=sum(after for _, after in compared),
                    stability=rules.stability(compared),
                )
            )
        report.append(
            PlanStability(
                cycle_period=current.cycle_period,
                plan_id=current.plan_id,
                previous_cycle_period=previous.cycle_period,
                previous_plan_id=previous.plan_id,
                months=months,
                families=moves,
                stability=rules.stability(every),
            )
        )
    return StabilityReport(pairs=report)


async def month_deviations(
    *, upstreams: Upstreams, engine: Engine, period: str, tolerances: rules.Tolerances
) -> list[DeviationFound]:
    """The deviations of an executed month beyond tolerance (``rules.deviations``) against
    the plan approved for it; none when no approved plan covers the month or it has no
    actuals. A month whose margin cannot be valued yet (a cost actual or unit cost missing)
    raises its other deviations: the variance waits for the data, it does not hold the
    closing."""
    month = PeriodRange(period_from=period, period_to=period)
    adherence, service = await asyncio.gather(
        adherence_report(
            upstreams=upstreams, engine=engine, filters=AdherenceFilters(**month.model_dump())
        ),
        service_report(upstreams=upstreams, filters=ServiceFilters(**month.model_dump())),
    )
    try:
        variance: VarianceReport | None = await variance_report(
            upstreams=upstreams, engine=engine, filters=VarianceFilters(**month.model_dump())
        )
    except ValidationFailed:
        variance = None
    valued = variance.months if variance else []
    plans = [m.plan for m in adherence.months] + [m.plan for m in valued]
    if not plans:
        return []
    return rules.deviations(
        rules.MonthKpis(
            period=period,
            plan_id=plans[0].plan_id,
            production={row.family_code: row.production.adherence for row in adherence.by_family},
            hours={row.resource_code: row.hours.adherence for row in adherence.by_resource},
            service={row.segment_code: (row.attained, row.target) for row in service.by_segment},
            margin={
                row.family_code: (row.variance.total, row.variance.plan_margin)
                for row in (variance.by_family if variance else [])
            },
        ),
        tolerances,
    )


class ExecutionFollowUp:
    """What the cycle asks when it closes (``gateway.cycle.sources.FollowUp``): the closed
    month's deviations, at the gateway's tolerances."""

    def __init__(self, *, upstreams: Upstreams, engine: Engine, tolerances: rules.Tolerances):
        self.upstreams = upstreams
        self.engine = engine
        self.tolerances = tolerances

    async def deviations(self, *, period: str) -> list[DeviationFound]:
        return await month_deviations(
            upstreams=self.upstreams, engine=self.engine, period=period, tolerances=self.tolerances
        )
