"""Contracts of the finance service: prices, costs, lever costs, AOP and valuations."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from shared.types import (
    CLOSED,
    Code,
    Fraction,
    Hours,
    Money,
    Name,
    Period,
    Quantity,
    SignedMoney,
    Text,
    UtcDatetime,
)

MAX_VALUATION_LINES = 200000


class Lever(StrEnum):
    """A cost driver of the supply levers and of unmet demand, and what its code names."""

    # resource code: cost per regular hour used; on a workforce-driven resource, the wage per
    # hour paid on the whole workforce's regular hours
    regular_hour = "regular_hour"
    overtime_hour = "overtime_hour"  # resource code: cost per overtime hour
    outsourcing_unit = "outsourcing_unit"  # family code: cost per outsourced unit
    holding_unit_period = "holding_unit_period"  # family code: cost per unit held a month
    backlog_unit_period = "backlog_unit_period"  # segment code: cost per unit late a month
    lost_sale_unit = "lost_sale_unit"  # segment code: penalty per unit of lost sale
    hire_worker = "hire_worker"  # resource code (workforce-driven): cost per worker hired
    layoff_worker = "layoff_worker"  # resource code (workforce-driven): cost per worker laid off
    # expansion step code (supply's /expansion-steps): the fixed cost of taking the whole step
    expansion_step = "expansion_step"


class PriceBase(SQLModel):
    """Net selling price per unit of a family to a segment in a month."""

    family_code: Code
    segment_code: Code
    period: Period
    price: Money

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "segment_code": "KEY",
                    "period": "2026-12",
                    "price": 420.0,
                }
            ]
        }
    }


class PriceIn(PriceBase):
    model_config = CLOSED


class PricePublic(PriceBase):
    id: int


class UnitCostBase(SQLModel):
    """Variable cost per unit of a family, effective from a month until the next entry."""

    family_code: Code
    effective_from: Period
    variable_cost: Money

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"family_code": "FAM-01", "effective_from": "2026-01", "variable_cost": 250.0}
            ]
        }
    }


class UnitCostIn(UnitCostBase):
    model_config = CLOSED


class UnitCostPublic(UnitCostBase):
    id: int


class LeverCostBase(SQLModel):
    lever: Lever
    code: Code = Field(description="Resource, family or segment code, depending on the lever.")
    cost: Money

    model_config = {
        "json_schema_extra": {
            "examples": [{"lever": "overtime_hour", "code": "ASSY-1", "cost": 45.0}]
        }
    }


class LeverCostPublic(LeverCostBase):
    id: int


class AopBase(SQLModel):
    """The annual operating plan (budget) of a month, for the company or one family group."""

    period: Period
    revenue: Money
    margin: SignedMoney
    family_group: Code | None = Field(
        default=None,
        description="Family group this budget is for (see /family-groups); null: the company.",
    )
    quantity: Quantity | None = Field(
        default=None,
        description="Budgeted units; needed to split a gap into price, volume and mix.",
    )

    model_config = {
        "json_schema_extra": {
            "examples": [{"period": "2026-12", "revenue": 1250000, "margin": 310000}]
        }
    }


class AopPublic(AopBase):
    id: int


class ValuationLineIn(BaseModel):
    """Planned sales of a family to a segment in a month, with the demand they serve."""

    model_config = CLOSED

    family_code: Code
    segment_code: Code
    period: Period
    quantity: Quantity = Field(description="Units sold (planned sales).")
    demand: Quantity | None = Field(
        default=None, description="Unconstrained demand of the line, for the fill rate."
    )
    backlog: Quantity = Field(
        default=0, description="Units owed at the month's end: unit-periods of backlog."
    )
    lost: Quantity = Field(default=0, description="Units of demand lost in the month.")


class FamilyPeriodIn(BaseModel):
    """How a family is supplied and stocked in a month."""

    model_config = CLOSED

    family_code: Code
    period: Period
    outsourced: Quantity = Field(default=0, description="Units bought from a subcontractor.")
    ending_inventory: Quantity = Field(
        default=0, description="Units on hand at the month's end: unit-periods held."
    )


class ResourcePeriodIn(BaseModel):
    """Hours a plan uses on a resource in a month, and the workers it hires or lays off."""

    model_config = CLOSED

    resource_code: Code
    period: Period
    regular_hours: Hours = 0
    overtime_hours: Hours = 0
    hired: Quantity = Field(default=0, description="Workers hired in the month.")
    laid_off: Quantity = Field(default=0, description="Workers laid off in the month.")


class ExpansionStepIn(BaseModel):
    """A capacity expansion step the plan takes: its fixed cost is paid once, in ``period``
    (the month the step is decided: the plan's first), for the share of the step taken."""

    model_config = CLOSED

    code: Code = Field(description="The step's code (supply's /expansion-steps).")
    period: Period
    level: Fraction = Field(
        default=1, description="Share of the step taken: 1 the whole step (0..1 in an LP)."
    )


class ValuationRequest(BaseModel):
    """Any plan as family/segment/period quantities, optionally with its lever quantities."""

    lines: list[ValuationLineIn] = Field(max_length=MAX_VALUATION_LINES)
    family_periods: list[FamilyPeriodIn] = Field(
        default_factory=list,
        max_length=MAX_VALUATION_LINES,
        description="Outsourced units and ending inventory per family and month.",
    )
    resource_periods: list[ResourcePeriodIn] = Field(
        default_factory=list,
        max_length=MAX_VALUATION_LINES,
        description="Regular and overtime hours per resource and month.",
    )
    expansion_steps: list[ExpansionStepIn] = Field(
        default_factory=list,
        max_length=10000,
        description="Capacity expansion steps the plan takes, each at its expansion_step cost.",
    )

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "lines": [
                        {
                            "family_code": "FAM-01",
                            "segment_code": "KEY",
                            "period": "2026-12",
                            "quantity": 100,
                        }
                    ]
                },
                {
                    "lines": [
                        {
                            "family_code": "FAM-01",
                            "segment_code": "KEY",
                            "period": "2026-12",
                            "quantity": 90,
                            "demand": 100,
                            "backlog": 10,
                        }
                    ],
                    "family_periods": [
                        {
                            "family_code": "FAM-01",
                            "period": "2026-12",
                            "outsourced": 20,
                            "ending_inventory": 35,
                        }
                    ],
                    "resource_periods": [
                        {
                            "resource_code": "ASSY-1",
                            "period": "2026-12",
                            "regular_hours": 600,
                            "overtime_hours": 40,
                        }
                    ],
                    "expansion_steps": [{"code": "ASSY-1-SHIFT3", "period": "2026-12"}],
                },
            ]
        },
    }


