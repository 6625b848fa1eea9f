"""Cross-reference checks of a planning problem, all gaps reported at once.

Pydantic has checked each field on its own; this checks what ties them together: codes that
must exist, per-period lists of the horizon's length, duplicates, bounds that contradict.
Field names follow the request body (``body.demand.3.family``) so a 422 points at the input.
"""

from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel

from gateway.solver.problem import PerPeriod, PlanningProblem
from shared.errors import FieldError, ValidationFailed


def _lengths(
    item: BaseModel, prefix: str, fields: tuple[str, ...], periods: int
) -> list[FieldError]:
    """Per-period lists of ``item`` that do not have one value per period."""
    errors = []
    for name in fields:
        value: PerPeriod | list[float | None] | None = getattr(item, name)
        if isinstance(value, list) and len(value) != periods:
            errors.append(
                FieldError(
                    field=f"{prefix}.{name}",
                    reason=f"expected {periods} values (one per period), got {len(value)}",
                )
            )
    return errors


def _period_lists(
    items: Iterable[BaseModel], path: str, fields: tuple[str, ...], periods: int
) -> list[FieldError]:
    errors = []
    for index, item in enumerate(items):
        errors += _lengths(item, f"{path}.{index}", fields, periods)
    return errors


def _duplicates(codes: list[str], path: str, what: str) -> list[FieldError]:
    first: dict[str, int] = {}
    errors = []
    for index, code in enumerate(codes):
        if code in first:
            errors.append(
                FieldError(
                    field=f"{path}.{index}.code",
                    reason=f"duplicate {what} code {code!r} (first at {path}.{first[code]})",
                )
            )
        else:
            first[code] = index
    return errors


def problem_errors(problem: PlanningProblem) -> list[FieldError]:
    """Every cross-reference gap of the problem; empty when it can be solved."""
    periods = len(problem.periods)
    errors: list[FieldError] = []
    seen_periods: dict[str, int] = {}
    for index, period in enumerate(problem.periods):
        if period in seen_periods:
            errors.append(
                FieldError(field=f"body.periods.{index}", reason=f"duplicate period {period!r}")
            )
        seen_periods.setdefault(period, index)
    errors += _duplicates([f.code for f in problem.families], "body.families", "family")
    errors += _duplicates([s.code for s in problem.segments], "body.segments", "segment")
    errors += _duplicates([r.code for r in problem.resources], "body.resources", "resource")
    errors += _duplicates([e.code for e in problem.expansions], "body.expansions", "expansion")

    errors += _period_lists(
        problem.families,
        "body.families",
        (
            "variable_cost",
            "holding_cost",
            "safety_stock",
            "safety_stock_penalty",
            "outsource_cost",
            "outsource_limit",
            "fixed_production",
        ),
        periods,
    )
    errors += _period_lists(
        problem.segments, "body.segments", ("backlog_cost", "lost_sale_penalty"), periods
    )
    errors += _period_lists(
        problem.resources,
        "body.resources",
        (
            "regular_hours",
            "max_overtime_hours",
            "regular_hour_cost",
            "overtime_hour_cost",
            "committed_hours",
        ),
        periods,
    )
    workforce_fields = (
        "hours_per_worker",
        "wage_per_hour",
        "hire_cost",
        "layoff_cost",
        "overtime_hours_per_worker",
        "min_workers",
        "max_workers",
    )
    for index, resource in enumerate(problem.resources):
        workforce = resource.workforce
        if workforce is None:
            continue
        path = f"body.resources.{index}"
        errors += _lengths(workforce, f"{path}.workforce", workforce_fields, periods)
        low, high = workforce.min_workers, workforce.max_workers
        if low is not None and high is not None:
            lows = low if isinstance(low, list) else [low] * periods
            highs = high if isinstance(high, list) else [high] * periods
            bad = [p for p, (a, b) in enumerate(zip(lows, highs, strict=False)) if a > b]
            if bad:
                errors.append(
                    FieldError(
                        field=f"{path}.workforce.min_workers",
                        reason="minimum workforce above the maximum in period(s) "
                        + ", ".join(problem.periods[p] for p in bad[:12] if p < periods),
                    )
                )
    errors += _period_lists(problem.demand, "body.demand", ("price",), periods)
    errors += _period_lists(problem.expansions, "body.expansions", ("extra_hours",), periods)

    families = {f.code for f in problem.families}
    segments = {s.code for s in problem.segments}
    resources = {r.code for r in problem.resources}
    demand_lines: dict[tuple[str, str], int] = {}
    for index, line in enumerate(problem.demand):
        path = f"body.demand.{index}"
        if line.family not in families:
            errors.append(
                FieldError(field=f"{path}.family", reason=f"unknown family code {line.family!r}")
            )
        if line.segment not in segments:
            errors.append(
                FieldError(field=f"{path}.segment", reason=f"unknown segment code {line.segment!r}")
            )
        errors += _lengths(line, path, ("quantity",), periods)
        key = (line.family, line.segment)
        if key in demand_lines:
            errors.append(
                FieldError(
                    field=path,
                    reason=f"duplicate demand line for family {line.family!r} and segment"
                    f" {line.segment!r} (first at body.demand.{demand_lines[key]})",
                )
            )
        demand_lines.setdefault(key, index)
    routings: dict[tuple[str, str], int] = {}
    for index, routing in enumerate(problem.routings):
        path = f"body.routings.{index}"
        if routing.family not in families:
            errors.append(
                FieldError(field=f"{path}.family", reason=f"unknown family code {routing.family!r}")
            )
        if routing.resource not in resources:
            errors.append(
                FieldError(
                    field=f"{path}.resource",
                    reason=f"unknown resource code {routing.resource!r}",
                )
            )
        key = (routing.family, routing.resource)
        if key in routings:
            errors.append(
                FieldError(
                    field=path,
                    reason=f"duplicate routing of family {routing.family!r} on resource"
                    f" {routing.resource!r} (first at body.routings.{routings[key]})",
                )
            )
        routings.setdefault(key, index)
    for index, expansion in enumerate(problem.expansions):
        if expansion.resource not in resources:
            errors.append(
                FieldError(
                    field=f"body.expansions.{index}.resource",
                    reason=f"unknown resource code {expansion.resource!r}",
                )
            )
    if not errors:  # the lists have the horizon's length: numbers can be compared
        errors += _committed_beyond_capacity(problem)
    return errors


