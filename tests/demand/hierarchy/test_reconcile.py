"""Reconciliation methods of hierarchicalforecast on trees small enough to work by hand."""

import pandas as pd
import pytest

from services.demand.hierarchy.reconcile import ReconcileMethod, build_tree, reconcile

MONTHS = ["2026-01", "2026-02"]


def coherent(tree_history: dict, base_values: dict, methods: list[ReconcileMethod]) -> dict:
    tree = build_tree(tree_history, MONTHS)
    ids = list(tree.S["unique_id"])
    base = pd.DataFrame(
        {"unique_id": ids, "ds": pd.Timestamp("2026-03-01"), "base": [base_values[i] for i in ids]}
    )
    # In-sample "forecasts" half a unit off the actuals: what MinT and historical shares read.
    fitted = tree.y.assign(base=tree.y["y"] + 0.5)
    answer = reconcile(tree, base=base, fitted=fitted, methods=methods)
    return {
        method.value: dict(zip(answer["unique_id"], answer[method.value], strict=True))
        for method in methods
    }


# One family, one segment, one item at two locations: a chain F > F/S > F/S/A over L1, L2.
# History: L1 sold 1 then 6, L2 3 then 2 (totals 4 and 8).
CHAIN = {
    ("F", "S", "A", "L1"): {"2026-01": 1, "2026-02": 6},
    ("F", "S", "A", "L2"): {"2026-01": 3, "2026-02": 2},
}
CHAIN_BASE = {"F": 12.0, "F/S": 11.0, "F/S/A": 11.0, "F/S/A/L1": 5.0, "F/S/A/L2": 4.0}


def test_bottom_up_sums_the_bottom_forecasts() -> None:
    result = coherent(CHAIN, CHAIN_BASE, [ReconcileMethod.bottom_up])["bottom_up"]
    assert result == {"F": 9.0, "F/S": 9.0, "F/S/A": 9.0, "F/S/A/L1": 5.0, "F/S/A/L2": 4.0}


def test_min_trace_ols_and_wls_by_hand() -> None:
    """S has rows (1,1) three times, then (1,0) and (0,1); base y = (12, 11, 11, 5, 4).

    OLS: b = (S'S)^-1 S'y, S'S = [[4,3],[3,4]], (S'S)^-1 = [[4,-3],[-3,4]]/7, S'y = (39, 38):
    b1 = (4x39 - 3x38)/7 = 42/7 = 6, b2 = (-3x39 + 4x38)/7 = 35/7 = 5; uppers 11.
    WLS (structural, W = diag(2,2,2,1,1)): S'W^-1S = [[2.5,1.5],[1.5,2.5]] (det 4),
    S'W^-1y = (34/2 + 5, 34/2 + 4) = (22, 21): b1 = (2.5x22 - 1.5x21)/4 = 5.875,
    b2 = (-1.5x22 + 2.5x21)/4 = 4.875; uppers 10.75."""
    result = coherent(
        CHAIN, CHAIN_BASE, [ReconcileMethod.min_trace_ols, ReconcileMethod.min_trace_wls_struct]
    )
    assert result["min_trace_ols"] == pytest.approx(
        {"F": 11.0, "F/S": 11.0, "F/S/A": 11.0, "F/S/A/L1": 6.0, "F/S/A/L2": 5.0}
    )
    assert result["min_trace_wls_struct"] == pytest.approx(
        {"F": 10.75, "F/S": 10.75, "F/S/A": 10.75, "F/S/A/L1": 5.875, "F/S/A/L2": 4.875}
    )


def test_top_down_by_historical_proportions_by_hand() -> None:
    """The family's 12 split by history. Average of proportions: L1 had 1/4 then 6/8, mean
    0.5 -> 6 and 6. Proportion of averages: L1 averaged 3.5 of 6 -> 12 x 3.5/6 = 7, L2 5."""
    result = coherent(
        CHAIN,
        CHAIN_BASE,
        [
            ReconcileMethod.top_down_average_proportions,
            ReconcileMethod.top_down_proportion_averages,
        ],
    )
    assert result["top_down_average_proportions"] == pytest.approx(
        {"F": 12.0, "F/S": 12.0, "F/S/A": 12.0, "F/S/A/L1": 6.0, "F/S/A/L2": 6.0}
    )
    assert result["top_down_proportion_averages"] == pytest.approx(
        {"F": 12.0, "F/S": 12.0, "F/S/A": 12.0, "F/S/A/L1": 7.0, "F/S/A/L2": 5.0}
    )


