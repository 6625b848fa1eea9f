"""Build the demo company's data for a given day: a pure function, no I/O, no wall clock.

Everything is relative to the month of ``today``: 24 months of history before it, and two
demand reviews the loader runs through the demand service's API, each role with its own
token (``DemandReview``):
- the current one, over 24 months from today's month: the plan every later step uses, so
  the bottleneck is always in it;
- one held six months ago, over 24 months from then, whose first six months now have
  actuals in the history: the accuracy, bias and forecast value added of each stream.
A review's plan starts without lines; its statistical baseline comes from the history before
its horizon, then sales, marketing, product management and the demand planner post their
inputs, and the demand planner locks it.

``expected_demand`` is the demand the company was designed to see over the current horizon
(the history is drawn around it): what a perfect forecast would say. The budget (AOP) is set
on it, and it explains the bottleneck independently of any forecasting method.

The noise in the history comes from an RNG seeded by each line's own key (family, segment,
period), never from the clock or the order in which lines are generated.
"""

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from shared.auth import Role
from shared.contracts.demand import (
    DemandHistoryBase,
    DemandPlanBase,
    DemandPlanLineBase,
    FamilyBase,
    InputKind,
    InputStream,
    LifecycleStatus,
    SegmentBase,
)
from shared.contracts.finance import AopBase, Lever, LeverCostBase, PriceBase, UnitCostBase
from shared.contracts.supply import CapacityBase, InventoryPolicyBase, ResourceBase, RoutingBase
from shared.periods import add_months, current_period, horizon, months_between, parse
from sop.demo.catalogue import (
    FAMILIES,
    RESOURCES,
    SEASONALITY,
    SEGMENTS,
    SITE_CALENDAR,
    FamilySpec,
    SegmentSpec,
)
from sop.demo.items import ItemLevel, item_level

HISTORY_MONTHS = 24
PLAN_MONTHS = 24
SEED = "sop-demo-1"
HISTORY_NOISE = 0.08  # relative standard deviation of actuals around the demand pattern
NPI_RAMP_MONTHS = 6
ANNUAL_PRICE_INCREASE = 0.03  # list prices move every January; standard costs did in the past
HOLDING_RATE = 0.015  # per month, on the unit cost
OUTSOURCING_PREMIUM = 1.3  # a subcontracted unit costs this multiple of making it
INITIAL_COVER = 0.6  # months of the current month's demand on hand at the start
SAFETY_COVER = 0.35  # months of average demand held as safety stock
AOP_STRETCH = 1.02  # the budget asks a little more than the unconstrained plan
PAST_REVIEW_MONTHS_AGO = 6  # the earlier demand review, whose first months have actuals now

# Who writes each stream of a demand review.
STREAM_ROLE = {
    InputStream.sales: Role.sales,
    InputStream.marketing: Role.marketing,
    InputStream.product: Role.product_manager,
    InputStream.planner: Role.demand_planner,
}


