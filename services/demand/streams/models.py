import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Column, DateTime
from sqlmodel import Field as SQLField

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    Assumption,
    DemandInputFilters,
    DemandInputPublic,
    DemandRole,
    InputKind,
    InputStream,
    SignedQuantity,
    Uplift,
)
from shared.types import CLOSED, Code, Fraction, Months, Name, Period, Quantity, utc_now

__all__ = [
    "AdjustmentCreate",
    "DemandInput",
    "DemandInputFilters",
    "DemandInputPublic",
    "MarketingEventCreate",
    "ProductInputCreate",
]

ROLE_OF_STREAM = {
    InputStream.sales: DemandRole.sales,
    InputStream.marketing: DemandRole.marketing,
    InputStream.product: DemandRole.product_manager,
    InputStream.planner: DemandRole.demand_planner,
}


class DemandInput(DemandTable, table=True):
    """Every role input of every stream, in one table: columns a kind does not use are null."""

    __tablename__ = "demand_input"

    id: int | None = SQLField(default=None, primary_key=True)
    plan_id: int = SQLField(foreign_key="demand_plan.id", index=True)
    stream: InputStream = SQLField(index=True)
    role: DemandRole
    kind: InputKind
    family_code: str = SQLField(index=True, max_length=64)
    segment_code: str | None = SQLField(default=None, max_length=64)
    period_from: str = SQLField(max_length=7)
    period_to: str | None = SQLField(default=None, max_length=7)
    quantity: float | None = None
    uplift_pct: float | None = None
    cannibalised_family_code: str | None = SQLField(default=None, max_length=64)
    cannibalisation_share: float | None = None
    ramp_months: int | None = None
    author: str = SQLField(index=True, max_length=200)
    reason_code: str = SQLField(max_length=64)
    assumption: str = SQLField(max_length=2000)
    created_at: dt.datetime = SQLField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class InputAuthorship(BaseModel):
    model_config = CLOSED

    author: Name | None = Field(
        default=None,
        examples=["j.doe"],
        description="Who the input is by. A person writes as themselves: omit it (the bearer "
        "token's subject is the author) or give that same name. An integration loading inputs "
        "from an ERP/CRM names their author here (default: the integration itself).",
    )
    reason_code: Code = Field(examples=["KEY-ACCOUNT-TENDER"])
    assumption: Assumption = Field(examples=["The tender is awarded to us in March."])


class AdjustmentCreate(InputAuthorship):
    """A sales or demand-planner input: set demand (override) or add to it (delta)."""

    kind: Literal[InputKind.override, InputKind.delta]
    family_code: Code
    segment_code: Code
    period_from: Period
    period_to: Period | None = Field(default=None, description="Last period; default: from.")
    quantity: SignedQuantity = Field(
        description="Override: demand per period (>= 0). Delta: units added per period."
    )

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "delta",
                    "family_code": "FAM-01",
                    "segment_code": "KEY",
                    "period_from": "2026-03",
                    "period_to": "2026-05",
                    "quantity": 40,
                    "reason_code": "KEY-ACCOUNT-TENDER",
                    "assumption": "The tender is awarded to us in March.",
                }
            ]
        },
    }


class MarketingEventCreate(InputAuthorship):
    """A promotion, campaign or price change: an uplift over periods, maybe cannibalising."""

    family_code: Code
    segment_code: Code | None = Field(default=None, description="None: every segment.")
    period_from: Period
    period_to: Period | None = None
    uplift_pct: Uplift | None = None
    uplift_units: SignedQuantity | None = Field(default=None, description="Units per period.")
    cannibalised_family_code: Code | None = None
    cannibalisation_share: Fraction | None = Field(
        default=None, description="Share of this event's uplift taken from the cannibalised family."
    )

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "period_from": "2026-06",
                    "period_to": "2026-07",
                    "uplift_pct": 0.25,
                    "cannibalised_family_code": "FAM-02",
                    "cannibalisation_share": 0.3,
                    "reason_code": "SUMMER-PROMO",
                    "assumption": "A 15% price cut in June and July, same as last summer.",
                }
            ]
        },
    }


class ProductInputCreate(InputAuthorship):
    """Product management: a launch ramp, or a phase-out to zero by the end-of-life period."""

    kind: Literal[InputKind.launch, InputKind.phase_out]
    family_code: Code
    segment_code: Code | None = Field(
        default=None, description="Required for a launch; None on a phase-out: every segment."
    )
    period_from: Period = Field(description="Launch month, or the first month of the decline.")
    period_to: Period | None = Field(default=None, description="Phase-out: end-of-life month.")
    quantity: Quantity | None = Field(
        default=None, description="Launch: monthly volume reached at the end of the ramp."
    )
    ramp_months: Months | None = Field(default=None, description="Launch: months to full volume.")

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "launch",
                    "family_code": "FAM-NEW",
                    "segment_code": "RET",
                    "period_from": "2026-04",
                    "quantity": 300,
                    "ramp_months": 3,
                    "reason_code": "NPI-LAUNCH",
                    "assumption": "Retail listing confirmed for April, full shelf by June.",
                }
            ]
        },
    }


InputCreate = AdjustmentCreate | MarketingEventCreate | ProductInputCreate