# An answer keeps its reader tolerant: a field added later is ignored, not refused.
ANSWER = ConfigDict(extra="ignore")


class ValuationLine(ValuationLineIn):
    model_config = ANSWER

    price: float
    unit_cost: float
    revenue: float
    cost: float = Field(description="Variable cost of the units sold: quantity x unit cost.")
    margin: float = Field(description="Revenue - cost (planning penalties are apart).")
    backlog_cost: float = Field(default=0, description="Planning penalty: backlog x its rate.")
    lost_sale_cost: float = Field(default=0, description="Planning penalty: lost x its rate.")


class FamilyPeriodValuation(FamilyPeriodIn):
    model_config = ANSWER

    unit_cost: float | None = Field(description="Unit cost in force; null when none is needed.")
    inventory_value: float = Field(description="Working capital: ending inventory x unit cost.")
    holding_cost: float
    outsourcing_cost: float = Field(
        description="Outsourced units x (outsourcing cost - unit cost): the premium over making."
    )


class ResourcePeriodValuation(ResourcePeriodIn):
    model_config = ANSWER

    regular_cost: float
    overtime_cost: float
    hiring_cost: float = 0
    layoff_cost: float = 0


class ExpansionStepValuation(ExpansionStepIn):
    model_config = ANSWER

    fixed_cost: float = Field(description="The step's expansion_step cost (the whole step).")
    cost: float = Field(description="Level x fixed cost: in the month's lever cost.")


