"""What the finance service values for each kind of plan, and the plan's own capacity figures.

Pure functions: plan rows in, a ``ValuationRequest`` (and utilisation rows) out.

- Consensus plan: planned sales per family/segment/month with their demand, backlog and lost
  units; outsourced units and ending inventory per family/month; per resource/month the
  regular hours paid (on a fixed resource the hours used, load - overtime; on a
  workforce-driven one the whole crew's hours, as wages are paid on them), overtime hours and
  workers hired and laid off; the capacity expansion steps it takes (the share of each step,
  its fixed cost paid in the plan's first month). The plan's own totals
  (``gateway.solver.decode.totals_of``) are the same formula over the same quantities, so the
  two agree to the cent.
- Demand plan: unconstrained, so every unit of demand is a sale.
- Supply plan: its lines are per family and month, so its sales are derived. Shipments of a
  month = opening + production + outsourced - ending inventory (the opening of the first
  month is the policy's stock on hand), as the supply service counts them; they serve the
  demand plan the supply plan answers, segment by segment in the order short supply is
  allocated (strategic first, then priority 1 first). A backlogging segment's unmet demand is
  due again the next month; a lost-sales segment's is lost. Hours per resource and month are
  those its production needs (the supply service's RCCP of the plan): regular hours used (the
  whole crew's on a workforce-driven resource) and overtime up to its maximum; load beyond
  that is infeasible and not valued.

As in the reconciliation, a lever without a cost costs nothing. Finance refuses a lever
quantity without a rate, so such quantities are left out of the request and named in notes.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gateway.figures.models import ResourceUtilisation
from gateway.plans.models import (
    ConsensusFamilyLineBase,
    ConsensusLineBase,
    ConsensusResourceLineBase,
    SolutionSales,
)
from shared.contracts.demand import DemandPlanLineBase, SegmentPublic, UnmetDemand
from shared.contracts.finance import (
    ExpansionStepIn,
    FamilyPeriodIn,
    Lever,
    LeverCostPublic,
    ResourcePeriodIn,
    ValuationLineIn,
    ValuationRequest,
)
from shared.contracts.supply import (
    CapacityMode,
    LoadStatus,
    RccpResult,
    RccpRow,
    SupplyPlanLineBase,
)
from shared.money import NOISE
from shared.periods import horizon


def _units(value: float) -> float:
    return value if value > NOISE else 0.0


@dataclass
class LeverRates:
    """The lever costs finance holds, and the lever quantities left out for want of one."""

    present: set[tuple[Lever, str]]
    left_out: dict[Lever, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, costs: Iterable[LeverCostPublic]) -> "LeverRates":
        return cls(present={(cost.lever, cost.code) for cost in costs})

    def quantity(self, lever: Lever, code: str, value: float) -> float:
        """``value`` when finance can price it; 0 (recorded) when the lever has no cost."""
        value = _units(value)
        if value and (lever, code) not in self.present:
            self.left_out[lever].add(code)
            return 0.0
        return value

    def notes(self) -> list[str]:
        notes = []
        for lever in (lever for lever in Lever if lever in self.left_out):
            codes = self.left_out[lever]
            consequence = "cost nothing"
            if lever == Lever.holding_unit_period:
                consequence = "cost nothing and are left out of the inventory value"
            notes.append(
                f"no {lever.value} cost for {', '.join(sorted(codes))}: those quantities "
                f"{consequence}"
            )
        return notes


def expansion_steps_of(
    levels: Mapping[str, float], *, first_period: str, rates: LeverRates
) -> list[ExpansionStepIn]:
    """The steps a plan takes (``expansion_levels``: code -> share taken), each decided, and
    paid, in the plan's first month."""
    return [
        ExpansionStepIn(code=code, period=first_period, level=min(taken, 1.0))
        for code, level in sorted(levels.items())
        if (taken := rates.quantity(Lever.expansion_step, code, level))
    ]


