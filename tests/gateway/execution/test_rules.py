"""The execution rules on numbers worked by hand."""

import pytest

from gateway.execution.rules import (
    MarginLine,
    MonthKpis,
    Tolerances,
    adherence,
    deviations,
    margin_variance,
    service_attained,
    share_of,
    stability,
)


def test_adherence_counts_over_and_under_production_against_the_plan() -> None:
    # plan 100 + 50 = 150; |110 - 100| + |40 - 50| = 20; 1 - 20 / 150
    assert adherence([(100, 110), (50, 40)]) == pytest.approx(1 - 20 / 150)
    assert adherence([(100, 100)]) == 1.0


def test_adherence_is_clipped_at_zero_and_undefined_without_a_plan() -> None:
    # |350 - 100| = 250 > 100 planned: 1 - 2.5 is no adherence, not -1.5
    assert adherence([(100, 350)]) == 0.0
    assert adherence([(0, 30)]) is None
    assert adherence([]) is None


def test_stability_measures_the_move_against_the_previous_plan() -> None:
    # previous 60 + 60, this 50 + 70: moved 10 + 10 of 120
    assert stability([(60, 50), (60, 70)]) == pytest.approx(1 - 20 / 120)


def test_service_attained_is_the_fill_rate_at_most_one() -> None:
    assert service_attained(shipped=45, demand=50) == pytest.approx(0.9)
    assert service_attained(shipped=60, demand=50) == 1.0
    assert service_attained(shipped=5, demand=0) is None
    assert share_of(-10, 40) == -0.25 and share_of(3, 0) is None


def line(pq: float, pp: float, pc: float, aq: float, ap: float, ac: float) -> MarginLine:
    return MarginLine(
        plan_quantity=pq,
        plan_price=pp,
        plan_unit_cost=pc,
        actual_quantity=aq,
        actual_price=ap,
        actual_unit_cost=ac,
    )


def test_margin_variance_splits_volume_mix_price_and_cost() -> None:
    # Plan: A 60 x (100 - 40) = 3600, B 40 x (80 - 50) = 1200; 100 units, 4800, PM = 48.
    # Actual: A 50 at 105, cost 42; B 70 at 78, cost 50: 120 units.
    lines = [line(60, 100, 40, 50, 105, 42), line(40, 80, 50, 70, 78, 50)]
    split = margin_variance(lines)
    assert split.plan_margin == pytest.approx(4800)
    # actual margin: 50 x 63 + 70 x 28 = 3150 + 1960 = 5110
    assert split.actual_margin == pytest.approx(5110)
    # volume: (120 - 100) x 48 = 960
    assert split.volume == pytest.approx(960)
    # mix: (50 - 120 x 0.6) x 60 + (70 - 120 x 0.4) x 30 = -22 x 60 + 22 x 30 = -660
    assert split.mix == pytest.approx(-660)
    # price: (105 - 100) x 50 + (78 - 80) x 70 = 250 - 140 = 110
    assert split.price == pytest.approx(110)
    # cost: -(42 - 40) x 50 - 0 = -100
    assert split.cost == pytest.approx(-100)
    # 960 - 660 + 110 - 100 = 310 = 5110 - 4800
    assert split.total == pytest.approx(split.actual_margin - split.plan_margin)


def test_without_planned_units_the_whole_margin_is_volume() -> None:
    split = margin_variance([line(0, 100, 40, 10, 100, 40)])
    assert (split.volume, split.mix, split.price, split.cost) == (600, 0, 0, 0)


TOLERANCES = Tolerances(adherence=0.05, service=0.02, variance=0.05)


def raised(kpis: MonthKpis) -> list[tuple[str, str, float, float, str]]:
    return [
        (d.kind.value, d.subject_code, d.value, d.limit, d.owner_role.value)
        for d in deviations(kpis, TOLERANCES)
    ]


def test_deviations_beyond_tolerance_go_to_the_raci_owner_of_their_kpi() -> None:
    kpis = MonthKpis(
        period="2027-01",
        plan_id=7,
        # F01 0.94 < 0.95; F02 on the limit; F03 planned nothing.
        production={"F02": 0.95, "F01": 0.94, "F03": None},
        # ASSY 0.9 < 0.95
        hours={"ASSY": 0.9, "PACK": 1.0},
        # KEY 0.95 < 0.98 - 0.02; RETAIL 0.88 = 0.9 - 0.02 on the limit; NEW has no target.
        service={"KEY": (0.95, 0.98), "RETAIL": (0.88, 0.9), "NEW": (0.5, None)},
        # F01 -600 of 10,000 (-6 %); F02 +400 of 10,000 (4 %); F03 +10 on no plan margin
        # (no share to measure); F04 -300 of -5,000 (-6 % of its size).
        margin={
            "F01": (-600.0, 10_000.0),
            "F02": (400.0, 10_000.0),
            "F03": (10.0, 0.0),
            "F04": (-300.0, -5_000.0),
        },
    )
    assert raised(kpis) == [
        ("production_adherence", "F01", 0.94, pytest.approx(0.95), "supply_planner"),
        ("hours_adherence", "ASSY", 0.9, pytest.approx(0.95), "operations"),
        ("service_attainment", "KEY", 0.95, pytest.approx(0.96), "sales"),
        ("margin_variance", "F01", pytest.approx(-0.06), -0.05, "finance"),
        ("margin_variance", "F04", pytest.approx(-0.06), -0.05, "finance"),
    ]
    assert {d.plan_id for d in deviations(kpis, TOLERANCES)} == {7}


def test_a_month_on_plan_raises_nothing() -> None:
    kpis = MonthKpis(
        period="2027-01",
        plan_id=7,
        production={"F01": 1.0},
        hours={"ASSY": 0.99},
        service={"KEY": (1.0, 0.98)},
        margin={"F01": (0.0, 0.0), "F02": (100.0, 10_000.0)},
    )
    assert deviations(kpis, TOLERANCES) == []
