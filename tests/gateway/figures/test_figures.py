"""What finance is asked to value for each kind of plan, worked out by hand."""

import pytest

from gateway.figures.figures import (
    LeverRates,
    allocate_shipments,
    consensus_request,
    demand_request,
    finance_field_names,
    overall_utilisation,
    supply_request,
    utilisation_of_consensus,
    utilisation_of_rccp,
)
from gateway.plans.models import (
    ConsensusFamilyLinePublic,
    ConsensusLinePublic,
    ConsensusResourceLinePublic,
)
from shared.contracts.demand import DemandPlanLineBase, SegmentPublic, UnmetDemand
from shared.contracts.finance import Lever, LeverCostPublic
from shared.contracts.supply import (
    CapacityMode,
    LoadStatus,
    RccpResult,
    RccpRow,
    SupplyPlanLineBase,
)

PERIODS = ["2026-01", "2026-02", "2026-03"]
SEGMENTS = [
    # Listed out of allocation order: strategic first, then priority 1 first.
    SegmentPublic(
        id=3, code="DIST", name="Distributors", priority=3, unmet_demand=UnmetDemand.lost
    ),
    SegmentPublic(id=2, code="RETAIL", name="Retail", priority=2, unmet_demand=UnmetDemand.backlog),
    SegmentPublic(
        id=1,
        code="KEY",
        name="Key accounts",
        priority=5,
        strategic=True,
        unmet_demand=UnmetDemand.backlog,
    ),
]


def rates(*present: tuple[Lever, str]) -> LeverRates:
    return LeverRates.of(
        LeverCostPublic(id=index, lever=lever, code=code, cost=1.0)
        for index, (lever, code) in enumerate(present)
    )


def demand(family: str, segment: str, quantities: list[float]) -> list[DemandPlanLineBase]:
    return [
        DemandPlanLineBase(family_code=family, segment_code=segment, period=period, quantity=q)
        for period, q in zip(PERIODS, quantities, strict=True)
    ]


def test_consensus_plan_levers_are_sent_only_where_finance_has_a_rate() -> None:
    lever_rates = rates(
        (Lever.backlog_unit_period, "KEY"),
        (Lever.holding_unit_period, "F1"),
        (Lever.regular_hour, "CREW"),
        (Lever.overtime_hour, "LINE"),
    )
    request = consensus_request(
        lines=[
            ConsensusLinePublic(
                family_code="F1",
                segment_code="KEY",
                period="2026-01",
                demand=100,
                sales=90,
                backlog=10,
                lost=0,
                revenue=9000,
            ),
            ConsensusLinePublic(
                family_code="F1",
                segment_code="DIST",
                period="2026-01",
                demand=30,
                sales=25,
                backlog=0,
                lost=5,
                revenue=2000,
            ),
            # Nothing to value: no line is sent (and no price is needed for it).
            ConsensusLinePublic(
                family_code="F2",
                segment_code="KEY",
                period="2026-01",
                demand=0,
                sales=1e-9,
                backlog=0,
                lost=0,
                revenue=0,
            ),
        ],
        family_lines=[
            ConsensusFamilyLinePublic(
                family_code="F1",
                period="2026-01",
                production=120,
                outsourced=4,
                inventory=9,
                safety_stock_shortfall=0,
            )
        ],
        resource_lines=[
            ConsensusResourceLinePublic(
                resource_code="LINE",
                period="2026-01",
                load=130,
                regular_capacity=120,
                overtime=10,
                expansion_hours=0,
                utilisation=1.083,
                shadow_price=0,
            ),
            # Workforce-driven: wages are paid on the whole crew's 160 hours, not the 90 used.
            ConsensusResourceLinePublic(
                resource_code="CREW",
                period="2026-01",
                load=90,
                regular_capacity=160,
                overtime=0,
                expansion_hours=0,
                utilisation=0.5625,
                workers=2,
                shadow_price=0,
            ),
        ],
        rates=lever_rates,
    )
    assert [
        (ln.segment_code, ln.quantity, ln.demand, ln.backlog, ln.lost) for ln in request.lines
    ] == [
        ("KEY", 90, 100, 10, 0),
        ("DIST", 25, 30, 0, 0),  # no lost-sale cost for DIST: 5 lost units cost nothing
    ]
    [family] = request.family_periods
    assert (family.outsourced, family.ending_inventory) == (0, 9)  # no outsourcing rate
    assert [
        (r.resource_code, r.regular_hours, r.overtime_hours) for r in request.resource_periods
    ] == [
        ("LINE", 0, 10),  # no regular-hour rate for LINE: its 120 regular hours cost nothing
        ("CREW", 160, 0),
    ]
    assert lever_rates.notes() == [
        "no regular_hour cost for LINE: those quantities cost nothing",
        "no outsourcing_unit cost for F1: those quantities cost nothing",
        "no lost_sale_unit cost for DIST: those quantities cost nothing",
    ]


