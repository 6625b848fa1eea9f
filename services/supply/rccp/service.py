"""Rough-cut capacity planning (RCCP): the load a plan puts on each resource and month.

Load of resource r in month m = sum over families f of hours_per_unit[f, r] x quantity of f
completed in month m + lead_time_offset[f, r] (the bill of resources' load profile). It is
set against the month's regular hours and regular + maximum overtime hours; for resources
with ``capacity_mode = workforce`` those come from the workforce (workers x hours per
worker, workers x overtime hours per worker), for the others from the capacity table. A
month with load but no capacity is a gap, reported, never a crash. ``compute_rccp`` is pure:
rows in, table out; ``load_supply_data`` reads the rows it needs.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session, select

from services.supply.capacity.models import CapacityFilters
from services.supply.capacity.service import CAPACITY
from services.supply.resources.models import Resource
from services.supply.routings.models import Routing
from services.supply.workforce.models import WorkforceFilters
from services.supply.workforce.service import WORKFORCE
from shared.contracts.supply import (
    CapacityBase,
    CapacityMode,
    DemandLineIn,
    FamilyLoad,
    LoadStatus,
    RccpResult,
    RccpRow,
    ResourceBase,
    ResourceLoadSummary,
    RoutingBase,
    UnroutedFamily,
    WorkforceBase,
)
from shared.crud import filtered, rows_where_in
from shared.periods import add_months

# Loads within this many hours of a limit count as within it (float noise, not overload).
TOLERANCE_HOURS = 1e-6
DECIMALS = 6


@dataclass(frozen=True)
class SupplyData:
    """What RCCP reads: resources, bill of resources and capacity (fixed and workforce)."""

    resources: Sequence[ResourceBase] = ()
    routings: Sequence[RoutingBase] = ()
    capacities: Sequence[CapacityBase] = ()
    workforce: Sequence[WorkforceBase] = ()


def compute_rccp(*, lines: Sequence[DemandLineIn], data: SupplyData) -> RccpResult:
    """The RCCP table of ``lines`` (summed per family and month) on every resource."""
    families = sorted({line.family_code for line in lines})
    demand_periods = sorted({line.period for line in lines})
    family_index = {code: i for i, code in enumerate(families)}
    demand_index = {period: j for j, period in enumerate(demand_periods)}
    demand = np.zeros((len(families), len(demand_periods)))
    np.add.at(
        demand,
        (
            np.array([family_index[line.family_code] for line in lines], dtype=np.intp),
            np.array([demand_index[line.period] for line in lines], dtype=np.intp),
        ),
        np.array([line.quantity for line in lines], dtype=float),
    )

    relevant = [routing for routing in data.routings if routing.family_code in family_index]
    modes = {resource.code: resource.capacity_mode for resource in data.resources}
    codes = sorted(set(modes) | {routing.resource_code for routing in relevant})
    resource_index = {code: i for i, code in enumerate(codes)}
    offsets = sorted({routing.lead_time_offset for routing in relevant} | {0})
    periods = sorted(
        {add_months(period, -offset) for period in demand_periods for offset in offsets}
    )
    period_index = {period: k for k, period in enumerate(periods)}

    # Per offset: hours matrix (families x resources) and where each demand month loads.
    hours = {offset: np.zeros((len(families), len(codes))) for offset in offsets}
    for routing in relevant:
        hours[routing.lead_time_offset][
            family_index[routing.family_code], resource_index[routing.resource_code]
        ] += routing.hours_per_unit
    load_month = {
        offset: np.array(
            [period_index[add_months(period, -offset)] for period in demand_periods],
            dtype=np.intp,
        )
        for offset in offsets
    }
    load = np.zeros((len(codes), len(periods)))
    for offset in offsets:
        # Shifting by one offset maps months one-to-one: plain fancy-index addition is safe.
        load[:, load_month[offset]] += hours[offset].T @ demand

    regular, overtime = _capacity_arrays(
        data=data, resource_index=resource_index, period_index=period_index
    )
    known = ~np.isnan(regular)
    regular_0 = np.where(known, regular, 0.0)
    overtime_0 = np.where(known, overtime, 0.0)
    excess = load - regular_0
    overtime_needed = np.where(known, np.clip(excess, 0.0, overtime_0), 0.0)
    overload = np.where(known, np.maximum(excess - overtime_0, 0.0), load)
    has_load = load > TOLERANCE_HOURS
    status = np.full(load.shape, LoadStatus.ok.value, dtype=object)
    status[known & (excess > TOLERANCE_HOURS)] = LoadStatus.overtime.value
    status[known & (excess - overtime_0 > TOLERANCE_HOURS)] = LoadStatus.overload.value
    status[~known & has_load] = LoadStatus.gap.value
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        utilisation = np.where(known & (regular_0 > 0), load / regular_0, np.nan)
        total = regular_0 + overtime_0
        utilisation_ot = np.where(known & (total > 0), load / total, np.nan)

    # Which demand month of each family loads each (offset, load month): for the blame lists.
    source_month = {
        offset: {int(k): j for j, k in enumerate(load_month[offset])} for offset in offsets
    }
    rows: list[RccpRow] = []
    for r, code in enumerate(codes):
        source = (
            CapacityMode.workforce
            if modes.get(code) == CapacityMode.workforce
            else CapacityMode.fixed
        )
        for k, period in enumerate(periods):
            flagged = status[r, k] != LoadStatus.ok.value
            rows.append(
                RccpRow(
                    resource_code=code,
                    period=period,
                    capacity_source=source,
                    load_hours=_round(load[r, k]),
                    regular_hours=_maybe(regular[r, k]),
                    max_overtime_hours=_maybe(overtime[r, k]),
                    utilisation=_maybe(utilisation[r, k]),
                    utilisation_with_overtime=_maybe(utilisation_ot[r, k]),
                    overtime_hours_needed=_round(overtime_needed[r, k]),
                    overload_hours=_round(overload[r, k]),
                    status=LoadStatus(status[r, k]),
                    families=(
                        _families_loading(
                            r=r,
                            k=k,
                            total=float(load[r, k]),
                            families=families,
                            demand=demand,
                            hours=hours,
                            source_month=source_month,
                        )
                        if flagged
                        else []
                    ),
                )
            )

    routed = {routing.family_code for routing in relevant}
    return RccpResult(
        periods=periods,
        rows=rows,
        resources=[
            _summary(
                code=code,
                periods=periods,
                load=load[r],
                regular=regular_0[r],
                utilisation=utilisation[r],
                overtime_needed=overtime_needed[r],
                overload=overload[r],
                status=status[r],
            )
            for r, code in enumerate(codes)
        ],
        unrouted_families=[
            UnroutedFamily(family_code=family, quantity=_round(demand[i].sum()))
            for i, family in enumerate(families)
            if family not in routed
        ],
    )


def load_supply_data(session: Session, *, lines: Sequence[DemandLineIn]) -> SupplyData:
    """The resources, and the routings and capacity rows that ``lines`` can load."""
    resources = list(session.exec(select(Resource)).all())
    periods = sorted({line.period for line in lines})
    if not periods:
        return SupplyData(resources=resources)
    families = {line.family_code for line in lines}
    routings = rows_where_in(session, table=Routing, column="family_code", values=families)
    longest = max((routing.lead_time_offset for routing in routings), default=0)
    window = {"period_from": add_months(periods[0], -longest), "period_to": periods[-1]}
    return SupplyData(
        resources=resources,
        routings=routings,
        capacities=session.exec(filtered(CAPACITY, CapacityFilters(**window))).all(),
        workforce=session.exec(filtered(WORKFORCE, WorkforceFilters(**window))).all(),
    )


def capacity_hours(
    data: SupplyData,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Regular and maximum overtime hours per (resource, period) where known: from the
    capacity table for fixed resources, workers x hours per worker and workers x overtime
    hours per worker for workforce-driven ones (a resource without a mode is fixed)."""
    modes = {resource.code: resource.capacity_mode for resource in data.resources}
    regular: dict[tuple[str, str], float] = {}
    overtime: dict[tuple[str, str], float] = {}
    for row in data.capacities:
        if modes.get(row.resource_code, CapacityMode.fixed) == CapacityMode.fixed:
            regular[(row.resource_code, row.period)] = row.regular_hours
            overtime[(row.resource_code, row.period)] = row.max_overtime_hours
    for crew in data.workforce:
        if modes.get(crew.resource_code, CapacityMode.fixed) == CapacityMode.workforce:
            regular[(crew.resource_code, crew.period)] = crew.workers * crew.hours_per_worker
            overtime[(crew.resource_code, crew.period)] = (
                crew.workers * crew.overtime_hours_per_worker
            )
    return regular, overtime


