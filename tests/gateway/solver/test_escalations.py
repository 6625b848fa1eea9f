"""Escalation items, their options and recommendation, and the explanation of the plan."""

import pytest

from gateway.solver import options
from gateway.solver.changes import apply_changes
from gateway.solver.escalations import (
    overload_severity,
    safety_severity,
    service_severity,
)
from gateway.solver.model import solve
from gateway.solver.problem import (
    ExpansionInput,
    FamilyInput,
    Objective,
    PlanningProblem,
    ResourceInput,
    RoutingInput,
    SegmentDemand,
    SegmentInput,
    SolveOptions,
    WorkforceInput,
)
from gateway.solver.solution import (
    EscalationItem,
    EscalationKind,
    Severity,
    ShortageCause,
    Solution,
)
from tests.gateway.solver.builders import periods

approx = pytest.approx


def bottleneck(*, compute_options: bool = True, **family: object) -> PlanningProblem:
    """One family on R: 120 regular hours + 10 overtime a month; KEY (strategic) orders 80,
    80, 100, 100 and is served in full; SPOT (40, 40, 60, 60) gets what is left: 160 of 200
    (80%, short in March and April), below its 95% target; R runs at 130/120 = 108%, above
    its 95% threshold. The 40-hour step costs more (4,000) than the sales it would add."""
    return PlanningProblem(
        periods=["2026-01", "2026-02", "2026-03", "2026-04"],
        families=[
            FamilyInput(code="A", variable_cost=10, holding_cost=1, outsource_cost=36, **family)
        ],
        segments=[
            SegmentInput(
                code="KEY", priority=1, strategic=True, fill_rate_target=0.98, backlog_cost=2
            ),
            SegmentInput(
                code="SPOT", priority=5, fill_rate_target=0.95, unmet="lost", lost_sale_penalty=1
            ),
        ],
        demand=[
            SegmentDemand(family="A", segment="KEY", quantity=[80, 80, 100, 100], price=30),
            SegmentDemand(family="A", segment="SPOT", quantity=[40, 40, 60, 60], price=32),
        ],
        resources=[
            ResourceInput(
                code="R",
                regular_hours=120,
                max_overtime_hours=10,
                regular_hour_cost=2,
                overtime_hour_cost=8,
            )
        ],
        routings=[RoutingInput(family="A", resource="R", hours_per_unit=1)],
        expansions=[
            ExpansionInput(
                code="R-SHIFT", resource="R", extra_hours=40, fixed_cost=4000, lead_time_periods=1
            )
        ],
        options=SolveOptions(compute_options=compute_options),
    )


def item(solution: Solution, kind: EscalationKind) -> EscalationItem:
    [found] = [e for e in solution.escalations if e.kind == kind]
    return found


def test_a_segment_below_target_is_escalated_with_how_much_and_where() -> None:
    solution = solve(bottleneck(compute_options=False))
    spot = item(solution, EscalationKind.service_below_target)
    assert spot.segment == "SPOT" and spot.family == "A" and spot.resource == "R"
    assert spot.amount == approx(0.95 * 200 - 160)
    assert spot.unit == "units"
    assert spot.severity == Severity.high  # 15 points below target
    assert spot.periods == ["2026-03", "2026-04"]
    assert spot.options == []
    overload = item(solution, EscalationKind.resource_overload)
    assert overload.resource == "R" and overload.unit == "hours"
    assert overload.amount == approx(4 * (130 - 0.95 * 120))
    assert overload.severity == Severity.medium  # peak 108%


def test_every_item_has_options_with_deltas_and_a_recommendation() -> None:
    solution = solve(bottleneck())
    assert solution.escalations
    for escalation in solution.escalations:
        assert len(escalation.options) >= 2
        assert escalation.options[0].lever == "accept"
        assert escalation.recommended_option is not None
        assert 0 <= escalation.recommended_option < len(escalation.options)
        assert escalation.recommendation
        for option in escalation.options:
            assert set(option.fill_rate_delta) == {"KEY", "SPOT"} or not option.feasible
    assert solution.stats.option_solves >= len(solution.escalations)


