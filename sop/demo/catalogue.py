"""The demo company as a designer wrote it down: a maker of coffee and kitchen appliances.

Two plants (Lyon: espresso and heating parts; Brno: motors, small appliances, packing),
four customer segments and twenty product families. Volumes are the monthly level at the
current month; growth, seasonality and the lifecycle shape the months before and after.

The one designed bottleneck: the Lyon espresso assembly cell (``BOTTLENECK_RESOURCE``)
builds the three espresso families, whose gift-season peak (October to December) and the
bean-to-cup boom load it far beyond its regular hours plus overtime, while every other
resource keeps spare capacity in every month.

The people of the demand review (``PEOPLE``) each write their own stream with their own
token, and the supply planner proposes operations' plan; the loader (an ERP integration)
only loads master data and history.
"""

from dataclasses import dataclass

from shared.auth import Role
from shared.contracts.demand import LifecycleStatus, UnmetDemand

BOTTLENECK_RESOURCE = "LYO-ESP"

# Seasonal index per calendar month (January first); each profile averages 1.
SEASONALITY: dict[str, tuple[float, ...]] = {
    # Black Friday and Christmas gifts.
    "gift": (0.85, 0.82, 0.88, 0.90, 0.92, 0.88, 0.84, 0.90, 1.00, 1.12, 1.35, 1.54),
    # Smoothies, juices and ice cream.
    "summer": (0.80, 0.80, 0.90, 1.00, 1.15, 1.30, 1.30, 1.15, 0.95, 0.85, 0.85, 0.95),
    # Replacement purchases with a mild year-end lift.
    "steady": (0.95, 0.92, 0.98, 0.98, 0.98, 0.95, 0.92, 0.97, 1.02, 1.05, 1.10, 1.18),
    # Fondue and raclette evenings.
    "winter": (1.30, 1.00, 0.80, 0.60, 0.50, 0.40, 0.40, 0.50, 0.80, 1.20, 1.70, 2.80),
}


@dataclass(frozen=True)
class SegmentSpec:
    code: str
    name: str
    fill_rate_target: float
    priority: int
    strategic: bool
    unmet_demand: UnmetDemand
    price_factor: float  # net price as a share of the list price
    backlog_cost: float  # per unit and month late
    lost_sale_penalty: float  # per unit lost, beyond the lost margin


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec("KEY", "Key accounts (national retail chains)", 0.98, 1, True,
                UnmetDemand.backlog, 0.78, 18.0, 120.0),
    SegmentSpec("PRO", "Professional and HoReCa", 0.96, 2, False,
                UnmetDemand.backlog, 0.90, 12.0, 80.0),
    SegmentSpec("ECOM", "E-commerce marketplaces", 0.93, 3, False,
                UnmetDemand.lost, 0.95, 6.0, 30.0),
    SegmentSpec("DIST", "Export distributors", 0.92, 4, False,
                UnmetDemand.lost, 0.68, 3.0, 5.0),
)  # fmt: skip


@dataclass(frozen=True)
class ResourceSpec:
    code: str
    name: str
    site: str
    regular_hours: float  # per month at full calendar (two shifts on the whole crew)
    overtime_share: float  # overtime allowed, as a share of the month's regular hours
    overtime_cost: float  # per overtime hour


# Share of the regular hours a site works in a calendar month (summer shutdown, holidays).
SITE_CALENDAR: dict[str, dict[int, float]] = {
    "Lyon": {8: 0.75},
    "Brno": {8: 0.9},
}

RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec("LYO-ESP", "Espresso assembly cell", "Lyon", 4200, 0.08, 58.0),
    ResourceSpec("LYO-HEAT", "Heating element and boiler shop", "Lyon", 6400, 0.15, 44.0),
    ResourceSpec("LYO-MOLD", "Injection moulding", "Lyon", 4800, 0.15, 40.0),
    ResourceSpec("BRN-MOTOR", "Motor winding", "Brno", 4400, 0.15, 34.0),
    ResourceSpec("BRN-ASSY", "Small-appliance assembly", "Brno", 13000, 0.12, 31.0),
    ResourceSpec("BRN-PACK", "Packing and end-of-line test", "Brno", 1500, 0.15, 28.0),
)


@dataclass(frozen=True)
class FamilySpec:
    code: str
    name: str
    season: str
    monthly_units: float  # demand level at the current month, all segments together
    annual_growth: float
    mix: tuple[float, float, float, float]  # share per segment, in ``SEGMENTS`` order
    list_price: float
    cost_ratio: float  # variable unit cost as a share of the list price
    routing: tuple[tuple[str, float], ...]  # (resource, hours per unit)
    outsourcing_share: float = 0.0  # subcontractor capacity, share of the monthly level
    status: LifecycleStatus = LifecycleStatus.active
    # npi: months from the current month to the launch; phase_out: months until last sale.
    lifecycle_months: int = 0


