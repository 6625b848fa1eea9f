"""Rough-cut capacity of a demand plan through the gateway, on a case with a known overload.

The small company needs 140 hours of ASSY-1 a month (2 families x 70 units x 1 h). Capacity
is cut to 100 regular + 10 overtime hours in February (30 h overload, each family loading
half) and to 135 regular hours in March (5 overtime hours needed).
"""

import pytest

from tests.gateway.company import put
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem, get_json, load

pytestmark = pytest.mark.anyio


async def cut_capacity(platform: Platform) -> None:
    await put(
        platform.supply,
        "/capacity",
        [
            {"resource_code": "ASSY-1", "period": "2026-02", "regular_hours": 100,
             "max_overtime_hours": 10},
            {"resource_code": "ASSY-1", "period": "2026-03", "regular_hours": 135,
             "max_overtime_hours": 10},
        ],
    )  # fmt: skip


async def test_rccp_of_the_latest_demand_plan_names_the_overload(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    await cut_capacity(platform)
    platform.calls.clear()

    rccp = await get_json(platform, "/rccp")

    # One read of the plan, one of its lines, one capacity check: never per line.
    assert sorted((call.method, call.path) for call in platform.calls) == [
        ("GET", "/demand-plans/1/lines/export"),
        ("GET", "/demand-plans/latest"),
        ("POST", "/rccp"),
    ]
    assert rccp["demand_plan"]["id"] == demand_plan_id
    assert rccp["bottlenecks"] == ["ASSY-1"]
    rows = {row["period"]: row for row in rccp["rows"]}
    assert [row["load_hours"] for row in rows.values()] == [140.0] * 3
    assert (rows["2026-01"]["status"], rows["2026-01"]["utilisation"]) == ("ok", 1.0)
    february = rows["2026-02"]
    assert february["status"] == "overload"
    assert (february["overtime_hours_needed"], february["overload_hours"]) == (10.0, 30.0)
    assert february["utilisation"] == pytest.approx(1.4)
    assert february["families"] == [
        {"family_code": "F01", "hours": 70.0, "share": 0.5},
        {"family_code": "F02", "hours": 70.0, "share": 0.5},
    ]
    march = rows["2026-03"]
    assert (march["status"], march["overtime_hours_needed"], march["overload_hours"]) == (
        "overtime",
        5.0,
        0.0,
    )
    [summary] = rccp["resources"]
    assert summary["overloaded_periods"] == ["2026-02"]
    assert (summary["peak_period"], summary["overload_hours"]) == ("2026-02", 30.0)


async def test_rccp_in_the_graph(platform: Platform) -> None:
    demand_plan_id = await load(platform)
    await cut_capacity(platform)
    data = await platform.graphql(
        """
        query($id: Int) {
          rccp(demandPlanId: $id) {
            demandPlan { kind id } bottlenecks
            rows(status: overload) { resourceCode period loadHours regularHours status
                                     families { familyCode share } }
            resources { resourceCode overloadHours overloadedPeriods }
          }
          demandPlan(id: 1) { rccp { bottlenecks rows(resourceCode: "ASSY-1") { period } } }
        }
        """,
        id=demand_plan_id,
    )
    rccp = data["rccp"]
    assert isinstance(rccp, dict)
    assert rccp["demandPlan"] == {"kind": "demand", "id": demand_plan_id}
    assert rccp["bottlenecks"] == ["ASSY-1"]
    assert rccp["rows"] == [
        {
            "resourceCode": "ASSY-1",
            "period": "2026-02",
            "loadHours": 140.0,
            "regularHours": 100.0,
            "status": "overload",
            "families": [{"familyCode": "F01", "share": 0.5}, {"familyCode": "F02", "share": 0.5}],
        }
    ]
    assert rccp["resources"] == [
        {"resourceCode": "ASSY-1", "overloadHours": 30.0, "overloadedPeriods": ["2026-02"]}
    ]
    nested = data["demandPlan"]["rccp"]  # type: ignore[index]
    assert nested["bottlenecks"] == ["ASSY-1"]
    assert [row["period"] for row in nested["rows"]] == ["2026-01", "2026-02", "2026-03"]


async def test_workforce_driven_resources_are_loaded_against_their_crew(
    platform: Platform,
) -> None:
    await load(platform)
    await put(
        platform.supply,
        "/resources",
        [{"code": "CREW", "name": "Packing crew", "capacity_mode": "workforce"}],
    )
    await put(
        platform.supply,
        "/workforce",
        [
            {"resource_code": "CREW", "period": period, "workers": 2, "hours_per_worker": 20,
             "overtime_hours_per_worker": 5}
            for period in ("2026-01", "2026-02", "2026-03")
        ],
    )  # fmt: skip
    await put(
        platform.supply,
        "/routings",
        [{"family_code": "F01", "resource_code": "CREW", "hours_per_unit": 0.5}],
    )
    rccp = await get_json(platform, "/rccp", demand_plan_id=1)
    crew = [row for row in rccp["rows"] if row["resource_code"] == "CREW"]
    # F01: 70 units x 0.5 h = 35 h against 2 x 20 regular + 2 x 5 overtime hours.
    assert {(row["capacity_source"], row["load_hours"], row["regular_hours"]) for row in crew} == {
        ("workforce", 35.0, 40.0)
    }
    assert rccp["bottlenecks"] == []


async def test_rccp_refuses_bad_or_unknown_demand_plans(platform: Platform) -> None:
    assert_problem(await platform.gateway.get("/rccp"), 422, "demand.demand_plans")
    await load(platform)
    assert_problem(
        await platform.gateway.get("/rccp", params={"demand_plan_id": 9}),
        422,
        "query.demand_plan_id",
    )
    for bad in ("0", "x", str(2**63)):
        assert_problem(
            await platform.gateway.get("/rccp", params={"demand_plan_id": bad}),
            422,
            "query.demand_plan_id",
        )
    refused = await platform.gateway.post(
        "/graphql", json={"query": "{ rccp(demandPlanId: 0) { periods } }"}
    )
    [error] = refused.json()["errors"]
    assert error["extensions"]["errors"][0]["field"] == "demandPlanId"
    unknown = await platform.gateway.post(
        "/graphql", json={"query": "{ rccp(demandPlanId: 7) { periods } }"}
    )
    [error] = unknown.json()["errors"]
    assert (error["extensions"]["status"], error["extensions"]["errors"][0]["field"]) == (
        422,
        "demandPlanId",
    )
