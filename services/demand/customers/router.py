from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES, entity_router
from shared.pagination import Page, PageParams, page_of

from . import service
from .models import (
    CustomerCreate,
    CustomerFilters,
    CustomerPlacement,
    CustomerPublic,
    CustomerUpdate,
    MatrixFilters,
    MatrixParams,
    SegmentTargetPublic,
    TargetsApply,
)

matrix_router = APIRouter(tags=["customers"], responses=PROBLEM_RESPONSES)


# Declared before the customer routes so that "matrix" is not read as a customer code.
@matrix_router.get(
    "/customers/matrix",
    response_model=Page[CustomerPlacement],
    summary="Customers in the prioritisation matrix (profitability x strategic importance)",
    description=(
        "Quadrants: core (profitable, strategic), develop (strategic, not profitable), harvest "
        "(profitable, not strategic), review (neither). The cuts are parameters."
    ),
)
def customer_matrix(
    session: SessionDep,
    filters: Annotated[MatrixFilters, Query()],
    params: Annotated[PageParams, Depends()],
) -> Any:
    return page_of(service.matrix(session, filters=filters), params)


@matrix_router.get(
    "/segment-targets",
    response_model=list[SegmentTargetPublic],
    summary="Segment fill-rate targets and priorities as set, and as derived from customers",
)
def segment_targets(session: SessionDep, cuts: Annotated[MatrixParams, Query()]) -> Any:
    return service.segment_targets(session, cuts=cuts)


@matrix_router.post(
    "/segment-targets/apply",
    response_model=list[SegmentTargetPublic],
    summary="Set the derived targets on segments (all with customers, or those named)",
)
def apply_segment_targets(
    session: SessionDep, request: Annotated[TargetsApply, Body()] = TargetsApply()
) -> Any:
    return service.apply_targets(session, request=request)


router = entity_router(
    spec=service.CUSTOMERS,
    create_model=CustomerCreate,
    update_model=CustomerUpdate,
    public_model=CustomerPublic,
    filters_model=CustomerFilters,
    path="/customers",
    tag="customers",
)
