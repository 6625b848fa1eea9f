"""The change vocabulary: each kind applied to a problem, gaps named, conflicts found."""

import pytest
from pydantic import TypeAdapter

from gateway.solver.changes import (
    UNLIMITED,
    AcceptPlan,
    CapacityChange,
    ChangeList,
    CostChange,
    DemandChange,
    DemandMove,
    ExpansionChange,
    ObjectiveChange,
    OutsourcingChange,
    OvertimeChange,
    PlanChange,
    PriceChange,
    TargetChange,
    WorkforceChange,
    apply_changes,
    conflicts,
)
from gateway.solver.model import solve
from gateway.solver.problem import Objective, PlanningProblem, ResourceInput, WorkforceInput
from shared.errors import ValidationFailed
from tests.gateway.solver.test_escalations import bottleneck

approx = pytest.approx


def crewed() -> PlanningProblem:
    """The bottleneck problem with a second resource W run by 3 workers of 160 hours."""
    base = bottleneck(compute_options=False)
    crew = WorkforceInput(initial_workers=3, hours_per_worker=160, overtime_hours_per_worker=5)
    return base.model_copy(
        update={"resources": [*base.resources, ResourceInput(code="W", workforce=crew)]}
    )


def test_demand_changes_in_percent_add_and_set_on_the_chosen_periods() -> None:
    problem = bottleneck()
    changed = apply_changes(
        problem,
        [
            DemandChange(family="A", segment="SPOT", periods=["2026-03"], value=15),  # 60 x 1.15
            DemandChange(family="A", segment="KEY", periods=["2026-01"], mode="add", value=-100),
            DemandChange(family="A", segment="KEY", periods=["2026-04"], mode="set", value=7),
        ],
    )
    assert changed.demand[1].quantity == approx([40, 40, 69, 60])
    assert changed.demand[0].quantity == [0, 80, 100, 7]  # 80 - 100 stops at zero
    assert problem.demand[0].quantity == [80, 80, 100, 100]  # the original is untouched


def test_a_change_without_segment_or_periods_covers_every_line_and_month() -> None:
    changed = apply_changes(bottleneck(), [PriceChange(family="A", value=10)])
    assert [line.price for line in changed.demand] == [[33.0] * 4, approx([35.2] * 4)]


def test_moving_demand_takes_at_most_what_is_there() -> None:
    move = DemandMove(
        family="A", segment="SPOT", from_period="2026-03", to_period="2026-04", quantity=100
    )
    assert apply_changes(bottleneck(), [move]).demand[1].quantity == [40, 40, 0, 120]


def test_capacity_of_a_fixed_resource_and_of_a_workforce() -> None:
    changed = apply_changes(
        crewed(),
        [
            CapacityChange(resource="R", periods=["2026-02"], mode="add", value=-20),
            CapacityChange(resource="W", value=-25),  # 160 -> 120 hours a worker
            CapacityChange(resource="W", periods=["2026-01"], mode="add", value=-50),  # a loss
        ],
    )
    r, w = changed.resources
    assert r.regular_hours == [120, 100, 120, 120]
    assert w.workforce is not None and w.workforce.hours_per_worker == [120] * 4
    assert w.committed_hours == [50, 0, 0, 0]


def test_a_workforce_gains_capacity_by_its_workers_not_by_hours() -> None:
    with pytest.raises(ValidationFailed) as refused:
        apply_changes(crewed(), [CapacityChange(resource="W", mode="add", value=10)])
    assert refused.value.errors[0].field == "changes.0.mode"


def test_overtime_in_hours_or_per_worker_and_workforce_bounds() -> None:
    changed = apply_changes(
        crewed(),
        [
            OvertimeChange(resource="R", periods=["2026-03", "2026-04"], mode="add", value=30),
            OvertimeChange(resource="W", unit="hours_per_worker", mode="set", value=12),
            WorkforceChange(resource="W", periods=["2026-02"], min_workers=4, max_workers=6),
        ],
    )
    r, w = changed.resources
    assert r.max_overtime_hours == [10, 10, 40, 40]
    assert w.workforce is not None
    assert w.workforce.overtime_hours_per_worker == [12] * 4
    assert w.workforce.min_workers == [0, 4, 0, 0]
    assert w.workforce.max_workers == [UNLIMITED, 6, UNLIMITED, UNLIMITED]


