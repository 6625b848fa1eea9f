"""The default calendar of a cycle (env prefix ``SOP_CYCLE_``).

A cycle of month M has its steps due on these days of M (a day past the month's end means
its last day); the process owner can move any open step's date afterwards. The horizon of
the cycle of M starts ``horizon_lead_months`` after M.
"""

import calendar
import datetime as dt
from typing import Annotated, Self

from fastapi import Request
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.cycle.raci import STEPS, StepName
from shared.periods import parse

DueDay = Annotated[int, Field(ge=1, le=31)]


class CycleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_CYCLE_", extra="ignore")

    data_gathering_due_day: DueDay = 5
    demand_review_due_day: DueDay = 10
    supply_review_due_day: DueDay = 15
    pre_sop_due_day: DueDay = 20
    executive_sop_due_day: DueDay = 25
    horizon_lead_months: int = Field(default=1, ge=0, le=12)
    horizon_months: int = Field(default=24, ge=12, le=36)

    @model_validator(mode="after")
    def _steps_in_order(self) -> Self:
        days = [self.due_day(step) for step in STEPS]
        if days != sorted(days):
            raise ValueError(f"the steps' due days must not decrease in step order: {days}")
        return self

    def due_day(self, step: StepName) -> int:
        day: int = getattr(self, f"{step}_due_day")
        return day

    def due_dates(self, period: str) -> dict[StepName, dt.date]:
        """The default due date of every step of the cycle of ``period``."""
        year, month = parse(period)
        last = calendar.monthrange(year, month)[1]
        return {step: dt.date(year, month, min(self.due_day(step), last)) for step in STEPS}


def cycle_settings(request: Request) -> CycleSettings:
    """The app's calendar settings (``app.state.cycle_settings``), read from the environment
    the first time when the app set none."""
    settings: CycleSettings | None = getattr(request.app.state, "cycle_settings", None)
    if settings is None:
        settings = request.app.state.cycle_settings = CycleSettings()
    return settings
