"""Reading consensus plans over REST: pages, one plan's lines with filters, 404s."""

import json

import pytest

from tests.gateway.company import DEMAND, MONTHS, Company
from tests.gateway.conftest import Platform

pytestmark = pytest.mark.anyio


async def test_lines_are_paginated_and_filtered(platform: Platform) -> None:
    await Company(families=3).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    plan = (await platform.gateway.post("/reconcile")).json()
    base = f"/consensus-plans/{plan['id']}/lines"

    page = (await platform.gateway.get(base, params={"limit": 5, "offset": 5})).json()
    assert page["total"] == 3 * len(DEMAND) * MONTHS
    assert len(page["items"]) == 5
    assert page["items"] == plan["lines"][5:10]

    only = await platform.gateway.get(
        base, params={"family_code": "F02", "segment_code": "KEY", "period_from": "2026-02"}
    )
    assert [(line["family_code"], line["period"]) for line in only.json()["items"]] == [
        ("F02", "2026-02"),
        ("F02", "2026-03"),
    ]

    # The same lines as NDJSON, all at once, with the same filters.
    export = await platform.gateway.get(f"{base}/export")
    assert export.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line) for line in export.text.splitlines()] == plan["lines"]
    exported = await platform.gateway.get(
        f"{base}/export", params={"family_code": "F02", "segment_code": "KEY"}
    )
    assert [json.loads(line)["period"] for line in exported.text.splitlines()] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    missing = await platform.gateway.get("/consensus-plans/999/lines/export")
    assert missing.status_code == 404

    latest = await platform.gateway.get("/consensus-plans/latest")
    assert latest.json()["id"] == plan["id"]
    listed = await platform.gateway.get("/consensus-plans", params={"status": "recommended"})
    assert [item["id"] for item in listed.json()["items"]] == [plan["id"]]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/consensus-plans/999", 404, None),
        ("/consensus-plans/999/lines", 404, None),
        ("/consensus-plans/latest", 404, None),
        ("/consensus-plans/0", 422, "path.id"),
        ("/consensus-plans/abc", 422, "path.id"),
        ("/consensus-plans?status=approved-ish", 422, "query.status"),
        ("/consensus-plans?limit=0", 422, "query.limit"),
        ("/consensus-plans/1/lines?period_from=2026-13", 422, "query.period_from"),
        ("/consensus-plans/1/lines?family_code=a%20b", 422, "query.family_code"),
    ],
)
async def test_bad_reads_are_problems(
    platform: Platform, path: str, status: int, field: str | None
) -> None:
    response = await platform.gateway.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]