FAMILIES: tuple[FamilySpec, ...] = (
    FamilySpec("ESP-HOME", "Home espresso machines", "gift", 2700, 0.10,
               (0.45, 0.05, 0.25, 0.25), 449, 0.52,
               (("LYO-ESP", 0.9), ("LYO-HEAT", 0.25)), outsourcing_share=0.04),
    FamilySpec("ESP-PRO", "Professional espresso machines", "steady", 260, 0.04,
               (0.00, 0.85, 0.15, 0.00), 2900, 0.55,
               (("LYO-ESP", 3.5), ("LYO-HEAT", 1.2))),
    FamilySpec("BEAN-AUTO", "Bean-to-cup automatic machines", "gift", 1250, 0.18,
               (0.40, 0.10, 0.25, 0.25), 899, 0.54,
               (("LYO-ESP", 1.6), ("LYO-MOLD", 0.3))),
    FamilySpec("CAPS", "Capsule coffee machines", "gift", 5200, 0.02,
               (0.60, 0.00, 0.35, 0.05), 119, 0.50,
               (("LYO-MOLD", 0.2), ("BRN-ASSY", 0.35)), outsourcing_share=0.10),
    FamilySpec("GRIND", "Coffee grinders", "steady", 1500, 0.06,
               (0.30, 0.25, 0.40, 0.05), 179, 0.48,
               (("BRN-MOTOR", 0.3), ("BRN-ASSY", 0.25))),
    FamilySpec("DRIP", "Filter coffee makers", "steady", 3800, -0.03,
               (0.60, 0.10, 0.30, 0.00), 79, 0.55,
               (("LYO-MOLD", 0.15), ("BRN-ASSY", 0.2)), outsourcing_share=0.15),
    FamilySpec("MILK", "Milk frothers", "gift", 2600, 0.05,
               (0.45, 0.05, 0.45, 0.05), 89, 0.46,
               (("BRN-ASSY", 0.12),), outsourcing_share=0.10),
    FamilySpec("KETTLE", "Electric kettles", "steady", 7000, 0.01,
               (0.60, 0.05, 0.35, 0.00), 59, 0.50,
               (("LYO-HEAT", 0.08), ("BRN-ASSY", 0.1)), outsourcing_share=0.15),
    FamilySpec("TOAST", "Toasters", "steady", 5200, 0.00,
               (0.60, 0.05, 0.35, 0.00), 69, 0.50,
               (("LYO-HEAT", 0.1), ("BRN-ASSY", 0.12)), outsourcing_share=0.15),
    FamilySpec("BLEND", "Countertop blenders", "summer", 2400, 0.03,
               (0.50, 0.10, 0.40, 0.00), 129, 0.49,
               (("BRN-MOTOR", 0.25), ("BRN-ASSY", 0.2))),
    FamilySpec("HBLEND", "Hand blenders", "steady", 4200, 0.02,
               (0.55, 0.05, 0.40, 0.00), 49, 0.47,
               (("BRN-MOTOR", 0.15), ("BRN-PACK", 0.05)), outsourcing_share=0.10),
    FamilySpec("MIXER", "Stand mixers", "gift", 900, 0.07,
               (0.40, 0.10, 0.50, 0.00), 499, 0.51,
               (("BRN-MOTOR", 0.5), ("BRN-ASSY", 0.6))),
    FamilySpec("JUICE", "Slow juicers", "summer", 800, 0.04,
               (0.35, 0.05, 0.60, 0.00), 299, 0.50,
               (("BRN-MOTOR", 0.3), ("BRN-PACK", 0.1))),
    FamilySpec("AIRFRY", "Air fryers", "steady", 4500, 0.12,
               (0.50, 0.00, 0.50, 0.00), 139, 0.53,
               (("LYO-HEAT", 0.15), ("BRN-ASSY", 0.3)), outsourcing_share=0.10),
    FamilySpec("SODA", "Soda makers", "summer", 1800, 0.02,
               (0.55, 0.05, 0.40, 0.00), 99, 0.45,
               (("LYO-MOLD", 0.25), ("BRN-PACK", 0.08))),
    FamilySpec("WAFFLE", "Waffle makers", "steady", 1300, 0.00,
               (0.55, 0.05, 0.40, 0.00), 59, 0.50,
               (("LYO-HEAT", 0.1), ("BRN-PACK", 0.06))),
    FamilySpec("RICE", "Rice cookers", "steady", 1600, 0.05,
               (0.40, 0.15, 0.45, 0.00), 89, 0.50,
               (("LYO-HEAT", 0.12), ("BRN-PACK", 0.07))),
    FamilySpec("ICE", "Ice-cream makers", "summer", 700, 0.03,
               (0.40, 0.05, 0.55, 0.00), 149, 0.49,
               (("BRN-MOTOR", 0.2), ("BRN-PACK", 0.08))),
    FamilySpec("SMART-OVEN", "Smart countertop ovens", "steady", 600, 0.0,
               (0.40, 0.00, 0.60, 0.00), 349, 0.56,
               (("LYO-HEAT", 0.5), ("BRN-ASSY", 0.7)),
               status=LifecycleStatus.npi, lifecycle_months=3),
    FamilySpec("FONDUE", "Electric fondue sets", "winter", 500, -0.15,
               (0.60, 0.00, 0.40, 0.00), 69, 0.52,
               (("LYO-HEAT", 0.1), ("BRN-PACK", 0.05)),
               status=LifecycleStatus.phase_out, lifecycle_months=12),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    subject: str  # the bearer token's subject: the author of what they write
    name: str


PEOPLE: dict[Role, Person] = {
    Role.sales: Person("s.moreau", "Sophie Moreau, key account director"),
    Role.marketing: Person("m.rossi", "Marco Rossi, trade marketing"),
    Role.product_manager: Person("a.chen", "Amy Chen, product management"),
    Role.demand_planner: Person("d.novak", "Dana Novak, demand planner"),
    Role.supply_planner: Person("l.garcia", "Luis Garcia, supply planner"),
}
