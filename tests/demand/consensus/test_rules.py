"""The consensus rules on cells small enough to work out by hand."""

import pytest

from services.demand.consensus.rules import RuleInput, build_waterfall
from shared.contracts.demand import DemandStream, InputKind, InputStream

PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]


def flat(value: float, family: str = "A", segment: str = "S") -> dict:
    return {(family, segment, p): value for p in PERIODS}


def given(ref: str, stream: InputStream, kind: InputKind, **fields) -> RuleInput:
    defaults = {"family_code": "A", "segment_code": "S", "period_from": "2026-01"}
    return RuleInput(ref=ref, input_id=int(ref[-1]), stream=stream, kind=kind, **defaults | fields)


def layer(result, stream: DemandStream, family: str = "A", segment: str = "S") -> list[float]:
    return [result.cells[(family, segment, p)].layers[stream] for p in PERIODS]


def test_each_layer_in_order_sets_or_adds() -> None:
    inputs = [
        given("i1", InputStream.sales, InputKind.override, quantity=120),
        given("i2", InputStream.sales, InputKind.delta, quantity=10),
        given("i3", InputStream.marketing, InputKind.event, uplift_pct=0.2),
        given("i4", InputStream.planner, InputKind.delta, quantity=-6),
    ]
    result = build_waterfall(periods=PERIODS[:1], baseline=flat(100), inputs=inputs)
    assert not result.violations
    cell = result.cells[("A", "S", "2026-01")]
    # 100 -> override 120 -> +10 = 130 -> +20% of 130 = 156 -> planner -6 = 150.
    assert cell.layers == {
        DemandStream.statistical: 100,
        DemandStream.sales: 130,
        DemandStream.marketing: 156,
        DemandStream.product: 156,
        DemandStream.planner: 150,
        DemandStream.consensus: 150,
    }
    assert [(c["input_id"], c["delta"]) for c in cell.contributions] == [
        (1, 20),
        (2, 10),
        (3, 26),
        (4, -6),
    ]


def test_the_latest_override_wins_and_a_range_covers_its_periods() -> None:
    inputs = [
        given("i1", InputStream.sales, InputKind.override, quantity=50, period_to="2026-03"),
        given("i2", InputStream.sales, InputKind.override, quantity=70, period_from="2026-02"),
    ]
    result = build_waterfall(periods=PERIODS, baseline=flat(100), inputs=inputs)
    assert layer(result, DemandStream.sales) == [50, 70, 50, 100, 100, 100]


def test_marketing_uplifts_add_up_rather_than_compound() -> None:
    inputs = [
        given("i1", InputStream.marketing, InputKind.event, uplift_pct=0.1),
        given("i2", InputStream.marketing, InputKind.event, uplift_pct=0.2, quantity=5),
    ]
    result = build_waterfall(periods=PERIODS, baseline=flat(100), inputs=inputs)
    assert layer(result, DemandStream.marketing)[:2] == [135, 100]  # 100 + 10 + (20 + 5), not 137


def test_cannibalisation_takes_a_share_of_the_uplift_from_the_other_family() -> None:
    baseline = flat(100) | flat(80, family="B")
    event = given(
        "i1",
        InputStream.marketing,
        InputKind.event,
        segment_code=None,
        period_to="2026-02",
        quantity=50,
        cannibalised_family_code="B",
        cannibalisation_share=0.4,
    )
    result = build_waterfall(periods=PERIODS, baseline=baseline, inputs=[event])
    assert layer(result, DemandStream.consensus) == [150, 150, 100, 100, 100, 100]
    assert layer(result, DemandStream.consensus, family="B") == [60, 60, 80, 80, 80, 80]


