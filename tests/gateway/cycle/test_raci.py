"""The RACI matrix: the process's responsibilities, queryable, with the rights it grants."""

import pytest

from shared.auth import Role
from tests.gateway.cycle.world import VIEWER, World, assert_problem

pytestmark = pytest.mark.anyio

ACCOUNTABLE = {
    "data_gathering": "process_owner",
    "demand_review": "demand_planner",
    "supply_review": "supply_planner",
    "pre_sop": "process_owner",
    "executive_sop": "executive_sponsor",
    "escalation_decisions": "executive_sponsor",
    "plan_approval": "executive_sponsor",
    "production_adherence": "supply_planner",
    "hours_adherence": "operations",
    "service_attainment": "sales",
    "margin_variance": "finance",
    "cycle_calendar": "process_owner",
}


async def test_the_matrix_has_one_accountable_role_per_activity(world: World) -> None:
    assert_problem(await world.gateway.get("/raci"), 401)
    matrix = (await world.gateway.get("/raci", headers=VIEWER)).json()
    assert matrix["roles"] == [str(role) for role in Role]
    rows = {row["activity"]: row for row in matrix["activities"]}
    assert list(rows) == list(ACCOUNTABLE)
    for activity, role in ACCOUNTABLE.items():
        cells = rows[activity]["cells"]
        assert set(cells) == set(matrix["roles"])
        assert set(cells.values()) <= {"RA", "R", "A", "C", "I"}
        assert [r for r, letters in cells.items() if "A" in letters] == [role], activity
        assert rows[activity]["accountable"] == role
        assert cells["viewer"] == "I"


async def test_the_matrix_says_who_plans_and_who_decides(world: World) -> None:
    rows = {
        row["activity"]: row["cells"]
        for row in (await world.gateway.get("/raci", headers=VIEWER)).json()["activities"]
    }
    # Sales and marketing build the demand plan the demand planner consolidates and locks.
    assert {rows["demand_review"][r] for r in ("sales", "marketing", "product_manager")} == {"R"}
    assert rows["demand_review"]["demand_planner"] == "RA"
    # Operations own supply; finance translates into money; the coordinator owns no plan.
    assert rows["supply_review"]["operations"] == "R"
    assert rows["supply_review"]["supply_planner"] == "RA"
    assert rows["pre_sop"]["finance"] == "R"
    for plan_step in ("demand_review", "supply_review"):
        assert rows[plan_step]["process_owner"] == "C"
    # Pre-S&OP recommends, the executive decides and approves, alone.
    for decision in ("escalation_decisions", "plan_approval", "executive_sop"):
        deciders = [role for role, letters in rows[decision].items() if "R" in letters]
        assert deciders == ["executive_sponsor"], decision
    assert rows["pre_sop"]["executive_sponsor"] == "I"
    assert rows["data_gathering"]["integration"] == "R"


async def test_the_decision_rights_follow_the_matrix(world: World) -> None:
    rights = {
        right["action"]: right["roles"]
        for right in (await world.gateway.get("/raci", headers=VIEWER)).json()["decision_rights"]
    }
    assert rights == {
        "open_cycle": ["process_owner"],
        "edit_calendar": ["process_owner"],
        "close_cycle": ["process_owner"],
        "decide_escalation": ["executive_sponsor", "process_owner", "supply_planner"],
        "approve_plan": ["executive_sponsor"],
        "complete_data_gathering": ["process_owner"],
        "complete_demand_review": ["demand_planner"],
        "complete_supply_review": ["supply_planner"],
        "complete_pre_sop": ["process_owner"],
    }