def test_demand_plan_is_unconstrained_every_unit_a_sale() -> None:
    request = demand_request(demand("F1", "KEY", [10, 0, 30]))
    assert [(line.period, line.quantity, line.demand) for line in request.lines] == [
        ("2026-01", 10, 10),
        ("2026-03", 30, 30),
    ]
    assert request.family_periods == request.resource_periods == []


def test_supply_shipments_serve_strategic_then_priority_backlog_carries_lost_goes() -> None:
    """F1 demand per month: KEY 50, RETAIL 30, DIST 20 (100). On hand 10.

    Month 1: production 80, ending 20 -> shipped 10 + 80 - 20 = 70: KEY 50, RETAIL 20 (10
    backlogged), DIST 0 (20 lost). Month 2: production 150, ending 0 -> shipped 170: KEY 50,
    RETAIL 30 + 10 owed = 40, DIST 20; 60 more than the demand: unsold. Month 3: no line,
    nothing shipped: KEY 50 and RETAIL 30 backlogged, DIST 20 lost.
    """
    lines = [
        SupplyPlanLineBase(family_code="F1", period="2026-01", production=80, ending_inventory=20),
        SupplyPlanLineBase(family_code="F1", period="2026-02", production=150),
    ]
    wanted = [
        *demand("F1", "KEY", [50, 50, 50]),
        *demand("F1", "RETAIL", [30, 30, 30]),
        *demand("F1", "DIST", [20, 20, 20]),
    ]
    lever_rates = rates(
        (Lever.backlog_unit_period, "RETAIL"),
        (Lever.backlog_unit_period, "KEY"),
        (Lever.lost_sale_unit, "DIST"),
    )
    allocation = allocate_shipments(
        periods=PERIODS,
        lines=lines,
        demand=wanted,
        segments=SEGMENTS,
        on_hand={"F1": 10},
        rates=lever_rates,
    )
    sold = {
        (ln.period, ln.segment_code): (ln.quantity, ln.demand, ln.backlog, ln.lost)
        for ln in allocation.lines
    }
    assert sold == {
        ("2026-01", "KEY"): (50, 50, 0, 0),
        ("2026-01", "RETAIL"): (20, 30, 10, 0),
        ("2026-01", "DIST"): (0, 20, 0, 20),
        ("2026-02", "KEY"): (50, 50, 0, 0),
        ("2026-02", "RETAIL"): (40, 30, 0, 0),
        ("2026-02", "DIST"): (20, 20, 0, 0),
        ("2026-03", "KEY"): (0, 50, 50, 0),
        ("2026-03", "RETAIL"): (0, 30, 30, 0),
        ("2026-03", "DIST"): (0, 20, 0, 20),
    }
    assert allocation.unsold == {"F1": 60}