def test_a_launch_ramps_up_and_nothing_sells_before_it() -> None:
    launch = given(
        "i1",
        InputStream.product,
        InputKind.launch,
        family_code="NEW",
        period_from="2026-03",
        quantity=90,
        ramp_months=3,
    )
    baseline = {("NEW", "S", "2026-01"): 5.0}  # stray history: the launch sets it to 0
    result = build_waterfall(periods=PERIODS, baseline=baseline, inputs=[launch])
    assert layer(result, DemandStream.consensus, family="NEW") == [0, 0, 30, 60, 90, 90]


def test_a_phase_out_declines_linearly_to_zero_at_end_of_life() -> None:
    phase_out = given(
        "i1",
        InputStream.product,
        InputKind.phase_out,
        segment_code=None,
        period_from="2026-03",
        period_to="2026-05",
    )
    result = build_waterfall(periods=PERIODS, baseline=flat(90), inputs=[phase_out])
    # Three months of decline: 2/3, 1/3, then 0 at end of life and after.
    assert layer(result, DemandStream.consensus) == [90, 90, 60, 30, 0, 0]


def test_a_delta_driving_demand_negative_names_the_input_and_the_cell() -> None:
    inputs = [
        given("inputs.7", InputStream.sales, InputKind.delta, quantity=30),
        given("body.0", InputStream.planner, InputKind.delta, quantity=-150, period_to="2026-02"),
    ]
    result = build_waterfall(periods=PERIODS, baseline=flat(100), inputs=inputs)
    assert len(result.violations) == 1
    violation = result.violations[0]
    assert (violation.ref, violation.field) == ("body.0", "quantity")
    assert "A/S in 2026-01 to -20" in violation.reason and "1 more cell" in violation.reason


def test_negative_uplift_and_cannibalisation_are_attributed_to_their_fields() -> None:
    baseline = flat(100) | flat(10, family="B")
    inputs = [
        given("body.0", InputStream.marketing, InputKind.event, quantity=-120),
        given(
            "body.1",
            InputStream.marketing,
            InputKind.event,
            quantity=100,
            cannibalised_family_code="B",
            cannibalisation_share=0.5,
        ),
    ]
    result = build_waterfall(periods=PERIODS[:1], baseline=baseline, inputs=inputs)
    assert {(v.ref, v.field) for v in result.violations} == {
        ("body.1", "cannibalisation_share"),
    }
    # A: 100 - 120 + 100 = 80 stays positive; B: 10 - 50 = -40 does not.


def test_an_input_that_matches_no_series_is_refused() -> None:
    inputs = [
        given(
            "body.0",
            InputStream.marketing,
            InputKind.event,
            family_code="Z",
            segment_code=None,
            uplift_pct=0.1,
        ),
        given(
            "body.1",
            InputStream.marketing,
            InputKind.event,
            uplift_pct=0.1,
            cannibalised_family_code="Q",
            cannibalisation_share=0.2,
        ),
    ]
    result = build_waterfall(periods=PERIODS, baseline=flat(100), inputs=inputs)
    assert {(v.ref, v.field) for v in result.violations} == {
        ("body.0", "segment_code"),
        ("body.1", "cannibalised_family_code"),
    }


@pytest.mark.parametrize("stream", [InputStream.sales, InputStream.planner])
def test_an_override_to_zero_is_recorded_even_when_it_changes_nothing(stream) -> None:
    inputs = [given("i1", stream, InputKind.override, quantity=0)]
    result = build_waterfall(periods=PERIODS[:1], baseline=flat(0), inputs=inputs)
    assert result.cells[("A", "S", "2026-01")].contributions[0]["delta"] == 0


def test_demand_beyond_a_storable_quantity_is_refused_too() -> None:
    inputs = [
        given("body.0", InputStream.sales, InputKind.delta, quantity=9e11),
        given("body.1", InputStream.marketing, InputKind.event, uplift_pct=10),
    ]
    result = build_waterfall(periods=PERIODS[:1], baseline=flat(100), inputs=inputs)
    assert [(v.ref, v.field) for v in result.violations] == [("body.1", "uplift_pct")]
    assert "cannot exceed" in result.violations[0].reason
