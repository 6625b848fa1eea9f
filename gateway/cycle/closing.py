"""Closing a cycle rolls its demand plan into the next one and puts the closed month's
deviations on the next one's agenda.

The closing checks its gate in one short transaction, asks the demand service for the
roll (the cycle's locked demand plan over the next cycle's horizon) and the execution
follow-up for the deviations of the cycle's month beyond tolerance, then closes and opens
in another, guarded by the cycle's version, recording the deviations on the opened cycle.
The roll carries an Idempotency-Key naming the cycle, so a close retried after a lost
answer or a stale version gets the same draft rather than a second one. Rights, versions
and errors are those of ``service.close_cycle``.
"""

from sqlmodel import Session

from gateway.cycle import queries, service
from gateway.cycle.concurrency import require_version
from gateway.cycle.events import announce_closing, announce_deviations
from gateway.cycle.models import CycleDeviationPublic, CycleTransition
from gateway.cycle.raci import Action, authorize
from gateway.cycle.runner import SessionRunner
from gateway.cycle.settings import CycleSettings
from gateway.cycle.sources import PlanSources
from shared.auth import Principal
from shared.contracts.demand import PlanRollPublic

# The next cycle's horizon starts this much after the closing one's (``service.close_cycle``).
ROLL_MONTHS = 1


def roll_key(cycle_id: int) -> str:
    return f"close-cycle-{cycle_id}-roll"


async def close_and_roll(
    *,
    run: SessionRunner,
    sources: PlanSources,
    principal: Principal,
    cycle_id: int,
    expected_version: int | None,
    settings: CycleSettings,
) -> CycleTransition:
    """Close an approved cycle, open the next, and roll the closed cycle's demand plan into
    the next cycle's horizon; the answer lists what the roll carried and dropped, and the
    deviations of the closed cycle's month now on the opened cycle's agenda
    (``deviation.raised`` for each)."""
    authorize(principal, Action.close_cycle)
    expected = require_version(expected_version, what="a cycle")
    cycle = await run(
        lambda session: service.closable_cycle(session, cycle_id=cycle_id, expected=expected)
    )
    roll: PlanRollPublic | None = None
    if cycle.demand_plan_id is not None:
        # The demand review's gate made the plan's horizon the cycle's; the next cycle's
        # horizon starts ROLL_MONTHS later.
        roll = await sources.roll_demand_plan(
            cycle.demand_plan_id, months=ROLL_MONTHS, idempotency_key=roll_key(cycle_id)
        )
    found = await sources.deviations(period=cycle.period)

    def close(session: Session) -> CycleTransition:
        closed, opened = service.close_cycle(
            session,
            principal=principal,
            cycle_id=cycle_id,
            expected_version=expected,
            settings=settings,
        )
        assert opened.id is not None
        deviations = service.record_deviations(session, cycle_id=opened.id, found=found)
        announce_closing(
            session, closed=closed, opened=opened, rolled_plan=roll.plan.id if roll else None
        )
        announce_deviations(session, deviations=deviations)
        closed_public, opened_public = queries.cycles_public(session, [closed, opened])
        return CycleTransition(
            closed=closed_public,
            opened=opened_public,
            roll=roll,
            deviations=[CycleDeviationPublic.model_validate(d) for d in deviations],
        )

    return await run(close)