@dataclass(frozen=True)
class ReviewInput:
    """One input of a role into its stream of a demand review, as the service takes it."""

    stream: InputStream
    family_code: str
    period_from: str
    reason_code: str
    assumption: str
    segment_code: str | None = None
    period_to: str | None = None
    kind: InputKind | None = None  # marketing events have none: they are events
    quantity: float | None = None
    uplift_pct: float | None = None
    cannibalised_family_code: str | None = None
    cannibalisation_share: float | None = None
    ramp_months: int | None = None

    @property
    def role(self) -> Role:
        return STREAM_ROLE[self.stream]

    def body(self) -> dict[str, Any]:
        """The request body: the fields it sets (the author is the caller, not the body)."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "stream" and getattr(self, field.name) is not None
        }


@dataclass(frozen=True)
class DemandReview:
    """A demand plan drafted without lines, its baseline computed, these inputs posted by
    their roles in order, then locked by the demand planner."""

    plan: DemandPlanBase
    inputs: tuple[ReviewInput, ...]

    def streams(self) -> list[tuple[InputStream, list[ReviewInput]]]:
        """The inputs grouped per stream, streams in waterfall order: one post each."""
        return [
            (stream, [item for item in self.inputs if item.stream == stream])
            for stream in InputStream
            if any(item.stream == stream for item in self.inputs)
        ]


@dataclass(frozen=True)
class DemoData:
    """Everything the demo loads, as the contract models the services accept."""

    segments: list[SegmentBase]
    families: list[FamilyBase]
    history: list[DemandHistoryBase]
    past_review: DemandReview
    review: DemandReview
    expected_demand: list[DemandPlanLineBase]
    resources: list[ResourceBase]
    capacity: list[CapacityBase]
    routings: list[RoutingBase]
    inventory_policies: list[InventoryPolicyBase]
    prices: list[PriceBase]
    unit_costs: list[UnitCostBase]
    lever_costs: list[LeverCostBase]
    aop: list[AopBase]
    below_family: ItemLevel
    """Items, locations and item history (adding up exactly to ``history``), and units."""


def build_demo(today: dt.date) -> DemoData:
    start = current_period(today)
    plan_periods = horizon(start, PLAN_MONTHS)
    history_periods = horizon(add_months(start, -HISTORY_MONTHS), HISTORY_MONTHS)
    sold = [(family, segment) for family in FAMILIES for segment in _segments_of(family)]

    expected_demand = [
        DemandPlanLineBase(
            family_code=family.code,
            segment_code=segment.code,
            period=period,
            quantity=round(_demand(family, segment, start, period)),
        )
        for family, segment in sold
        for period in plan_periods
    ]
    history = [
        DemandHistoryBase(
            family_code=family.code,
            segment_code=segment.code,
            period=period,
            quantity=round(
                _demand(family, segment, start, period) * _noise(family, segment, period)
            ),
        )
        for family, segment in sold
        for period in history_periods
        if _level(family, start, period) > 0
    ]
    prices = [
        PriceBase(
            family_code=family.code,
            segment_code=segment.code,
            period=period,
            price=round(family.list_price * segment.price_factor * _escalation(start, period), 2),
        )
        for family, segment in sold
        for period in plan_periods
    ]
    return DemoData(
        segments=[_segment(spec) for spec in SEGMENTS],
        families=[
            FamilyBase(code=family.code, name=family.name, status=family.status)
            for family in FAMILIES
        ],
        history=history,
        past_review=_past_review(start),
        review=_current_review(start),
        expected_demand=expected_demand,
        resources=[
            ResourceBase(code=spec.code, name=spec.name, site=spec.site) for spec in RESOURCES
        ],
        capacity=[
            CapacityBase(
                resource_code=spec.code,
                period=period,
                regular_hours=round(spec.regular_hours * _site_share(spec.site, period)),
                max_overtime_hours=round(
                    spec.regular_hours * _site_share(spec.site, period) * spec.overtime_share
                ),
            )
            for spec in RESOURCES
            for period in plan_periods
        ],
        routings=[
            RoutingBase(family_code=family.code, resource_code=resource, hours_per_unit=hours)
            for family in FAMILIES
            for resource, hours in family.routing
        ],
        inventory_policies=[_inventory_policy(family, start) for family in FAMILIES],
        prices=prices,
        unit_costs=[
            UnitCostBase(
                family_code=family.code,
                effective_from=period,
                variable_cost=_unit_cost(family, start, period),
            )
            for family in FAMILIES
            # Standard costs are set each January and held over the plan: a cost step inside
            # the horizon would make the model pre-build just to beat it.
            for period in _yearly_dates(history_periods[0], start)
        ],
        lever_costs=_lever_costs(start),
        aop=_aop(expected_demand, prices, start),
        below_family=item_level(history),
    )


def _segments_of(family: FamilySpec) -> list[SegmentSpec]:
    return [segment for segment, share in zip(SEGMENTS, family.mix, strict=True) if share > 0]


def _segment(spec: SegmentSpec) -> SegmentBase:
    return SegmentBase(
        code=spec.code,
        name=spec.name,
        fill_rate_target=spec.fill_rate_target,
        priority=spec.priority,
        strategic=spec.strategic,
        unmet_demand=spec.unmet_demand,
    )


def _level(family: FamilySpec, start: str, period: str) -> float:
    """Deseasonalised monthly demand of a family (all segments) in a period."""
    offset = months_between(start, period)
    level = family.monthly_units * (1 + family.annual_growth) ** (offset / 12)
    if family.status is LifecycleStatus.npi:
        months_on_market = offset - family.lifecycle_months + 1
        return level * min(1.0, max(0.0, months_on_market / NPI_RAMP_MONTHS))
    if family.status is LifecycleStatus.phase_out and offset >= 0:
        return level * max(0.0, 1 - offset / family.lifecycle_months)
    return level


def _demand(family: FamilySpec, segment: SegmentSpec, start: str, period: str) -> float:
    share = family.mix[SEGMENTS.index(segment)]
    season = SEASONALITY[family.season][parse(period)[1] - 1]
    return _level(family, start, period) * season * share


def _noise(family: FamilySpec, segment: SegmentSpec, period: str) -> float:
    rng = random.Random(f"{SEED}:{family.code}:{segment.code}:{period}")
    return max(0.0, rng.gauss(1.0, HISTORY_NOISE))


def _escalation(start: str, period: str) -> float:
    """Price and cost index of a period: one step each January after the current month."""
    return float((1 + ANNUAL_PRICE_INCREASE) ** (parse(period)[0] - parse(start)[0]))


def _unit_cost(family: FamilySpec, start: str, period: str) -> float:
    return round(family.list_price * family.cost_ratio * _escalation(start, period), 2)


def _yearly_dates(first: str, last: str) -> list[str]:
    """The first month, then every January up to the last month."""
    first_year, last_year = parse(first)[0], parse(last)[0]
    return [first] + [f"{year:04d}-01" for year in range(first_year + 1, last_year + 1)]


def _site_share(site: str, period: str) -> float:
    return SITE_CALENDAR[site].get(parse(period)[1], 1.0)


def _inventory_policy(family: FamilySpec, start: str) -> InventoryPolicyBase:
    first_year = horizon(start, 12)
    monthly = [sum(_demand(family, s, start, p) for s in _segments_of(family)) for p in first_year]
    average = sum(monthly) / len(monthly)
    keeps_stock = family.status is not LifecycleStatus.phase_out
    return InventoryPolicyBase(
        family_code=family.code,
        initial_on_hand=round(INITIAL_COVER * monthly[0]),
        safety_stock=round(SAFETY_COVER * average) if keeps_stock else 0,
        max_outsourced_per_period=round(family.outsourcing_share * family.monthly_units),
    )


def _lever_costs(start: str) -> list[LeverCostBase]:
    costs = [
        LeverCostBase(lever=Lever.overtime_hour, code=spec.code, cost=spec.overtime_cost)
        for spec in RESOURCES
    ]
    for family in FAMILIES:
        unit_cost = _unit_cost(family, start, start)
        costs.append(
            LeverCostBase(
                lever=Lever.holding_unit_period,
                code=family.code,
                cost=round(unit_cost * HOLDING_RATE, 2),
            )
        )
        if family.outsourcing_share > 0:
            costs.append(
                LeverCostBase(
                    lever=Lever.outsourcing_unit,
                    code=family.code,
                    cost=round(unit_cost * OUTSOURCING_PREMIUM, 2),
                )
            )
    for segment in SEGMENTS:
        costs.append(
            LeverCostBase(
                lever=Lever.backlog_unit_period, code=segment.code, cost=segment.backlog_cost
            )
        )
        costs.append(
            LeverCostBase(
                lever=Lever.lost_sale_unit, code=segment.code, cost=segment.lost_sale_penalty
            )
        )
    return costs


def _aop(lines: list[DemandPlanLineBase], prices: list[PriceBase], start: str) -> list[AopBase]:
    """The budget: the expected demand at its prices and current standard costs, stretched."""
    price_of = {(p.family_code, p.segment_code, p.period): p.price for p in prices}
    family_of = {family.code: family for family in FAMILIES}
    revenue: dict[str, float] = {}
    margin: dict[str, float] = {}
    units: dict[str, float] = {}
    for line in lines:
        key = (line.family_code, line.segment_code, line.period)
        cost = _unit_cost(family_of[line.family_code], start, start)
        revenue[line.period] = revenue.get(line.period, 0.0) + line.quantity * price_of[key]
        margin[line.period] = margin.get(line.period, 0.0) + line.quantity * (price_of[key] - cost)
        units[line.period] = units.get(line.period, 0.0) + line.quantity
    # Budgeted units let finance split a gap into price, volume, mix and cost.
    return [
        AopBase(
            period=period,
            revenue=round(revenue[period] * AOP_STRETCH, -3),
            margin=round(margin[period] * AOP_STRETCH, -3),
            quantity=round(units[period] * AOP_STRETCH),
        )
        for period in sorted(revenue)
    ]


# --- The demand reviews -----------------------------------------------------------------


def _family(code: str) -> FamilySpec:
    return next(family for family in FAMILIES if family.code == code)


def _monthly(code: str, segment: str, share: float = 1.0) -> float:
    """A share of a family's current monthly level in one segment, in whole units."""
    family = _family(code)
    index = next(i for i, spec in enumerate(SEGMENTS) if spec.code == segment)
    return float(round(family.monthly_units * family.mix[index] * share))