def test_supply_request_hours_from_rccp_and_what_it_leaves_out() -> None:
    def row(
        resource: str,
        period: str,
        load: float,
        regular: float,
        mode: CapacityMode,
        overtime: float = 0,
        overload: float = 0,
    ) -> RccpRow:
        return RccpRow(
            resource_code=resource,
            period=period,
            capacity_source=mode,
            load_hours=load,
            regular_hours=regular,
            max_overtime_hours=10,
            utilisation=load / regular,
            utilisation_with_overtime=None,
            overtime_hours_needed=overtime,
            overload_hours=overload,
            status=LoadStatus.ok,
        )

    capacity = RccpResult(
        periods=["2025-12", *PERIODS],
        rows=[
            row("LINE", "2025-12", 5, 100, CapacityMode.fixed),  # before the horizon
            row("LINE", "2026-01", 60, 100, CapacityMode.fixed),
            row("LINE", "2026-02", 125, 100, CapacityMode.fixed, overtime=10, overload=15),
            row("CREW", "2026-01", 20, 80, CapacityMode.workforce),
        ],
        resources=[],
        unrouted_families=[],
    )
    lever_rates = rates(
        (Lever.regular_hour, "LINE"), (Lever.overtime_hour, "LINE"), (Lever.regular_hour, "CREW")
    )
    request, notes = supply_request(
        horizon_start="2026-01",
        horizon_months=3,
        lines=[SupplyPlanLineBase(family_code="F1", period="2026-01", production=60)],
        demand=demand("F1", "KEY", [60, 0, 0]),
        segments=SEGMENTS,
        on_hand={},
        capacity=capacity,
        rates=lever_rates,
    )
    assert [
        (r.resource_code, r.period, r.regular_hours, r.overtime_hours)
        for r in request.resource_periods
    ] == [
        ("LINE", "2026-01", 60, 0),  # regular hours used
        ("LINE", "2026-02", 100, 10),  # overtime up to its maximum; 15 h beyond it are not
        ("CREW", "2026-01", 80, 0),  # the crew is paid for all its hours
    ]
    assert notes == [
        "LINE is loaded 15 h beyond regular + maximum overtime: those hours cannot be worked "
        "and are not valued"
    ]


def test_finance_fields_are_named_by_the_plans_keys() -> None:
    request = demand_request(demand("F1", "KEY", [10, 20, 30]))
    rename = finance_field_names(request)
    assert rename("body.lines.1.period") == "finance.lines.F1.KEY.2026-02.period"
    assert rename("body.lines.9.period") == "finance.lines.9.period"
    assert rename("body") == "finance.body"


def test_utilisation_of_rccp_and_of_a_consensus_plan() -> None:
    rccp = RccpResult(
        periods=PERIODS,
        rows=[
            RccpRow(
                resource_code="LINE",
                period=p,
                capacity_source=CapacityMode.fixed,
                load_hours=load,
                regular_hours=100,
                max_overtime_hours=10,
                utilisation=load / 100,
                utilisation_with_overtime=load / 110,
                overtime_hours_needed=min(max(load - 100, 0), 10),
                overload_hours=max(load - 110, 0),
                status=LoadStatus.ok
                if load <= 100
                else LoadStatus.overtime
                if load <= 110
                else LoadStatus.overload,
            )
            for p, load in zip(PERIODS, [80, 105, 120], strict=True)
        ],
        resources=[],
        unrouted_families=[],
    )
    [line] = utilisation_of_rccp(rccp, periods={"2026-02", "2026-03"})
    assert (line.load_hours, line.regular_hours, line.utilisation) == (225, 200, 1.125)
    assert (line.peak_utilisation, line.peak_period) == (1.2, "2026-03")
    assert (line.overtime_hours, line.overload_hours) == (15, 10)
    assert line.periods_above_regular == ["2026-02", "2026-03"]

    consensus = utilisation_of_consensus(
        [
            ConsensusResourceLinePublic(
                resource_code="LINE",
                period=p,
                load=load,
                regular_capacity=100,
                overtime=max(load - 100, 0),
                expansion_hours=0,
                utilisation=load / 100,
                shadow_price=0,
            )
            for p, load in zip(PERIODS, [80, 105, 90], strict=True)
        ]
    )
    assert consensus[0].utilisation == pytest.approx(275 / 300)
    assert consensus[0].periods_above_regular == ["2026-02"]
    assert overall_utilisation([*consensus, line]) == pytest.approx((275 + 225) / 500)