def consensus_request(
    *,
    lines: Sequence[ConsensusLineBase] | Sequence[SolutionSales],
    family_lines: Sequence[ConsensusFamilyLineBase],
    resource_lines: Sequence[ConsensusResourceLineBase],
    rates: LeverRates,
    expansion_levels: Mapping[str, float] | None = None,
    first_period: str | None = None,
) -> ValuationRequest:
    """The consensus plan's request (see the module); ``expansion_levels`` are the plan's
    (its first month ``first_period``)."""
    steps = []
    if expansion_levels and first_period is not None:
        steps = expansion_steps_of(expansion_levels, first_period=first_period, rates=rates)
    return ValuationRequest(
        expansion_steps=steps,
        lines=[
            ValuationLineIn(
                family_code=line.family_code,
                segment_code=line.segment_code,
                period=line.period,
                quantity=_units(line.sales),
                demand=_units(line.demand),
                backlog=rates.quantity(Lever.backlog_unit_period, line.segment_code, line.backlog),
                lost=rates.quantity(Lever.lost_sale_unit, line.segment_code, line.lost),
            )
            for line in lines
            if max(line.sales, line.demand, line.backlog, line.lost) > NOISE
        ],
        family_periods=_family_periods(
            (
                (line.family_code, line.period, line.outsourced, line.inventory)
                for line in family_lines
            ),
            rates=rates,
        ),
        resource_periods=_resource_periods(
            (
                (
                    line.resource_code,
                    line.period,
                    # Wages are paid on the whole crew's hours; fixed capacity on hours used.
                    line.regular_capacity
                    if line.workers is not None
                    else line.load - line.overtime,
                    line.overtime,
                    line.hired or 0.0,
                    line.laid_off or 0.0,
                )
                for line in resource_lines
            ),
            rates=rates,
        ),
    )


def demand_request(lines: Sequence[DemandPlanLineBase]) -> ValuationRequest:
    """Unconstrained demand in money: every unit is a sale."""
    return ValuationRequest(
        lines=[
            ValuationLineIn(
                family_code=line.family_code,
                segment_code=line.segment_code,
                period=line.period,
                quantity=line.quantity,
                demand=line.quantity,
            )
            for line in lines
            if line.quantity > NOISE
        ]
    )


@dataclass(frozen=True)
class Allocation:
    """Sales derived from a supply plan's shipments."""

    lines: list[ValuationLineIn]
    unsold: dict[str, float]  # family -> units shipped beyond demand


def supply_request(
    *,
    horizon_start: str,
    horizon_months: int,
    lines: Sequence[SupplyPlanLineBase],
    demand: Sequence[DemandPlanLineBase],
    segments: Sequence[SegmentPublic],
    on_hand: dict[str, float],
    capacity: RccpResult,
    rates: LeverRates,
) -> tuple[ValuationRequest, list[str]]:
    """The supply plan's valuation request and what it leaves out (see the module)."""
    periods = horizon(horizon_start, horizon_months)
    allocation = allocate_shipments(
        periods=periods, lines=lines, demand=demand, segments=segments, on_hand=on_hand, rates=rates
    )
    paid = _capacity_hours(capacity, periods=set(periods))
    request = ValuationRequest(
        lines=allocation.lines,
        family_periods=_family_periods(
            (
                (line.family_code, line.period, line.outsourced, line.ending_inventory)
                for line in lines
            ),
            rates=rates,
        ),
        resource_periods=_resource_periods(paid.rows, rates=rates),
    )
    notes = [
        f"{family} ships {units:g} units beyond the demand plan's demand: they are not sold"
        for family, units in sorted(allocation.unsold.items())
    ]
    notes += [
        f"{resource} is loaded {hours:g} h beyond regular + maximum overtime: those hours "
        "cannot be worked and are not valued"
        for resource, hours in sorted(paid.overload.items())
    ]
    return request, notes