def _first_month(start: str, month: int) -> str:
    """The first period at or after ``start`` in calendar month ``month``."""
    return add_months(start, (month - parse(start)[1]) % 12)


def _lifecycle_inputs(current: str) -> list[ReviewInput]:
    """Product management's launch ramp of the new family and phase-out of the old one, both
    dated from the ``current`` month (the same decisions in both reviews)."""
    npi = next(family for family in FAMILIES if family.status is LifecycleStatus.npi)
    old = next(family for family in FAMILIES if family.status is LifecycleStatus.phase_out)
    launches = [
        ReviewInput(
            stream=InputStream.product,
            kind=InputKind.launch,
            family_code=npi.code,
            segment_code=segment.code,
            period_from=add_months(current, npi.lifecycle_months),
            quantity=_monthly(npi.code, segment.code),
            ramp_months=NPI_RAMP_MONTHS,
            reason_code="NPI-LAUNCH",
            assumption=f"{npi.name} launch confirmed; the {segment.name.lower()} listings "
            f"reach full shelf after {NPI_RAMP_MONTHS} months.",
        )
        for segment in _segments_of(npi)
    ]
    end_of_life = add_months(current, old.lifecycle_months)
    phase_out = ReviewInput(
        stream=InputStream.product,
        kind=InputKind.phase_out,
        family_code=old.code,
        period_from=current,
        period_to=end_of_life,
        reason_code="END-OF-LIFE",
        assumption=f"{old.name} are discontinued: no new production, retailers sell out "
        f"by {end_of_life}.",
    )
    return [*launches, phase_out]


