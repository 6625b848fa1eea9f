"""Sign-offs of a demand plan by the roles that own it, and the process owner's override."""

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.auth import Role
from shared.types import CLOSED, UtcDatetime, utc_now


class PlanSignOff(DemandTable, table=True):
    """One role's agreement to one revision of a plan (the latest replaces the earlier);
    ``role`` process_owner is an override of the missing sign-offs, its reason the comment."""

    __tablename__ = "demand_plan_sign_off"
    __table_args__ = (UniqueConstraint("plan_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="demand_plan.id", index=True)
    role: str = Field(max_length=40, description="A shared.auth.Role value.")
    plan_revision: int
    signed_by: str = Field(max_length=200)
    signed_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    comment: str | None = Field(default=None, max_length=2000)


class SignOffCreate(BaseModel):
    model_config = CLOSED

    comment: str | None = Field(default=None, max_length=2000)


class OverrideCreate(BaseModel):
    model_config = CLOSED

    reason: str = Field(
        min_length=10,
        max_length=2000,
        description="Why the plan may be locked without the missing sign-offs; recorded.",
    )


class SignOffPublic(BaseModel):
    role: Role
    plan_revision: int
    signed_by: str
    signed_at: UtcDatetime
    comment: str | None
    current: bool = Field(description="Given on the plan's current revision: it counts.")


class SignOffStatus(BaseModel):
    plan_id: int
    revision: int
    required: list[Role]
    missing: list[Role] = Field(description="Required roles without a current sign-off.")
    overridden: bool = Field(description="The process owner overrode the current revision.")
    sign_offs: list[SignOffPublic]
