"""Scalars that validate arguments before any upstream sees them."""

import re
from collections.abc import Callable
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from shared.types import CODE_PATTERN, PERIOD_PATTERN

Period = NewType("Period", str)
Code = NewType("Code", str)


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
        serialize=str,
        parse_value=_matching(PERIOD_PATTERN, "a month as YYYY-MM"),
    ),
    Code: strawberry.scalar(
        name="Code",
        description="A business key: letters, digits, '.', '_' or '-' (at most 64).",
        serialize=str,
        parse_value=_matching(CODE_PATTERN, "a code (letters, digits, '.', '_' or '-')"),
    ),
}
