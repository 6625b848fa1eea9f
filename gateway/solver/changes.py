"""Changes to a planning problem: ONE typed vocabulary for an escalation item's option, an
executive decision and a scenario delta.

A change is data: it names what it changes (codes, periods; no periods = the whole horizon)
and how (``percent``: scaled by 1 + value/100; ``add``: value added; ``set``: value put in
place; results never go below zero). ``apply_changes(problem, changes)`` returns the changed
problem and leaves the original untouched; a change that does not fit the problem (unknown
code or period, a workforce lever on a fixed-capacity resource) is a 422 naming the change's
field, all gaps at once. ``conflicts(changes)`` finds the pairs that cannot hold together.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from gateway.solver.data import per_period
from gateway.solver.problem import (
    FamilyInput,
    Label,
    NonNegative,
    Number,
    Objective,
    PerPeriod,
    PlanningProblem,
    Strict,
    UnmetDemand,
)
from shared.errors import FieldError, ValidationFailed
from shared.types import JSON_INTEGER, Flag, Priority

Mode = Literal["percent", "add", "set"]
# The largest quantity a problem accepts (``NonNegative``): "unlimited" where a list of
# numbers cannot say ``None``.
UNLIMITED = 1e13


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


class Adjustment(Strict):
    """How a quantity changes over the chosen periods (none named: every period)."""

    periods: list[Label] = Field(default_factory=list, max_length=120)
    mode: Mode = "percent"
    value: Number = Field(ge=-1e13, le=1e13, allow_inf_nan=False)


class DemandChange(Adjustment):
    """Unconstrained demand of a family (every family when none is named), in one segment or
    all of them."""

    kind: Literal["demand"] = "demand"
    family: Label | None = None
    segment: Label | None = None


class DemandMove(Strict):
    """Demand moved from one period to another (all of it when no quantity is given)."""

    kind: Literal["move_demand"] = "move_demand"
    family: Label
    segment: Label
    from_period: Label
    to_period: Label
    quantity: NonNegative | None = None


class CapacityChange(Adjustment):
    """Regular hours of a resource. On a workforce-driven resource, ``percent`` scales the
    hours per worker and a negative ``add`` is a loss (hours taken by other work)."""

    kind: Literal["capacity"] = "capacity"
    resource: Label


class OvertimeChange(Adjustment):
    """The overtime a resource may work: ``hours`` changes its overtime-hours limit (the cap,
    for a workforce), ``hours_per_worker`` a workforce's overtime per worker."""

    kind: Literal["overtime"] = "overtime"
    resource: Label
    unit: Literal["hours", "hours_per_worker"] = "hours"


class OutsourcingChange(Strict):
    """The units per period a family's subcontractor may supply."""

    kind: Literal["outsourcing"] = "outsourcing"
    family: Label
    periods: list[Label] = Field(default_factory=list, max_length=120)
    mode: Literal["percent", "add", "set", "unlimited"] = "add"
    value: Number = Field(default=0, ge=-1e13, le=1e13, allow_inf_nan=False)


class ExpansionChange(Strict):
    """A capacity step taken now, ruled out, or available after another lead time."""

    kind: Literal["expansion"] = "expansion"
    code: Label
    action: Literal["commit", "forbid", "reschedule"]
    lead_time_periods: Annotated[int, Field(ge=0, le=120), JSON_INTEGER] | None = None


class WorkforceChange(Strict):
    """Bounds on a workforce's head count over the chosen periods."""

    kind: Literal["workforce"] = "workforce"
    resource: Label
    periods: list[Label] = Field(default_factory=list, max_length=120)
    min_workers: NonNegative | None = None
    max_workers: NonNegative | None = None


class PriceChange(Adjustment):
    """The selling price of a family (every family when none is named), in one segment or
    all of them."""

    kind: Literal["price"] = "price"
    family: Label | None = None
    segment: Label | None = None


