"""Bias flags into ``forecast_bias`` escalation items, on a plan small enough to check by hand.

One family on one resource of 70 hours a month (1 hour a unit, 10 an hour); KEY demands 50 a
month, RETAIL 20, at 100 a unit, 40 of variable cost, 5 a month of backlog, 1 of holding:
everything is served on time, each unit earns 100 - 40 - 10 = 50 of margin.
"""

from collections.abc import AsyncIterator

import pytest

from gateway.reconcile import bias
from gateway.reconcile.bias import BiasFlagsRead, forecast_bias_items, read_bias_flags
from gateway.solver.problem import (
    FamilyInput,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
)
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import EscalationKind, Severity, Solution
from shared.contracts.demand import BiasFlagPublic
from shared.errors import NotFound, UpstreamFailed
from tests.gateway.solver.workers import local_runner

pytestmark = pytest.mark.anyio

PERIODS = ["2026-01", "2026-02", "2026-03"]


def problem() -> PlanningProblem:
    return PlanningProblem(
        periods=PERIODS,
        families=[FamilyInput(code="F01", variable_cost=40, holding_cost=1)],
        segments=[
            SegmentInput(
                code="KEY", priority=1, strategic=True, fill_rate_target=0.98, backlog_cost=5
            ),
            SegmentInput(code="RETAIL", priority=5, fill_rate_target=0.9, backlog_cost=5),
        ],
        demand=[
            SegmentDemand(family="F01", segment="KEY", quantity=[50] * 3, price=100),
            SegmentDemand(family="F01", segment="RETAIL", quantity=[20] * 3, price=100),
        ],
        resources=[ResourceInput(code="R1", regular_hours=70, regular_hour_cost=10)],
        routings=[RoutingInput(family="F01", resource="R1", hours_per_unit=1)],
    )


def flag(
    stream: str,
    segment: str,
    bias_pct: float,
    *,
    author: str | None = None,
    severity: str = "high",
    family: str | None = None,
) -> BiasFlagPublic:
    direction = "over_forecast" if bias_pct < 0 else "under_forecast"
    return BiasFlagPublic(
        stream=stream,
        author=author,
        family_code=family,
        segment_code=segment,
        periods=6,
        first_period="2025-07",
        last_period="2025-12",
        direction=direction,
        bias_pct=bias_pct,
        same_sign_share=1.0,
        tracking_signal=-6.0 if bias_pct < 0 else 6.0,
        severity=severity,
        message=f"{stream} {author or ''} {segment} {bias_pct:+.0%}",
    )


FLAGS = [
    flag("sales", "KEY", -0.5),
    flag("sales", "KEY", -0.5, author="s.ales"),
    flag("consensus", "KEY", -0.5),
    flag("statistical", "KEY", 0.12, severity="medium"),
    flag("marketing", "RETAIL", -0.15, author="m.arketing", severity="medium"),
    flag("consensus", "EXPORT", -0.3),
]


@pytest.fixture
async def solver() -> AsyncIterator[SolverRunner]:
    async with local_runner() as runner:
        yield runner


async def base(solver: SolverRunner) -> tuple[PlanningProblem, Solution]:
    planned = problem()
    return planned, await solver.solve(planned)


