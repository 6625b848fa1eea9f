"""Two solved plans side by side: a pure function over two ``Solution``s of the same horizon.

What moved from ``before`` to ``after``: every money total and the fill rate, each segment's
service, each resource's load, the escalation items added and removed (by title), and the
sales lines whose revenue, sales or unmet demand moved beyond a threshold, largest money
impact first.
"""

from pydantic import BaseModel, Field

from gateway.plans.diff import money_measures
from gateway.solver.solution import Solution, Totals


class Delta(BaseModel):
    name: str
    before: float
    after: float
    change: float


class LineDelta(BaseModel):
    """One family in one segment over the horizon: sums of the plan's lines."""

    family: str
    segment: str
    sales: Delta
    unmet: Delta = Field(description="Backlog at the end plus units lost.")
    revenue: Delta


class Comparison(BaseModel):
    totals: list[Delta] = Field(description="Money totals and fill rate, largest change first.")
    segments: list[Delta] = Field(description="Fill rate per segment.")
    resources: list[Delta] = Field(description="Hours loaded per resource over the horizon.")
    escalations_added: list[str]
    escalations_removed: list[str]
    lines: list[LineDelta] = Field(description="Lines that moved, largest revenue change first.")


def _delta(name: str, before: float, after: float) -> Delta:
    return Delta(name=name, before=before, after=after, change=after - before)


def _totals(before: Totals, after: Totals) -> list[Delta]:
    old, new = money_measures(before), money_measures(after)
    deltas = [_delta(name, old[name], new[name]) for name in old]
    return sorted(deltas, key=lambda d: -abs(d.change))


def _line_sums(solution: Solution) -> dict[tuple[str, str], tuple[float, float, float]]:
    return {
        (line.family, line.segment): (
            sum(line.sales),
            (line.backlog[-1] if line.backlog else 0.0) + sum(line.lost),
            sum(line.revenue),
        )
        for line in solution.sales
    }


def compare(before: Solution, after: Solution, *, threshold: float = 1e-6) -> Comparison:
    """What changed from ``before`` to ``after``; a line is listed when its sales, unmet
    demand or revenue moved by more than ``threshold`` (absolute)."""
    segments_before = {s.segment: s.fill_rate for s in before.segments}
    resources_before = {r.resource: sum(r.load) for r in before.resources}
    titles_before = {e.title for e in before.escalations}
    titles_after = {e.title for e in after.escalations}
    lines_before = _line_sums(before)
    lines: list[LineDelta] = []
    for key, (sales, unmet, revenue) in _line_sums(after).items():
        old_sales, old_unmet, old_revenue = lines_before.get(key, (0.0, 0.0, 0.0))
        moved = max(abs(sales - old_sales), abs(unmet - old_unmet), abs(revenue - old_revenue))
        if moved > threshold:
            lines.append(
                LineDelta(
                    family=key[0],
                    segment=key[1],
                    sales=_delta("sales", old_sales, sales),
                    unmet=_delta("unmet", old_unmet, unmet),
                    revenue=_delta("revenue", old_revenue, revenue),
                )
            )
    lines.sort(key=lambda line: -abs(line.revenue.change))
    return Comparison(
        totals=_totals(before.totals, after.totals),
        segments=[
            _delta(s.segment, segments_before.get(s.segment, 0.0), s.fill_rate)
            for s in after.segments
        ],
        resources=[
            _delta(r.resource, resources_before.get(r.resource, 0.0), sum(r.load))
            for r in after.resources
        ],
        escalations_added=sorted(titles_after - titles_before),
        escalations_removed=sorted(titles_before - titles_after),
        lines=lines,
    )
