"""Batch functions over the gateway's stored consensus plans: one query per batch, in a
worker thread."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
)
from gateway.solver.solution import Explanation
from shared.db import run_in_session

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class LineFilter:
    family_code: str | None = None
    segment_code: str | None = None
    period_from: str | None = None
    period_to: str | None = None


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
        plans_of_filter: dict[LineFilter, set[int]] = defaultdict(set)
        for plan_id, line_filter in keys:
            plans_of_filter[line_filter].add(plan_id)

        def read(session: Session) -> dict[tuple[int, LineFilter], list[ConsensusLinePublic]]:
            found: dict[tuple[int, LineFilter], list[ConsensusLinePublic]] = defaultdict(list)
            for line_filter, plan_ids in plans_of_filter.items():
                filters = ConsensusLineFilters.model_validate(asdict(line_filter))
                for row in consensus.sales_lines(
                    session, plan_ids=sorted(plan_ids), filters=filters
                ):
                    found[(row.plan_id, line_filter)].append(
                        ConsensusLinePublic.model_validate(row)
                    )
            return found

        found = await run_in_session(self.engine, read)
        return [found.get(key, []) for key in keys]

    async def family_lines(self, keys: list[PlanCode]) -> list[list[ConsensusFamilyLinePublic]]:
        def read(session: Session) -> list[tuple[int, ConsensusFamilyLinePublic]]:
            rows = consensus.family_lines(
                session, plan_ids=_plans_of(keys), family_codes=_codes_of(keys)
            )
            return [(row.plan_id, ConsensusFamilyLinePublic.model_validate(row)) for row in rows]

        rows = await run_in_session(self.engine, read)
        return _by_plan_and_code(keys, rows, code_of=lambda line: line.family_code)

    async def resource_lines(self, keys: list[PlanCode]) -> list[list[ConsensusResourceLinePublic]]:
        def read(session: Session) -> list[tuple[int, ConsensusResourceLinePublic]]:
            rows = consensus.resource_lines(
                session, plan_ids=_plans_of(keys), resource_codes=_codes_of(keys)
            )
            return [(row.plan_id, ConsensusResourceLinePublic.model_validate(row)) for row in rows]

        rows = await run_in_session(self.engine, read)
        return _by_plan_and_code(keys, rows, code_of=lambda line: line.resource_code)

    async def escalations(self, plan_ids: list[int]) -> list[list[EscalationPublic]]:
        def read(session: Session) -> dict[int, list[EscalationPublic]]:
            found: dict[int, list[EscalationPublic]] = defaultdict(list)
            for row in consensus.escalations(session, plan_ids=sorted(set(plan_ids))):
                found[row.plan_id].append(EscalationPublic.model_validate(row))
            return found

        found = await run_in_session(self.engine, read)
        return [found.get(plan_id, []) for plan_id in plan_ids]

    async def explanations(self, plan_ids: list[int]) -> list[Explanation | None]:
        found = await run_in_session(
            self.engine, lambda session: consensus.explanations(session, plan_ids=plan_ids)
        )
        return [found.get(plan_id) for plan_id in plan_ids]


def _plans_of(keys: list[PlanCode]) -> list[int]:
    return sorted({plan_id for plan_id, _ in keys})


def _codes_of(keys: list[PlanCode]) -> list[str] | None:
    """The codes asked for, or ``None`` when one key asks for every code."""
    codes = {code for _, code in keys}
    return None if None in codes else sorted(code for code in codes if code is not None)


def _by_plan_and_code(
    keys: list[PlanCode], rows: list[tuple[int, ItemT]], *, code_of: Callable[[ItemT], str]
) -> list[list[ItemT]]:
    found: dict[PlanCode, list[ItemT]] = defaultdict(list)
    for plan_id, item in rows:
        found[(plan_id, None)].append(item)
        found[(plan_id, code_of(item))].append(item)
    return [found.get(key, []) for key in keys]