def allocate_shipments(
    *,
    periods: Sequence[str],
    lines: Sequence[SupplyPlanLineBase],
    demand: Sequence[DemandPlanLineBase],
    segments: Sequence[SegmentPublic],
    on_hand: dict[str, float],
    rates: LeverRates,
) -> Allocation:
    """Each family's shipments per month served to its segments' demand in allocation order."""
    in_horizon = set(periods)
    supplied = {(line.family_code, line.period): line for line in lines}
    wanted: dict[tuple[str, str, str], float] = defaultdict(float)
    for line in demand:
        if line.period in in_horizon:
            wanted[(line.family_code, line.segment_code, line.period)] += line.quantity
    order = sorted(segments, key=lambda s: (not s.strategic, s.priority, s.code))
    families = sorted({f for f, _ in supplied} | {f for f, _, _ in wanted})
    sold: list[ValuationLineIn] = []
    unsold: dict[str, float] = {}
    for family in families:
        opening = on_hand.get(family, 0.0)
        owed: dict[str, float] = defaultdict(float)  # backlog carried per segment
        beyond = 0.0
        for period in periods:
            supply = supplied.get((family, period))
            if supply is None:
                shipped = 0.0  # nothing supplied: the stock stays as it was
            else:
                shipped = max(
                    opening + supply.production + supply.outsourced - supply.ending_inventory, 0
                )
                opening = supply.ending_inventory
            for segment in order:
                new = wanted.get((family, segment.code, period), 0.0)
                due = new + owed[segment.code]
                served = min(due, shipped)
                shipped -= served
                short = due - served
                backlogged = segment.unmet_demand == UnmetDemand.backlog
                owed[segment.code] = short if backlogged else 0.0
                if max(due, new) <= NOISE:
                    continue
                sold.append(
                    ValuationLineIn(
                        family_code=family,
                        segment_code=segment.code,
                        period=period,
                        quantity=_units(served),
                        demand=new,
                        backlog=rates.quantity(Lever.backlog_unit_period, segment.code, short)
                        if backlogged
                        else 0.0,
                        lost=0.0
                        if backlogged
                        else rates.quantity(Lever.lost_sale_unit, segment.code, short),
                    )
                )
            beyond += shipped
        if beyond > NOISE:
            unsold[family] = round(beyond, 6)
    return Allocation(lines=sold, unsold=unsold)


# (code, period, first quantity, second quantity): outsourced and ending inventory of a
# family.
Quantities = tuple[str, str, float, float]
# (code, period, regular hours, overtime hours, workers hired, workers laid off).
ResourceQuantities = tuple[str, str, float, float, float, float]


@dataclass(frozen=True)
class _PaidHours:
    rows: list[ResourceQuantities]
    overload: dict[str, float]


def _capacity_hours(capacity: RccpResult, *, periods: set[str]) -> _PaidHours:
    """Hours a plan's production needs per resource and month of its horizon (RCCP rows)."""
    rows: list[ResourceQuantities] = []
    overload: dict[str, float] = defaultdict(float)
    for row in capacity.rows:
        if row.period not in periods:
            continue  # load a lead time puts before the horizon: outside the plan's money
        regular = row.regular_hours or 0.0
        if row.capacity_source != CapacityMode.workforce:
            regular = min(row.load_hours, regular)
        rows.append((row.resource_code, row.period, regular, row.overtime_hours_needed, 0.0, 0.0))
        if row.overload_hours > NOISE:
            overload[row.resource_code] += row.overload_hours
    return _PaidHours(rows=rows, overload=dict(overload))


def _family_periods(rows: Iterable[Quantities], *, rates: LeverRates) -> list[FamilyPeriodIn]:
    found = []
    for family, period, outsourced, inventory in rows:
        outsourced = rates.quantity(Lever.outsourcing_unit, family, outsourced)
        inventory = rates.quantity(Lever.holding_unit_period, family, inventory)
        if outsourced or inventory:
            found.append(
                FamilyPeriodIn(
                    family_code=family,
                    period=period,
                    outsourced=outsourced,
                    ending_inventory=inventory,
                )
            )
    return found


def _resource_periods(
    rows: Iterable[ResourceQuantities], *, rates: LeverRates
) -> list[ResourcePeriodIn]:
    found = []
    for resource, period, regular, overtime, hired, laid_off in rows:
        regular = rates.quantity(Lever.regular_hour, resource, regular)
        overtime = rates.quantity(Lever.overtime_hour, resource, overtime)
        hired = rates.quantity(Lever.hire_worker, resource, hired)
        laid_off = rates.quantity(Lever.layoff_worker, resource, laid_off)
        if regular or overtime or hired or laid_off:
            found.append(
                ResourcePeriodIn(
                    resource_code=resource,
                    period=period,
                    regular_hours=regular,
                    overtime_hours=overtime,
                    hired=hired,
                    laid_off=laid_off,
                )
            )
    return found


