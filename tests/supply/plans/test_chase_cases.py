"""The chase strategy's levers on cases small enough to work out by hand (the demo's supply
planner drafted its proposal by these rules before the service did)."""

from services.supply.plans.strategies import draft_lines
from shared.contracts.supply import (
    InventoryPolicyBase,
    RoutingBase,
    SupplyPlanLineBase,
    SupplyStrategy,
)
from shared.periods import horizon

START = "2027-01"


def propose(
    months: int,
    demand: dict[str, list[float]],
    hours_per_unit: dict[str, float],
    *,
    outsourcing: float = 0,
    on_hand: float = 0,
    safety: float = 0,
) -> dict[str, list[SupplyPlanLineBase]]:
    """One resource R of 100 regular and 20 overtime hours a month; the lines per family."""
    periods = horizon(START, months)
    lines = draft_lines(
        strategy=SupplyStrategy.chase,
        periods=periods,
        demand={
            family: dict(zip(periods, quantities, strict=True))
            for family, quantities in demand.items()
        },
        safety_stock={family: [safety] * months for family in demand},
        routings=[
            RoutingBase(family_code=f, resource_code="R", hours_per_unit=h)
            for f, h in hours_per_unit.items()
        ],
        regular_hours={("R", p): 100 for p in periods},
        overtime_hours_cap={("R", p): 20 for p in periods},
        policies=[
            InventoryPolicyBase(
                family_code=f, initial_on_hand=on_hand, max_outsourced_per_period=outsourcing
            )
            for f in demand
        ],
    )
    return {f: [line for line in lines if line.family_code == f] for f in demand}


def test_a_peak_beyond_overtime_is_prebuilt_in_the_nearest_months_with_hours() -> None:
    # 50, 100, 160 units of 1 h: the third month makes 120 (100 regular + 20 overtime); its
    # 40 missing units are made 20 in the second month (its last hours) and 20 in the first.
    (a,) = propose(3, {"A": [50, 100, 160]}, {"A": 1}).values()
    assert [line.production for line in a] == [70, 120, 120]
    assert [line.overtime_hours for line in a] == [0, 20, 20]
    assert [line.ending_inventory for line in a] == [20, 40, 0]
    assert [line.outsourced for line in a] == [0, 0, 0]
    assert a[0].reason == "chase demand and safety stock; pre-build 20 for 2027-03"
    assert a[1].reason == "chase demand and safety stock; overtime; pre-build 20 for 2027-03"


def test_beyond_the_prebuild_window_the_subcontractor_then_a_named_shortfall() -> None:
    # 600 units in month five: 120 in it, 120 in each of the three before it, none in the
    # first (four months ahead is beyond the window); 10 outsourced, 110 short.
    (a,) = propose(5, {"A": [0, 0, 0, 0, 600]}, {"A": 1}, outsourcing=10).values()
    assert [line.production for line in a] == [0, 120, 120, 120, 120]
    assert (a[4].outsourced, a[4].ending_inventory) == (10, 0)
    assert a[4].reason == (
        "chase demand and safety stock; overtime; outsource 10: R is full; short 110: R is full"
    )
    assert a[0].reason == "no demand"


def test_families_competing_for_a_resource_share_it_and_its_overtime() -> None:
    # A needs 100 h, B 80 h of 120: each gets two thirds (66 and 26 whole units, 118 h); the
    # last 2 h go to A. Overtime (20 h) is shared by hours: A 68/120, B 52/120 of it.
    lines = propose(1, {"A": [100], "B": [40]}, {"A": 1, "B": 2}, outsourcing=5)
    (a,), (b,) = lines["A"], lines["B"]
    assert (a.production, b.production) == (68, 26)
    assert (a.overtime_hours, b.overtime_hours) == (11.34, 8.67)
    assert (a.outsourced, b.outsourced) == (5, 5)
    assert a.reason.endswith("short 27: R is full") and b.reason.endswith("short 9: R is full")


def test_the_chase_restores_the_safety_stock_from_what_is_on_hand() -> None:
    # 30 on hand, safety stock 20: month one makes 40 - 30 + 20 = 30, month two its demand.
    (a,) = propose(2, {"A": [40, 50]}, {"A": 1}, on_hand=30, safety=20).values()
    assert [line.production for line in a] == [30, 50]
    assert [line.ending_inventory for line in a] == [20, 20]
