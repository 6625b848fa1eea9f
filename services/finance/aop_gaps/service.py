"""Gap of a plan to the annual operating plan (AOP), and the variance lines that explain it.

Levels. A month's company budget is its company row (``family_group`` null) or, when it has
none, the sum of its family-group rows. Each family-group row is also compared with the plan
of the families in its group (``/family-groups``). The plan's margin is its gross margin (see
the valuation's conventions); at group level it leaves out the resource-hour costs (regular
and overtime hours), which belong to no family.

Decomposition. A level is split into cells k: one cell for a company row; one per family
group, plus one for the families no budgeted group holds, when the company budget is the
sum of its groups; one for a group. Plan of cell k: units U_k, revenue R_k, cost K_k
(variable cost plus the lever costs of its families and lines); L: the costs of no cell.
Budget of cell k: units B_k, revenue Rb_k, margin Mb_k, hence price Pb_k = Rb_k / B_k, unit
cost cb_k = (Rb_k - Mb_k) / B_k and unit margin mb_k = Pb_k - cb_k. U = sum U_k,
B = sum B_k, budget share s_k = B_k / B, and Rb, Mb, R, M = R - sum K_k - L the level's sums.

    line      revenue                       margin
    volume    (U / B - 1) x Rb              (U / B - 1) x Mb
    mix       sum_k (U_k - U s_k) x Pb_k    sum_k (U_k - U s_k) x mb_k
    price     sum_k (R_k - U_k Pb_k)        sum_k (R_k - U_k Pb_k)
    cost      0                             sum_k (U_k cb_k - K_k) - L

The lines add up exactly: volume + mix = sum_k U_k Pb_k - Rb (resp. sum_k U_k mb_k - Mb)
re-prices the plan's units at budget rates, and price + cost = R - sum_k U_k Pb_k (resp.
M - sum_k U_k mb_k) sets the plan's own rates against the budget's, so their sum is R - Rb
(resp. M - Mb). A cell without budget (B_k = 0) is valued at its own rates (Pb_k = R_k / U_k,
cb_k = K_k / U_k): its whole effect is mix. When a budget row has no units (or revenue or
margin without units) the split is impossible; the whole gap is then reported as
``not_decomposed``.

Escalation. A month (and group) is flagged when |gap| > tolerance x |AOP| for its revenue or
its margin; the gateway turns the flagged months into escalation items.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from services.finance.aop.models import Aop
from services.finance.family_groups.service import groups_of
from services.finance.valuations.service import value_plan
from shared.contracts.finance import (
    AopGap,
    AopGapRequest,
    FlaggedGap,
    GapMeasure,
    GapMeasureName,
    GapTotals,
    PeriodGap,
    Valuation,
    VarianceLines,
)
from shared.crud import in_chunks
from shared.settings import FinanceSettings

# Float sums of money carry rounding noise; a gap within half a cent is no gap.
HALF_CENT = 0.005


@dataclass
class Amounts:
    """What a plan sells and costs in a cell."""

    units: float = 0.0
    revenue: float = 0.0
    cost: float = 0.0

    def add(self, other: "Amounts") -> None:
        self.units += other.units
        self.revenue += other.revenue
        self.cost += other.cost


@dataclass(frozen=True)
class Budget:
    units: float | None
    revenue: float
    margin: float


@dataclass(frozen=True)
class Cell:
    plan: Amounts
    budget: Budget | None


@dataclass
class PlanByFamily:
    """The valued plan summed per month and family, and the costs that belong to no family."""

    amounts: dict[str, dict[str, Amounts]]
    unallocated: dict[str, float]

    @classmethod
    def of(cls, valuation: Valuation) -> "PlanByFamily":
        amounts: dict[str, dict[str, Amounts]] = defaultdict(lambda: defaultdict(Amounts))
        unallocated: dict[str, float] = defaultdict(float)
        for line in valuation.lines:
            cell = amounts[line.period][line.family_code]
            cell.units += line.quantity
            cell.revenue += line.revenue
            cell.cost += line.cost  # planning penalties are no cost (shared.money)
        for family in valuation.family_periods:
            amounts[family.period][family.family_code].cost += (
                family.holding_cost + family.outsourcing_cost
            )
        for resource in valuation.resource_periods:
            unallocated[resource.period] += (
                resource.regular_cost
                + resource.overtime_cost
                + resource.hiring_cost
                + resource.layoff_cost
            )
        return cls(amounts=amounts, unallocated=unallocated)

    def summed(self, period: str, families: Iterable[str]) -> Amounts:
        total = Amounts()
        month = self.amounts.get(period, {})
        for family in families:
            if family in month:
                total.add(month[family])
        return total


def load_aop(session: Session, *, periods: Iterable[str]) -> dict[str, dict[str | None, Budget]]:
    """AOP rows of the months, by month then family group (None: the company)."""
    found: dict[str, dict[str | None, Budget]] = defaultdict(dict)
    for chunk in in_chunks(periods):
        for row in session.exec(select(Aop).where(col(Aop.period).in_(chunk))):
            found[row.period][row.family_group] = Budget(
                units=row.quantity, revenue=row.revenue, margin=row.margin
            )
    return found


def tolerance_or_default(given: float | None, settings: FinanceSettings) -> float:
    """The request's tolerance, else the service's setting for the cycle."""
    return settings.aop_gap_tolerance if given is None else given


def gap_to_aop(session: Session, *, request: AopGapRequest, tolerance: float) -> AopGap:
    return gap_of_valuation(
        session, valuation=value_plan(session, request=request), tolerance=tolerance
    )


def gap_of_valuation(session: Session, *, valuation: Valuation, tolerance: float) -> AopGap:
    """The gap of a valued plan to the AOP, month by month, for the company and its groups."""
    plan = PlanByFamily.of(valuation)
    periods = [p.period for p in valuation.periods]
    aop = load_aop(session, periods=periods)
    group_of = groups_of(session, family_codes={f for m in plan.amounts.values() for f in m})
    company: list[PeriodGap] = []
    groups: list[PeriodGap] = []
    without_aop: list[str] = []
    for period in periods:
        budgets = aop.get(period, {})
        families = plan.amounts.get(period, {})
        group_budgets = {g: b for g, b in budgets.items() if g is not None}
        members: dict[str | None, list[str]] = defaultdict(list)
        for family in families:
            group = group_of.get(family)
            members[group if group in group_budgets else None].append(family)
        if None in budgets:
            cells = [Cell(plan=plan.summed(period, families), budget=budgets[None])]
        elif group_budgets:
            cells = [
                Cell(plan=plan.summed(period, members[g]), budget=b)
                for g, b in sorted(group_budgets.items())
            ]
            cells.append(Cell(plan=plan.summed(period, members[None]), budget=None))
        else:
            without_aop.append(period)
            continue
        company.append(compare(period, None, cells, unallocated=plan.unallocated.get(period, 0.0)))
        for group, budget in sorted(group_budgets.items()):
            cell = Cell(plan=plan.summed(period, members[group]), budget=budget)
            groups.append(compare(period, group, [cell], unallocated=0.0))
    return AopGap(
        tolerance=tolerance,
        periods=company,
        groups=groups,
        totals=totals_of(company),
        periods_without_aop=without_aop,
        flagged=[flag for gap in [*company, *groups] for flag in flags(gap, tolerance)],
    )


def _decomposable(budgets: Sequence[Budget]) -> bool:
    return sum(b.units or 0.0 for b in budgets) > 0 and all(
        b.units is not None and (b.units > 0 or (b.revenue == 0 and b.margin == 0)) for b in budgets
    )


def compare(
    period: str, family_group: str | None, cells: Sequence[Cell], *, unallocated: float
) -> PeriodGap:
    """The gap of one level in one month, split into the lines of the module's formulas."""
    budgets = [cell.budget for cell in cells if cell.budget is not None]
    plan_units = sum(cell.plan.units for cell in cells)
    plan_revenue = sum(cell.plan.revenue for cell in cells)
    plan_margin = plan_revenue - sum(cell.plan.cost for cell in cells) - unallocated
    aop_revenue = sum(b.revenue for b in budgets)
    aop_margin = sum(b.margin for b in budgets)
    revenue_gap = plan_revenue - aop_revenue
    margin_gap = plan_margin - aop_margin
    units_known = all(b.units is not None for b in budgets)
    aop_units = sum(b.units or 0.0 for b in budgets) if units_known else None
    note = None
    split = _split(cells, unallocated=unallocated) if _decomposable(budgets) else None
    if split is not None and all(
        math.isfinite(value) for lines in split for value in lines.model_dump().values()
    ):
        revenue_lines, margin_lines = split
    else:
        note = (
            "the AOP gives no units for this month, so price, volume and mix cannot be split"
            if split is None
            else "the AOP's units are too small to price them; the gap is not split"
        )
        revenue_lines = VarianceLines(price=0, volume=0, mix=0, cost=0, not_decomposed=revenue_gap)
        margin_lines = VarianceLines(price=0, volume=0, mix=0, cost=0, not_decomposed=margin_gap)
    return PeriodGap(
        period=period,
        family_group=family_group,
        aop_quantity=aop_units,
        plan_quantity=plan_units,
        revenue=_measure(aop_revenue, plan_revenue, revenue_lines),
        margin=_measure(aop_margin, plan_margin, margin_lines),
        note=note,
    )


