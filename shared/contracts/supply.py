"""Contracts of the supply service: resources, capacity, bill of resources, inventory, plans."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Strict, ValidationInfo, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from shared.types import (
    CLOSED,
    JSON_INTEGER,
    Code,
    Hours,
    Months,
    Name,
    Period,
    Quantity,
    RowRef,
    Text,
    UtcDatetime,
    horizon_in_calendar,
)

# Lead times and cover are counted in months; three years is the longest planning horizon.
Duration = Annotated[
    float, Strict(), PydanticField(ge=0, le=36, allow_inf_nan=False, description="Months.")
]
# A service target of 1 would need infinite safety stock under a normal error model.
ServiceTarget = Annotated[float, Strict(), PydanticField(gt=0, lt=1, allow_inf_nan=False)]


class CapacityMode(StrEnum):
    """Fixed hours per period, or hours driven by the workforce (workers x hours per worker)."""

    fixed = "fixed"
    workforce = "workforce"


class SupplyPlanStatus(StrEnum):
    draft = "draft"
    proposed = "proposed"


class SupplyStrategy(StrEnum):
    """How a drafted supply plan sets production (``services.supply.plans.strategies``)."""

    chase = "chase"  # production follows demand, inventory stays at the safety stock
    level = "level"  # one rate over the horizon, inventory absorbs the swings


class ResourceBase(SQLModel):
    code: Code
    name: Name
    site: Name = "main"
    capacity_mode: CapacityMode = CapacityMode.fixed

    model_config = {
        "json_schema_extra": {
            "examples": [{"code": "ASSY-1", "name": "Assembly line 1", "site": "Lyon"}]
        }
    }


class ResourcePublic(ResourceBase):
    id: int


class CapacityBase(SQLModel):
    """Hours available on a resource in a month: regular, and at most this much overtime."""

    resource_code: Code
    period: Period
    regular_hours: Hours
    max_overtime_hours: Hours = 0

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "resource_code": "ASSY-1",
                    "period": "2026-12",
                    "regular_hours": 640,
                    "max_overtime_hours": 96,
                }
            ]
        }
    }


class CapacityPublic(CapacityBase):
    id: int


class ExpansionStepBase(SQLModel):
    """A capacity expansion step a resource can take (a new shift, a line, a cell): extra
    regular hours every month once available, ``lead_time_periods`` months after it is
    decided. Its fixed cost is finance's ``expansion_step`` lever cost of the same code (the
    one source of that money: the reconciliation and the valuation both read it there)."""

    code: Code
    resource_code: Code
    name: Text = ""
    extra_hours: Hours = Field(gt=0, description="Regular hours a month the step adds.")
    lead_time_periods: Annotated[int, JSON_INTEGER] = Field(
        default=0, ge=0, le=120, description="Months from the decision to the first hour."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "ASSY-1-SHIFT3",
                    "resource_code": "ASSY-1",
                    "name": "Third shift on assembly line 1",
                    "extra_hours": 320,
                    "lead_time_periods": 2,
                }
            ]
        }
    }


class ExpansionStepPublic(ExpansionStepBase):
    id: int


class RoutingBase(SQLModel):
    """Bill of resources: hours of a resource needed per unit of a family."""

    family_code: Code
    resource_code: Code
    hours_per_unit: Hours = Field(gt=0)
    lead_time_offset: Annotated[int, JSON_INTEGER] = Field(
        default=0,
        ge=0,
        le=36,
        description=(
            "Lead time of the family on this resource: the load falls this many months before "
            "the month the units are completed (0: the same month)."
        ),
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "resource_code": "ASSY-1",
                    "hours_per_unit": 0.5,
                    "lead_time_offset": 0,
                }
            ]
        }
    }


class RoutingPublic(RoutingBase):
    id: int


class SafetyStockMethod(StrEnum):
    """How a family's safety stock is set."""

    direct = "direct"  # ``safety_stock`` as given
    periods_of_cover = "periods_of_cover"  # forecast demand of the next ``cover_periods`` months
    service_level = "service_level"  # from a service target, the forecast error and lead time


