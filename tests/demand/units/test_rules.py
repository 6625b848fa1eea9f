import pytest

from services.demand.units.rules import MissingConversion, conversion_factor, totals_by_unit

CONVERSIONS = {("ESP", "kg"): 7.5, ("ESP", "pallets"): 1 / 48}


def test_a_family_converts_by_its_own_factor_and_to_itself_by_one() -> None:
    # 96 machines x 7.5 kg = 720 kg; 96 / 48 per pallet = 2 pallets.
    assert 96 * conversion_factor(
        family_code="ESP", base_unit="units", unit="kg", conversions=CONVERSIONS
    ) == pytest.approx(720)
    assert 96 * conversion_factor(
        family_code="ESP", base_unit="units", unit="pallets", conversions=CONVERSIONS
    ) == pytest.approx(2)
    assert (
        conversion_factor(
            family_code="ESP", base_unit="units", unit="units", conversions=CONVERSIONS
        )
        == 1.0
    )
    assert (
        conversion_factor(family_code="ESP", base_unit="units", unit=None, conversions=CONVERSIONS)
        == 1.0
    )


def test_a_missing_conversion_names_the_family() -> None:
    with pytest.raises(MissingConversion, match="family ESP is held in units") as caught:
        conversion_factor(family_code="ESP", base_unit="units", unit="litres", conversions={})
    assert caught.value.family_code == "ESP"


def test_totals_never_add_different_units() -> None:
    rows = [("ESP", "units", 10.0), ("OIL", "litres", 4.5), ("GRIND", "units", 5.0)]
    assert totals_by_unit(rows) == {
        "litres": (4.5, ["OIL"]),
        "units": (15.0, ["ESP", "GRIND"]),
    }