FAMILY_COSTS = ("variable_cost", "holding_cost", "outsource_cost", "safety_stock_penalty")
RESOURCE_COSTS = ("regular_hour_cost", "overtime_hour_cost")
WORKFORCE_COSTS = ("wage_per_hour", "hire_cost", "layoff_cost")
CostName = Literal[
    "variable_cost",
    "holding_cost",
    "outsource_cost",
    "safety_stock_penalty",
    "regular_hour_cost",
    "overtime_hour_cost",
    "wage_per_hour",
    "hire_cost",
    "layoff_cost",
]


class CostChange(Adjustment):
    """A cost rate of one family or resource, or of every one when none is named."""

    kind: Literal["cost"] = "cost"
    cost: CostName
    family: Label | None = None
    resource: Label | None = None


class TargetChange(Strict):
    """A segment's service target, priority or treatment of unmet demand."""

    kind: Literal["target"] = "target"
    segment: Label
    fill_rate_target: Number | None = Field(default=None, ge=0, le=1)
    priority: Priority | None = None
    strategic: Flag | None = None
    unmet: UnmetDemand | None = None


class ObjectiveChange(Strict):
    kind: Literal["objective"] = "objective"
    objective: Objective


class AcceptPlan(Strict):
    """No change: the shortfall or gap is accepted as planned."""

    kind: Literal["accept"] = "accept"


PlanChange = Annotated[
    DemandChange
    | DemandMove
    | CapacityChange
    | OvertimeChange
    | OutsourcingChange
    | ExpansionChange
    | WorkforceChange
    | PriceChange
    | CostChange
    | TargetChange
    | ObjectiveChange
    | AcceptPlan,
    Field(discriminator="kind"),
]


class ChangeList(BaseModel):
    """A list of changes as one value (a decision's, an option's, a scenario's)."""

    changes: list[PlanChange] = Field(default_factory=list, max_length=1000)


# --------------------------------------------------------------------------- applying


def _listed(values: np.ndarray) -> list[float]:
    return [round(float(v), 9) for v in values]


def _adjusted(
    current: PerPeriod | None, mask: np.ndarray, mode: str, value: float, missing: float = 0.0
) -> list[float]:
    """``current`` (one number, a list or None=``missing``) changed where ``mask`` holds."""
    row = per_period([current], len(mask), missing)[0]
    changed = row.copy()
    if mode == "percent":
        changed[mask] = row[mask] * (1 + value / 100)
    elif mode == "add":
        changed[mask] = row[mask] + value
    else:
        changed[mask] = value
    return _listed(np.clip(changed, 0.0, UNLIMITED))


class _Editor:
    """The problem's parts as mutable lists, the gaps found on the way."""

    def __init__(self, problem: PlanningProblem, path: str) -> None:
        self.problem = problem
        self.path = path
        self.periods = {code: index for index, code in enumerate(problem.periods)}
        self.families = list(problem.families)
        self.segments = list(problem.segments)
        self.demand = list(problem.demand)
        self.resources = list(problem.resources)
        self.expansions = list(problem.expansions)
        self.options = problem.options
        self.errors: list[FieldError] = []

    def gap(self, index: int, name: str, reason: str) -> None:
        self.errors.append(FieldError(field=f"{self.path}.{index}.{name}", reason=reason))

    def mask(self, index: int, periods: Sequence[str], name: str = "periods") -> np.ndarray | None:
        mask = np.zeros(len(self.periods), dtype=bool)
        if not periods:
            mask[:] = True
        for period in periods:
            if period not in self.periods:
                self.gap(index, name, f"period {period!r} is not in the horizon")
                return None
            mask[self.periods[period]] = True
        return mask

    def find(self, index: int, name: str, items: Sequence[_Coded], code: str) -> int | None:
        for position, item in enumerate(items):
            if item.code == code:
                return position
        self.gap(index, name, f"unknown {name} {code!r}")
        return None

    def lines(self, index: int, family: str | None, segment: str | None) -> list[int]:
        found = [
            position
            for position, line in enumerate(self.demand)
            if family in (None, line.family) and segment in (None, line.segment)
        ]
        if not found:
            where = "" if segment is None else f" in segment {segment!r}"
            what = "any family" if family is None else f"family {family!r}"
            self.gap(index, "family", f"no demand of {what}{where}")
        return found

    def result(self) -> PlanningProblem:
        if self.errors:
            raise ValidationFailed(
                f"{len(self.errors)} change(s) do not fit the problem", errors=self.errors
            )
        return self.problem.model_copy(
            update={
                "families": self.families,
                "segments": self.segments,
                "demand": self.demand,
                "resources": self.resources,
                "expansions": self.expansions,
                "options": self.options,
            }
        )


