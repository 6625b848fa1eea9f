"""The generated company (``sop demo --families N --seed S --coupling C``): deterministic by
seed, shaped as asked, and a company the reconciliation plans once loaded through the APIs."""

import asyncio
import datetime as dt

import pytest

from shared.periods import current_period
from sop.demo.generator import GROUP_SIZE, MONTHS, SEGMENTS, build_company
from tests.sop.demo.platform import load_and_reconcile

START = "2027-01"


def group_of(resource: str) -> str:
    return resource.split("-")[0]


def test_the_same_seed_gives_the_same_company_and_another_seed_another() -> None:
    first = build_company(families=20, seed=7, coupling=0.5, start=START)
    assert first == build_company(families=20, seed=7, coupling=0.5, start=START)
    assert (
        first.plan_lines != build_company(families=20, seed=8, coupling=0.5, start=START).plan_lines
    )


def test_the_company_has_the_asked_size() -> None:
    data = build_company(families=20, seed=1, coupling=0.2, start=START)
    # 20 families x 3 segments x 24 months of plan, of history and of prices.
    assert len(data.families) == 20
    assert len(data.plan_lines) == len(data.history) == len(data.prices) == 20 * 3 * 24
    # Two groups of ten, each with an assembly and a packing resource, 24 months of capacity.
    assert len(data.resources) == 2 * 2
    assert len(data.capacity) == 4 * MONTHS
    assert {line.segment_code for line in data.plan_lines} == {s.code for s in SEGMENTS}


def test_coupling_zero_keeps_each_group_on_its_own_resources_and_one_links_every_family() -> None:
    split = build_company(families=30, seed=3, coupling=0.0, start=START)
    for routing in split.routings:
        index = int(routing.family_code[1:])
        assert group_of(routing.resource_code) == f"G{index // GROUP_SIZE:04d}"
    coupled = build_company(families=30, seed=3, coupling=1.0, start=START)
    crossing = {
        r.family_code
        for r in coupled.routings
        if group_of(r.resource_code) != f"G{int(r.family_code[1:]) // GROUP_SIZE:04d}"
    }
    assert crossing == {family.code for family in coupled.families}


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        build_company(families=0, seed=1, coupling=0.2, start=START)
    with pytest.raises(ValueError):
        build_company(families=5, seed=1, coupling=1.5, start=START)


def test_a_generated_company_loads_through_the_apis_and_reconciles() -> None:
    data = build_company(families=20, seed=1, coupling=0.3, start=current_period(dt.date.today()))
    report, answer, _ = asyncio.run(load_and_reconcile(data))
    assert report.plan is not None and report.plan.status == "locked"
    assert report.upserts["http://demand/history"].created == len(data.history)
    assert answer.status_code == 201, answer.text[:2000]
    assert answer.json()["demand_plan_id"] == report.plan.id
