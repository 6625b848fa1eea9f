"""Checks and KPIs of a supply plan: pure functions of its lines and the supply data.

Feasibility (``validate_plan``): a line is infeasible when
* its production loads a resource above regular + maximum overtime in some month
  (``overload``), or a month without capacity (``capacity_gap``), or it has no routing at
  all (``unrouted``: its load cannot be checked);
* the overtime it needs is not planned: the overtime a resource-month needs is shared among
  the families loading it in proportion to their hours, and the lines of a month pool their
  ``overtime_hours`` across families (``overtime_short``);
* it outsources more than the family's subcontractor limit (``outsourcing_limit``; no policy
  means no subcontractor);
* its ending inventory exceeds what was available: the previous month's ending inventory
  (the policy's on-hand stock in the horizon's first month) plus production and outsourcing
  (``inventory_balance``; shipments cannot be negative).

Inventory turns (``plan_kpis``) are units-based, as money needs finance's costs:
shipments of a month = opening + production + outsourced - ending inventory; turns =
shipments per year / the mean of each month's (opening + ending) / 2.
"""

import math
from collections import defaultdict
from collections.abc import Sequence

from shared.contracts.supply import (
    DemandLineIn,
    InfeasibleLine,
    InventoryPolicyBase,
    InventoryTurns,
    LoadStatus,
    RccpResult,
    RccpRow,
    SupplyPlanIssue,
    SupplyPlanIssueKind,
    SupplyPlanKpis,
    SupplyPlanValidation,
)
from shared.periods import add_months

from ..rccp.service import TOLERANCE_HOURS, SupplyData, compute_rccp
from .models import SupplyPlan, SupplyPlanLine

TOLERANCE_UNITS = 1e-6
ALL_FAMILIES = "*"


def production_lines(lines: Sequence[SupplyPlanLine]) -> list[DemandLineIn]:
    """The plan's own production, as the units RCCP loads onto the resources."""
    return [
        DemandLineIn(family_code=line.family_code, period=line.period, quantity=line.production)
        for line in lines
    ]


def validate_plan(
    *,
    plan: SupplyPlan,
    lines: Sequence[SupplyPlanLine],
    data: SupplyData,
    policies: Sequence[InventoryPolicyBase],
) -> SupplyPlanValidation:
    capacity = compute_rccp(lines=production_lines(lines), data=data)
    issues = [
        *_capacity_issues(lines=lines, data=data, capacity=capacity),
        *_outsourcing_issues(lines=lines, policies=policies),
        *_balance_issues(plan=plan, lines=lines, policies=policies),
    ]
    line_ids = {(line.family_code, line.period): line.id for line in lines}
    kinds: dict[tuple[str, str], list[SupplyPlanIssueKind]] = defaultdict(list)
    for issue in issues:
        assert issue.family_code is not None
        key = (issue.family_code, issue.period)
        if issue.kind not in kinds[key]:
            kinds[key].append(issue.kind)
    assert plan.id is not None
    return SupplyPlanValidation(
        plan_id=plan.id,
        version=plan.version,
        feasible=not issues,
        infeasible_lines=[
            InfeasibleLine(
                line_id=line_ids[key] or 0, family_code=key[0], period=key[1], kinds=found
            )
            for key, found in sorted(kinds.items())
        ],
        issues=issues,
        capacity=capacity,
    )