def utilisation_of_rccp(
    result: RccpResult, *, periods: set[str] | None = None
) -> list[ResourceUtilisation]:
    """Per resource, over ``periods`` (default: all): a plan's load against regular capacity,
    as the supply service's RCCP found it (months without capacity count as above regular)."""
    by_resource: dict[str, list[RccpRow]] = defaultdict(list)
    for row in result.rows:
        if periods is None or row.period in periods:
            by_resource[row.resource_code].append(row)
    found = []
    for resource, rows in sorted(by_resource.items()):
        measured = [row for row in rows if row.utilisation is not None]
        peak = max(measured, key=lambda row: row.utilisation or 0.0, default=None)
        found.append(
            _utilisation(
                resource=resource,
                load=sum(row.load_hours for row in rows),
                regular=sum(row.regular_hours or 0.0 for row in rows),
                peak=(peak.utilisation, peak.period) if peak else None,
                overtime=sum(row.overtime_hours_needed for row in rows),
                overload=sum(row.overload_hours for row in rows),
                above_regular=[row.period for row in rows if row.status != LoadStatus.ok],
            )
        )
    return found


def utilisation_of_consensus(
    lines: Sequence[ConsensusResourceLineBase],
) -> list[ResourceUtilisation]:
    """Per resource: the consensus plan's load against its regular capacity and expansions."""
    by_resource: dict[str, list[ConsensusResourceLineBase]] = defaultdict(list)
    for line in lines:
        by_resource[line.resource_code].append(line)
    found = []
    for resource, rows in sorted(by_resource.items()):
        peak = max(rows, key=lambda row: row.utilisation)
        found.append(
            _utilisation(
                resource=resource,
                load=sum(row.load for row in rows),
                regular=sum(row.regular_capacity + row.expansion_hours for row in rows),
                peak=(peak.utilisation, peak.period),
                overtime=sum(row.overtime for row in rows),
                overload=0.0,  # the reconciled plan never exceeds regular + overtime
                above_regular=[row.period for row in rows if row.overtime > NOISE],
            )
        )
    return found


def overall_utilisation(resources: Sequence[ResourceUtilisation]) -> float | None:
    """Load / regular hours over every resource and month."""
    regular = sum(resource.regular_hours for resource in resources)
    load = sum(resource.load_hours for resource in resources)
    return round(load / regular, 6) if regular > NOISE else None


def _utilisation(
    *,
    resource: str,
    load: float,
    regular: float,
    peak: tuple[float | None, str] | None,
    overtime: float,
    overload: float,
    above_regular: list[str],
) -> ResourceUtilisation:
    return ResourceUtilisation(
        resource_code=resource,
        load_hours=round(load, 6),
        regular_hours=round(regular, 6),
        utilisation=round(load / regular, 6) if regular > NOISE else None,
        peak_utilisation=round(peak[0], 6) if peak and peak[0] is not None else None,
        peak_period=peak[1] if peak else None,
        overtime_hours=round(overtime, 6),
        overload_hours=round(overload, 6),
        periods_above_regular=above_regular,
    )


def finance_field_names(request: ValuationRequest) -> Callable[[str], str]:
    """Finance's error fields (``body.lines.17.period``) named by the plan's own keys
    (``finance.lines.F01.KEY.2026-01.period``): the caller knows lines, not their indexes."""

    def rename(field: str) -> str:
        parts = field.split(".")
        if len(parts) >= 3 and parts[0] == "body" and parts[2].isdigit():
            items = getattr(request, parts[1], None)
            index = int(parts[2])
            if isinstance(items, list) and index < len(items):
                item = items[index]
                keys = [
                    str(value)
                    for name in ("family_code", "segment_code", "resource_code", "code", "period")
                    if (value := getattr(item, name, None)) is not None
                ]
                return ".".join(["finance", parts[1], *keys, *parts[3:]])
        return "finance." + field.removeprefix("body.")

    return rename