def _split(cells: Sequence[Cell], *, unallocated: float) -> tuple[VarianceLines, VarianceLines]:
    plan_units = sum(cell.plan.units for cell in cells)
    budget_units = sum(cell.budget.units or 0.0 for cell in cells if cell.budget is not None)
    scale = plan_units / budget_units - 1
    revenue_mix = margin_mix = price = cost = 0.0
    aop_revenue = aop_margin = 0.0
    for cell in cells:
        plan, budget = cell.plan, cell.budget
        if budget is not None and budget.units:
            unit_price = budget.revenue / budget.units
            unit_cost = (budget.revenue - budget.margin) / budget.units
            share = budget.units / budget_units
            aop_revenue += budget.revenue
            aop_margin += budget.margin
        else:
            unit_price = plan.revenue / plan.units if plan.units else 0.0
            unit_cost = plan.cost / plan.units if plan.units else 0.0
            share = 0.0
        shift = plan.units - plan_units * share
        revenue_mix += shift * unit_price
        margin_mix += shift * (unit_price - unit_cost)
        price += plan.revenue - plan.units * unit_price
        cost += plan.units * unit_cost - plan.cost
    return (
        VarianceLines(price=price, volume=scale * aop_revenue, mix=revenue_mix, cost=0),
        VarianceLines(
            price=price, volume=scale * aop_margin, mix=margin_mix, cost=cost - unallocated
        ),
    )


