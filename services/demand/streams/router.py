from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from fastapi_pagination.ext.sqlmodel import paginate
from sqlmodel import Session

from services.demand.plans.router import (
    EDIT_DOC,
    EDIT_RESPONSES,
    PlanId,
    answer_revision,
    read_plan_etag,
)
from services.demand.rights import stream_writer
from shared.auth import CurrentUser, Principal
from shared.concurrency import IfMatch
from shared.contracts.demand import InputStream
from shared.db import SessionDep
from shared.entity_router import MAX_BULK_ITEMS, PROBLEM_RESPONSES
from shared.pagination import Page, PageParams
from shared.types import MAX_ROW_ID

from . import service
from .models import (
    AdjustmentCreate,
    DemandInputFilters,
    DemandInputPublic,
    InputCreate,
    MarketingEventCreate,
    ProductInputCreate,
)

router = APIRouter(
    prefix="/demand-plans/{id}/inputs",
    tags=["demand streams"],
    responses=PROBLEM_RESPONSES,
)

VALIDATION = (
    " Written only by the stream's role (or an integration loading for it); a person is the "
    "author of what they post. The batch is validated as a whole (known family and segment, "
    "periods inside the horizon, no cell of the consensus driven below zero) and the consensus "
    "is rebuilt. 409 when the plan is locked." + EDIT_DOC
)

SalesWriter = Annotated[Principal, Depends(stream_writer(InputStream.sales))]
MarketingWriter = Annotated[Principal, Depends(stream_writer(InputStream.marketing))]
ProductWriter = Annotated[Principal, Depends(stream_writer(InputStream.product))]
PlannerWriter = Annotated[Principal, Depends(stream_writer(InputStream.planner))]
Adjustments = Annotated[list[AdjustmentCreate], Body(min_length=1, max_length=MAX_BULK_ITEMS)]


def _add(
    session: Session,
    response: Response,
    *,
    plan_id: int,
    revision: int | None,
    stream: InputStream,
    items: Sequence[InputCreate],
    principal: Principal,
) -> Any:
    rows = service.add_inputs(
        session,
        plan_id=plan_id,
        revision=revision,
        stream=stream,
        items=items,
        principal=principal,
    )
    answer_revision(session, plan_id=plan_id, response=response)
    return rows


@router.post(
    "/sales",
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_RESPONSES,
    response_model=list[DemandInputPublic],
    summary="Sales inputs: customer and pipeline intelligence as overrides or deltas",
    description="An override sets demand for its periods, a delta adds to it." + VALIDATION,
)
def add_sales(
    session: SessionDep,
    principal: SalesWriter,
    plan_id: PlanId,
    revision: IfMatch,
    items: Adjustments,
    response: Response,
) -> Any:
    return _add(
        session,
        response,
        plan_id=plan_id,
        revision=revision,
        stream=InputStream.sales,
        items=items,
        principal=principal,
    )


@router.post(
    "/marketing",
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_RESPONSES,
    response_model=list[DemandInputPublic],
    summary="Marketing events: promotions and price changes with an uplift over periods",
    description="Optionally cannibalising another family by a share of the uplift." + VALIDATION,
)
def add_marketing(
    session: SessionDep,
    principal: MarketingWriter,
    plan_id: PlanId,
    revision: IfMatch,
    items: Annotated[list[MarketingEventCreate], Body(min_length=1, max_length=MAX_BULK_ITEMS)],
    response: Response,
) -> Any:
    return _add(
        session,
        response,
        plan_id=plan_id,
        revision=revision,
        stream=InputStream.marketing,
        items=items,
        principal=principal,
    )


@router.post(
    "/product",
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_RESPONSES,
    response_model=list[DemandInputPublic],
    summary="Product management: launch ramps and phase-outs to end of life",
    description="A launch ramps a family up from its launch month; a phase-out declines it "
    "linearly to zero by its end-of-life month." + VALIDATION,
)
def add_product(
    session: SessionDep,
    principal: ProductWriter,
    plan_id: PlanId,
    revision: IfMatch,
    items: Annotated[list[ProductInputCreate], Body(min_length=1, max_length=MAX_BULK_ITEMS)],
    response: Response,
) -> Any:
    return _add(
        session,
        response,
        plan_id=plan_id,
        revision=revision,
        stream=InputStream.product,
        items=items,
        principal=principal,
    )


@router.post(
    "/planner",
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_RESPONSES,
    response_model=list[DemandInputPublic],
    summary="Demand planner adjustments: the last overrides or deltas before consensus",
    description="Applied after every other stream." + VALIDATION,
)
def add_planner(
    session: SessionDep,
    principal: PlannerWriter,
    plan_id: PlanId,
    revision: IfMatch,
    items: Adjustments,
    response: Response,
) -> Any:
    return _add(
        session,
        response,
        plan_id=plan_id,
        revision=revision,
        stream=InputStream.planner,
        items=items,
        principal=principal,
    )


@router.get(
    "",
    response_model=Page[DemandInputPublic],
    summary="The inputs of a plan, filterable by stream, family, segment, author, reason",
)
def list_inputs(
    session: SessionDep,
    plan_id: PlanId,
    response: Response,
    filters: Annotated[DemandInputFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    read_plan_etag(session, plan_id=plan_id, response=response)
    return paginate(session, service.inputs_query(plan_id=plan_id, filters=filters), params)


@router.delete(
    "/{input_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=EDIT_RESPONSES,
    summary="Withdraw an input of a draft plan (the consensus is rebuilt)",
    description="Only by the writers of the input's stream." + EDIT_DOC,
)
def withdraw_input(
    session: SessionDep,
    principal: CurrentUser,
    plan_id: PlanId,
    input_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    revision: IfMatch,
    response: Response,
) -> None:
    service.withdraw_input(
        session, plan_id=plan_id, input_id=input_id, revision=revision, principal=principal
    )
    answer_revision(session, plan_id=plan_id, response=response)