def _hours(value: PerPeriod | None, periods: int) -> np.ndarray:
    out = np.zeros(periods)
    out[:] = np.inf if value is None else value
    return out


def _committed_beyond_capacity(problem: PlanningProblem) -> list[FieldError]:
    """Committed hours no plan can fit: more than regular + overtime + every expansion step
    (for a workforce, at its maximum size; without a maximum it can always hire)."""
    periods = len(problem.periods)
    errors = []
    for index, resource in enumerate(problem.resources):
        committed = _hours(resource.committed_hours, periods)
        if not committed.any():
            continue
        crew = resource.workforce
        if crew is None:
            most = _hours(resource.regular_hours, periods) + _hours(
                resource.max_overtime_hours, periods
            )
        else:
            workers = _hours(crew.max_workers, periods)
            per_worker = _hours(crew.hours_per_worker, periods) + _hours(
                crew.overtime_hours_per_worker, periods
            )
            with np.errstate(invalid="ignore"):  # no maximum (inf) x no hours (0)
                most = np.where(per_worker > 0, workers * per_worker, 0.0)
        for expansion in problem.expansions:
            if expansion.resource == resource.code:
                extra = _hours(expansion.extra_hours, periods)
                extra[: expansion.lead_time_periods] = 0
                most = most + extra
        beyond = np.flatnonzero(committed > most + 1e-9)
        if len(beyond):
            errors.append(
                FieldError(
                    field=f"body.resources.{index}.committed_hours",
                    reason="committed hours exceed all the capacity the resource can have in "
                    + ", ".join(problem.periods[t] for t in beyond[:12]),
                )
            )
    return errors


def validate_problem(problem: PlanningProblem) -> None:
    """Raise ValidationFailed (422) listing every cross-reference gap of the problem."""
    errors = problem_errors(problem)
    if errors:
        named = ", ".join(error.field for error in errors[:5])
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise ValidationFailed(
            f"The planning problem has {len(errors)} inconsistent input(s): {named}{more}",
            errors=errors,
        )