def _current_review(start: str) -> DemandReview:
    """Today's review: sales sees the bean-to-cup boom and wins a tender, marketing plans the
    gift-season campaign, product management launches and phases out, and the demand planner
    adds the home-espresso growth the baseline misses."""
    peak = _first_month(start, 11)
    inputs = (
        ReviewInput(
            stream=InputStream.sales,
            kind=InputKind.delta,
            family_code="BEAN-AUTO",
            segment_code="KEY",
            period_from=start,
            period_to=add_months(start, 11),
            quantity=_monthly("BEAN-AUTO", "KEY", 0.2),
            reason_code="KEY-ACCOUNT-LISTING",
            assumption="Two national chains list the new bean-to-cup range from this month; "
            "their buyers confirmed the volumes for a year.",
        ),
        ReviewInput(
            stream=InputStream.sales,
            kind=InputKind.delta,
            family_code="BEAN-AUTO",
            segment_code="ECOM",
            period_from=start,
            period_to=add_months(start, 11),
            quantity=_monthly("BEAN-AUTO", "ECOM", 0.2),
            reason_code="MARKETPLACE-RANKING",
            assumption="Our bean-to-cup models rank first on two marketplaces; sell-out runs "
            "ahead of last year.",
        ),
        ReviewInput(
            stream=InputStream.sales,
            kind=InputKind.override,
            family_code="ESP-PRO",
            segment_code="PRO",
            period_from=add_months(start, 1),
            period_to=add_months(start, 3),
            quantity=_monthly("ESP-PRO", "PRO", 1.4),
            reason_code="HORECA-TENDER",
            assumption="A coffee-shop chain awarded us its refit tender: deliveries over "
            "three months on top of the usual run rate.",
        ),
        ReviewInput(
            stream=InputStream.marketing,
            family_code="ESP-HOME",
            period_from=peak,
            period_to=add_months(peak, 1),
            uplift_pct=0.15,
            cannibalised_family_code="CAPS",
            cannibalisation_share=0.25,
            reason_code="GIFT-CAMPAIGN",
            assumption="Black Friday and Christmas campaign on home espresso (15% off, TV and "
            "in-store displays); a quarter of its buyers would otherwise take a capsule "
            "machine.",
        ),
        *_lifecycle_inputs(start),
        *(
            ReviewInput(
                stream=InputStream.planner,
                kind=InputKind.delta,
                family_code="ESP-HOME",
                segment_code=segment,
                period_from=start,
                period_to=add_months(start, 11),
                quantity=_monthly("ESP-HOME", segment, 0.08),
                reason_code="CATEGORY-GROWTH",
                assumption="Home espresso grows about 10% a year in point-of-sale data; the "
                "baseline mostly repeats last year, as the accuracy of the last reviews shows.",
            )
            for segment in ("KEY", "ECOM")
        ),
    )
    return DemandReview(
        plan=DemandPlanBase(
            name=f"Demand review {start}",
            horizon_start=start,
            horizon_months=PLAN_MONTHS,
            note="Unconstrained consensus demand of the demo company: statistical baseline, "
            "then sales, marketing, product management and the demand planner.",
        ),
        inputs=inputs,
    )