def test_an_option_delta_is_what_re_solving_with_the_lever_gives() -> None:
    """The expansion option of the service item equals solving the whole problem with the
    step committed (one family, so the sub-model is the whole problem)."""
    base = solve(bottleneck(compute_options=False))
    spot = item(solve(bottleneck()), EscalationKind.service_below_target)
    [expansion] = [o for o in spot.options if o.lever == "expansion"]
    committed = bottleneck(compute_options=False)
    committed.expansions[0].committed = True
    lever = solve(committed)
    assert expansion.margin_delta == approx(lever.totals.margin - base.totals.margin, abs=0.01)
    assert expansion.cost_delta == approx(
        lever.totals.total_cost - base.totals.total_cost, abs=0.01
    )
    fill = {s.segment: s.fill_rate for s in lever.segments}
    before = {s.segment: s.fill_rate for s in base.segments}
    assert expansion.fill_rate_delta["SPOT"] == approx(fill["SPOT"] - before["SPOT"], abs=1e-6)
    assert expansion.item_metric == approx(fill["SPOT"], abs=1e-6)
    assert expansion.resolves is (fill["SPOT"] >= 0.95 - 1e-6)


def test_levers_that_can_resolve_a_service_gap_are_all_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A loaded machine would spend the options' time budget before every lever is tried.
    monkeypatch.setattr(options, "MIN_BUDGET_SECONDS", 600.0)
    spot = item(solve(bottleneck(outsource_limit=0)), EscalationKind.service_below_target)
    levers = {o.lever for o in spot.options}
    assert {"accept", "overtime", "outsourcing", "expansion", "cut_demand"} <= levers
    # An overtime hour (8) makes a SPOT unit worth 32 - 10 - 2: more overtime pays and
    # resolves the gap, so it is the recommendation.
    overtime = next(o for o in spot.options if o.lever == "overtime")
    assert overtime.resolves and overtime.fill_rate_delta["SPOT"] > 0.15
    assert overtime.margin_delta > 0
    assert spot.recommended_option == spot.options.index(overtime)
    # Subcontracting at 36 loses money on a 32 sale: offered, not used.
    outsourcing = next(o for o in spot.options if o.lever == "outsourcing")
    assert outsourcing.fill_rate_delta["SPOT"] == approx(0) and not outsourcing.resolves
    cut = next(o for o in spot.options if o.lever == "cut_demand")
    assert cut.resolves and cut.margin_delta >= 0


def test_options_can_be_switched_off() -> None:
    solution = solve(bottleneck(compute_options=False))
    assert all(e.options == [] and e.recommended_option is None for e in solution.escalations)
    assert solution.stats.option_solves == 0


def test_the_explanation_ranks_bottlenecks_and_says_why_a_segment_is_short() -> None:
    solution = solve(bottleneck(compute_options=False))
    assert solution.explanation is not None
    [top, *_] = solution.explanation.bottlenecks
    assert top.resource == "R" and top.shadow_price_max > 0
    assert top.value_of_more_capacity > 0
    [shortage] = solution.explanation.shortages
    assert shortage.family == "A" and shortage.segment == "SPOT"
    assert shortage.cause == ShortageCause.capacity and shortage.resource == "R"
    assert "KEY" in shortage.detail  # capacity went first to the higher priority


@pytest.mark.parametrize(
    ("gap", "strategic", "severity"),
    [
        (0.25, False, Severity.critical),
        (0.06, True, Severity.critical),
        (0.12, False, Severity.high),
        (0.01, True, Severity.high),
        (0.05, False, Severity.medium),
        (0.01, False, Severity.low),
    ],
)
def test_service_severity_rule(gap: float, strategic: bool, severity: Severity) -> None:
    assert service_severity(gap, strategic) == severity


@pytest.mark.parametrize(
    ("peak", "severity"),
    [
        (1.25, Severity.critical),
        (1.12, Severity.high),
        (1.0, Severity.medium),
        (0.97, Severity.low),
    ],
)
def test_overload_severity_rule(peak: float, severity: Severity) -> None:
    assert overload_severity(peak) == severity


@pytest.mark.parametrize(
    ("depth", "periods", "severity"),
    [
        (1.0, 3, Severity.critical),
        (1.0, 1, Severity.high),
        (0.3, 5, Severity.medium),
        (0.1, 5, Severity.low),
    ],
)
def test_safety_stock_severity_rule(depth: float, periods: int, severity: Severity) -> None:
    assert safety_severity(depth, periods) == severity


@pytest.mark.parametrize("integer", [False, True])
def test_options_under_service_first_and_in_whole_numbers(integer: bool) -> None:
    problem = bottleneck()
    problem.options.objective = Objective.service_first
    problem.options.integer = integer
    solution = solve(problem)
    assert solution.escalations
    for escalation in solution.escalations:
        assert len(escalation.options) >= 2 and escalation.recommendation
        assert all(o.feasible for o in escalation.options)