class LeverCostTotals(BaseModel):
    """Lever costs of a plan, one amount per lever that costs money (penalties are apart)."""

    regular_hour: float = 0
    overtime_hour: float = 0
    outsourcing_unit: float = 0
    holding_unit_period: float = 0
    hire_worker: float = 0
    layoff_worker: float = 0
    expansion_step: float = 0


class PlanningPenalties(BaseModel):
    """What the planning model charges to steer the plan, not money the company pays: never
    in a cost or a margin (``shared.money``)."""

    backlog: float = Field(default=0, description="Backlog x backlog_unit_period.")
    lost_sale: float = Field(default=0, description="Lost units x lost_sale_unit.")
    safety_stock: float = Field(
        default=0, description="Units below safety stock x the model's safety-stock penalty."
    )
    total: float = 0


class PeriodValuation(BaseModel):
    period: Period
    quantity: float
    revenue: float
    cost: float
    lever_cost: float
    margin: float
    margin_pct: float | None
    inventory_value: float


class ValuationTotals(BaseModel):
    quantity: float
    revenue: float
    cost: float = Field(description="Variable cost of the units sold (cost of goods sold).")
    margin: float = Field(
        description="Gross margin: revenue - cost - lever costs (planning penalties apart)."
    )
    margin_pct: float | None = Field(description="Margin / revenue; null when revenue is 0.")
    lever_cost: float = 0
    lever_costs: LeverCostTotals = Field(default_factory=LeverCostTotals)
    planning_penalties: PlanningPenalties = Field(
        default_factory=PlanningPenalties, description="Apart from cost and margin."
    )
    ending_inventory_value: float = Field(
        default=0, description="Inventory value at the end of the plan's last month."
    )
    average_inventory_value: float = Field(
        default=0, description="Mean over the plan's months of the month-end inventory value."
    )


class Valuation(BaseModel):
    lines: list[ValuationLine]
    totals: ValuationTotals
    family_periods: list[FamilyPeriodValuation] = Field(default_factory=list)
    resource_periods: list[ResourcePeriodValuation] = Field(default_factory=list)
    expansion_steps: list[ExpansionStepValuation] = Field(default_factory=list)
    periods: list[PeriodValuation] = Field(
        default_factory=list, description="Money per month, every lever included."
    )


class FamilyGroupBase(SQLModel):
    """Membership of a family in the family group an AOP may be set for."""

    family_code: Code
    family_group: Code

    model_config = {
        "json_schema_extra": {"examples": [{"family_code": "FAM-01", "family_group": "COFFEE"}]}
    }


class FamilyGroupPublic(FamilyGroupBase):
    id: int


class AopGapRequest(ValuationRequest):
    """A plan to compare with the AOP, and the tolerance beyond which a gap escalates."""

    tolerance: Fraction | None = Field(
        default=None,
        description=(
            "Share of the AOP (revenue or margin) beyond which a month's gap is flagged; "
            "default: the service setting SOP_FINANCE_AOP_GAP_TOLERANCE."
        ),
    )


class VarianceLines(BaseModel):
    """The lines that explain a gap; they add up to it."""

    price: float
    volume: float
    mix: float
    cost: float = Field(description="Zero for revenue.")
    not_decomposed: float = Field(
        default=0, description="The gap that cannot be split because the AOP lacks units."
    )


class GapMeasure(BaseModel):
    aop: float
    plan: float
    gap: float = Field(description="Plan - AOP.")
    gap_pct: float | None = Field(description="Gap / |AOP|; null when the AOP is 0.")
    explained_by: VarianceLines


class PeriodGap(BaseModel):
    period: Period
    family_group: str | None = Field(description="Null: the whole company.")
    aop_quantity: float | None
    plan_quantity: float
    revenue: GapMeasure
    margin: GapMeasure
    note: str | None = None


class GapTotals(BaseModel):
    """Sums over the compared months."""

    revenue: GapMeasure
    margin: GapMeasure


class GapMeasureName(StrEnum):
    revenue = "revenue"
    margin = "margin"


