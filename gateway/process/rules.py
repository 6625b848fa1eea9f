"""The rules of the process review: what counts as on time, how items reach a meeting, and
how last month's plan becomes this month's, step by step. Pure functions, no I/O.

Timeliness. A step or an action item is *on time* when done on or before its due date (all
of the due day counts, UTC), *late* when done after it or still not done once the due date
has passed (as of the day asked about), *pending* while not done and not yet due. Its
on-time rate is on time / (on time + late): the share of what fell due that was done on time
(``None`` when nothing fell due).

Decision latency. An escalation item is raised when the recommended plan carrying it is
stored, and decided when its decision is recorded: latency = decided - raised, in days.

Meetings. An item goes to the review that deals with its kind (``KIND_MEETING``); an item
of another kind (a deviation, say) goes to the first review whose RACI makes its owner role
responsible or accountable, and to pre-S&OP when it has no such owner. The executive S&OP
decides every escalation item still undecided.

Cycle-over-cycle waterfall. See ``explain``.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gateway.cycle.raci import ACTIVITY_BY_CODE, StepName
from gateway.solver.solution import EscalationKind
from shared.auth import Role
from shared.money import cost_of_goods_sold, revenue_of

SECONDS_A_DAY = 86_400.0
# Quantities and amounts within this of zero moved nothing.
TOLERANCE = 1e-6


class Timeliness(StrEnum):
    on_time = "on_time"
    late = "late"
    pending = "pending"


def timeliness(*, due: dt.date, done_on: dt.date | None, as_of: dt.date) -> Timeliness:
    """On time, late or pending (see the module)."""
    if done_on is not None:
        return Timeliness.on_time if done_on <= due else Timeliness.late
    return Timeliness.late if as_of > due else Timeliness.pending


def on_time_rate(*, on_time: int, late: int) -> float | None:
    """on time / (on time + late); ``None`` when nothing fell due."""
    counted = on_time + late
    return on_time / counted if counted else None


def latency_days(*, raised: dt.datetime, decided: dt.datetime) -> float:
    """Days from an item's raising to its decision."""
    return (decided - raised).total_seconds() / SECONDS_A_DAY


MEETINGS: tuple[StepName, ...] = (
    StepName.demand_review,
    StepName.supply_review,
    StepName.pre_sop,
    StepName.executive_sop,
)
"""The four reviews of a cycle, in order (data gathering is work, not a meeting)."""

KIND_MEETING: dict[str, StepName] = {
    EscalationKind.forecast_bias: StepName.demand_review,
    EscalationKind.resource_overload: StepName.supply_review,
    EscalationKind.safety_stock_breach: StepName.supply_review,
    EscalationKind.service_below_target: StepName.pre_sop,
    EscalationKind.aop_gap: StepName.pre_sop,
    EscalationKind.executive_lever: StepName.executive_sop,
}
DEVIATION = "deviation"


def is_deviation(kind: str) -> bool:
    """Deviations of execution from the plan (``deviation`` or ``deviation_*`` kinds)."""
    return kind == DEVIATION or kind.startswith(f"{DEVIATION}_")


def meeting_of_role(role: Role | str | None) -> StepName:
    """The first review whose RACI makes ``role`` responsible or accountable; pre-S&OP
    (the coordinator's) for a role in none of them, or no role."""
    for meeting in MEETINGS:
        activity = ACTIVITY_BY_CODE[meeting]
        if role is not None and (role == activity.accountable or role in activity.responsible):
            return meeting
    return StepName.pre_sop


def meeting_of(*, kind: str, owner_role: Role | str | None) -> StepName:
    """The review an item goes to (see the module)."""
    return KIND_MEETING.get(kind) or meeting_of_role(owner_role)


def owner_of_meeting(meeting: StepName) -> Role:
    """The role accountable for a review: the owner of the items it deals with."""
    return ACTIVITY_BY_CODE[meeting].accountable


# --- the cycle-over-cycle waterfall --------------------------------------------------------

Cell = tuple[str, str, str]  # family, segment, period


class StepKind(StrEnum):
    months_out = "months_out"
    months_in = "months_in"
    prices = "prices"
    costs = "costs"
    demand = "demand"
    service = "service"
    lever_costs = "lever_costs"
    decisions = "decisions"


@dataclass(frozen=True)
class PlanMonth:
    """A plan's month in money (``shared.money``: margin = revenue - cost - lever cost)."""

    units: float
    revenue: float
    cost: float
    lever_cost: float

    @property
    def margin(self) -> float:
        return self.revenue - self.cost - self.lever_cost


@dataclass(frozen=True)
class CellValue:
    """A family x segment x month of a plan: units sold, demand, and the unit price and cost
    its money is at."""

    sold: float
    demand: float
    price: float
    unit_cost: float


@dataclass(frozen=True)
class DemandMove:
    """What one stream (and reason) of the demand plans moved in a cell, last month -> now."""

    stream: str
    reason_code: str
    authors: frozenset[str]
    cell: Cell
    units: float


@dataclass(frozen=True)
class WaterfallInput:
    """Last month's approved plan (``last``: at its own rates; ``last_at_new``: its
    quantities at this month's rates), this month's recommended plan, and the plan the
    decisions made of it (the approved, else authorised, else the recommended one)."""

    last: Mapping[str, PlanMonth]
    last_at_new: Mapping[str, PlanMonth]
    recommended: Mapping[str, PlanMonth]
    decided: Mapping[str, PlanMonth]
    last_cells: Mapping[Cell, CellValue]
    recommended_cells: Mapping[Cell, CellValue]
    demand_moves: Sequence[DemandMove]