def test_outsourcing_limits_expansions_costs_targets_and_the_objective() -> None:
    changed = apply_changes(
        bottleneck(),
        [
            OutsourcingChange(family="A", periods=["2026-04"], value=25),
            ExpansionChange(code="R-SHIFT", action="reschedule", lead_time_periods=3),
            CostChange(cost="overtime_hour_cost", value=50),  # 8 -> 12, every resource
            CostChange(cost="variable_cost", family="A", mode="set", value=11),
            TargetChange(segment="SPOT", fill_rate_target=0.8, priority=2),
            ObjectiveChange(objective=Objective.service_first),
            AcceptPlan(),
        ],
    )
    assert changed.families[0].outsource_limit == [0, 0, 0, 25]
    assert changed.families[0].variable_cost == [11] * 4
    assert changed.expansions[0].lead_time_periods == 3
    assert changed.resources[0].overtime_hour_cost == [12] * 4
    assert (changed.segments[1].fill_rate_target, changed.segments[1].priority) == (0.8, 2)
    assert changed.options.objective is Objective.service_first
    unlimited = apply_changes(changed, [OutsourcingChange(family="A", mode="unlimited")])
    assert unlimited.families[0].outsource_limit == [UNLIMITED] * 4
    forbidden = apply_changes(changed, [ExpansionChange(code="R-SHIFT", action="forbid")])
    assert forbidden.expansions == []


def test_a_change_is_honoured_by_the_solve() -> None:
    """SPOT is short 40 units in March and April (80 %); 40 more overtime hours in those
    months, at 8 + 10 variable < 32, serve all of it: SPOT reaches 100 %."""
    base = bottleneck(compute_options=False)
    more = OvertimeChange(resource="R", periods=["2026-03", "2026-04"], mode="add", value=20)
    before, after = solve(base), solve(apply_changes(base, [more]))
    fill = {s.segment: s.fill_rate for s in before.segments}
    assert fill["SPOT"] == approx(0.8)
    assert {s.segment: s.fill_rate for s in after.segments}["SPOT"] == approx(1.0)


def test_every_gap_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        apply_changes(
            crewed(),
            [
                DemandChange(family="Z", value=5),
                CapacityChange(resource="R", periods=["2030-01"], value=5),
                ExpansionChange(code="NOPE", action="commit"),
                OvertimeChange(resource="R", unit="hours_per_worker", value=1),
                CostChange(cost="hire_cost", family="A", value=1),
                ExpansionChange(code="R-SHIFT", action="reschedule"),
            ],
            path="body.changes",
        )
    assert [error.field for error in refused.value.errors] == [
        "body.changes.0.family",
        "body.changes.1.periods",
        "body.changes.2.code",
        "body.changes.3.unit",
        "body.changes.4.family",
        "body.changes.5.lead_time_periods",
    ]


def test_changes_are_read_from_json_by_their_kind() -> None:
    body = {"changes": [{"kind": "demand", "family": "A", "value": 5}, {"kind": "accept"}]}
    read = ChangeList.model_validate(body).changes
    assert read == [DemandChange(family="A", value=5), AcceptPlan()]
    with pytest.raises(ValueError, match="kind"):
        TypeAdapter(PlanChange).validate_python({"kind": "magic"})
    with pytest.raises(ValueError, match="extra"):
        TypeAdapter(PlanChange).validate_python({"kind": "accept", "why": "no"})


def test_conflicts_are_settings_that_cannot_hold_together() -> None:
    changes: list[PlanChange] = [
        OvertimeChange(resource="R", mode="set", value=20),  # every period
        OvertimeChange(resource="R", periods=["2026-03"], mode="set", value=30),
        OvertimeChange(resource="R", periods=["2026-03"], mode="add", value=5),  # composes
        ExpansionChange(code="R-SHIFT", action="commit"),
        ExpansionChange(code="R-SHIFT", action="forbid"),
        TargetChange(segment="SPOT", fill_rate_target=0.9),
        TargetChange(segment="SPOT", priority=1),  # another field: no conflict
        ObjectiveChange(objective=Objective.max_margin),
        ObjectiveChange(objective=Objective.max_margin),  # the same: no conflict
    ]
    found = conflicts(changes)
    assert [(c.first, c.second) for c in found] == [(0, 1), (3, 4)]
    assert found[0].reason.endswith("2026-03: 20.0 (change 0) vs 30.0 (change 1)")
    assert conflicts([DemandChange(family="A", value=5), DemandChange(family="A", value=5)]) == []


def test_a_price_or_demand_change_without_family_covers_every_family() -> None:
    changed = apply_changes(
        bottleneck(), [PriceChange(periods=["2026-02"], value=10), DemandChange(value=-50)]
    )
    assert [line.price[1] for line in changed.demand] == approx([33.0, 35.2])  # type: ignore[index]
    assert changed.demand[0].quantity == [40, 40, 50, 50]


def test_the_safety_stock_penalty_keeps_its_default_outside_the_changed_periods() -> None:
    """Family A holds at 0.5 a unit-period: its default penalty is 2 x 0.5 + 1 = 2."""
    problem = bottleneck()
    problem.families[0].holding_cost = 0.5
    changed = apply_changes(
        problem,
        [
            CostChange(
                cost="safety_stock_penalty", family="A", periods=["2026-02"], mode="set", value=90
            )
        ],
    )
    assert changed.families[0].safety_stock_penalty == [2, 90, 2, 2]
