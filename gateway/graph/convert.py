"""From contract and API models to the graph's Strawberry types."""

import dataclasses
from typing import Any, TypeVar

TypeT = TypeVar("TypeT")


def from_model(cls: type[TypeT], source: Any, **overrides: Any) -> TypeT:
    """An instance of a Strawberry type with the same-named attributes of ``source``."""
    names = [field.name for field in dataclasses.fields(cls) if field.init]  # type: ignore[arg-type]
    values = {name: getattr(source, name) for name in names if name not in overrides}
    return cls(**values, **overrides)
