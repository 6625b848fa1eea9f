"""Scalars that validate arguments before any upstream sees them."""

import re
from collections.abc import Callable
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from shared.types import CODE_PATTERN, PERIOD_PATTERN

Period = NewType("Period", str)
Code = NewType("Code", str)

DOCUMENTATION = "https://github.com/sop-platform/sop-platform/blob/main/README.md"
"""Where the scalars are specified (``@specifiedBy``): the README's "GraphQL scalars" section,
one anchor per scalar. Keep the anchors when the README changes: clients may link to them."""


def _matching(pattern: str, what: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
            raise ValueError(f"{value!r} is not {what}")
        return value

    return parse


SCALARS: dict[object, ScalarDefinition] = {
    Period: strawberry.scalar(
        name="Period",
        description="A calendar month as YYYY-MM.",
        specified_by_url=f"{DOCUMENTATION}#scalar-period",
        serialize=str,
        parse_value=_matching(PERIOD_PATTERN, "a month as YYYY-MM"),
    ),
    Code: strawberry.scalar(
        name="Code",
        description="A business key: letters, digits, '.', '_' or '-' (at most 64).",
        specified_by_url=f"{DOCUMENTATION}#scalar-code",
        serialize=str,
        parse_value=_matching(CODE_PATTERN, "a code (letters, digits, '.', '_' or '-')"),
    ),
}
