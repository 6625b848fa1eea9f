"""Batch functions over the gateway's stored consensus plans: one query per batch, in a
worker thread; a plan's lines per family and resource and its escalation items, which never
change once stored, from the process-wide caches of ``gateway.plans.service``."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.plans import service as consensus
from gateway.plans.models import (
    ConsensusFamilyLinePublic,
    ConsensusLineFilters,
    ConsensusLinePublic,
    ConsensusPlanSummary,
    ConsensusResourceLinePublic,
    EscalationPublic,
    OperationsComparison,
)
from gateway.solver.solution import Explanation
from shared.db import run_in_session

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class LineFilter:
    """Which lines of a plan, and which page of them (in family, segment, period order)."""

    family_code: str | None = None
    segment_code: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    offset: int = 0
    limit: int = 1000

    @property
    def filters(self) -> ConsensusLineFilters:
        return ConsensusLineFilters(
            family_code=self.family_code,
            segment_code=self.segment_code,
            period_from=self.period_from,
            period_to=self.period_to,
        )


PlanCode = tuple[int, str | None]  # (plan id, family or resource code; None: every code)


class PlanLoaders:
    """Batch functions over the gateway's database: one query per batch, in a thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def plans(self, plan_ids: list[int]) -> list[ConsensusPlanSummary | None]:
        def read(session: Session) -> dict[int, ConsensusPlanSummary]:
            rows = consensus.plans_by_id(session, plan_ids=plan_ids)
            return {summary.id: summary for summary in map(consensus.summary_of, rows)}

        found = await run_in_session(self.engine, read)
        return [found.get(plan_id) for plan_id in plan_ids]

    async def latest_plan(self, keys: list[None]) -> list[ConsensusPlanSummary | None]:
        def read(session: Session) -> ConsensusPlanSummary | None:
            plan = consensus.latest_plan(session)
            return consensus.summary_of(plan) if plan is not None else None

        latest = await run_in_session(self.engine, read)
        return [latest for _ in keys]

    async def lines(self, keys: list[tuple[int, LineFilter]]) -> list[list[ConsensusLinePublic]]:
        """One page of lines per key: one query per plan and page (a page is at most
        ``LineFilter.limit`` lines, so a batch never reads a whole large plan at once)."""

        def read(session: Session) -> list[list[ConsensusLinePublic]]:
            return [
                [
                    ConsensusLinePublic.model_validate(row)
                    for row in consensus.lines_page(
                        session,
                        plan_id=plan_id,
                        filters=line_filter.filters,
                        offset=line_filter.offset,
                        limit=line_filter.limit,
                    )
                ]
                for plan_id, line_filter in keys
            ]

        return await run_in_session(self.engine, read)

    async def family_lines(self, keys: list[PlanCode]) -> list[list[ConsensusFamilyLinePublic]]:
        found = await run_in_session(
            self.engine,
            lambda session: consensus.cached_family_lines(session, plan_ids=_plans_of(keys)),
        )
        return _by_plan_and_code(keys, found, code_of=lambda line: line.family_code)

    async def resource_lines(self, keys: list[PlanCode]) -> list[list[ConsensusResourceLinePublic]]:
        found = await run_in_session(
            self.engine,
            lambda session: consensus.cached_resource_lines(session, plan_ids=_plans_of(keys)),
        )
        return _by_plan_and_code(keys, found, code_of=lambda line: line.resource_code)

    async def escalations(self, plan_ids: list[int]) -> list[list[EscalationPublic]]:
        found = await run_in_session(
            self.engine,
            lambda session: consensus.cached_escalations(session, plan_ids=sorted(set(plan_ids))),
        )
        return [list(found.get(plan_id, [])) for plan_id in plan_ids]

    async def operations_comparisons(self, plan_ids: list[int]) -> list[OperationsComparison]:
        found = await run_in_session(
            self.engine,
            lambda session: consensus.operations_comparisons(session, plan_ids=plan_ids),
        )
        return [found[plan_id] for plan_id in plan_ids]

    async def explanations(self, plan_ids: list[int]) -> list[Explanation | None]:
        found = await run_in_session(
            self.engine, lambda session: consensus.explanations(session, plan_ids=plan_ids)
        )
        return [found.get(plan_id) for plan_id in plan_ids]


def _plans_of(keys: list[PlanCode]) -> list[int]:
    return sorted({plan_id for plan_id, _ in keys})


def _by_plan_and_code(
    keys: list[PlanCode], found: dict[int, list[ItemT]], *, code_of: Callable[[ItemT], str]
) -> list[list[ItemT]]:
    """Each key's lines: its plan's, of its code (every code for ``None``)."""
    return [
        [item for item in found.get(plan_id, []) if code is None or code_of(item) == code]
        for plan_id, code in keys
    ]