def _demand(editor: _Editor, i: int, change: DemandChange | PriceChange) -> None:
    mask = editor.mask(i, change.periods)
    lines = editor.lines(i, change.family, change.segment)
    if mask is None:
        return
    field = "quantity" if isinstance(change, DemandChange) else "price"
    for d in lines:
        line = editor.demand[d]
        value = _adjusted(getattr(line, field), mask, change.mode, change.value)
        editor.demand[d] = line.model_copy(update={field: value})


def _move(editor: _Editor, i: int, change: DemandMove) -> None:
    source = editor.mask(i, [change.from_period], "from_period")
    target = editor.mask(i, [change.to_period], "to_period")
    lines = editor.lines(i, change.family, change.segment)
    if source is None or target is None or not lines:
        return
    d = lines[0]
    quantity = list(editor.demand[d].quantity)
    start, end = int(source.argmax()), int(target.argmax())
    moved = quantity[start] if change.quantity is None else min(change.quantity, quantity[start])
    quantity[start] -= moved
    quantity[end] += moved
    editor.demand[d] = editor.demand[d].model_copy(update={"quantity": quantity})


def _capacity(editor: _Editor, i: int, change: CapacityChange) -> None:
    mask = editor.mask(i, change.periods)
    r = editor.find(i, "resource", editor.resources, change.resource)
    if mask is None or r is None:
        return
    resource = editor.resources[r]
    crew = resource.workforce
    if crew is None:
        hours = _adjusted(resource.regular_hours, mask, change.mode, change.value)
        editor.resources[r] = resource.model_copy(update={"regular_hours": hours})
    elif change.mode == "percent":
        per_worker = _adjusted(crew.hours_per_worker, mask, "percent", change.value)
        crew = crew.model_copy(update={"hours_per_worker": per_worker})
        editor.resources[r] = resource.model_copy(update={"workforce": crew})
    elif change.mode == "add" and change.value <= 0:
        taken = _adjusted(resource.committed_hours, mask, "add", -change.value)
        editor.resources[r] = resource.model_copy(update={"committed_hours": taken})
    else:
        editor.gap(
            i,
            "mode",
            f"resource {change.resource!r} is workforce-driven: change its capacity in percent,"
            " by a loss (a negative add) or by its workforce",
        )


def _overtime(editor: _Editor, i: int, change: OvertimeChange) -> None:
    mask = editor.mask(i, change.periods)
    r = editor.find(i, "resource", editor.resources, change.resource)
    if mask is None or r is None:
        return
    resource = editor.resources[r]
    if change.unit == "hours":
        hours = _adjusted(resource.max_overtime_hours, mask, change.mode, change.value)
        editor.resources[r] = resource.model_copy(update={"max_overtime_hours": hours})
    elif resource.workforce is None:
        editor.gap(i, "unit", f"resource {change.resource!r} has no workforce")
    else:
        per_worker = _adjusted(
            resource.workforce.overtime_hours_per_worker, mask, change.mode, change.value
        )
        crew = resource.workforce.model_copy(update={"overtime_hours_per_worker": per_worker})
        editor.resources[r] = resource.model_copy(update={"workforce": crew})


def _outsourcing(editor: _Editor, i: int, change: OutsourcingChange) -> None:
    mask = editor.mask(i, change.periods)
    f = editor.find(i, "family", editor.families, change.family)
    if mask is None or f is None:
        return
    family = editor.families[f]
    if change.mode == "unlimited":
        limit = _adjusted(family.outsource_limit, mask, "set", UNLIMITED, missing=UNLIMITED)
    else:
        limit = _adjusted(family.outsource_limit, mask, change.mode, change.value, UNLIMITED)
    editor.families[f] = family.model_copy(update={"outsource_limit": limit})


