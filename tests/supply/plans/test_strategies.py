"""The drafting rules of ``services.supply.plans.strategies``, worked by hand."""

from services.supply.plans.strategies import chase_production, draft_lines, level_production
from shared.contracts.supply import InventoryPolicyBase, RoutingBase, SupplyStrategy


def test_chase_restores_the_safety_stock_every_month() -> None:
    # 100 + 20 - 50 = 70 (ends at 20); then 200 + 20 - 20 = 200; then 300.
    assert chase_production([100, 200, 300], on_hand=50, safety_stock=[20, 20, 20]) == [
        70,
        200,
        300,
    ]


def test_chase_makes_nothing_while_stock_covers_demand() -> None:
    # 100 on hand covers 30 + safety 10 (ends at 70), then 40 + 10 (ends at 30); then 60 + 10 - 30.
    assert chase_production([30, 40, 60], on_hand=100, safety_stock=[10, 10, 10]) == [0, 0, 40]


def test_level_is_the_smallest_rate_keeping_the_safety_stock() -> None:
    # max(ceil((100 + 20 - 50) / 1), ceil((300 + 20 - 50) / 2), ceil((600 + 20 - 50) / 3))
    # = max(70, 135, 190): inventory 140, 130, 20 >= 20 every month.
    assert level_production([100, 200, 300], on_hand=50, safety_stock=[20, 20, 20]) == [190] * 3


def test_level_never_negative() -> None:
    assert level_production([10, 10], on_hand=500, safety_stock=[0, 0]) == [0, 0]


def capacity(hours: float, *periods: str) -> dict[tuple[str, str], float]:
    return {("ASSY", period): hours for period in periods}


def test_chase_prebuilds_what_overtime_cannot_make() -> None:
    """ASSY: 150 regular + 30 overtime hours a month, 1 h a unit; demand 100, 250, 100.

    2026-01: 100 units, 100 h.
    2026-02: 250 wanted, the ceiling is 180: 180 made (30 h of overtime), 70 pre-built in
             2026-01 where 80 h are left: 170 units, 20 h of overtime; ends with 70.
    2026-03: 100 units."""
    lines = draft_lines(
        strategy=SupplyStrategy.chase,
        periods=["2026-01", "2026-02", "2026-03"],
        demand={"FAM": {"2026-01": 100, "2026-02": 250, "2026-03": 100}},
        safety_stock={},
        routings=[RoutingBase(family_code="FAM", resource_code="ASSY", hours_per_unit=1)],
        regular_hours=capacity(150, "2026-01", "2026-02", "2026-03"),
        overtime_hours_cap=capacity(30, "2026-01", "2026-02", "2026-03"),
        policies=[InventoryPolicyBase(family_code="FAM", max_outsourced_per_period=20)],
    )
    assert [(x.production, x.outsourced, x.overtime_hours, x.ending_inventory) for x in lines] == [
        (170, 0, 20, 70),
        (180, 0, 30, 0),
        (100, 0, 0, 0),
    ]
    assert lines[0].reason == "chase demand and safety stock; overtime; pre-build 70 for 2026-02"


def test_level_outsources_to_the_limit_then_is_short() -> None:
    """Demand 0, 300: the level rate is ceil(300 / 2) = 150. ASSY makes 120 a month (no
    overtime): 30 short of the rate each month, 20 of it outsourced (the limit), 10 short.
    Inventory: 120 + 20 = 140 after 2026-01; 140 + 140 - 300 < 0 after 2026-02: none."""
    lines = draft_lines(
        strategy=SupplyStrategy.level,
        periods=["2026-01", "2026-02"],
        demand={"FAM": {"2026-02": 300}},
        safety_stock={},
        routings=[RoutingBase(family_code="FAM", resource_code="ASSY", hours_per_unit=1)],
        regular_hours=capacity(120, "2026-01", "2026-02"),
        overtime_hours_cap={},
        policies=[InventoryPolicyBase(family_code="FAM", max_outsourced_per_period=20)],
    )
    assert [(x.production, x.outsourced, x.ending_inventory) for x in lines] == [
        (120, 20, 140),
        (120, 20, 0),
    ]
    assert lines[1].reason == "level rate; outsource 20: ASSY is full; short 10: ASSY is full"


def test_the_routing_offset_loads_the_month_before() -> None:
    """One month of lead time on ASSY: the units completed in 2026-02 and 2026-03 load ASSY
    in 2026-01 and 2026-02 (100 h each), so 2026-03, without capacity, holds nothing back."""
    lines = draft_lines(
        strategy=SupplyStrategy.chase,
        periods=["2026-02", "2026-03"],
        demand={"FAM": {"2026-02": 100, "2026-03": 100}},
        safety_stock={},
        routings=[
            RoutingBase(
                family_code="FAM", resource_code="ASSY", hours_per_unit=1, lead_time_offset=1
            )
        ],
        regular_hours=capacity(100, "2026-01", "2026-02"),
        overtime_hours_cap={},
        policies=[],
    )
    assert [(x.production, x.outsourced, x.reason) for x in lines] == [
        (100, 0, "chase demand and safety stock"),
        (100, 0, "chase demand and safety stock"),
    ]
