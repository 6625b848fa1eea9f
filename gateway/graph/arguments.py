"""Upstream reads on behalf of GraphQL arguments.

Arguments are checked by the service that answers; its 422 on a read is the caller's
argument, so it is answered as a 422 naming the GraphQL argument (``minSameSign``), never as
a 502.
"""

from collections.abc import Awaitable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from strawberry.utils.str_converters import to_camel_case

from shared.errors import FieldError, UpstreamFailed, ValidationFailed, validation_errors
from shared.types import MAX_ROW_ID

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)


def _argument_refusal(exc: UpstreamFailed) -> ValidationFailed | None:
    """The demand service's 422 on a read, as the caller's bad argument (``query.lag`` ->
    ``lag``, ``query.min_same_sign`` -> ``minSameSign``)."""
    extra = exc.extra or {}
    if extra.get("upstream_status") != 422:
        return None
    body = extra.get("upstream_body")
    errors = [
        FieldError(
            field=to_camel_case(str(error.get("field", "")).removeprefix("query.")),
            reason=str(error.get("reason", "")),
        )
        for error in (body.get("errors") or [] if isinstance(body, dict) else [])
        if isinstance(error, dict)
    ]
    return ValidationFailed("the demand service refused the arguments", errors=errors)


async def checked(call: Awaitable[T]) -> T:
    """The answer of an upstream read; its 422 becomes a 422 on the GraphQL arguments."""
    try:
        return await call
    except UpstreamFailed as exc:
        refusal = _argument_refusal(exc)
        if refusal is None:
            raise
        raise refusal from exc


def checked_id(value: int, field: str) -> int:
    """An id argument within the ids the platform stores (a 422 on ``field`` otherwise)."""
    if not 1 <= value <= MAX_ROW_ID:
        raise ValidationFailed(f"ids run from 1 to {MAX_ROW_ID}", field=field)
    return value


def optional_id(value: int | None, field: str) -> int | None:
    return None if value is None else checked_id(value, field)


def arguments_of(model: type[ModelT], **arguments: Any) -> ModelT:
    """The GraphQL arguments given (``None``: not given) as the filter model the REST endpoint
    declares, validated by that one model; a bad one is a 422 naming the GraphQL argument."""
    try:
        return model.model_validate(
            {name: value for name, value in arguments.items() if value is not None}
        )
    except ValidationError as exc:
        errors = validation_errors(
            [
                {**error, "loc": tuple(to_camel_case(str(part)) for part in error["loc"])}
                for error in exc.errors()
            ]
        )
        raise ValidationFailed("invalid arguments", errors=errors) from exc


def check_page(*, limit: int, offset: int, most: int) -> None:
    """A 422 naming ``limit`` (1 to ``most``) or ``offset`` (not negative) when out of range."""
    errors: list[FieldError] = []
    if not 1 <= limit <= most:
        errors.append(FieldError(field="limit", reason=f"between 1 and {most}"))
    if offset < 0:
        errors.append(FieldError(field="offset", reason="not negative"))
    if errors:
        raise ValidationFailed("invalid page", errors=errors)
