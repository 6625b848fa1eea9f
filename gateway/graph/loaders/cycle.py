"""Per-request loaders of the cycle's own rows: decisions, action items, escalation entries."""

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from strawberry.dataloader import DataLoader

from gateway.cycle import models, queries
from gateway.cycle.runner import SessionRunner


@dataclasses.dataclass(frozen=True)
class CycleLoaders:
    decisions: DataLoader[int, list[models.DecisionPublic]]
    action_items: DataLoader[int, list[models.CycleActionItem]]
    escalations: DataLoader[int, list[models.EscalationDecision]]

    @classmethod
    def build(cls, run: SessionRunner) -> "CycleLoaders":
        def by_cycle(
            read: Callable[[Session, list[models.Cycle]], dict[int, Any]],
        ) -> DataLoader[int, Any]:
            async def load(ids: list[int]) -> list[Any]:
                def work(session: Session) -> dict[int, Any]:
                    return read(session, queries.cycles_by_id(session, cycle_ids=ids))

                found = await run(work)
                return [found.get(cycle_id, []) for cycle_id in ids]

            return DataLoader(load_fn=load)

        def decisions(session: Session, cycles: list[models.Cycle]) -> dict[int, Any]:
            ids = [cycle.id for cycle in cycles if cycle.id is not None]
            return queries.decisions_by_cycle(session, cycle_ids=ids)

        def action_items(session: Session, cycles: list[models.Cycle]) -> dict[int, Any]:
            return queries.action_items_by_cycle(session, cycles=cycles)

        def escalations(session: Session, cycles: list[models.Cycle]) -> dict[int, Any]:
            return queries.escalations_by_cycle(session, cycles=cycles)

        return cls(
            decisions=by_cycle(decisions),
            action_items=by_cycle(action_items),
            escalations=by_cycle(escalations),
        )
