"""A consensus plan's lines over GraphQL come one page at a time (at most 1,000 lines), in
family, segment, month order: the pages put together are the REST listing."""

import pytest

from tests.gateway.company import Company
from tests.gateway.conftest import Platform

pytestmark = pytest.mark.anyio

PAGE = """
query Page($limit: Int!, $offset: Int!) {
  latestConsensusPlan { lines(limit: $limit, offset: $offset) { familyCode segmentCode period } }
}
"""


async def test_pages_of_lines_add_up_to_the_plans_lines(platform: Platform) -> None:
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    plan = (await platform.gateway.post("/reconcile")).json()
    listed = (await platform.gateway.get(f"/consensus-plans/{plan['id']}/lines?limit=5000")).json()
    expected = [
        {
            "familyCode": line["family_code"],
            "segmentCode": line["segment_code"],
            "period": line["period"],
        }
        for line in listed["items"]
    ]
    # 2 families x 2 segments x 3 months = 12 lines: pages of 5 are 5, 5 and 2 lines.
    assert len(expected) == 12
    pages = []
    for offset in (0, 5, 10):
        data = await platform.graphql(PAGE, limit=5, offset=offset)
        pages.append(data["latestConsensusPlan"]["lines"])  # type: ignore[index]
    assert [len(page) for page in pages] == [5, 5, 2]
    assert [line for page in pages for line in page] == expected


async def test_a_page_beyond_1000_lines_or_before_the_first_is_refused(platform: Platform) -> None:
    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    assert (await platform.gateway.post("/reconcile")).status_code == 201
    answer = await platform.gateway.post(
        "/graphql", json={"query": PAGE, "variables": {"limit": 1001, "offset": -1}}
    )
    [error] = answer.json()["errors"]
    fields = {e["field"] for e in error["extensions"]["errors"]}
    assert fields == {"limit", "offset"}
