"""Extend-forward: a master-data series rolled from its last month to a period, by a rule.

A series is the rows sharing every key field but the period (a price of one family and
segment, the capacity of one resource, the AOP of one family group). Extending to
``through`` with ``repeat_last`` copies the series' last month into each month after it up
to ``through``. Only new months are written, so a second call answers ``unchanged``; the
writes go through the request's session, so the service's writer rights apply and the
audit trail records each row.
"""

from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from shared import crud
from shared.crud import EntitySpec
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES, BeforeWrite
from shared.errors import ValidationFailed
from shared.periods import add_months, months_between
from shared.types import CLOSED, Period

MAX_EXTENSION_MONTHS = 60


class ExtendRule(StrEnum):
    repeat_last = "repeat_last"


class ExtendRequest(BaseModel):
    model_config = CLOSED

    through: Period = Field(description="The last month every series should reach.")
    rule: ExtendRule = Field(
        default=ExtendRule.repeat_last,
        description="repeat_last: each new month takes the series' last month's values.",
    )


class ExtendResult(BaseModel):
    rule: ExtendRule
    through: Period
    series: int = Field(description="Series (rows sharing every key field but the period).")
    extended: int = Field(description="Series that gained months.")
    created: int = Field(description="Rows written.")
    unchanged: int = Field(description="Series that already reached `through`.")


def repeat_last(
    rows: Sequence[dict[str, Any]], *, series_key: Sequence[str], period_field: str, through: str
) -> list[dict[str, Any]]:
    """The rows ``repeat_last`` adds: for each series whose last month is before ``through``,
    a copy of that last month for every month after it through ``through``."""
    last: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        series = tuple(row[name] for name in series_key)
        if series not in last or row[period_field] > last[series][period_field]:
            last[series] = row
    added = []
    for _, row in sorted(last.items(), key=lambda item: str(item[0])):
        gap = months_between(row[period_field], through)
        added += [
            {**row, period_field: add_months(row[period_field], k)} for k in range(1, gap + 1)
        ]
    return added


def extend_forward(
    session: Session,
    *,
    spec: EntitySpec[Any],
    create_model: type[BaseModel],
    period_field: str,
    request: ExtendRequest,
    before_write: BeforeWrite | None = None,
) -> ExtendResult:
    """Extend every series of ``spec`` to ``request.through`` (see the module)."""
    fields = list(create_model.model_fields)
    rows = [row.model_dump(include=set(fields)) for row in session.exec(select(spec.table)).all()]
    series_key = [name for name in spec.key if name != period_field]
    added = repeat_last(
        rows, series_key=series_key, period_field=period_field, through=request.through
    )
    months = Counter(tuple(row[name] for name in series_key) for row in added)
    if months and max(months.values()) > MAX_EXTENSION_MONTHS:
        raise ValidationFailed(
            f"an extension adds at most {MAX_EXTENSION_MONTHS} months to a series; "
            f"{request.through} is {max(months.values())} months after a series' last",
            field="body.through",
        )
    items = [create_model.model_validate(row) for row in added]
    if before_write is not None:
        before_write(session, [("body.through", item) for item in items])
    crud.upsert_many(session, spec=spec, items=items, location="body.through")
    series = {tuple(row[name] for name in series_key) for row in rows}
    return ExtendResult(
        rule=request.rule,
        through=request.through,
        series=len(series),
        extended=len(months),
        created=len(items),
        unchanged=len(series) - len(months),
    )


def extend_router(
    *,
    spec: EntitySpec[Any],
    create_model: type[BaseModel],
    period_field: str,
    tag: str,
    before_write: BeforeWrite | None = None,
) -> APIRouter:
    """``POST /extend`` under the entity router that includes it: every series of ``spec``
    extended forward (``extend_forward``)."""
    # Included into the entity router of ``path``, whose prefix it takes.
    router = APIRouter(tags=[tag], responses=PROBLEM_RESPONSES)

    @router.post(
        "/extend",
        response_model=ExtendResult,
        summary=f"Extend every {spec.label} series forward to a month (repeat_last)",
        description=(
            "Each series' last month is copied into every month after it through `through`; "
            "months already stored are never touched, so a second call changes nothing "
            "(`created` 0, every series `unchanged`). Audited; the service's writer roles only."
        ),
    )
    def extend(session: SessionDep, request: ExtendRequest) -> ExtendResult:
        return extend_forward(
            session,
            spec=spec,
            create_model=create_model,
            period_field=period_field,
            request=request,
            before_write=before_write,
        )

    return router