class ServiceMeasure(StrEnum):
    """What a service target measures."""

    cycle_service_level = "cycle_service_level"  # chance of no stock-out in a replenishment cycle
    fill_rate = "fill_rate"  # share of demand served from stock


class ErrorMeasure(StrEnum):
    """How the forecast error of a month is given."""

    std_dev = "std_dev"  # standard deviation of the forecast error
    mad = "mad"  # mean absolute deviation


# The parameters each computed method cannot do without.
REQUIRED_BY_METHOD: dict[SafetyStockMethod, tuple[str, ...]] = {
    SafetyStockMethod.direct: (),
    SafetyStockMethod.periods_of_cover: ("cover_periods",),
    SafetyStockMethod.service_level: ("service_target", "forecast_error", "lead_time_periods"),
}


class InventoryPolicyBase(SQLModel):
    """Inventory position and policy of a family, and how its safety stock is set."""

    family_code: Code
    initial_on_hand: Quantity = 0
    max_outsourced_per_period: Quantity = Field(
        default=0, description="Units a subcontractor can supply per month (0: none)."
    )
    safety_stock_method: SafetyStockMethod = SafetyStockMethod.direct
    safety_stock: Quantity = Field(default=0, description="Units, used by the direct method.")
    cover_periods: Duration | None = Field(
        default=None, description="Months of forward demand held as safety stock."
    )
    service_measure: ServiceMeasure = ServiceMeasure.fill_rate
    service_target: ServiceTarget | None = Field(
        default=None, description="Fill rate or cycle service level aimed at, e.g. 0.98."
    )
    forecast_error: Quantity | None = Field(
        default=None, description="Forecast error of one month, in units."
    )
    forecast_error_measure: ErrorMeasure = ErrorMeasure.std_dev
    lead_time_periods: Duration | None = Field(
        default=None, description="Replenishment lead time of the family in months."
    )
    order_quantity: Quantity | None = Field(
        default=None,
        description=(
            "Units per replenishment, for the fill-rate method; default: mean monthly demand."
        ),
    )

    @field_validator("cover_periods", "service_target", "forecast_error", "lead_time_periods")
    @classmethod
    def required_by_method(cls, value: Any, info: ValidationInfo) -> Any:
        method = info.data.get("safety_stock_method")
        if value is None and method is not None and info.field_name in REQUIRED_BY_METHOD[method]:
            raise ValueError(f"required when safety_stock_method is {method.value}")
        return value

    model_config = {
        "validate_default": True,
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "initial_on_hand": 300,
                    "max_outsourced_per_period": 50,
                    "safety_stock_method": "service_level",
                    "service_measure": "fill_rate",
                    "service_target": 0.98,
                    "forecast_error": 40,
                    "forecast_error_measure": "std_dev",
                    "lead_time_periods": 1,
                }
            ],
            # What each method needs, for schema readers and generators as for the validator.
            "allOf": [
                {
                    "if": {
                        "properties": {"safety_stock_method": {"const": method.value}},
                        "required": ["safety_stock_method"],
                    },
                    "then": {
                        "required": list(needed),
                        "properties": {name: {"not": {"type": "null"}} for name in needed},
                    },
                }
                for method, needed in REQUIRED_BY_METHOD.items()
                if needed
            ],
        },
    }


class InventoryPolicyPublic(InventoryPolicyBase):
    id: int


class WorkforceBase(SQLModel):
    """The workforce of a workforce-driven resource in a month.

    Regular capacity = workers x hours_per_worker; overtime up to workers x
    overtime_hours_per_worker. Workers may be fractional (full-time equivalents).
    """

    resource_code: Code
    period: Period
    workers: Quantity
    hours_per_worker: Hours
    overtime_hours_per_worker: Hours = 0

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "resource_code": "PACK-CREW",
                    "period": "2026-12",
                    "workers": 12,
                    "hours_per_worker": 140,
                    "overtime_hours_per_worker": 16,
                }
            ]
        }
    }


class WorkforcePublic(WorkforceBase):
    id: int


class SupplyPlanBase(SQLModel):
    name: Name
    horizon_start: Period
    horizon_months: Months = 24
    note: Text = ""
    demand_plan_id: RowRef | None = Field(
        default=None, description="The demand plan this proposal answers."
    )

    _horizon_in_calendar = field_validator("horizon_months")(horizon_in_calendar)
    model_config = {"validate_default": True}