def _past_review(start: str) -> DemandReview:
    """The review of six months ago, now partly measurable: sales expected a range review to
    lift kettles (it did not happen: sales over-forecast), marketing a spring promotion lift
    on toasters (it did not show), the planner the bean-to-cup growth (it came)."""
    past = add_months(start, -PAST_REVIEW_MONTHS_AGO)
    inputs = (
        ReviewInput(
            stream=InputStream.sales,
            kind=InputKind.delta,
            family_code="KETTLE",
            segment_code="KEY",
            period_from=past,
            period_to=add_months(past, 11),
            quantity=_monthly("KETTLE", "KEY", 0.25),
            reason_code="RANGE-REVIEW",
            assumption="A national chain's range review moves our kettles to the main shelf "
            "from next month.",
        ),
        ReviewInput(
            stream=InputStream.marketing,
            family_code="TOAST",
            period_from=add_months(past, 1),
            period_to=add_months(past, 3),
            uplift_pct=0.2,
            reason_code="SPRING-PROMO",
            assumption="Breakfast bundle promotion with two chains lifts toasters by a fifth.",
        ),
        *_lifecycle_inputs(start),
        *(
            ReviewInput(
                stream=InputStream.planner,
                kind=InputKind.delta,
                family_code="BEAN-AUTO",
                segment_code=segment.code,
                period_from=past,
                period_to=add_months(past, 11),
                quantity=_monthly("BEAN-AUTO", segment.code, 0.12),
                reason_code="CATEGORY-GROWTH",
                assumption="Bean-to-cup machines grow about 18% a year; the baseline mostly "
                "repeats last year.",
            )
            for segment in _segments_of(_family("BEAN-AUTO"))
        ),
    )
    return DemandReview(
        plan=DemandPlanBase(
            name=f"Demand review {past}",
            horizon_start=past,
            horizon_months=PLAN_MONTHS,
            note="The review of six months ago, kept to measure each stream against actuals.",
        ),
        inputs=inputs,
    )
