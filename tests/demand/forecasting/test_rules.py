import numpy as np

from services.demand.forecasting import rules


def test_missing_months_inside_and_after_a_series_are_zero() -> None:
    grid = rules.monthly_series(
        {"2025-01": 4.0, "2025-03": 6.0}, last_period="2025-05"
    )  # 2025-02 missing inside, 2025-04 and 2025-05 after
    assert grid.first_period == "2025-01" and grid.last_period == "2025-05"
    assert grid.values.tolist() == [4, 0, 6, 0, 0]
    assert grid.trailing_missing == 2


def test_end_of_life_by_missing_months_or_by_inactivity() -> None:
    alive = np.array([3, 0, 0, 0, 0, 2.0])
    assert rules.end_of_life_reason(alive, trailing_missing=0, inactive_months=5) is None
    assert "inactive" in str(
        rules.end_of_life_reason(alive[:-1], trailing_missing=0, inactive_months=4)
    )
    ended = rules.end_of_life_reason(alive, trailing_missing=1, inactive_months=12)
    assert ended is not None and "1 month(s)" in ended
    # Too short to have been inactive that long: alive.
    assert rules.end_of_life_reason(np.zeros(3), trailing_missing=0, inactive_months=4) is None


def test_intermittent_above_the_syntetos_boylan_cut() -> None:
    assert rules.is_intermittent(np.array([0, 5, 0, 0, 4, 0.0]))  # 6 months / 2 demands = 3
    assert not rules.is_intermittent(np.array([1, 5, 2, 0, 4, 3.0]))  # 6 / 5 = 1.2


def test_selection_origins_step_back_from_the_end_and_keep_enough_to_fit() -> None:
    # 36 months, horizon 12, 3 windows 3 apart: test months 24-35, 21-32, 18-29.
    assert rules.selection_origins(36, horizon=12, windows=3, step=3) == (12, [18, 21, 24])
    # 8 months: horizon capped at half (4), origins 4 and 1 -> only 4 leaves 3 to fit.
    assert rules.selection_origins(8, horizon=12, windows=2, step=3) == (4, [4])
    assert rules.selection_origins(5, horizon=3, windows=3, step=1) == (0, [])


def test_scoring_origins_leave_a_selection_before_them() -> None:
    assert rules.scoring_origins(30, horizon=6, windows=3, step=2) == [20, 22, 24]
    assert rules.scoring_origins(12, horizon=6, windows=3, step=1) == [6]


def test_intervals_widen_to_the_selection_errors_month_by_month() -> None:
    # Five selection origins, two months each. Month 1's errors -4, -2, 0, 2, 4: their 10th
    # and 90th percentiles (linear) are -4 + 0.4 x 2 = -3.2 and 3.2; month 2's 0, 5, 10, 15,
    # 20 give 2 and 18. Month 3 is past the selection's two months: month 2's errors again.
    errors = np.array([[-4.0, 0.0], [-2.0, 5.0], [0.0, 10.0], [2.0, 15.0], [4.0, 20.0]])
    point = np.array([10.0, 10.0, 1.0])
    lo, hi = rules.calibrated_interval(
        point,
        np.array([5.0, 9.0, 0.5]),
        np.array([12.0, 11.0, 30.0]),
        errors,
        level=80,
    )
    # Month 1: the model's 5 is already below 10 - 3.2; its 12 is below 13.2 and widens.
    # Month 2: 9 stays (below 12); 11 widens to 28. Month 3: 1 + 2 = 3 is above the model's
    # 0.5, which stays; 1 + 18 = 19 is under its 30.
    np.testing.assert_allclose(lo, [5.0, 9.0, 0.5])
    np.testing.assert_allclose(hi, [13.2, 28.0, 30.0])
    # A bound never goes below zero demand.
    lo, _ = rules.calibrated_interval(point, point, point, errors - 20.0, level=80)
    np.testing.assert_allclose(lo, [0.0, 0.0, 0.0])


def test_errors_are_carried_at_todays_level() -> None:
    """Two years of history: 10 a month, then 20. Origin 12 saw a year at 10, origin 18 six
    months at 10 and six at 20 (15); today's year is at 20. Errors scale by 20 / 10 = 2 and
    20 / 15; an origin whose year was all zero keeps its errors."""
    history = np.array([10.0] * 12 + [20.0] * 12)
    errors = np.array([[1.0, -2.0], [3.0, 3.0]])
    scaled = rules.errors_at_todays_level(errors, history, origins=[12, 18], season=12)
    np.testing.assert_allclose(scaled, [[2.0, -4.0], [4.0, 4.0]])
    dead_start = np.array([0.0] * 12 + [5.0] * 12)
    kept = rules.errors_at_todays_level(errors[:1], dead_start, origins=[12], season=12)
    np.testing.assert_allclose(kept, errors[:1])
