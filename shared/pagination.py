"""Limit/offset pages (fastapi-pagination) with bounds every service shares."""

from collections.abc import Sequence
from typing import Any, Generic

from fastapi import Query
from fastapi_pagination.limit_offset import LimitOffsetPage, LimitOffsetParams
from typing_extensions import TypeVar

from shared.types import MAX_ROW_ID

T = TypeVar("T", default=Any)


class PageParams(LimitOffsetParams):
    limit: int = Query(100, ge=1, le=5000, description="Page size (at most 5,000).")
    offset: int = Query(0, ge=0, le=MAX_ROW_ID, description="Items to skip.")


class Page(LimitOffsetPage[T], Generic[T]):
    """``items`` of one page, the ``total`` count, and the ``limit``/``offset`` asked for."""

    __params_type__ = PageParams


def page_of(items: Sequence[Any], params: PageParams) -> Page[Any]:
    """One page of a list computed in memory (a report, an accuracy table), with its total."""
    return Page[Any](
        items=list(items[params.offset : params.offset + params.limit]),
        total=len(items),
        limit=params.limit,
        offset=params.offset,
    )