def plan_kpis(
    *,
    plan: SupplyPlan,
    lines: Sequence[SupplyPlanLine],
    data: SupplyData,
    policies: Sequence[InventoryPolicyBase],
) -> SupplyPlanKpis:
    on_hand = {policy.family_code: policy.initial_on_hand for policy in policies}
    by_family: dict[str, list[SupplyPlanLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda x: (x.family_code, x.period)):
        by_family[line.family_code].append(line)
    turns: list[InventoryTurns] = []
    for family, family_lines in by_family.items():
        opening = on_hand.get(family, 0.0)
        shipped = held = 0.0
        for line in family_lines:
            shipped += max(opening + line.production + line.outsourced - line.ending_inventory, 0)
            held += (opening + line.ending_inventory) / 2
            opening = line.ending_inventory
        turns.append(
            _turns(
                family=family,
                shipped=shipped,
                average_inventory=held / len(family_lines),
                months=len(family_lines),
            )
        )
    months = len({line.period for line in lines})
    total = _turns(
        family=ALL_FAMILIES,
        shipped=sum(t.shipped_units for t in turns),
        average_inventory=sum(t.average_inventory for t in turns),
        months=months,
    )
    assert plan.id is not None
    return SupplyPlanKpis(
        plan_id=plan.id,
        version=plan.version,
        capacity=compute_rccp(lines=production_lines(lines), data=data),
        inventory_turns=turns,
        total_inventory_turns=total,
    )


def _turns(*, family: str, shipped: float, average_inventory: float, months: int) -> InventoryTurns:
    annual = shipped * 12 / months if months else 0.0
    turns = annual / average_inventory if average_inventory > 0 else math.inf
    return InventoryTurns(
        family_code=family,
        shipped_units=round(shipped, 6),
        average_inventory=round(average_inventory, 6),
        turns=round(turns, 6) if math.isfinite(turns) else None,
    )


def _capacity_issues(
    *, lines: Sequence[SupplyPlanLine], data: SupplyData, capacity: RccpResult
) -> list[SupplyPlanIssue]:
    rows = {(row.resource_code, row.period): row for row in capacity.rows}
    routings: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for routing in data.routings:
        routings[routing.family_code].append(
            (routing.resource_code, routing.hours_per_unit, routing.lead_time_offset)
        )
    issues: list[SupplyPlanIssue] = []
    needed_overtime: dict[str, float] = defaultdict(float)
    planned_overtime: dict[str, float] = defaultdict(float)
    # The lines of each month that need overtime, by family (one line per family and month).
    overtime_lines: dict[str, dict[str, SupplyPlanLine]] = defaultdict(dict)
    for line in lines:
        planned_overtime[line.period] += line.overtime_hours
        if line.production <= TOLERANCE_UNITS:
            continue
        if not routings[line.family_code]:
            issues.append(
                SupplyPlanIssue(
                    kind=SupplyPlanIssueKind.unrouted,
                    family_code=line.family_code,
                    period=line.period,
                    field="production",
                    amount=line.production,
                    message=f"{line.family_code} has no routing: its load cannot be checked",
                )
            )
            continue
        for resource, hours_per_unit, offset in routings[line.family_code]:
            row = rows[(resource, add_months(line.period, -offset))]
            hours = hours_per_unit * line.production
            issue = _load_issue(line=line, row=row, hours=hours)
            if issue is not None:
                issues.append(issue)
            if row.overtime_hours_needed > 0 and row.load_hours > 0:
                needed_overtime[line.period] += row.overtime_hours_needed * hours / row.load_hours
                overtime_lines[line.period][line.family_code] = line
    for period, needed in sorted(needed_overtime.items()):
        short = needed - planned_overtime[period]
        if short > TOLERANCE_HOURS:
            issues.extend(
                SupplyPlanIssue(
                    kind=SupplyPlanIssueKind.overtime_short,
                    family_code=line.family_code,
                    period=period,
                    field="overtime_hours",
                    amount=round(short, 6),
                    message=(
                        f"the production of {period} needs {needed:.2f} overtime hours, "
                        f"its lines plan {planned_overtime[period]:.2f}"
                    ),
                )
                for line in overtime_lines[period].values()
            )
    return issues


def _load_issue(*, line: SupplyPlanLine, row: RccpRow, hours: float) -> SupplyPlanIssue | None:
    if row.status == LoadStatus.overload:
        return SupplyPlanIssue(
            kind=SupplyPlanIssueKind.overload,
            family_code=line.family_code,
            resource_code=row.resource_code,
            period=line.period,
            field="production",
            amount=row.overload_hours,
            message=(
                f"{row.resource_code} in {row.period} is loaded {row.overload_hours:.2f} h above "
                f"regular + overtime capacity; {line.family_code} loads {hours:.2f} h of it"
            ),
        )
    if row.status == LoadStatus.gap:
        return SupplyPlanIssue(
            kind=SupplyPlanIssueKind.capacity_gap,
            family_code=line.family_code,
            resource_code=row.resource_code,
            period=line.period,
            field="production",
            amount=round(hours, 6),
            message=f"{row.resource_code} has no capacity recorded for {row.period}",
        )
    return None


def _outsourcing_issues(
    *, lines: Sequence[SupplyPlanLine], policies: Sequence[InventoryPolicyBase]
) -> list[SupplyPlanIssue]:
    limits = {policy.family_code: policy.max_outsourced_per_period for policy in policies}
    issues: list[SupplyPlanIssue] = []
    for line in lines:
        limit = limits.get(line.family_code, 0.0)
        if line.outsourced - limit > TOLERANCE_UNITS:
            issues.append(
                SupplyPlanIssue(
                    kind=SupplyPlanIssueKind.outsourcing_limit,
                    family_code=line.family_code,
                    period=line.period,
                    field="outsourced",
                    amount=round(line.outsourced - limit, 6),
                    message=(
                        f"{line.outsourced:g} units outsourced, the subcontractor of "
                        f"{line.family_code} supplies at most {limit:g} a month"
                    ),
                )
            )
    return issues


def _balance_issues(
    *,
    plan: SupplyPlan,
    lines: Sequence[SupplyPlanLine],
    policies: Sequence[InventoryPolicyBase],
) -> list[SupplyPlanIssue]:
    on_hand = {policy.family_code: policy.initial_on_hand for policy in policies}
    by_key = {(line.family_code, line.period): line for line in lines}
    issues: list[SupplyPlanIssue] = []
    for line in lines:
        previous = by_key.get((line.family_code, add_months(line.period, -1)))
        if previous is not None:
            opening = previous.ending_inventory
        elif line.period == plan.horizon_start:
            opening = on_hand.get(line.family_code, 0.0)
        else:
            continue  # the month before is not planned: its ending inventory is unknown
        available = opening + line.production + line.outsourced
        if line.ending_inventory - available > TOLERANCE_UNITS:
            issues.append(
                SupplyPlanIssue(
                    kind=SupplyPlanIssueKind.inventory_balance,
                    family_code=line.family_code,
                    period=line.period,
                    field="ending_inventory",
                    amount=round(line.ending_inventory - available, 6),
                    message=(
                        f"ending inventory {line.ending_inventory:g} exceeds the {available:g} "
                        "units available (opening + production + outsourced)"
                    ),
                )
            )
    return issues