def _measure(aop: float, plan: float, lines: VarianceLines) -> GapMeasure:
    gap = plan - aop
    return GapMeasure(
        aop=aop, plan=plan, gap=gap, gap_pct=gap / abs(aop) if aop else None, explained_by=lines
    )


def _sum_measures(measures: Sequence[GapMeasure]) -> GapMeasure:
    def total(name: str) -> float:
        return sum(getattr(m.explained_by, name) for m in measures)

    lines = VarianceLines(
        price=total("price"),
        volume=total("volume"),
        mix=total("mix"),
        cost=total("cost"),
        not_decomposed=total("not_decomposed"),
    )
    return _measure(sum(m.aop for m in measures), sum(m.plan for m in measures), lines)


def totals_of(gaps: Sequence[PeriodGap]) -> GapTotals:
    return GapTotals(
        revenue=_sum_measures([g.revenue for g in gaps]),
        margin=_sum_measures([g.margin for g in gaps]),
    )


def flags(gap: PeriodGap, tolerance: float) -> list[FlaggedGap]:
    """The measures of a month whose gap is beyond the tolerance."""
    flagged = []
    for name in GapMeasureName:
        measure: GapMeasure = getattr(gap, name.value)
        if abs(measure.gap) > tolerance * abs(measure.aop) + HALF_CENT:
            flagged.append(
                FlaggedGap(
                    period=gap.period,
                    family_group=gap.family_group,
                    measure=name,
                    aop=measure.aop,
                    plan=measure.plan,
                    gap=measure.gap,
                    gap_pct=measure.gap_pct,
                    tolerance=tolerance,
                )
            )
    return flagged