# Two segments: S1 sells item A at L1 and L2, S2 item B at L1.
TWO_SEGMENTS = {
    ("F", "S1", "A", "L1"): {"2026-01": 4, "2026-02": 6},
    ("F", "S1", "A", "L2"): {"2026-01": 3, "2026-02": 3},
    ("F", "S2", "B", "L1"): {"2026-01": 2, "2026-02": 2},
}
TWO_BASE = {
    "F": 24.0,
    "F/S1": 12.0,
    "F/S2": 6.0,
    "F/S1/A": 12.0,
    "F/S2/B": 6.0,
    "F/S1/A/L1": 5.0,
    "F/S1/A/L2": 3.0,
    "F/S2/B/L1": 2.0,
}


def test_top_down_by_forecast_proportions_by_hand() -> None:
    """The family keeps its 24; level by level each child takes its share of its siblings'
    own forecasts: S1 12/18 -> 16, S2 8; A and B alone -> 16 and 8; L1 5/8 of 16 -> 10,
    L2 6; B at L1 alone -> 8."""
    result = coherent(TWO_SEGMENTS, TWO_BASE, [ReconcileMethod.top_down_forecast_proportions])
    assert result["top_down_forecast_proportions"] == pytest.approx(
        {
            "F": 24.0,
            "F/S1": 16.0,
            "F/S2": 8.0,
            "F/S1/A": 16.0,
            "F/S2/B": 8.0,
            "F/S1/A/L1": 10.0,
            "F/S1/A/L2": 6.0,
            "F/S2/B/L1": 8.0,
        }
    )


def test_a_single_segment_family_is_refused_by_forecast_proportions() -> None:
    with pytest.raises(ValueError, match="single segment"):
        coherent(CHAIN, CHAIN_BASE, [ReconcileMethod.top_down_forecast_proportions])


@pytest.mark.parametrize("method", list(ReconcileMethod))
def test_every_method_is_coherent(method: ReconcileMethod) -> None:
    node = coherent(TWO_SEGMENTS, TWO_BASE, [method])[method.value]
    assert node["F"] == pytest.approx(node["F/S1"] + node["F/S2"])
    assert node["F/S1"] == pytest.approx(node["F/S1/A/L1"] + node["F/S1/A/L2"])
    assert node["F/S2"] == pytest.approx(node["F/S2/B/L1"])


def test_min_trace_shrink_leaves_coherent_forecasts_unchanged() -> None:
    # Already coherent base forecasts: any MinT projection keeps them.
    base = {**TWO_BASE, "F": 10.0, "F/S1": 8.0, "F/S2": 2.0, "F/S1/A": 8.0, "F/S2/B": 2.0}
    result = coherent(TWO_SEGMENTS, base, [ReconcileMethod.min_trace_shrink])
    assert result["min_trace_shrink"] == pytest.approx(base)


def test_a_method_the_data_cannot_feed_is_refused_not_answered_as_nan() -> None:
    # No demand at all: historical shares divide 0 by 0.
    silent = {key: {"2026-01": 0, "2026-02": 0} for key in TWO_SEGMENTS}
    for method in (
        ReconcileMethod.top_down_average_proportions,
        ReconcileMethod.top_down_proportion_averages,
    ):
        with pytest.raises(ValueError, match=method.value):
            coherent(silent, dict.fromkeys(TWO_BASE, 0.0), [method])
    assert set(
        coherent(silent, dict.fromkeys(TWO_BASE, 0.0), [ReconcileMethod.bottom_up])[
            "bottom_up"
        ].values()
    ) == {0.0}