def test_a_workforce_bottleneck_offers_hiring() -> None:
    """One crew of 2 workers x 100 hours, at most 2 workers (hiring 50, wage 1/h, overtime
    30/h): KEY takes 150 of the 200 units a month, SPOT (lost, 60 a month) gets 50 of 60.
    Overtime costs more than a unit earns (20 - 5); a third worker (100 a month) pays: the
    lever that hires (lifting the maximum) resolves the gap and is recommended."""
    problem = PlanningProblem(
        periods=["2026-01", "2026-02", "2026-03"],
        families=[FamilyInput(code="A", variable_cost=5)],
        segments=[
            SegmentInput(code="KEY", priority=1, strategic=True, fill_rate_target=0.98),
            SegmentInput(code="SPOT", priority=5, fill_rate_target=0.95, unmet="lost"),
        ],
        demand=[
            SegmentDemand(family="A", segment="KEY", quantity=[150, 150, 150], price=20),
            SegmentDemand(family="A", segment="SPOT", quantity=[60, 60, 60], price=20),
        ],
        resources=[
            ResourceInput(
                code="CREW",
                overtime_hour_cost=30,
                workforce=WorkforceInput(
                    initial_workers=2,
                    hours_per_worker=100,
                    wage_per_hour=1,
                    hire_cost=50,
                    max_workers=2,
                ),
            )
        ],
        routings=[RoutingInput(family="A", resource="CREW", hours_per_unit=1)],
    )
    solution = solve(problem)
    spot = item(solution, EscalationKind.service_below_target)
    assert spot.amount == approx(0.95 * 180 - 150)
    overtime = next(o for o in spot.options if o.lever == "overtime")
    assert overtime.fill_rate_delta["SPOT"] == approx(0) and not overtime.resolves
    hire = next(o for o in spot.options if o.lever == "workforce")
    assert hire.resolves and hire.margin_delta > 0 and hire.cost_delta > 0
    assert spot.recommended_option == spot.options.index(hire)


def test_an_expansion_the_plan_takes_is_an_executive_lever_with_the_service_it_buys() -> None:
    """The bottleneck with its 40-hour step at 200 instead of 4,000 (threshold 50). March and
    April need 160 hours against 120 regular: the step's hours from February cost 200 / 120
    = 1.67 an hour against 8 for overtime, so the plan takes x = 80 / 120 = 2/3 of it
    (cost 133.33, under 3 x 50: low) and serves SPOT in full. Refusing it loses SPOT's 40
    units (-0.2 of its 200, 40 x 32 = 1,280 of revenue) and saves 383.33 of cost."""
    problem = bottleneck()
    problem.expansions[0].fixed_cost = 200
    problem.options.executive_lever_threshold = 50
    solution = solve(problem)
    lever = item(solution, EscalationKind.executive_lever)
    assert lever.resource == "R" and lever.unit == "currency"
    assert lever.amount == approx(133.33) and lever.severity == Severity.low
    assert [o.lever for o in lever.options] == ["authorise", "refuse"]
    authorise, refuse = lever.options
    assert authorise.changes[0].kind == "accept"
    assert refuse.changes[0].model_dump() == {
        "kind": "expansion",
        "code": "R-SHIFT",
        "action": "forbid",
        "lead_time_periods": None,
    }
    assert refuse.fill_rate_delta["SPOT"] == approx(-0.2, abs=1e-6)
    assert refuse.revenue_delta == approx(-1280, abs=0.01)
    assert refuse.cost_delta == approx(-383.33, abs=0.01)
    assert refuse.margin_delta == approx(-1280 + 383.33, abs=0.01)
    assert lever.recommended_option == 0
    assert "+20.0 points of SPOT fill rate" in lever.detail
    # Decided, the refusal is honoured by a solve of the whole problem: no step, SPOT at 80%.
    refused = solve(apply_changes(problem, refuse.changes))
    assert refused.expansion_levels == {}
    spot = next(s for s in refused.segments if s.segment == "SPOT")
    assert spot.fill_rate == approx(0.8, abs=1e-6)
    assert not [e for e in refused.escalations if e.kind == EscalationKind.executive_lever]


def test_hiring_below_the_threshold_or_a_committed_step_is_no_executive_item() -> None:
    problem = bottleneck()
    problem.expansions[0].fixed_cost = 200
    assert not [e for e in solve(problem).escalations if e.kind == EscalationKind.executive_lever]
    problem.options.executive_lever_threshold = 50
    problem.expansions[0].committed = True
    assert not [e for e in solve(problem).escalations if e.kind == EscalationKind.executive_lever]