@dataclass
class Step:
    kind: StepKind
    units: float
    money: float
    stream: str | None = None
    reason_code: str | None = None
    authors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Waterfall:
    start_units: float
    start_money: float
    steps: list[Step]
    end_units: float
    end_money: float
    common: list[str]
    months_out: list[str]
    months_in: list[str]


def _sum(months: Mapping[str, PlanMonth], periods: Iterable[str], measure: str) -> float:
    return math.fsum(getattr(months[period], measure) for period in periods)


def _value_of(units: float, cell: CellValue) -> float:
    """Units of a cell in margin at its price and unit cost (``shared.money``)."""
    return revenue_of(units, cell.price) - cost_of_goods_sold(units, cell.unit_cost)


def explain(data: WaterfallInput) -> Waterfall:
    """Last month's approved plan to this month's, in units sold and margin, in steps that
    add up exactly (each starts where the previous one ended):

    1. months_out: the months last month's plan had and this one does not (executed), out;
    2. months_in: the months this plan adds at the end of its horizon, in;
    over the months both plans cover, at this month's rates unless said otherwise:
    3. prices: last month's units at this month's prices - at last month's (revenue);
    4. costs: -(last month's quantities at this month's unit and lever costs - at last
       month's): together, prices and costs are last month's plan revalued;
    5. demand, per stream and reason: the units each demand stream's inputs moved (the
       statistical baseline, then sales, marketing, product, planner inputs by reason code,
       each cell's move against last month's), in margin at the cell's unit margin
       (price - unit cost); a cell's demand move no stream explains is stream ``other``;
    6. service: units sold moved - demand moved (demand the plan does or no longer serves),
       at the cell's unit margin;
    7. lever_costs: -(this plan's lever costs - last month's quantities' at the same rates):
       the hours, overtime, hiring, stock and outsourcing it takes;
    8. decisions: the decided plan - the recommended plan (the executive's changes).
    """
    common = sorted(data.last.keys() & data.recommended.keys())
    months_out = sorted(data.last.keys() - data.recommended.keys())
    months_in = sorted(data.recommended.keys() - data.last.keys())
    shared_months = set(common)
    steps = [
        Step(
            StepKind.months_out,
            units=-_sum(data.last, months_out, "units"),
            money=-_sum(data.last, months_out, "margin"),
        ),
        Step(
            StepKind.months_in,
            units=_sum(data.recommended, months_in, "units"),
            money=_sum(data.recommended, months_in, "margin"),
        ),
        Step(
            StepKind.prices,
            units=0.0,
            money=_sum(data.last_at_new, common, "revenue") - _sum(data.last, common, "revenue"),
        ),
        Step(
            StepKind.costs,
            units=0.0,
            money=-(
                _sum(data.last_at_new, common, "cost")
                + _sum(data.last_at_new, common, "lever_cost")
                - _sum(data.last, common, "cost")
                - _sum(data.last, common, "lever_cost")
            ),
        ),
    ]
    cells = {
        cell
        for cell in data.last_cells.keys() | data.recommended_cells.keys()
        if cell[2] in shared_months
    }

    def rated(cell: Cell) -> CellValue:
        # Both plans' lines are valued at this month's rates: either one's price will do.
        return data.recommended_cells.get(cell) or data.last_cells[cell]

    def moved(cell: Cell, measure: str) -> float:
        before = data.last_cells.get(cell)
        after = data.recommended_cells.get(cell)
        return (getattr(after, measure) if after else 0.0) - (
            getattr(before, measure) if before else 0.0
        )

    explained: dict[Cell, float] = defaultdict(float)
    streams: dict[tuple[str, str], tuple[list[float], list[float], set[str]]] = {}
    for move in data.demand_moves:
        if move.cell not in cells:
            continue
        units, money, authors = streams.setdefault((move.stream, move.reason_code), ([], [], set()))
        units.append(move.units)
        money.append(_value_of(move.units, rated(move.cell)))
        authors.update(move.authors)
        explained[move.cell] += move.units
    for cell in sorted(cells):
        rest = moved(cell, "demand") - explained[cell]
        if abs(rest) > TOLERANCE:
            units, money, _ = streams.setdefault(("other", ""), ([], [], set()))
            units.append(rest)
            money.append(_value_of(rest, rated(cell)))
    for (stream, reason), (units, money, authors) in streams.items():
        steps.append(
            Step(
                StepKind.demand,
                units=math.fsum(units),
                money=math.fsum(money),
                stream=stream,
                reason_code=reason or None,
                authors=sorted(authors),
            )
        )
    unserved = {cell: moved(cell, "sold") - moved(cell, "demand") for cell in sorted(cells)}
    steps.append(
        Step(
            StepKind.service,
            units=math.fsum(unserved.values()),
            money=math.fsum(_value_of(units, rated(cell)) for cell, units in unserved.items()),
        )
    )
    steps.append(
        Step(
            StepKind.lever_costs,
            units=0.0,
            money=-(
                _sum(data.recommended, common, "lever_cost")
                - _sum(data.last_at_new, common, "lever_cost")
            ),
        )
    )
    steps.append(
        Step(
            StepKind.decisions,
            units=_sum(data.decided, data.decided, "units")
            - _sum(data.recommended, data.recommended, "units"),
            money=_sum(data.decided, data.decided, "margin")
            - _sum(data.recommended, data.recommended, "margin"),
        )
    )
    return Waterfall(
        start_units=_sum(data.last, data.last, "units"),
        start_money=_sum(data.last, data.last, "margin"),
        steps=steps,
        end_units=_sum(data.decided, data.decided, "units"),
        end_money=_sum(data.decided, data.decided, "margin"),
        common=common,
        months_out=months_out,
        months_in=months_in,
    )