def _expansion(editor: _Editor, i: int, change: ExpansionChange) -> None:
    e = editor.find(i, "code", editor.expansions, change.code)
    if e is None:
        return
    if change.action == "forbid":
        del editor.expansions[e]
    elif change.action == "commit":
        editor.expansions[e] = editor.expansions[e].model_copy(update={"committed": True})
    elif change.lead_time_periods is None:
        editor.gap(i, "lead_time_periods", "a rescheduled step needs its new lead time")
    else:
        lead = {"lead_time_periods": change.lead_time_periods}
        editor.expansions[e] = editor.expansions[e].model_copy(update=lead)


def _workforce(editor: _Editor, i: int, change: WorkforceChange) -> None:
    mask = editor.mask(i, change.periods)
    r = editor.find(i, "resource", editor.resources, change.resource)
    if mask is None or r is None:
        return
    crew = editor.resources[r].workforce
    if crew is None:
        editor.gap(i, "resource", f"resource {change.resource!r} has no workforce")
        return
    updates: dict[str, object] = {}
    if change.min_workers is not None:
        updates["min_workers"] = _adjusted(crew.min_workers, mask, "set", change.min_workers)
    if change.max_workers is not None:
        updates["max_workers"] = _adjusted(
            crew.max_workers, mask, "set", change.max_workers, missing=UNLIMITED
        )
    crew = crew.model_copy(update=updates)
    editor.resources[r] = editor.resources[r].model_copy(update={"workforce": crew})


def _family_cost(family: FamilyInput, cost: str, periods: int) -> PerPeriod:
    """A family's cost rate; an unset safety-stock penalty is its default (2 x holding + 1),
    so a change in some periods keeps the default in the others."""
    if cost == "safety_stock_penalty" and family.safety_stock_penalty is None:
        return _listed(2 * per_period([family.holding_cost], periods, 0.0)[0] + 1)
    value: PerPeriod = getattr(family, cost)
    return value


def _cost(editor: _Editor, i: int, change: CostChange) -> None:
    mask = editor.mask(i, change.periods)
    if mask is None:
        return
    if change.cost in FAMILY_COSTS:
        if change.resource is not None:
            editor.gap(i, "resource", f"{change.cost} is a family's cost, not a resource's")
            return
        targets = range(len(editor.families))
        if change.family is not None:
            f = editor.find(i, "family", editor.families, change.family)
            targets = range(0) if f is None else range(f, f + 1)
        for f in targets:
            family = editor.families[f]
            value = _adjusted(
                _family_cost(family, change.cost, len(mask)), mask, change.mode, change.value
            )
            editor.families[f] = family.model_copy(update={change.cost: value})
        return
    if change.family is not None:
        editor.gap(i, "family", f"{change.cost} is a resource's cost, not a family's")
        return
    chosen = range(len(editor.resources))
    if change.resource is not None:
        r = editor.find(i, "resource", editor.resources, change.resource)
        chosen = range(0) if r is None else range(r, r + 1)
    for r in chosen:
        resource = editor.resources[r]
        if change.cost in RESOURCE_COSTS:
            value = _adjusted(getattr(resource, change.cost), mask, change.mode, change.value)
            editor.resources[r] = resource.model_copy(update={change.cost: value})
        elif resource.workforce is not None:
            crew = resource.workforce
            value = _adjusted(getattr(crew, change.cost), mask, change.mode, change.value)
            crew = crew.model_copy(update={change.cost: value})
            editor.resources[r] = resource.model_copy(update={"workforce": crew})
        elif change.resource is not None:
            editor.gap(i, "resource", f"resource {change.resource!r} has no workforce")


def _target(editor: _Editor, i: int, change: TargetChange) -> None:
    s = editor.find(i, "segment", editor.segments, change.segment)
    if s is None:
        return
    updates = change.model_dump(exclude={"kind", "segment"}, exclude_none=True)
    editor.segments[s] = editor.segments[s].model_copy(update=updates)


