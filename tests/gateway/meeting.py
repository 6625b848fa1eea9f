"""A cycle walked through the API to its executive step on a reconciled plan: opened by the
process owner, data gathering (readiness overridden with a stated reason), demand review on
the locked demand plan, supply review, pre-S&OP on the plan; then decisions as the
executive. Shared by the small company's decision tests and the demo's done-when tests."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import Role
from shared.periods import add_months
from tests.gateway.company import Company, Step
from tests.gateway.conftest import Platform
from tests.gateway.steps import reconcile
from tests.tokens import bearer

EXECUTIVE = bearer(Role.executive_sponsor, subject="eve")
PROCESS_OWNER = bearer(Role.process_owner, subject="olivia")
DEMAND_PLANNER = bearer(Role.demand_planner, subject="dana")
SUPPLY_PLANNER = bearer(Role.supply_planner, subject="sam")


def versioned(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


def fill(plan: dict[str, Any], segment: str) -> float:
    return float(next(s["fill_rate"] for s in plan["segments"] if s["segment"] == segment))


def option_index(item: dict[str, Any], lever: str) -> int:
    return next(i for i, option in enumerate(item["options"]) if option["lever"] == lever)


@dataclass
class Meeting:
    """A cycle at its executive step, with the recommended plan it was walked on."""

    platform: Platform
    id: int
    version: int
    plan: dict[str, Any]

    @classmethod
    async def reach(
        cls,
        platform: Platform,
        *,
        demand_plan_id: int,
        plan: dict[str, Any],
        readiness_override: str,
        horizon_months: int | None = None,
    ) -> "Meeting":
        """The cycle of the month before ``plan``'s horizon (over ``horizon_months``, by
        default the plan's), walked to its executive step."""
        gateway = platform.gateway
        start = plan["horizon_start"]
        opened = await gateway.post(
            "/cycles",
            json={
                "period": add_months(start, -1),
                "horizon_start": start,
                "horizon_months": horizon_months or len(plan["periods"]),
            },
            headers=PROCESS_OWNER,
        )
        assert opened.status_code == 201, opened.text
        cycle = opened.json()
        for step, who, body in (
            (
                "data_gathering",
                PROCESS_OWNER,
                {"data_quality_report": "dq", "readiness_override": readiness_override},
            ),
            ("demand_review", DEMAND_PLANNER, {"demand_plan_id": demand_plan_id}),
            ("supply_review", SUPPLY_PLANNER, {}),
            ("pre_sop", PROCESS_OWNER, {"consensus_plan_id": plan["id"]}),
        ):
            done = await gateway.post(
                f"/cycles/{cycle['id']}/steps/{step}/complete",
                json=body,
                headers=versioned(who, cycle["version"]),
            )
            assert done.status_code == 200, f"{step}: {done.text}"
            cycle = done.json()
        return cls(platform, cycle["id"], cycle["version"], plan)

    def item(self, kind: str, segment: str | None = None) -> dict[str, Any]:
        return next(
            item
            for item in self.plan["escalations"]
            if item["kind"] == kind and segment in (None, item["segment_code"])
        )

    async def post(self, path: str, who: dict[str, str], body: Any = None) -> httpx.Response:
        """A write on the cycle under its current version, which the answer's ETag moves."""
        answer = await self.platform.gateway.post(
            f"/cycles/{self.id}{path}", json=body, headers=versioned(who, self.version)
        )
        if "ETag" in answer.headers:
            self.version = int(answer.headers["ETag"].strip('"'))
        return answer

    async def decide_all(
        self, chosen: dict[int, int], who: dict[str, str] = EXECUTIVE
    ) -> httpx.Response:
        """Every item: the option chosen for it, else accepted as planned (option 0)."""
        return await self.post(
            "/decisions",
            who,
            {
                "decisions": [
                    {
                        "escalation_id": item["id"],
                        "option_index": chosen.get(item["id"], 0),
                        "rationale": f"decided {item['title']}",
                    }
                    for item in self.plan["escalations"]
                ]
            },
        )


async def small_company_meeting(
    platform: Platform, *, hours_short: float = 30.0, steps: Sequence[Step] = ()
) -> Meeting:
    """The two-family company of ``tests.gateway.company``, ``hours_short`` regular hours a
    month taken off ASSY-1 (and its expansion ``steps``), reconciled and walked to its
    executive step."""
    company = Company(families=2, hours_short=hours_short, expansion_steps=list(steps))
    demand_plan_id = await company.load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    return await Meeting.reach(
        platform,
        demand_plan_id=demand_plan_id,
        plan=await reconcile(platform),
        readiness_override="the test company has no AOP",
        horizon_months=12,  # a cycle's shortest horizon; the company plans 3 months of it
    )
