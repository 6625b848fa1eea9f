from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi_pagination.ext.sqlmodel import paginate
from sqlmodel import col, select

from shared.contracts.finance import PriceLockCreate, PriceLockPublic, PriceRevisionRequest
from shared.db import SessionDep
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.errors import NotFound
from shared.pagination import Page, PageParams

from .models import PriceLock, PriceRevision, PriceRevisionFilters, PriceRevisionPublic
from .service import create_lock, revise

locks_router = APIRouter(prefix="/price-locks", tags=["price locks"], responses=PROBLEM_RESPONSES)
revisions_router = APIRouter(
    prefix="/price-revisions", tags=["price locks"], responses=PROBLEM_RESPONSES
)


@locks_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Lock prices and unit costs through a month",
    description=(
        "Closes every month up to and including `through_period`: ordinary writes to "
        "/prices and /unit-costs that would change a closed month get 409; a closed month "
        "changes only through POST /price-revisions, recorded as a new version with its "
        "reason. A lock only moves forward (409 otherwise)."
    ),
    response_model=PriceLockPublic,
)
def lock_prices(session: SessionDep, body: PriceLockCreate) -> Any:
    return create_lock(session, data=body)


@locks_router.get("", summary="Price locks, oldest first", response_model=Page[PriceLockPublic])
def list_locks(session: SessionDep, params: Annotated[PageParams, Depends()]) -> Any:
    return paginate(session, select(PriceLock).order_by(col(PriceLock.id)), params)


@locks_router.get(
    "/current", summary="The lock in force", response_model=PriceLockPublic, responses=NOT_FOUND
)
def current_lock(session: SessionDep) -> Any:
    lock = session.exec(
        select(PriceLock).order_by(col(PriceLock.through_period).desc()).limit(1)
    ).first()
    if lock is None:
        raise NotFound("no month is locked")
    return lock


@revisions_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Restate prices or unit costs, locked months included, as new versions",
    description=(
        "Each changed value is written and recorded with its old value, its version (2 for "
        "the first restatement of a key), the reason and the lock in force. Unchanged values "
        "are skipped. The whole request is validated before anything is written; it names each "
        "key once (422 naming a duplicate)."
    ),
    response_model=list[PriceRevisionPublic],
)
def restate_prices(session: SessionDep, body: PriceRevisionRequest) -> Any:
    return revise(session, request=body)


@revisions_router.get(
    "", summary="Restatements, oldest first", response_model=Page[PriceRevisionPublic]
)
def list_revisions(
    session: SessionDep,
    filters: Annotated[PriceRevisionFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    query = select(PriceRevision)
    if filters.kind is not None:
        query = query.where(col(PriceRevision.kind) == filters.kind)
    if filters.family_code is not None:
        query = query.where(col(PriceRevision.family_code) == filters.family_code)
    if filters.period_from is not None:
        query = query.where(col(PriceRevision.period) >= filters.period_from)
    if filters.period_to is not None:
        query = query.where(col(PriceRevision.period) <= filters.period_to)
    return paginate(session, query.order_by(col(PriceRevision.id)), params)
