"""The supply plan against the consensus plan: overtime shared by hours, differences."""

from gateway.figures.comparison import compare_plans, compared, consensus_overtime_by_family
from gateway.figures.models import PlanKind, PlanRef
from gateway.plans.models import ConsensusFamilyLinePublic, ConsensusResourceLinePublic
from shared.contracts.supply import RoutingBase, SupplyPlanLineBase


def family(
    code: str, period: str, production: float, inventory: float = 0
) -> ConsensusFamilyLinePublic:
    return ConsensusFamilyLinePublic(
        family_code=code,
        period=period,
        production=production,
        outsourced=0,
        inventory=inventory,
        safety_stock_shortfall=0,
    )


def resource(code: str, period: str, load: float, overtime: float) -> ConsensusResourceLinePublic:
    return ConsensusResourceLinePublic(
        resource_code=code,
        period=period,
        load=load,
        regular_capacity=load - overtime,
        overtime=overtime,
        expansion_hours=0,
        utilisation=1,
        shadow_price=0,
    )


ROUTINGS = [
    RoutingBase(family_code="A", resource_code="LINE", hours_per_unit=1.0),
    RoutingBase(family_code="B", resource_code="LINE", hours_per_unit=3.0),
    RoutingBase(family_code="B", resource_code="PACK", hours_per_unit=0.5),
]


def test_overtime_of_a_resource_month_is_shared_by_the_families_hours() -> None:
    # LINE in 2026-01: A 30 units x 1 h = 30 h, B 10 x 3 h = 30 h: 12 overtime hours, 6 each.
    # PACK: only B loads it, 2 overtime hours. Months without overtime share nothing.
    shares = consensus_overtime_by_family(
        family_lines=[
            family("A", "2026-01", 30),
            family("B", "2026-01", 10),
            family("A", "2026-02", 40),
        ],
        resource_lines=[
            resource("LINE", "2026-01", 60, 12),
            resource("PACK", "2026-01", 5, 2),
            resource("LINE", "2026-02", 40, 0),
        ],
        routings=ROUTINGS,
    )
    assert shares == {("A", "2026-01"): 6.0, ("B", "2026-01"): 8.0}


def test_overtime_is_shared_with_the_months_whose_units_load_the_resource() -> None:
    # B loads LINE one month ahead: its 10 units of 2026-02 (30 h) load LINE in 2026-01 with
    # A's 30 units of 2026-01 (30 h): the 12 overtime hours of 2026-01 go 6 to A's January,
    # 6 to B's February, as the supply service's RCCP and validation load them.
    shares = consensus_overtime_by_family(
        family_lines=[family("A", "2026-01", 30), family("B", "2026-02", 10)],
        resource_lines=[resource("LINE", "2026-01", 60, 12)],
        routings=[
            ROUTINGS[0],
            RoutingBase(
                family_code="B", resource_code="LINE", hours_per_unit=3.0, lead_time_offset=1
            ),
        ],
    )
    assert shares == {("A", "2026-01"): 6.0, ("B", "2026-02"): 6.0}


def test_plans_compared_line_by_line() -> None:
    supply = PlanRef(kind=PlanKind.supply, id=4, version=2, name="Ops", status="proposed")
    consensus = PlanRef(kind=PlanKind.consensus, id=7, version=1, name="C", status="recommended")
    result = compare_plans(
        supply_plan=supply,
        supply_lines=[
            SupplyPlanLineBase(family_code="A", period="2026-01", production=30, overtime_hours=6),
            SupplyPlanLineBase(
                family_code="A", period="2026-02", production=45, ending_inventory=5
            ),
            SupplyPlanLineBase(family_code="C", period="2026-01", production=3),
        ],
        consensus_plan=consensus,
        family_lines=[
            family("A", "2026-01", 30),
            family("B", "2026-01", 10),
            family("A", "2026-02", 40),
        ],
        resource_lines=[resource("LINE", "2026-01", 60, 12)],
        routings=ROUTINGS,
    )
    lines = {(line.family_code, line.period): line for line in result.lines}
    assert list(lines) == [("A", "2026-01"), ("A", "2026-02"), ("B", "2026-01"), ("C", "2026-01")]
    agreed = lines[("A", "2026-01")]
    assert (agreed.production.larger, agreed.overtime_hours.larger, agreed.only_in) == (
        "equal",
        "equal",
        None,
    )
    more = lines[("A", "2026-02")]
    assert (more.production.difference, more.production.larger) == (5, "supply_plan")
    assert more.ending_inventory == compared(5, 0)
    assert lines[("B", "2026-01")].only_in == "consensus"
    assert lines[("B", "2026-01")].overtime_hours == compared(0, 6)
    assert lines[("C", "2026-01")].only_in == "supply_plan"
    assert result.differing_lines == 3
    assert result.totals.production == compared(78, 80)
    assert result.totals.production.larger == "consensus"