def test_hiring_above_the_threshold_is_an_executive_lever_refused_by_capping_the_crew() -> None:
    """A crew of 2 x 100 hours for 210 units a month at 20 each: each worker hired costs 50
    and 100 hours of wage (100) for 100 units worth 20 - 1 = 19 each, so the plan hires one
    in the first month (cost 50 >= the threshold 40). Refused, the crew stays at 2."""
    problem = PlanningProblem(
        periods=periods(3),
        families=[FamilyInput(code="A", variable_cost=0)],
        segments=[SegmentInput(code="SPOT", priority=1, fill_rate_target=0.95, unmet="lost")],
        demand=[SegmentDemand(family="A", segment="SPOT", quantity=[210, 210, 210], price=20)],
        resources=[
            ResourceInput(
                code="CREW",
                workforce=WorkforceInput(
                    initial_workers=2, hours_per_worker=100, wage_per_hour=1, hire_cost=50
                ),
            )
        ],
        routings=[RoutingInput(family="A", resource="CREW", hours_per_unit=1)],
        options=SolveOptions(integer=True, executive_lever_threshold=40),
    )
    solution = solve(problem)
    lever = item(solution, EscalationKind.executive_lever)
    assert lever.title.startswith("Hire 1 workers on CREW")
    refuse = lever.options[1]
    assert [c.model_dump(exclude_none=True) for c in refuse.changes] == [
        {"kind": "workforce", "resource": "CREW", "periods": periods(3), "max_workers": 2.0}
    ]
    assert refuse.fill_rate_delta["SPOT"] < 0 and refuse.margin_delta < 0
    refused = solve(apply_changes(problem, refuse.changes))
    [crew] = refused.resources
    assert crew.hired is not None and sum(crew.hired) == approx(0, abs=1e-6)


def test_overloads_beyond_four_are_rolled_up_into_one_item_whose_options_act_on_them_all() -> None:
    """Six families, each alone on its resource of 100 hours (no overtime) with 120 units a
    month to make at 1 hour each: every resource runs at 100%, above its 95% threshold, by
    5 hours a month (10 over 2 months). All six are equally severe and large, so the first
    three stay and the other three are one item of 3 x 10 = 30 hours."""
    codes = [f"F{i}" for i in range(6)]
    problem = PlanningProblem(
        periods=periods(2),
        families=[FamilyInput(code=code, variable_cost=1) for code in codes],
        segments=[SegmentInput(code="S", priority=1, fill_rate_target=0.5, unmet="lost")],
        demand=[
            SegmentDemand(family=code, segment="S", quantity=[120, 120], price=10) for code in codes
        ],
        resources=[ResourceInput(code=f"R{i}", regular_hours=100) for i in range(6)],
        routings=[
            RoutingInput(family=code, resource=f"R{i}", hours_per_unit=1)
            for i, code in enumerate(codes)
        ],
    )
    overloads = [
        e for e in solve(problem).escalations if e.kind == EscalationKind.resource_overload
    ]
    assert [e.resource for e in overloads] == ["R0", "R1", "R2", None]
    rolled = overloads[-1]
    assert rolled.title == "3 more resources above their threshold (peak 100%)"
    assert rolled.amount == approx(30) and rolled.families == ["F3", "F4", "F5"]
    assert rolled.detail == "rolled up from 3 items: R3 10 h; R4 10 h; R5 10 h"
    level = next(o for o in rolled.options if o.lever == "level")
    assert {c.resource for c in level.changes if c.kind == "capacity"} == {"R3", "R4", "R5"}
    assert level.resolves and level.item_metric == approx(0.95)


def test_every_option_kind_is_honoured_by_the_re_solve_with_its_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each option of each item of the bottleneck company (overtime, outsourcing, the
    expansion step, demand cut, level, accept): the whole problem re-solved with the option's
    changes applied gives the fill rates and margin the option promised (one family: the
    option's sub-model is the whole problem). The options' time budget is lifted so that a
    loaded machine still tries every lever."""
    monkeypatch.setattr(options, "MIN_BUDGET_SECONDS", 600.0)
    problem = bottleneck(outsource_limit=0)
    solution = solve(problem)
    base = solve(bottleneck(outsource_limit=0, compute_options=False))
    before = {s.segment: s.fill_rate for s in base.segments}
    levers: set[str] = set()
    for escalation in solution.escalations:
        for option in escalation.options:
            if not option.feasible:
                continue
            levers.add(option.lever)
            changed = apply_changes(
                bottleneck(outsource_limit=0, compute_options=False), option.changes
            )
            after = solve(changed)
            fill = {s.segment: s.fill_rate for s in after.segments}
            for segment, delta in option.fill_rate_delta.items():
                assert fill[segment] - before[segment] == approx(delta, abs=1e-4), (
                    escalation.kind,
                    option.lever,
                    segment,
                )
            assert after.totals.margin - base.totals.margin == approx(
                option.margin_delta, abs=0.01
            ), (escalation.kind, option.lever)
    assert levers == {"accept", "overtime", "outsourcing", "expansion", "cut_demand", "level"}