def _capacity_arrays(
    *,
    data: SupplyData,
    resource_index: dict[str, int],
    period_index: dict[str, int],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Regular and maximum overtime hours (resources x months), NaN where unknown."""
    shape = (len(resource_index), len(period_index))
    regular = np.full(shape, np.nan)
    overtime = np.full(shape, np.nan)
    known_regular, known_overtime = capacity_hours(data)
    for (resource_code, period), hours in known_regular.items():
        r, k = resource_index.get(resource_code), period_index.get(period)
        if r is not None and k is not None:
            regular[r, k] = hours
            overtime[r, k] = known_overtime[(resource_code, period)]
    return regular, overtime


def _families_loading(
    *,
    r: int,
    k: int,
    total: float,
    families: Sequence[str],
    demand: NDArray[np.float64],
    hours: dict[int, NDArray[np.float64]],
    source_month: dict[int, dict[int, int]],
) -> list[FamilyLoad]:
    """The families' hours in one resource-month, largest first."""
    contribution = np.zeros(len(families))
    for offset, months in source_month.items():
        j = months.get(k)
        if j is not None:
            contribution += hours[offset][:, r] * demand[:, j]
    order = np.argsort(-contribution, kind="stable")
    return [
        FamilyLoad(
            family_code=families[i],
            hours=_round(contribution[i]),
            share=_round(contribution[i] / total) if total > 0 else 0.0,
        )
        for i in order
        if contribution[i] > 0
    ]


def _summary(
    *,
    code: str,
    periods: Sequence[str],
    load: NDArray[np.float64],
    regular: NDArray[np.float64],
    utilisation: NDArray[np.float64],
    overtime_needed: NDArray[np.float64],
    overload: NDArray[np.float64],
    status: NDArray[Any],
) -> ResourceLoadSummary:
    measured = ~np.isnan(utilisation)
    peak = int(np.nanargmax(utilisation)) if measured.any() else None
    return ResourceLoadSummary(
        resource_code=code,
        load_hours=_round(load.sum()),
        regular_hours=_round(regular.sum()),
        peak_utilisation=None if peak is None else _round(utilisation[peak]),
        peak_period=None if peak is None else periods[peak],
        overtime_hours_needed=_round(overtime_needed.sum()),
        overload_hours=_round(overload.sum()),
        overloaded_periods=[p for p, s in zip(periods, status, strict=True) if s == "overload"],
        gap_periods=[p for p, s in zip(periods, status, strict=True) if s == "gap"],
    )


def _round(value: Any) -> float:
    return round(float(value), DECIMALS)


def _maybe(value: Any) -> float | None:
    """A rounded value, or None when unknown or unbounded (a ratio to near-zero hours)."""
    return _round(value) if np.isfinite(value) else None
