"""What reconcile now reads into the planning problem: workforce-driven capacity with its
wages, hires and layoffs, and safety stock computed by the supply service's policies."""

from statistics import NormalDist

import pytest

from tests.gateway.company import PERIODS, Company, Step, put
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem, load, reconcile

pytestmark = pytest.mark.anyio


async def add_crew(platform: Platform, workers: list[float]) -> None:
    """CREW: workforce-driven, 20 regular and 5 overtime hours per worker a month; F01 needs
    0.5 h of it a unit, so 35 h a month. Wage 15 an hour, overtime 25 an hour."""
    await put(
        platform.supply,
        "/resources",
        [{"code": "CREW", "name": "Packing crew", "capacity_mode": "workforce"}],
    )
    await put(
        platform.supply,
        "/workforce",
        [
            {"resource_code": "CREW", "period": period, "workers": count, "hours_per_worker": 20,
             "overtime_hours_per_worker": 5}
            for period, count in zip(PERIODS, workers, strict=True)
        ],
    )  # fmt: skip
    await put(
        platform.supply,
        "/routings",
        [{"family_code": "F01", "resource_code": "CREW", "hours_per_unit": 0.5}],
    )
    await put(
        platform.finance,
        "/lever-costs",
        [
            {"lever": "regular_hour", "code": "CREW", "cost": 15},
            {"lever": "overtime_hour", "code": "CREW", "cost": 25},
        ],
    )


def crew_lines(plan: dict[str, object]) -> list[dict[str, float]]:
    lines = plan["resource_lines"]
    assert isinstance(lines, list)
    return [line for line in lines if line["resource_code"] == "CREW"]


async def test_without_hiring_costs_the_workforce_is_supplys_plan(platform: Platform) -> None:
    await load(platform)
    await add_crew(platform, [2, 3, 2])

    plan = await reconcile(platform)

    crew = crew_lines(plan)
    assert [line["workers"] for line in crew] == [2, 3, 2]
    assert [line["regular_capacity"] for line in crew] == [40, 60, 40]
    assert [line["load"] for line in crew] == [35, 35, 35]
    # Wages on the whole crew's hours: (40 + 60 + 40) x 15 = 2,100, with ASSY-1's 420 x 10.
    assert plan["totals"]["regular_labour_cost"] == pytest.approx(2_100 + 4_200)
    assert plan["totals"]["hiring_cost"] == plan["totals"]["layoff_cost"] == 0


async def test_with_hiring_and_layoff_costs_the_workforce_is_decided(platform: Platform) -> None:
    """35 h a month at 300 a worker-month (20 h x 15) is cheapest with 1.75 workers and no
    overtime (1.4 workers and 7 overtime hours would cost 595 against 525): a quarter of a
    worker is laid off at once, for 50 a worker."""
    await load(platform)
    await add_crew(platform, [2, 2, 2])
    await put(
        platform.finance,
        "/lever-costs",
        [
            {"lever": "hire_worker", "code": "CREW", "cost": 100},
            {"lever": "layoff_worker", "code": "CREW", "cost": 50},
        ],
    )

    plan = await reconcile(platform)

    crew = crew_lines(plan)
    assert [line["workers"] for line in crew] == pytest.approx([1.75] * 3)
    assert [line["laid_off"] for line in crew] == pytest.approx([0.25, 0, 0])
    assert [line["overtime"] for line in crew] == pytest.approx([0, 0, 0])
    assert plan["totals"]["layoff_cost"] == pytest.approx(12.5)
    assert plan["totals"]["hiring_cost"] == 0


