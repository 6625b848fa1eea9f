"""The planning fields of the graph batch their upstream calls: a plan's valuation, gap and
KPIs cost the same calls for 2 families as for 20, and each read happens once per query."""

from collections import Counter

import pytest

from tests.gateway.company import Company
from tests.gateway.conftest import Platform
from tests.gateway.steps import load, reconcile

pytestmark = pytest.mark.anyio

QUERY = """
query($id: Int!) {
  rccp { bottlenecks rows { resourceCode period families { familyCode } } }
  consensusPlan(id: $id) {
    valuation { totals { margin } lines { familyCode revenue } }
    aopGap { totals { margin { gap } } }
    kpis { marginPct fillRates { segmentCode } }
    demandPlan { id valuation { totals { revenue } } kpis { capacityUtilisation } }
  }
  families { code demandPlanLines { quantity } }
}
"""


async def calls_for(platform: Platform, families: int) -> tuple[Counter[str], int]:
    await load(platform, Company(families=families))
    plan = await reconcile(platform)
    platform.calls.clear()
    data = await platform.graphql(QUERY, id=plan["id"])
    lines = data["consensusPlan"]["valuation"]["lines"]  # type: ignore[index]
    return Counter(f"{call.method} {call.path}" for call in platform.calls), len(lines)


@pytest.mark.parametrize("families", [2, 20])
async def test_planning_fields_cost_a_fixed_number_of_calls(
    platform: Platform, families: int
) -> None:
    calls, lines = await calls_for(platform, families)
    assert lines == families * 2 * 3
    assert calls == Counter(
        {
            "GET /demand-plans/latest": 1,  # rccp of the latest plan
            "GET /demand-plans/1": 1,  # the demand plan, valued
            "GET /demand-plans": 1,  # consensusPlan.demandPlan
            "GET /demand-plans/1/lines/export": 1,  # shared by the RCCP and the valuation
            "POST /rccp": 1,  # shared by rccp and the demand plan's KPIs
            "GET /lever-costs/export": 1,
            "GET /segments": 1,  # fill-rate targets, shared by both KPIs
            "GET /families": 1,
            "POST /valuations": 2,  # one per plan
            "POST /aop-gaps": 1,
            "POST /kpis": 2,  # one per plan
        }
    )