def apply_changes(
    problem: PlanningProblem, changes: Iterable[PlanChange], *, path: str = "changes"
) -> PlanningProblem:
    """``problem`` with ``changes`` applied in order; a 422 naming ``{path}.{i}.{field}`` for
    every change that does not fit it."""
    editor = _Editor(problem, path)
    for i, change in enumerate(changes):
        match change:
            case DemandChange() | PriceChange():
                _demand(editor, i, change)
            case DemandMove():
                _move(editor, i, change)
            case CapacityChange():
                _capacity(editor, i, change)
            case OvertimeChange():
                _overtime(editor, i, change)
            case OutsourcingChange():
                _outsourcing(editor, i, change)
            case ExpansionChange():
                _expansion(editor, i, change)
            case WorkforceChange():
                _workforce(editor, i, change)
            case CostChange():
                _cost(editor, i, change)
            case TargetChange():
                _target(editor, i, change)
            case ObjectiveChange():
                update = {"objective": change.objective}
                editor.options = editor.options.model_copy(update=update)
            case AcceptPlan():
                pass
    return editor.result()


# --------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class ChangeConflict:
    """Two changes (by their position in the list) that cannot hold together, and why."""

    first: int
    second: int
    reason: str


def _settings(change: PlanChange) -> Iterator[tuple[tuple[str, ...], object]]:
    """What a change pins down: (what, which, when) -> the value it must have. Relative
    changes (percent, add) compose with each other and pin nothing."""
    whole = ("*",)
    match change:
        case ExpansionChange():
            yield ("expansion", change.code, "taken"), change.action != "forbid"
            if change.action == "reschedule":
                yield ("expansion", change.code, "lead time"), change.lead_time_periods
        case TargetChange():
            for name in ("fill_rate_target", "priority", "strategic", "unmet"):
                if getattr(change, name) is not None:
                    yield ("target", change.segment, name), getattr(change, name)
        case ObjectiveChange():
            yield ("objective",), change.objective
        case WorkforceChange():
            for name in ("min_workers", "max_workers"):
                if getattr(change, name) is not None:
                    for period in change.periods or whole:
                        yield ("workforce", change.resource, name, period), getattr(change, name)
        case DemandChange() | PriceChange() | CapacityChange() | OvertimeChange() | CostChange():
            if change.mode == "set":
                target = change.model_dump(exclude={"periods", "mode", "value"}, exclude_none=True)
                key = tuple(f"{name}={value}" for name, value in sorted(target.items()))
                for period in change.periods or whole:
                    yield (*key, period), change.value
        case OutsourcingChange():
            if change.mode in ("set", "unlimited"):
                value = UNLIMITED if change.mode == "unlimited" else change.value
                for period in change.periods or whole:
                    yield ("outsourcing", change.family, period), value


def conflicts(changes: Sequence[PlanChange]) -> list[ChangeConflict]:
    """Pairs of changes that pin the same quantity (the same field of the same code in a
    period, a whole-horizon setting overlapping every period) to different values, or that
    take and rule out the same capacity step. Each pair is reported once."""
    pinned: dict[tuple[str, ...], list[tuple[int, object]]] = {}
    for index, change in enumerate(changes):
        for key, value in _settings(change):
            pinned.setdefault(key, []).append((index, value))
    found: dict[tuple[int, int], str] = {}
    for key, values in pinned.items():
        # A setting of one period also meets the same setting over the whole horizon.
        others = pinned.get((*key[:-1], "*"), []) if key[-1] != "*" else []
        settings = sorted({*values, *others}, key=lambda setting: setting[0])
        for a, (first, one) in enumerate(settings):
            for second, other in settings[a + 1 :]:
                if first != second and one != other:
                    what = " ".join(part for part in key if part != "*")
                    found.setdefault(
                        (first, second),
                        f"{what}: {one} (change {first}) vs {other} (change {second})",
                    )
    return [ChangeConflict(a, b, reason) for (a, b), reason in sorted(found.items())]
