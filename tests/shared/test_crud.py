"""``shared.crud.Patch``: a PATCH body offers ``null`` only where the row may hold none."""

import pytest
from pydantic import ValidationError

from shared.crud import Patch
from shared.types import Money, Quantity


class AopChange(Patch):
    NULLABLE = frozenset({"quantity"})

    revenue: Money | None = None
    quantity: Quantity | None = None


def test_null_is_refused_where_the_row_needs_a_value_and_the_schema_says_so() -> None:
    schema = AopChange.model_json_schema()
    assert schema["properties"]["revenue"]["type"] == "number"
    assert "anyOf" not in schema["properties"]["revenue"]
    assert {"type": "null"} in schema["properties"]["quantity"]["anyOf"]
    assert schema["additionalProperties"] is False
    with pytest.raises(ValidationError) as refused:
        AopChange.model_validate({"revenue": None})
    assert refused.value.errors()[0]["loc"] == ("revenue",)


def test_a_field_left_out_stays_and_a_nullable_one_may_be_cleared() -> None:
    assert AopChange.model_validate({}).model_dump(exclude_unset=True) == {}
    cleared = AopChange.model_validate({"quantity": None})
    assert cleared.model_dump(exclude_unset=True) == {"quantity": None}
    with pytest.raises(ValidationError):
        AopChange.model_validate({"revenue": 1, "currency": "EUR"})
