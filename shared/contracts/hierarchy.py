"""Contracts of the demand hierarchy: items, locations, item history, units of measure, and
the disaggregation of a locked family plan to items and locations (the master schedule's
input). S&OP itself stays at family level: these are the levels below it."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Strict
from pydantic import Field as Constraint
from sqlmodel import Field, SQLModel

from shared.types import MAX_QUANTITY, Code, Name, Period, Quantity


class MeasureUnit(StrEnum):
    """Units a quantity of goods can be reported in. Hours are not one of them (they come
    from routings), nor is money (it comes from prices): no conversion yields either."""

    units = "units"
    kg = "kg"
    litres = "litres"
    pallets = "pallets"
    cases = "cases"


class ItemBase(SQLModel):
    """A sellable item (SKU) of a product family."""

    code: Code
    name: Name
    family_code: Code

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"code": "ESP-HOME-01", "name": "Espresso 15 bar", "family_code": "FAM-01"}
            ]
        }
    }


class ItemPublic(ItemBase):
    id: int


class LocationBase(SQLModel):
    """A location demand is served from (a distribution centre), in a region."""

    code: Code
    name: Name
    region: Code

    model_config = {
        "json_schema_extra": {
            "examples": [{"code": "DC-LYON", "name": "Lyon distribution centre", "region": "FR"}]
        }
    }


class LocationPublic(LocationBase):
    id: int


class ItemHistoryBase(SQLModel):
    """Actual demand of an item at a location for a customer segment in a month, in the
    item's family's base unit, optionally for one customer of that segment. Summed over
    items, locations and customers it is the family x segment history S&OP plans on."""

    item_code: Code
    location_code: Code
    segment_code: Code
    customer_code: Code | None = Field(
        default=None,
        description="The customer served (one of the segment's customers); left out, the "
        "row is the demand not split by customer.",
    )
    period: Period
    quantity: Quantity

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "item_code": "ESP-HOME-01",
                    "location_code": "DC-LYON",
                    "segment_code": "KEY",
                    "period": "2026-01",
                    "quantity": 40,
                }
            ]
        }
    }


class ItemHistoryPublic(ItemHistoryBase):
    id: int


ConversionFactor = Annotated[
    float,
    Strict(),
    Constraint(gt=0, le=MAX_QUANTITY, allow_inf_nan=False),
]


class UnitConversionBase(SQLModel):
    """How much of ``unit`` one base unit of the family is (e.g. one machine weighs 6.5 kg:
    ``unit=kg``, ``per_base_unit=6.5``; 48 machines fill a pallet: ``per_base_unit=1/48``)."""

    family_code: Code
    unit: MeasureUnit
    per_base_unit: ConversionFactor = Field(
        description="Quantity of `unit` in one base unit of the family (> 0)."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [{"family_code": "FAM-01", "unit": "kg", "per_base_unit": 6.5}]
        }
    }


class UnitConversionPublic(UnitConversionBase):
    id: int


class DisaggregationBasis(StrEnum):
    """The mix a family figure is split by: the items' and locations' actuals over recent
    months, or their own forecasts for the month."""

    history = "history"
    forecast = "forecast"


class BaseMethod(StrEnum):
    """statsforecast models with in-sample fitted values (MinT needs their residuals)."""

    seasonal_naive = "seasonal_naive"
    auto_ets = "auto_ets"
    auto_arima = "auto_arima"
    auto_theta = "auto_theta"
    auto_ces = "auto_ces"


class DisaggregationParams(BaseModel):
    basis: DisaggregationBasis = DisaggregationBasis.history
    history_months: int = Constraint(
        default=12, ge=1, le=60, description="Months of history the history mix sums."
    )
    method: BaseMethod = Constraint(
        default=BaseMethod.auto_ets, description="Model of the item forecasts (basis forecast)."
    )
    by_customer: bool = Constraint(
        default=False,
        description="Split down to customers too (basis history only): by each item x "
        "location x customer's part of the history mix, the demand not split by customer a "
        "member of its own (customer_code null).",
    )
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
    unit: MeasureUnit | None = Constraint(
        default=None, description="Report unit (default: each family's base unit)."
    )


class DisaggregatedLinePublic(BaseModel):
    """One item x location x segment (x customer) x month of a locked plan, in ``unit``."""

    plan_id: int
    family_code: str
    segment_code: str
    item_code: str
    location_code: str
    customer_code: str | None = Constraint(
        default=None,
        description="With by_customer: the customer (null: the demand not split by customer).",
    )
    period: str
    quantity: float
    share: float = Constraint(description="Share of the family x segment x month figure.")
    unit: str


class UnallocatedLinePublic(BaseModel):
    """A plan line no item or location of its family and segment can take: nothing to mix by."""

    family_code: str
    segment_code: str
    period: str
    quantity: float
    unit: str
    reason: str


class DisaggregationPublic(BaseModel):
    """A locked plan split to items and locations, and the lines that could not be."""

    plan_id: int
    basis: DisaggregationBasis
    rule: str
    lines: list[DisaggregatedLinePublic]
    unallocated: list[UnallocatedLinePublic]


class UnitTotal(BaseModel):
    """A total over rows of one unit: quantities of different units are never added."""

    unit: str
    quantity: float
    families: list[str]


class ItemHistoryQuery(BaseModel):
    """Filters shared by the item history reports."""

    family_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None


__all__ = [
    "BaseMethod",
    "ConversionFactor",
    "DisaggregatedLinePublic",
    "DisaggregationBasis",
    "DisaggregationParams",
    "DisaggregationPublic",
    "ItemBase",
    "ItemHistoryBase",
    "ItemHistoryPublic",
    "ItemHistoryQuery",
    "ItemPublic",
    "LocationBase",
    "LocationPublic",
    "MeasureUnit",
    "Quantity",
    "UnallocatedLinePublic",
    "UnitConversionBase",
    "UnitConversionPublic",
    "UnitTotal",
]
