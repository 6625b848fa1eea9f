import pytest

from services.demand.hierarchy.rules import (
    Level,
    aggregate,
    apportion,
    disaggregate,
    mix_shares,
)


def bottom(family: str, segment: str, item: str, location: str, region: str) -> dict[str, str]:
    return {
        "family": family,
        "segment": segment,
        "item": item,
        "location": location,
        "region": region,
    }


ROWS = [
    (bottom("F", "KEY", "A", "LYON", "FR"), "2026-01", 5.0),
    (bottom("F", "KEY", "A", "BRNO", "CZ"), "2026-01", 3.0),
    (bottom("F", "KEY", "B", "LYON", "FR"), "2026-01", 2.0),
    (bottom("F", "ECOM", "A", "LYON", "FR"), "2026-01", 4.0),
    (bottom("G", "KEY", "C", "LYON", "FR"), "2026-01", 7.0),
]


def test_every_level_is_an_exact_sum_of_the_bottom() -> None:
    assert aggregate(ROWS, level=Level.family_segment) == {
        (("F", "KEY"), "2026-01"): 10.0,  # 5 + 3 + 2
        (("F", "ECOM"), "2026-01"): 4.0,
        (("G", "KEY"), "2026-01"): 7.0,
    }
    assert aggregate(ROWS, level=Level.family) == {
        (("F",), "2026-01"): 14.0,  # 10 + 4: never added to G's 7
        (("G",), "2026-01"): 7.0,
    }
    assert aggregate(ROWS, level=Level.family_region)[(("F", "FR"), "2026-01")] == 11.0  # 5+2+4
    assert aggregate(ROWS, level=Level.item_location)[(("F", "A", "LYON"), "2026-01")] == 9.0
    assert aggregate(ROWS, level=Level.item)[(("F", "A"), "2026-01")] == 12.0  # 5 + 3 + 4


def test_the_mix_is_each_members_part_and_equal_without_volume() -> None:
    assert mix_shares({"A": 30.0, "B": 10.0}) == {"A": 0.75, "B": 0.25}
    assert mix_shares({"A": 0.0, "B": 0.0}) == {"A": 0.5, "B": 0.5}


def test_a_family_figure_splits_by_the_mix_and_adds_up() -> None:
    # Mix from history: A at Lyon sold 60, A at Brno 30, B at Lyon 10 -> 0.6, 0.3, 0.1.
    shares = mix_shares({("A", "LYON"): 60.0, ("A", "BRNO"): 30.0, ("B", "LYON"): 10.0})
    parts = disaggregate(250.0, shares)
    assert parts == {
        ("A", "LYON"): pytest.approx(150.0),  # 250 x 0.6
        ("A", "BRNO"): pytest.approx(75.0),  # 250 x 0.3
        ("B", "LYON"): pytest.approx(25.0),  # 250 x 0.1
    }
    assert sum(parts.values()) == pytest.approx(250.0)


def test_whole_units_are_apportioned_by_largest_remainder() -> None:
    # Quotas of 10 by 1 : 1 : 1 are 3.33 each: one unit left goes to the first on the tie.
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    # Quotas 7 x (0.5, 0.3, 0.2) = 3.5, 2.1, 1.4: floors 3, 2, 1; the left unit to 3.5.
    assert apportion(7, [0.5, 0.3, 0.2]) == [4, 2, 1]
    assert apportion(0, [2, 1]) == [0, 0]
