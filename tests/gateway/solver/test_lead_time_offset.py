"""The routing lead-time offset: the reconciliation model loads a resource in the month the
supply service's RCCP does, ``lead_time_offset`` months before the units are completed.

Family A takes 1 h of R per unit, one month ahead of completion (offset 1). R has 100
regular hours in January and February, none in March; 100 units are wanted in March (and
holding a unit costs, so nothing is made early). Made in March, they load R in February:
the plan is feasible without stock, and both the model and RCCP put the 100 h in February.
Without the offset the 100 units would have to be made, and held, in February."""

import pytest

from gateway.solver.model import solve
from gateway.solver.problem import RoutingInput
from services.supply.rccp.service import SupplyData, compute_rccp
from shared.contracts.supply import CapacityBase, DemandLineIn, RoutingBase
from tests.gateway.solver.builders import periods, problem

MONTHS = periods(3)


def planned(*, offset: int) -> tuple[list[float], list[float]]:
    """The model's production of A and load of R per month."""
    base = problem(
        demand={"KEY": [0, 0, 100]},
        prices={"KEY": 50},
        family={"variable_cost": 10, "holding_cost": 1},
        resource={"regular_hours": [100, 100, 0]},
    )
    routing = RoutingInput(family="A", resource="R", hours_per_unit=1, lead_time_offset=offset)
    solution = solve(base.model_copy(update={"routings": [routing]}))
    return solution.families[0].production, solution.resources[0].load


def test_the_model_loads_the_month_before_completion() -> None:
    production, load = planned(offset=1)
    assert production == pytest.approx([0, 0, 100])
    assert load == pytest.approx([0, 100, 0])


def test_without_offset_the_units_are_made_where_the_hours_are() -> None:
    production, load = planned(offset=0)
    assert production == pytest.approx([0, 100, 0])
    assert load == pytest.approx([0, 100, 0])


def test_model_and_rccp_put_the_hours_in_the_same_month() -> None:
    production, load = planned(offset=1)
    rccp = compute_rccp(
        lines=[
            DemandLineIn(family_code="A", period=month, quantity=units)
            for month, units in zip(MONTHS, production, strict=True)
        ],
        data=SupplyData(
            routings=[
                RoutingBase(
                    family_code="A", resource_code="R", hours_per_unit=1, lead_time_offset=1
                )
            ],
            capacities=[
                CapacityBase(resource_code="R", period=month, regular_hours=hours)
                for month, hours in zip(MONTHS, [100, 100, 0], strict=True)
            ],
        ),
    )
    rccp_load = {row.period: row.load_hours for row in rccp.rows if row.resource_code == "R"}
    assert [rccp_load.get(month, 0.0) for month in MONTHS] == pytest.approx(load)
