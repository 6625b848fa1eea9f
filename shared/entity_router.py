"""HTTP routes of an entity family: list, export, create, bulk upsert, read, patch, delete.

Thin by design: each route parses, calls ``shared.crud`` and returns. Entities keyed by
one ``code`` are addressed by it (``/families/FAM-01``); composite-key entities by id.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, status
from fastapi.responses import StreamingResponse
from fastapi_pagination.ext.sqlmodel import paginate
from pydantic import BaseModel
from sqlmodel import Session, SQLModel

from shared import crud
from shared.contract import INVALID_INPUT
from shared.db import SessionDep
from shared.errors import NotFound, Problem
from shared.ndjson import NDJSON, ndjson_chunks
from shared.pagination import Page, PageParams
from shared.types import CODE_PATTERN, MAX_ROW_ID

MAX_BULK_ITEMS = 20000

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": INVALID_INPUT},
}
"""What every route answers; ``shared.contract`` adds what a route's shape implies (404 where
its path names something, 409 on writes, ...), its decorator what only it knows."""
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not found"}}
"""The 404 of a route without an id in its path (a ``/latest``, a ``/current``)."""

BeforeWrite = Callable[[Session, Sequence[tuple[str, Any]]], None]
"""A check run before a create, bulk upsert, patch or delete, which it refuses by raising.

It receives (location, item) pairs: a body item at ``body`` or ``body.<i>``, or the stored
row a patch or delete addresses at ``path.id`` (``path.code``).
"""


def entity_router(
    *,
    spec: crud.EntitySpec[Any],
    create_model: type[BaseModel],
    update_model: type[BaseModel],
    public_model: type[SQLModel],
    filters_model: type[BaseModel],
    path: str,
    tag: str,
    before_write: BeforeWrite | None = None,
) -> APIRouter:
    router = APIRouter(prefix=path, tags=[tag], responses=PROBLEM_RESPONSES)
    label = spec.label
    by_code = spec.key == ("code",)
    path_location = "path.code" if by_code else "path.id"

    def check(session: Session, writes: Sequence[tuple[str, Any]]) -> None:
        if before_write is not None:
            before_write(session, writes)

    def load(session: Session, ident: Any) -> Any:
        if by_code:
            return crud.get(session, spec=spec, key=(ident,))
        row = session.get(spec.table, ident)
        if row is None:
            raise NotFound(f"no {label} with id {ident}")
        return row

    @router.get("", summary=f"List {label} items", response_model=Page[public_model])  # type: ignore[valid-type]
    def list_items(
        session: SessionDep,
        filters: Annotated[filters_model, Query()],  # type: ignore[valid-type]
        params: Annotated[PageParams, Depends()],
    ) -> Any:
        return paginate(session, crud.filtered(spec, filters), params)

    if not by_code:
        # Only where items are addressed by id: under ``/{code}`` the word would be a code.
        fields = tuple(public_model.model_fields)

        @router.get(
            "/export",
            summary=f"Every {label} item (filtered) as NDJSON, streamed",
            description=(
                f"One JSON object per line (the fields of GET {path}'s items), in the order "
                f"of the list ({', '.join(spec.key)}): a large list in one read, without pages."
            ),
            response_class=StreamingResponse,
            responses={
                200: {
                    "content": {
                        NDJSON: {
                            "schema": {"$ref": f"#/components/schemas/{public_model.__name__}"}
                        }
                    }
                }
            },
        )
        def export_items(
            session: SessionDep,
            filters: Annotated[filters_model, Query()],  # type: ignore[valid-type]
        ) -> StreamingResponse:
            rows = crud.plain_rows(session, spec=spec, filters=filters, fields=fields)
            return StreamingResponse(ndjson_chunks(fields, rows), media_type=NDJSON)

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary=f"Create one {label}",
        response_model=public_model,
    )
    def create_item(session: SessionDep, item: create_model) -> Any:  # type: ignore[valid-type]
        check(session, [("body", item)])
        return crud.create(session, spec=spec, data=item)

    partial_row = crud.partial_row_model(create_model, key=spec.key)

    def write(session: Session, rows: Sequence[BaseModel], *, whole: bool) -> crud.UpsertResult:
        check(session, [(f"body.{index}", row) for index, row in enumerate(rows)])
        summary = crud.upsert_many(session, spec=spec, items=rows, whole_rows=whole)
        return crud.UpsertResult(
            created=summary.created, updated=summary.updated, unchanged=summary.unchanged
        )

    @router.put(
        "",
        summary=f"Bulk upsert {label} items by natural key ({', '.join(spec.key)})",
        description=(
            "Idempotent load for ERP integrations: items are matched on their natural key, "
            "created or updated; sending the same batch twice changes nothing. An item that "
            "replaces a stored row is a whole row: a field left out is refused (422 naming it), "
            "never reset to its default; PATCH merges partial rows. The whole batch is "
            "validated first (each natural key once, 422 naming a duplicate) and written in one "
            "transaction, or not at all."
        ),
    )
    def upsert_items(
        session: SessionDep,
        items: Annotated[list[create_model], Body(max_length=MAX_BULK_ITEMS)],  # type: ignore[valid-type]
    ) -> crud.UpsertResult:
        return write(session, items, whole=True)

    @router.patch(
        "",
        summary=f"Bulk merge partial {label} items by natural key ({', '.join(spec.key)})",
        description=(
            "Each item names its natural key and only the fields to change: a field left out "
            "keeps its stored value. An item whose key is not stored yet is created and needs "
            "every required field (422 naming a missing one). Counts as PUT: loading the same "
            "batch twice changes nothing; the whole batch is written in one transaction, or not "
            "at all."
        ),
    )
    def merge_items(
        session: SessionDep,
        items: Annotated[list[partial_row], Body(max_length=MAX_BULK_ITEMS)],  # type: ignore[valid-type]
    ) -> crud.UpsertResult:
        rows = crud.merge_rows(session, spec=spec, items=items, model=create_model)
        return write(session, rows, whole=False)

    item_key: Any = (
        Annotated[str, Path(pattern=CODE_PATTERN, max_length=64, alias="code")]
        if by_code
        else Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id")]
    )
    # An id is digits: a sibling path (``/inventory-policies/safety-stock``) is not an id of
    # a malformed form, so its undeclared methods answer 405, not 422.
    item_path = "/{code}" if by_code else "/{id:int}"

    @router.get(item_path, summary=f"Read one {label}", response_model=public_model)
    def read_item(session: SessionDep, ident: item_key) -> Any:
        return load(session, ident)

    @router.patch(item_path, summary=f"Change one {label}", response_model=public_model)
    def update_item(session: SessionDep, ident: item_key, patch: update_model) -> Any:  # type: ignore[valid-type]
        row = load(session, ident)
        check(session, [(path_location, row)])
        return crud.update(session, spec=spec, row=row, patch=patch)

    @router.delete(item_path, status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete one {label}")
    def delete_item(session: SessionDep, ident: item_key) -> None:
        row = load(session, ident)
        check(session, [(path_location, row)])
        crud.delete(session, row=row)

    return router
