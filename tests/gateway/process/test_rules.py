"""The process review's rules, on numbers worked by hand."""

import datetime as dt

import pytest

from gateway.cycle.raci import StepName
from gateway.cycle.rules import days_late
from gateway.process import rules
from gateway.process.rules import CellValue, DemandMove, PlanMonth, StepKind, Timeliness

DUE = dt.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("done_on", "as_of", "expected", "late_by"),
    [
        (dt.date(2026, 1, 10), dt.date(2026, 2, 1), Timeliness.on_time, 0),  # on the due day
        (dt.date(2026, 1, 12), dt.date(2026, 2, 1), Timeliness.late, 2),
        (None, dt.date(2026, 1, 10), Timeliness.pending, 0),  # not done, not yet past due
        (None, dt.date(2026, 1, 13), Timeliness.late, 3),
    ],
)
def test_on_time_late_or_pending(
    done_on: dt.date | None, as_of: dt.date, expected: Timeliness, late_by: int
) -> None:
    assert rules.timeliness(due=DUE, done_on=done_on, as_of=as_of) == expected
    assert days_late(due=DUE, done_on=done_on, as_of=as_of) == late_by


def test_the_rate_counts_only_what_fell_due() -> None:
    assert rules.on_time_rate(on_time=3, late=1) == 0.75
    assert rules.on_time_rate(on_time=0, late=0) is None


def test_latency_in_days() -> None:
    raised = dt.datetime(2026, 1, 18, 9, tzinfo=dt.UTC)
    assert rules.latency_days(raised=raised, decided=raised + dt.timedelta(hours=84)) == 3.5


def test_items_go_to_the_review_of_their_kind_else_of_their_owner() -> None:
    assert rules.meeting_of(kind="forecast_bias", owner_role=None) == StepName.demand_review
    assert rules.meeting_of(kind="resource_overload", owner_role=None) == StepName.supply_review
    assert rules.meeting_of(kind="aop_gap", owner_role="sales") == StepName.pre_sop
    # A kind of its own (a deviation): its owner's first review, pre-S&OP without an owner.
    assert rules.meeting_of(kind="deviation", owner_role="operations") == StepName.supply_review
    assert rules.meeting_of(kind="deviation", owner_role="marketing") == StepName.demand_review
    assert rules.meeting_of(kind="deviation", owner_role="finance") == StepName.pre_sop
    assert rules.meeting_of(kind="deviation", owner_role="executive_sponsor") == (
        StepName.executive_sop
    )
    assert rules.meeting_of(kind="deviation", owner_role=None) == StepName.pre_sop
    assert rules.is_deviation("deviation") and rules.is_deviation("deviation_adherence")
    assert not rules.is_deviation("aop_gap")


FEB = ("F", "S", "2026-02")


def rolled_month() -> rules.WaterfallInput:
    """Last month's plan covers January and February (10 units, 1,000 revenue, 400 cost, 100
    lever cost each: margin 500); this month's February and March. In February prices rise
    to 110 (last month's 10 units bring 1,100) and lever rates to 150 at last month's
    quantities; demand rises by 3 (baseline +1, a sales promotion +2), of which 2 are sold,
    with 20 more of lever costs. The decisions add a unit sold in March."""
    month = PlanMonth(units=10, revenue=1_000, cost=400, lever_cost=100)
    feb_now = PlanMonth(units=12, revenue=12 * 110, cost=12 * 40, lever_cost=170)
    return rules.WaterfallInput(
        last={"2026-01": month, "2026-02": month},
        last_at_new={
            "2026-01": month,
            "2026-02": PlanMonth(units=10, revenue=1_100, cost=400, lever_cost=150),
        },
        recommended={
            "2026-02": feb_now,
            "2026-03": PlanMonth(units=8, revenue=800, cost=320, lever_cost=80),
        },
        decided={
            "2026-02": feb_now,
            "2026-03": PlanMonth(units=9, revenue=900, cost=360, lever_cost=80),
        },
        last_cells={FEB: CellValue(sold=10, demand=10, price=110, unit_cost=40)},
        recommended_cells={FEB: CellValue(sold=12, demand=13, price=110, unit_cost=40)},
        demand_moves=[
            DemandMove("statistical", "", frozenset(), FEB, 1.0),
            DemandMove("sales", "PROMO", frozenset({"sally"}), FEB, 2.0),
        ],
    )


def test_the_waterfall_adds_up_from_last_months_plan_to_this_months() -> None:
    waterfall = rules.explain(rolled_month())
    steps = [(s.kind, s.stream, s.reason_code, s.units, s.money) for s in waterfall.steps]
    # unit margin in February: 110 - 40 = 70
    assert steps == [
        (StepKind.months_out, None, None, -10, -500),  # January executed
        (StepKind.months_in, None, None, 8, 800 - 320 - 80),  # March added: 400
        (StepKind.prices, None, None, 0, 100),  # 1,100 - 1,000
        (StepKind.costs, None, None, 0, -50),  # -(400 + 150 - 400 - 100)
        (StepKind.demand, "statistical", None, 1, 70),
        (StepKind.demand, "sales", "PROMO", 2, 140),
        (StepKind.service, None, None, -1, -70),  # 3 more demanded, 2 more sold
        (StepKind.lever_costs, None, None, 0, -20),  # -(170 - 150)
        (StepKind.decisions, None, None, 1, 60),  # March: 9 units, margin 460 against 400
    ]
    assert waterfall.steps[5].authors == ["sally"]
    assert (waterfall.start_units, waterfall.start_money) == (20, 1_000)
    assert (waterfall.end_units, waterfall.end_money) == (21, 670 + 460)
    # The identity: each step starts where the previous one ended.
    assert waterfall.start_units + sum(s.units for s in waterfall.steps) == waterfall.end_units
    assert waterfall.start_money + sum(s.money for s in waterfall.steps) == pytest.approx(
        waterfall.end_money, abs=1e-9
    )
    assert (waterfall.months_out, waterfall.common, waterfall.months_in) == (
        ["2026-01"],
        ["2026-02"],
        ["2026-03"],
    )


def test_demand_no_stream_explains_is_shown_as_other() -> None:
    data = rolled_month()
    only_baseline = rules.WaterfallInput(**{**vars(data), "demand_moves": data.demand_moves[:1]})
    demand = [s for s in rules.explain(only_baseline).steps if s.kind == StepKind.demand]
    assert [(s.stream, s.units, s.money) for s in demand] == [
        ("statistical", 1, 70),
        ("other", 2, 140),
    ]
