"""The consensus rules: how the demand streams combine into one number per cell.

A cell is a family x segment x period of the plan's horizon. Pure functions, no I/O.
The layers apply in waterfall order, each starting from the previous layer's result:

1. statistical: the baseline (0 where a series has none, e.g. a family not yet launched).
2. sales: overrides SET the value (when several cover a cell the latest wins), then deltas ADD.
3. marketing: events ADD an uplift, ``uplift_pct`` x the value after sales plus
   ``uplift_units``; events on one cell add up, they do not compound. An event that
   cannibalises family B REMOVES ``cannibalisation_share`` x its uplift from B in the same
   segments and periods (a negative uplift, e.g. a price rise, moves demand to B instead).
4. product: a launch SETS the months before its launch month to 0 and ADDS its ramp from the
   launch month on (``quantity`` x min(1, k / ``ramp_months``) in its k-th month, k = 1, 2,
   ...); a phase-out SCALES the value down linearly to 0 at the end-of-life month and keeps
   it 0 after: factor = months left until the end-of-life month / months of the decline
   (first month to end-of-life month, both counted), e.g. 3/4, 2/4, 1/4, 0 over four months.
5. planner: overrides SET, then deltas ADD, as for sales: the demand planner has the last word.
6. consensus: the planner layer's result.

A layer that drives a cell below zero is refused, naming each input that lowered it (and
one that drives it beyond a storable quantity, naming those that raised it), and so is an
input that matches no demand series at all.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.contracts.demand import DemandStream, InputKind, InputStream
from shared.periods import months_between
from shared.types import MAX_QUANTITY

Cell = tuple[str, str, str]
Series = tuple[str, str]

LAYERS = (InputStream.sales, InputStream.marketing, InputStream.product, InputStream.planner)
# Floating-point noise below this is zero, not negative demand.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class RuleInput:
    """An input as the rules see it; ``ref`` is where an error about it points."""

    ref: str
    input_id: int
    stream: InputStream
    kind: InputKind
    family_code: str
    segment_code: str | None
    period_from: str
    period_to: str | None = None
    quantity: float | None = None
    uplift_pct: float | None = None
    cannibalised_family_code: str | None = None
    cannibalisation_share: float | None = None
    ramp_months: int | None = None
    author: str = ""
    reason_code: str = ""


@dataclass
class CellResult:
    layers: dict[DemandStream, float]
    contributions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    ref: str
    field: str
    reason: str


@dataclass
class Waterfall:
    cells: dict[Cell, CellResult]
    violations: list[Violation]


@dataclass
class _Move:
    source: RuleInput
    field: str
    delta: float


def build_waterfall(
    *, periods: Sequence[str], baseline: Mapping[Cell, float], inputs: Sequence[RuleInput]
) -> Waterfall:
    """Apply the inputs, in order, layer by layer over the baseline."""
    horizon = list(periods)
    series = {(family, segment) for family, segment, _ in baseline}
    series |= {(i.family_code, i.segment_code) for i in inputs if i.segment_code is not None}
    violations: list[Violation] = []
    segments_of: dict[str, list[str]] = {}
    for family, segment in sorted(series):
        segments_of.setdefault(family, []).append(segment)
    for item in inputs:
        if item.segment_code is None and item.family_code not in segments_of:
            violations.append(
                Violation(
                    item.ref,
                    "segment_code",
                    f"family {item.family_code} has no demand series in this plan: "
                    "name the segment it applies to",
                )
            )

    current = {(f, s, p): float(baseline.get((f, s, p), 0.0)) for f, s in series for p in horizon}
    results = {
        cell: CellResult(layers={DemandStream.statistical: value})
        for cell, value in current.items()
    }
    context = _Context(horizon=horizon, segments_of=segments_of, current=current)

    for stream in LAYERS:
        moves: dict[Cell, list[_Move]] = {}
        layer_inputs = [item for item in inputs if item.stream == stream]
        if stream == InputStream.marketing:
            _apply_events(context, layer_inputs, moves, violations)
        elif stream == InputStream.product:
            _apply_lifecycle(context, layer_inputs, moves)
        else:
            _apply_adjustments(context, layer_inputs, moves)
        violations.extend(_out_of_range(stream, current, moves))
        for cell, cell_moves in moves.items():
            results[cell].contributions.extend(
                {
                    "input_id": move.source.input_id,
                    "stream": move.source.stream.value,
                    "kind": move.source.kind.value,
                    "author": move.source.author,
                    "reason_code": move.source.reason_code,
                    "delta": _clean(move.delta),
                }
                for move in cell_moves
            )
        for cell, value in current.items():
            results[cell].layers[DemandStream(stream.value)] = _clean(value)
    for result in results.values():
        result.layers[DemandStream.statistical] = _clean(result.layers[DemandStream.statistical])
        result.layers[DemandStream.consensus] = max(0.0, result.layers[DemandStream.planner])
    return Waterfall(cells=results, violations=_deduplicated(violations))


@dataclass
class _Context:
    horizon: list[str]
    segments_of: dict[str, list[str]]
    current: dict[Cell, float]

    def segments(self, item: RuleInput) -> list[str]:
        if item.segment_code is not None:
            return [item.segment_code]
        return self.segments_of.get(item.family_code, [])

    def span(self, item: RuleInput) -> list[str]:
        last = item.period_to or item.period_from
        return [p for p in self.horizon if item.period_from <= p <= last]

    def cells(self, item: RuleInput, family: str | None = None) -> Iterable[Cell]:
        family = family or item.family_code
        for segment in self.segments(item):
            for period in self.span(item):
                cell = (family, segment, period)
                if cell in self.current:
                    yield cell

    def move(self, moves: dict[Cell, list[_Move]], cell: Cell, move: _Move) -> None:
        # An override is recorded even when it confirms the value: someone vouched for it.
        if move.delta == 0 and move.source.kind != InputKind.override:
            return
        self.current[cell] += move.delta
        moves.setdefault(cell, []).append(move)


def _apply_adjustments(
    context: _Context, inputs: Sequence[RuleInput], moves: dict[Cell, list[_Move]]
) -> None:
    for item in (i for i in inputs if i.kind == InputKind.override):
        for cell in context.cells(item):
            target = float(item.quantity or 0.0)
            context.move(moves, cell, _Move(item, "quantity", target - context.current[cell]))
    for item in (i for i in inputs if i.kind == InputKind.delta):
        for cell in context.cells(item):
            context.move(moves, cell, _Move(item, "quantity", float(item.quantity or 0.0)))


def _apply_events(
    context: _Context,
    inputs: Sequence[RuleInput],
    moves: dict[Cell, list[_Move]],
    violations: list[Violation],
) -> None:
    after_sales = dict(context.current)
    for item in inputs:
        pct, units = item.uplift_pct or 0.0, item.quantity or 0.0
        field_name = "uplift_pct" if item.uplift_pct is not None else "uplift_units"
        cannibalised = item.cannibalised_family_code
        victims = 0
        for cell in list(context.cells(item)):
            uplift = after_sales[cell] * pct + units
            context.move(moves, cell, _Move(item, field_name, uplift))
            if cannibalised is None:
                continue
            victim = (cannibalised, cell[1], cell[2])
            if victim in context.current:
                victims += 1
                taken = -(item.cannibalisation_share or 0.0) * uplift
                context.move(moves, victim, _Move(item, "cannibalisation_share", taken))
        if cannibalised is not None and victims == 0:
            violations.append(
                Violation(
                    item.ref,
                    "cannibalised_family_code",
                    f"family {cannibalised} has no demand in the event's segments and periods",
                )
            )


def _apply_lifecycle(
    context: _Context, inputs: Sequence[RuleInput], moves: dict[Cell, list[_Move]]
) -> None:
    launches = [i for i in inputs if i.kind == InputKind.launch]
    phase_outs = [i for i in inputs if i.kind == InputKind.phase_out]
    for item in launches:
        ramp = item.ramp_months or 1
        for segment in context.segments(item):
            for period in context.horizon:
                cell = (item.family_code, segment, period)
                month = months_between(item.period_from, period) + 1
                if month < 1:
                    delta = -context.current[cell]
                else:
                    delta = float(item.quantity or 0.0) * min(1.0, month / ramp)
                context.move(moves, cell, _Move(item, "quantity", delta))
    for item in phase_outs:
        end_of_life = item.period_to or item.period_from
        decline = months_between(item.period_from, end_of_life) + 1
        for segment in context.segments(item):
            for period in context.horizon:
                if period < item.period_from:
                    continue
                cell = (item.family_code, segment, period)
                factor = max(0, months_between(period, end_of_life)) / decline
                delta = context.current[cell] * (factor - 1.0)
                context.move(moves, cell, _Move(item, "period_to", delta))


def _out_of_range(
    stream: InputStream, current: Mapping[Cell, float], moves: Mapping[Cell, list[_Move]]
) -> list[Violation]:
    """Cells driven below zero (or beyond a storable quantity), blamed on the moves that did."""
    found = []
    for cell, cell_moves in moves.items():
        value = current[cell]
        if -TOLERANCE <= value <= MAX_QUANTITY:
            continue
        family, segment, period = cell
        limit = "cannot be negative" if value < 0 else f"cannot exceed {MAX_QUANTITY:.0e} units"
        for move in cell_moves:
            if (move.delta < 0) == (value < 0):
                found.append(
                    Violation(
                        move.source.ref,
                        move.field,
                        f"drives demand of {family}/{segment} in {period} to {value:.6g} "
                        f"in the {stream.value} stream; demand {limit}",
                    )
                )
    return found


def _deduplicated(violations: Sequence[Violation]) -> list[Violation]:
    """One violation per input field: the first cell it breaks, and how many more."""
    first: dict[tuple[str, str], Violation] = {}
    extra: dict[tuple[str, str], int] = {}
    for violation in violations:
        key = (violation.ref, violation.field)
        if key in first:
            extra[key] = extra.get(key, 0) + 1
        else:
            first[key] = violation
    return [
        Violation(
            v.ref, v.field, v.reason + (f" (and {extra[k]} more cell(s))" if k in extra else "")
        )
        for k, v in first.items()
    ]


def _clean(value: float) -> float:
    rounded = round(value, 6)
    return 0.0 if rounded == 0 else rounded