class SupplyPlanPublic(SupplyPlanBase):
    id: int
    version: int
    status: SupplyPlanStatus
    created_at: UtcDatetime
    proposed_at: UtcDatetime | None = None
    previous_version_id: int | None = None


class SupplyPlanLineBase(SQLModel):
    """Operations' proposal for a family and month, with the reason for it."""

    family_code: Code
    period: Period
    production: Quantity = 0
    outsourced: Quantity = 0
    overtime_hours: Hours = 0
    ending_inventory: Quantity = 0
    reason: Text = ""


class SupplyPlanLinePublic(SupplyPlanLineBase):
    id: int
    plan_id: int


class DemandLineIn(BaseModel):
    """Units of a family wanted in a month; lines of the same family and month are added up."""

    model_config = CLOSED

    family_code: Code
    period: Period
    quantity: Quantity
    segment_code: Code | None = Field(default=None, description="Informative; summed over.")


MAX_LINES = 200000


class SupplyPlanDraftRequest(BaseModel):
    """What the supply service drafts a plan from: the locked consensus demand plan's lines
    (the caller reads them from the demand service: services never call each other) and a
    strategy."""

    model_config = CLOSED

    demand_plan_id: RowRef = Field(description="The locked demand plan the draft answers.")
    strategy: SupplyStrategy
    horizon_start: Period
    horizon_months: Months = 24
    name: Name | None = Field(
        default=None, description="Default: '<strategy> plan for demand plan <id>'."
    )
    note: Text = ""
    demand: list[DemandLineIn] = Field(
        max_length=MAX_LINES,
        description="The demand plan's lines (all segments; summed per family and month).",
    )

    _horizon_in_calendar = field_validator("horizon_months")(horizon_in_calendar)


class RccpRequest(BaseModel):
    """A demand (or production) plan to load onto the resources."""

    lines: list[DemandLineIn] = Field(max_length=MAX_LINES)

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "lines": [
                        {"family_code": "FAM-01", "period": "2026-12", "quantity": 1400},
                        {"family_code": "FAM-02", "period": "2026-12", "quantity": 600},
                    ]
                }
            ]
        },
    }


class LoadStatus(StrEnum):
    ok = "ok"  # load within regular capacity
    overtime = "overtime"  # above regular, within regular + maximum overtime
    overload = "overload"  # above regular + maximum overtime
    gap = "gap"  # load but no capacity recorded for the month


class FamilyLoad(BaseModel):
    family_code: str
    hours: float
    share: float = Field(description="Share of the resource's load in the month.")


class RccpRow(BaseModel):
    """Load against capacity of one resource in one month."""

    resource_code: str
    period: str
    capacity_source: CapacityMode
    load_hours: float
    regular_hours: float | None = Field(description="Null when no capacity is recorded.")
    max_overtime_hours: float | None
    utilisation: float | None = Field(description="Load / regular hours; null without them.")
    utilisation_with_overtime: float | None = Field(
        description="Load / (regular + maximum overtime hours)."
    )
    overtime_hours_needed: float = Field(description="Load above regular, up to the maximum.")
    overload_hours: float = Field(
        description="Load above regular + maximum overtime (all of it on a gap)."
    )
    status: LoadStatus
    families: list[FamilyLoad] = Field(
        default_factory=list,
        description="Above regular capacity: the families loading the month, largest first.",
    )


class ResourceLoadSummary(BaseModel):
    resource_code: str
    load_hours: float
    regular_hours: float
    peak_utilisation: float | None
    peak_period: str | None
    overtime_hours_needed: float
    overload_hours: float
    overloaded_periods: list[str]
    gap_periods: list[str]


class UnroutedFamily(BaseModel):
    """A family with demand but no routing: its load on the resources is unknown."""

    family_code: str
    quantity: float


class RccpResult(BaseModel):
    periods: list[str]
    rows: list[RccpRow]
    resources: list[ResourceLoadSummary]
    unrouted_families: list[UnroutedFamily]