async def test_workforce_gaps_are_named(platform: Platform) -> None:
    await load(platform)
    await add_crew(platform, [2, 2, 2])
    march = await platform.supply.get(
        "/workforce", params={"resource_code": "CREW", "period_from": "2026-03"}
    )
    [row] = march.json()["items"]
    assert (await platform.supply.delete(f"/workforce/{row['id']}")).status_code == 204
    await put(
        platform.finance,
        "/lever-costs",
        [{"lever": "hire_worker", "code": "NOBODY", "cost": 100}],
    )
    refused = await platform.gateway.post("/reconcile")
    body = assert_problem(refused, 422, "supply.workforce.CREW")
    reasons = {error["field"]: error["reason"] for error in body["errors"]}
    assert reasons["supply.workforce.CREW"] == "no workforce in 2026-03"
    assert "unknown resource code 'NOBODY'" in reasons["finance.lever_costs.hire_worker.NOBODY"]
    assert "supply.capacity.CREW" not in reasons  # a crew's hours are not in the capacity table


async def test_computed_safety_stock_enters_the_plan_per_month(platform: Platform) -> None:
    """F01 holds half a month of the next month's demand: 35 units. F02 holds z x sigma x
    sqrt(L) for a 95% cycle service level, sigma 10, lead time 1 month: 16.45 units. Holding
    costs money, so whatever the plan holds or falls short by adds up to exactly each
    month's computed floor."""
    await load(platform)
    await put(
        platform.supply,
        "/inventory-policies",
        [
            {"family_code": "F01", "safety_stock_method": "periods_of_cover", "cover_periods": 0.5},
            {
                "family_code": "F02",
                "safety_stock_method": "service_level",
                "service_measure": "cycle_service_level",
                "service_target": 0.95,
                "forecast_error": 10,
                "lead_time_periods": 1,
            },
        ],
    )
    platform.calls.clear()

    plan = await reconcile(platform)

    assert [c.path for c in platform.calls if c.method == "POST"] == [
        "/inventory-policies/safety-stock",
        "/aop-gaps",
    ]
    floor = {
        (line["family_code"], line["period"]): line["inventory"] + line["safety_stock_shortfall"]
        for line in plan["family_lines"]
    }
    z = NormalDist().inv_cdf(0.95)
    assert [floor[("F01", p)] for p in PERIODS] == pytest.approx([35] * 3, abs=1e-3)
    assert [floor[("F02", p)] for p in PERIODS] == pytest.approx([z * 10] * 3, abs=1e-3)


async def test_direct_safety_stock_needs_no_computation(platform: Platform) -> None:
    await load(platform)
    platform.calls.clear()
    await reconcile(platform)
    assert "/inventory-policies/safety-stock" not in {call.path for call in platform.calls}


async def test_expansion_steps_enter_the_problem_at_finances_fixed_cost(
    platform: Platform,
) -> None:
    """Supply's step on a routed resource is a step of the plan, at finance's
    expansion_step cost (the one source of it): 3 months x 140 hours short of 20, so a
    step of 20 hours for 500 is taken at once, its 500 in the plan's margin."""
    cheap = Step(code="ASSY-1-CELL", extra_hours=20, fixed_cost=500)
    await load(platform, Company(families=2, hours_short=30, expansion_steps=[cheap]))
    plan = await reconcile(platform)
    assert plan["expansion_levels"] == {"ASSY-1-CELL": 1.0}
    assert plan["totals"]["expansion_cost"] == 500


async def test_expansion_step_gaps_are_named(platform: Platform) -> None:
    """A step without its cost would be free to the model: a gap; a cost of a step supply
    does not know is an unknown code."""
    step = Step(code="ASSY-1-CELL")
    await load(platform, Company(expansion_steps=[step], no_lever_cost={"expansion_step"}))
    await put(
        platform.finance, "/lever-costs", [{"lever": "expansion_step", "code": "GHOST", "cost": 1}]
    )
    refused = await platform.gateway.post("/reconcile")
    body = assert_problem(refused, 422, "finance.lever_costs.expansion_step.ASSY-1-CELL")
    reasons = {error["field"]: error["reason"] for error in body["errors"]}
    assert "has no expansion_step cost" in reasons["finance.lever_costs.expansion_step.ASSY-1-CELL"]
    assert (
        "unknown expansion step code 'GHOST'" in reasons["finance.lever_costs.expansion_step.GHOST"]
    )