async def test_each_stream_and_scope_is_one_item_with_its_options(solver: SolverRunner) -> None:
    planned, solution = await base(solver)
    assert solution.totals.fill_rate == pytest.approx(1.0)
    solves = solution.stats.option_solves

    items = await forecast_bias_items(
        read=BiasFlagsRead(flags=FLAGS), problem=planned, solution=solution, solver=solver
    )

    assert {item.kind for item in items} == {EscalationKind.forecast_bias}
    assert [item.title for item in items] == [
        "Sales forecast for segment KEY over-forecast by 50% over 6 months",
        "Consensus forecast for segment KEY over-forecast by 50% over 6 months",
        "Statistical forecast for segment KEY under-forecast by 12% over 6 months",
        "Marketing forecast by m.arketing for segment RETAIL over-forecast by 15% over 6 months",
        "Consensus forecast for segment EXPORT over-forecast by 30% over 6 months",
    ]
    sales, consensus, statistical, marketing, export = items

    # The sales bias reaches the plan: the consensus of KEY is over-forecast too.
    assert sales.severity == Severity.high
    assert (sales.segment, sales.family, sales.families) == ("KEY", None, ["F01"])
    assert (sales.amount, sales.unit) == (-50.0, "% of actual demand")
    assert sales.periods == ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    assert "sales s.ales KEY -50%" in sales.detail and "It reaches the plan" in sales.detail
    accept, source, replan = sales.options
    assert (accept.lever, source.lever, replan.lever) == (
        "accept",
        "correct_at_source",
        "correct_plan",
    )
    for unchanged in (accept, source):
        assert (unchanged.cost_delta, unchanged.margin_delta, unchanged.revenue_delta) == (0, 0, 0)
        assert unchanged.fill_rate_delta == {"KEY": 0.0, "RETAIL": 0.0}
    assert "s.ales" in source.description and "not quantified" in source.description
    assert "by 0.667 (-33%)" in source.description  # forecast 1.5x the actuals
    # Actuals were 1 / 1.5 of the forecast: KEY's 150 units become 100; each lost unit
    # took 100 of revenue and 50 of cost (40 variable, 10 an hour) with it.
    assert replan.item_metric == pytest.approx(-50)
    assert replan.revenue_delta == pytest.approx(-5000, abs=0.01)
    assert replan.cost_delta == pytest.approx(-2500, abs=0.01)
    assert replan.margin_delta == pytest.approx(-2500, abs=0.01)
    assert replan.fill_rate_delta == pytest.approx({"KEY": 0.0, "RETAIL": 0.0}, abs=1e-6)
    assert replan.inventory_delta == pytest.approx(0, abs=1e-6)
    assert "x 0.667" in replan.description
    assert sales.recommended_option == 2
    assert sales.recommendation and "persistent 50% bias" in sales.recommendation
    assert consensus.recommended_option == 2
    assert consensus.options[2].margin_delta == replan.margin_delta  # one re-solve for both

    # The baseline ran low while the consensus ran high: the plan does not carry it.
    assert statistical.severity == Severity.low
    assert [o.lever for o in statistical.options] == ["accept", "correct_at_source"]
    assert statistical.options[1].description.startswith("Review the statistical baseline")
    assert statistical.recommended_option == 1
    # Marketing was flagged only for its author, and RETAIL's consensus is not biased.
    assert marketing.severity == Severity.low and marketing.segment == "RETAIL"
    assert len(marketing.options) == 2
    # The plan has no EXPORT demand: nothing to re-plan, correct it at the source.
    assert export.severity == Severity.high and export.families == []
    assert [o.lever for o in export.options] == ["accept", "correct_at_source"]
    assert export.recommended_option == 1

    assert solution.stats.option_solves == solves + 1
    assert (
        "forecast bias: 5 item(s) from the demand service's bias flags, 1 re-solve(s)"
        in " ".join(solution.stats.notes)
    )


async def test_beyond_the_re_solve_budget_the_plan_option_is_not_quantified(
    solver: SolverRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bias, "MAX_RESOLVES", 0)
    planned, solution = await base(solver)
    [item] = await forecast_bias_items(
        read=BiasFlagsRead(flags=[flag("consensus", "KEY", -0.5)]),
        problem=planned,
        solution=solution,
        solver=solver,
    )
    replan = item.options[2]
    assert "not quantified" in replan.description
    assert (replan.cost_delta, replan.margin_delta, replan.revenue_delta) == (0, 0, 0)
    assert replan.item_metric == pytest.approx(-50)
    assert item.recommended_option == 1


class FailingDemand:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def bias_flags(self) -> list[BiasFlagPublic]:
        raise self.error


@pytest.mark.parametrize(
    ("error", "note"),
    [
        (NotFound("no such route"), "the demand service has no bias flags"),
        (UpstreamFailed("demand answered 500"), "flags not read (demand answered 500)"),
    ],
)
async def test_a_failed_read_is_no_items_and_a_note(
    solver: SolverRunner, error: Exception, note: str
) -> None:
    read = await read_bias_flags(FailingDemand(error))  # type: ignore[arg-type]
    assert read.flags == [] and read.note is not None and note in read.note
    planned, solution = await base(solver)
    items = await forecast_bias_items(read=read, problem=planned, solution=solution, solver=solver)
    assert items == []
    assert read.note in solution.stats.notes