class SafetyStockOverride(BaseModel):
    """Values for one family that replace its policy's, e.g. the segment's fill-rate target
    and the forecast error measured by the demand service."""

    model_config = CLOSED

    family_code: Code
    service_target: ServiceTarget | None = None
    forecast_error: Quantity | None = None


class SafetyStockRequest(BaseModel):
    """The forecast the safety stocks are computed for: its families and months, and the
    demand that periods of cover and the fill rate's replenishment quantity depend on."""

    lines: list[DemandLineIn] = Field(min_length=1, max_length=MAX_LINES)
    overrides: list[SafetyStockOverride] = Field(default_factory=list, max_length=100000)

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "lines": [
                        {"family_code": "FAM-01", "period": "2026-12", "quantity": 1400},
                        {"family_code": "FAM-01", "period": "2027-01", "quantity": 900},
                    ],
                    "overrides": [{"family_code": "FAM-01", "service_target": 0.98}],
                }
            ]
        },
    }


class PeriodQuantity(BaseModel):
    period: str
    quantity: float


class SafetyStockResult(BaseModel):
    family_code: str
    method: SafetyStockMethod
    by_period: list[PeriodQuantity]
    safety_factor: float | None = Field(
        default=None, description="z (cycle service level) or k (fill rate), service method only."
    )
    lead_time_sigma: float | None = Field(
        default=None, description="Standard deviation of demand over the lead time, in units."
    )
    order_quantity: float | None = Field(
        default=None, description="Units per replenishment used by the fill-rate method."
    )


class SafetyStockAnswer(BaseModel):
    periods: list[str]
    families: list[SafetyStockResult]
    families_without_policy: list[str]


class SupplyPlanIssueKind(StrEnum):
    overload = "overload"  # a resource loaded above regular + maximum overtime
    overtime_short = "overtime_short"  # the line's production needs more overtime than it plans
    capacity_gap = "capacity_gap"  # a resource loaded in a month without capacity
    unrouted = "unrouted"  # production of a family without a routing
    outsourcing_limit = "outsourcing_limit"  # more outsourced than the subcontractor can supply
    inventory_balance = "inventory_balance"  # ending inventory not reachable from the flows


class SupplyPlanIssue(BaseModel):
    kind: SupplyPlanIssueKind
    family_code: str | None = None
    resource_code: str | None = None
    period: str
    field: str = Field(description="The line field at fault, e.g. production.")
    amount: float = Field(description="By how much (hours or units).")
    message: str


class InfeasibleLine(BaseModel):
    line_id: int
    family_code: str
    period: str
    kinds: list[SupplyPlanIssueKind]


class SupplyPlanValidation(BaseModel):
    plan_id: int
    version: int
    feasible: bool
    infeasible_lines: list[InfeasibleLine]
    issues: list[SupplyPlanIssue]
    capacity: RccpResult


class InventoryTurns(BaseModel):
    """Units-based inventory turns: units shipped a year / average units on hand."""

    family_code: str
    shipped_units: float
    average_inventory: float
    turns: float | None = Field(description="Annualised; null when no inventory is held.")


class SupplyPlanKpis(BaseModel):
    plan_id: int
    version: int
    capacity: RccpResult
    inventory_turns: list[InventoryTurns]
    total_inventory_turns: InventoryTurns


class ProductionActualBase(SQLModel):
    """What a family actually produced in a month and the inventory it ended the month with."""

    family_code: Code
    period: Period
    production: Quantity = Field(description="Units completed in the month.")
    ending_inventory: Quantity = Field(description="Units on hand at the month's end.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "period": "2026-12",
                    "production": 410,
                    "ending_inventory": 95,
                }
            ]
        }
    }


class ProductionActualPublic(ProductionActualBase):
    id: int


class ProductionActualFilters(BaseModel):
    family_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None


class ResourceActualBase(SQLModel):
    """Hours a resource actually worked in a month (regular and overtime together)."""

    resource_code: Code
    period: Period
    hours_used: Hours

    model_config = {
        "json_schema_extra": {
            "examples": [{"resource_code": "ASSY-1", "period": "2026-12", "hours_used": 655}]
        }
    }


class ResourceActualPublic(ResourceActualBase):
    id: int


class ResourceActualFilters(BaseModel):
    resource_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
