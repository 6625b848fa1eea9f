"""The demo company: deterministic, complete, and with exactly one real capacity bottleneck.

The bottleneck is checked by hand from the demo's own data (the expected demand x routings
against capacity rows), for a current month in every season, not by trusting the generator.
The demand reviews the loader runs are checked here as data; tests/sop/demo/test_review.py runs
them through the demand service.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

import pytest

from shared.auth import Role
from shared.contracts.demand import InputKind, InputStream, LifecycleStatus, UnmetDemand
from shared.contracts.finance import Lever
from shared.periods import add_months, horizon
from sop.demo import BOTTLENECK_RESOURCE, DemandReview, DemoData, build_demo


class PlanLine(Protocol):
    """A line of demand: the expected demand's, or a demand plan's as the service answers."""

    family_code: str
    segment_code: str
    period: str
    quantity: float


TODAY = dt.date(2026, 11, 22)
# A current month in each season: the horizon starts in, before and after the peak.
SEASONS = [dt.date(2026, month, 15) for month in (1, 4, 7, 10, 11)]
PEAK_MONTHS = ("10", "11", "12")


def hours_needed(data: DemoData) -> dict[tuple[str, str], float]:
    """Load (hours) per resource and period if the whole expected demand were made."""
    units: dict[tuple[str, str], float] = defaultdict(float)
    for line in data.expected_demand:
        units[line.family_code, line.period] += line.quantity
    load: dict[tuple[str, str], float] = defaultdict(float)
    plan = data.review.plan
    for routing in data.routings:
        for period in horizon(plan.horizon_start, plan.horizon_months):
            load[routing.resource_code, period] += (
                routing.hours_per_unit * units[routing.family_code, period]
            )
    return load


def test_same_day_same_data_and_same_month_same_data() -> None:
    assert build_demo(TODAY) == build_demo(TODAY)
    assert build_demo(TODAY) == build_demo(dt.date(2026, 11, 1))


def test_horizons_are_relative_to_the_current_month() -> None:
    data = build_demo(TODAY)
    assert data.review.plan.horizon_start == "2026-11"
    assert data.review.plan.horizon_months == 24
    assert {line.period for line in data.expected_demand} == set(horizon("2026-11", 24))
    assert {h.period for h in data.history} == set(horizon(add_months("2026-11", -24), 24))
    assert {c.period for c in data.capacity} == set(horizon("2026-11", 24))
    assert {a.period for a in data.aop} == set(horizon("2026-11", 24))


def test_the_company_has_the_designed_shape() -> None:
    data = build_demo(TODAY)
    assert len(data.families) == 20
    statuses = {family.status for family in data.families}
    assert statuses == {LifecycleStatus.npi, LifecycleStatus.active, LifecycleStatus.phase_out}

    assert len(data.segments) == 4
    assert [s.code for s in data.segments if s.strategic] == ["KEY"]
    assert len({s.fill_rate_target for s in data.segments}) == 4
    assert len({s.priority for s in data.segments}) == 4
    assert {s.unmet_demand for s in data.segments} == {UnmetDemand.backlog, UnmetDemand.lost}

    assert len(data.resources) == 6
    assert len({r.site for r in data.resources}) == 2
    routed: dict[str, int] = defaultdict(int)
    for routing in data.routings:
        routed[routing.family_code] += 1
    assert {f.code for f in data.families} == routed.keys()
    assert set(routed.values()) <= {1, 2}


def test_every_plan_line_has_a_price_and_every_family_a_cost_policy_and_levers() -> None:
    data = build_demo(TODAY)
    priced = {(p.family_code, p.segment_code, p.period) for p in data.prices}
    expected = data.expected_demand
    assert {(ln.family_code, ln.segment_code, ln.period) for ln in expected} == priced
    families = {f.code for f in data.families}
    assert {
        c.family_code for c in data.unit_costs if c.effective_from <= data.review.plan.horizon_start
    } == families
    assert {p.family_code for p in data.inventory_policies} == families
    levers: dict[Lever, set[str]] = defaultdict(set)
    for cost in data.lever_costs:
        levers[cost.lever].add(cost.code)
    assert levers[Lever.overtime_hour] == {r.code for r in data.resources}
    assert levers[Lever.holding_unit_period] == families
    assert levers[Lever.backlog_unit_period] == {s.code for s in data.segments}
    assert levers[Lever.lost_sale_unit] == {s.code for s in data.segments}
    outsourced = {p.family_code for p in data.inventory_policies if p.max_outsourced_per_period}
    assert levers[Lever.outsourcing_unit] == outsourced


def test_demand_is_seasonal_and_follows_the_lifecycle() -> None:
    data = build_demo(TODAY)
    per_month: dict[tuple[str, str], float] = defaultdict(float)
    for line in data.expected_demand:
        per_month[line.family_code, line.period] += line.quantity
    assert per_month["ESP-HOME", "2026-12"] > 1.5 * per_month["ESP-HOME", "2027-02"]
    assert per_month["BLEND", "2027-07"] > 1.4 * per_month["BLEND", "2027-01"]

    npi = next(f.code for f in data.families if f.status is LifecycleStatus.npi)
    assert not [h for h in data.history if h.family_code == npi]
    assert per_month[npi, "2026-11"] == 0 and per_month[npi, "2027-12"] > 0
    phase_out = next(f.code for f in data.families if f.status is LifecycleStatus.phase_out)
    assert per_month[phase_out, "2026-11"] > 0 and per_month[phase_out, "2028-10"] == 0


@pytest.mark.parametrize("today", SEASONS, ids=lambda day: day.strftime("%b"))
def test_one_resource_is_overloaded_in_the_peak_and_every_other_has_room(today: dt.date) -> None:
    data = build_demo(today)
    load = hours_needed(data)
    for capacity in data.capacity:
        utilisation = load[capacity.resource_code, capacity.period] / capacity.regular_hours
        if capacity.resource_code != BOTTLENECK_RESOURCE:
            assert utilisation <= 0.8, (capacity.resource_code, capacity.period, utilisation)
        elif capacity.period.endswith(PEAK_MONTHS):
            # Beyond regular hours and overtime together: the peak cannot be made in-month.
            ceiling = capacity.regular_hours + capacity.max_overtime_hours
            assert load[capacity.resource_code, capacity.period] > ceiling
            assert utilisation > 1.1


def assert_the_bottleneck_cannot_supply(data: DemoData, lines: Sequence[PlanLine]) -> None:
    """Even building ahead in every slack month, with all overtime, all outsourcing and the
    initial stock, the bottleneck's families cannot all be supplied over the horizon; the
    shortfall exceeds what the lowest-priority segment may miss of its fill-rate target."""
    periods = data.review.plan.horizon_months
    hours = {
        r.family_code: r.hours_per_unit
        for r in data.routings
        if r.resource_code == BOTTLENECK_RESOURCE
    }
    policy = {p.family_code: p for p in data.inventory_policies}
    demand: dict[str, float] = defaultdict(float)
    for line in lines:
        demand[line.family_code] += line.quantity
    available = sum(
        c.regular_hours + c.max_overtime_hours
        for c in data.capacity
        if c.resource_code == BOTTLENECK_RESOURCE
    )
    needed = sum(
        per_unit
        * (
            demand[family]
            - policy[family].initial_on_hand
            - policy[family].max_outsourced_per_period * periods
        )
        for family, per_unit in hours.items()
    )
    assert needed > 1.04 * available

    last = max(data.segments, key=lambda segment: segment.priority)
    exposed = {ln.family_code for ln in lines if ln.segment_code == last.code}
    # The lowest-priority segment buys bottleneck families; cut there, the hours short are
    # at least this many units (the most hour-hungry of those families sets the bound).
    short_units = (needed - available) / max(hours[f] for f in exposed & hours.keys())
    last_demand = sum(ln.quantity for ln in lines if ln.segment_code == last.code)
    assert short_units > (1 - last.fill_rate_target) * last_demand


@pytest.mark.parametrize("today", SEASONS, ids=lambda day: day.strftime("%b"))
def test_no_plan_can_meet_the_expected_demand_on_the_bottleneck(today: dt.date) -> None:
    data = build_demo(today)
    assert_the_bottleneck_cannot_supply(data, data.expected_demand)


def inputs_of(review: DemandReview, stream: InputStream) -> list:
    return [item for item in review.inputs if item.stream == stream]


@pytest.mark.parametrize("today", SEASONS, ids=lambda day: day.strftime("%b"))
def test_each_role_has_its_inputs_in_the_current_review(today: dt.date) -> None:
    data = build_demo(today)
    review = data.review
    periods = set(horizon(review.plan.horizon_start, review.plan.horizon_months))
    assert [stream for stream, _ in review.streams()] == list(InputStream)
    for item in review.inputs:
        assert {item.period_from, item.period_to or item.period_from} <= periods, item
        assert item.reason_code and item.assumption, item
        assert "author" not in item.body() and "stream" not in item.body()
    assert {item.role for item in review.inputs} == {
        Role.sales,
        Role.marketing,
        Role.product_manager,
        Role.demand_planner,
    }
    sales = inputs_of(review, InputStream.sales)
    assert {item.kind for item in sales} == {InputKind.override, InputKind.delta}
    [event] = inputs_of(review, InputStream.marketing)
    assert event.kind is None and event.uplift_pct and event.cannibalised_family_code
    status = {family.code: family.status for family in data.families}
    product = inputs_of(review, InputStream.product)
    launches = {item.family_code for item in product if item.kind is InputKind.launch}
    phase_outs = {item.family_code for item in product if item.kind is InputKind.phase_out}
    assert {status[code] for code in launches} == {LifecycleStatus.npi}
    assert {status[code] for code in phase_outs} == {LifecycleStatus.phase_out}
    # The launch covers every segment the new family is expected to sell to.
    npi = launches.pop()
    expected = {ln.segment_code for ln in data.expected_demand if ln.family_code == npi}
    assert {item.segment_code for item in product if item.family_code == npi} == expected
    assert inputs_of(review, InputStream.planner)


def test_the_past_review_is_six_months_old_and_its_first_months_have_actuals() -> None:
    data = build_demo(TODAY)
    past = data.past_review.plan
    assert (past.horizon_start, past.horizon_months) == ("2026-05", 24)
    actual_months = {h.period for h in data.history if h.period >= past.horizon_start}
    assert actual_months == set(horizon("2026-05", 6))
    for item in data.past_review.inputs:
        assert past.horizon_start <= item.period_from <= add_months(past.horizon_start, 23)
    # Sales' range review and marketing's promotion fall in the months that have actuals.
    for stream in (InputStream.sales, InputStream.marketing):
        assert any(item.period_from < "2026-11" for item in inputs_of(data.past_review, stream))