class FlaggedGap(BaseModel):
    """A month (and family group) whose gap to the AOP exceeds the tolerance: to escalate."""

    period: Period
    family_group: str | None
    measure: GapMeasureName
    aop: float
    plan: float
    gap: float
    gap_pct: float | None
    tolerance: float


class AopGap(BaseModel):
    tolerance: float
    periods: list[PeriodGap] = Field(description="The company's gap per month.")
    groups: list[PeriodGap] = Field(description="Per family group with an AOP, per month.")
    totals: GapTotals
    periods_without_aop: list[Period]
    flagged: list[FlaggedGap]


class SegmentFillRate(BaseModel):
    segment_code: str
    demand: float
    sales: float
    fill_rate: float | None = Field(description="Sales / demand, at most 1; null when no demand.")


class PlanKpis(BaseModel):
    revenue: float
    margin: float
    margin_pct: float | None
    cost_of_goods_sold: float
    average_inventory_value: float
    inventory_turns: float | None = Field(
        description="Cost of goods sold / average inventory value, over the plan's months."
    )
    annualised_inventory_turns: float | None = Field(
        description="Inventory turns scaled to twelve months."
    )
    fill_rates: list[SegmentFillRate] = Field(
        description="Segments whose lines all give their demand."
    )
    gap_to_aop: GapTotals | None = Field(description="Null when no month of the plan has an AOP.")
    flagged_gaps: list[FlaggedGap]


class PriceLockBase(SQLModel):
    """Prices and unit costs of every month up to ``through_period`` are closed to edits."""

    through_period: Period
    reason: Text = ""

    model_config = {
        "json_schema_extra": {
            "examples": [{"through_period": "2026-06", "reason": "June plan approved"}]
        }
    }


class PriceLockCreate(PriceLockBase):
    model_config = CLOSED


class PriceLockPublic(PriceLockBase):
    id: int
    created_at: UtcDatetime


class RevisionKind(StrEnum):
    price = "price"
    unit_cost = "unit_cost"


class PriceRevisionRequest(BaseModel):
    """A restatement of locked prices or unit costs: a new version, recorded with its reason.
    At least one price or unit cost."""

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "anyOf": [
                {"required": [name], "properties": {name: {"minItems": 1}}}
                for name in ("prices", "unit_costs")
            ]
        },
    }

    reason: Name
    prices: list[PriceIn] = Field(default_factory=list, max_length=20000)
    unit_costs: list[UnitCostIn] = Field(default_factory=list, max_length=20000)


class PriceRevisionPublic(SQLModel):
    id: int
    kind: RevisionKind
    family_code: str
    segment_code: str | None
    period: str = Field(description="The price's month, or the unit cost's effective_from.")
    version: int = Field(description="2 for the first restatement of this key, and so on.")
    old_value: float | None
    new_value: float
    reason: str
    locked_through: str | None
    created_at: UtcDatetime


class RevenueActualBase(SQLModel):
    """What a family actually sold to a segment in a month: units shipped and net revenue."""

    family_code: Code
    segment_code: Code
    period: Period
    quantity: Quantity = Field(description="Units sold (shipped and invoiced) in the month.")
    revenue: Money = Field(description="Net revenue of those units.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "segment_code": "KEY",
                    "period": "2026-12",
                    "quantity": 180,
                    "revenue": 75600.0,
                }
            ]
        }
    }


class RevenueActualPublic(RevenueActualBase):
    id: int


class RevenueActualFilters(BaseModel):
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None


class CostActualBase(SQLModel):
    """The variable cost of the units of a family sold in a month, all segments together: a
    unit costs the same whoever buys it, so cost actuals carry no segment."""

    family_code: Code
    period: Period
    cost_of_goods_sold: Money = Field(description="Variable cost of the month's units sold.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"family_code": "FAM-01", "period": "2026-12", "cost_of_goods_sold": 101250.0}
            ]
        }
    }


class CostActualPublic(CostActualBase):
    id: int


class CostActualFilters(BaseModel):
    family_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