def test_loads_compared_per_resource_and_month_and_summed_up() -> None:
    """Operations make A 30 and 50 (1 h a unit on LINE) and B 10 in January (3 h on LINE,
    0.5 h on PACK); the plan makes A 30 and 40, B 10 (60 h on LINE and 5 on PACK in January,
    40 h on LINE in February).

    Loads: LINE January 30 + 30 = 60 against 60 (equal), LINE February 50 against 40 (+10,
    a fifth of 50), PACK January 5 against 5. Production: A February 50 against 40 (+10, a
    fifth of 50). At 1 %: 1 of 3 family-months and 1 of 3 resource-months differ; the two
    differences are a fifth each, the larger in units first (10 units vs 10 hours, A first
    by code)."""
    result = compare_plans(
        supply_plan=PlanRef(kind=PlanKind.supply, id=4, version=1, name="Ops", status="proposed"),
        supply_lines=[
            SupplyPlanLineBase(family_code="A", period="2026-01", production=30),
            SupplyPlanLineBase(family_code="A", period="2026-02", production=50),
            SupplyPlanLineBase(family_code="B", period="2026-01", production=10),
        ],
        consensus_plan=PlanRef(kind=PlanKind.consensus, id=7, version=1, name="C", status="r"),
        family_lines=[
            family("A", "2026-01", 30),
            family("A", "2026-02", 40),
            family("B", "2026-01", 10),
        ],
        resource_lines=[
            resource("LINE", "2026-01", 60, 0),
            resource("LINE", "2026-02", 40, 0),
            resource("PACK", "2026-01", 5, 0),
        ],
        routings=ROUTINGS,
    )
    loads = {(row.resource_code, row.period): row.load for row in result.resources}
    assert loads == {
        ("LINE", "2026-01"): compared(60, 60),
        ("LINE", "2026-02"): compared(50, 40),
        ("PACK", "2026-01"): compared(5, 5),
    }
    summary = result.summary
    assert (summary.production_lines, summary.production_lines_beyond) == (3, 1)
    assert (summary.load_lines, summary.load_lines_beyond) == (3, 1)
    assert [(d.measure, d.code, d.period, d.difference) for d in summary.largest] == [
        ("production", "A", "2026-02", 10),
        ("load", "LINE", "2026-02", 10),
    ]
    assert summary.text == (
        "1 of 3 family-months differ in production and 1 of 3 resource-months in load beyond "
        "1%; largest: A 2026-02 production +10 units (operations 50, plan 40)"
    )
    # At a quarter, a fifth is within: nothing differs beyond it.
    loose = compare_plans(
        supply_plan=result.supply_plan,
        supply_lines=[SupplyPlanLineBase(family_code="A", period="2026-02", production=50)],
        consensus_plan=result.consensus_plan,
        family_lines=[family("A", "2026-02", 40)],
        resource_lines=[resource("LINE", "2026-02", 40, 0)],
        routings=ROUTINGS,
        tolerance=0.25,
    )
    assert (loose.summary.production_lines_beyond, loose.summary.load_lines_beyond) == (0, 0)
    assert loose.summary.largest == []
