"""The authorised plan as the cycle reads it: the latest authorisation of a cycle, what it
changed against the recommended plan, and which plan approval publishes."""

from sqlmodel import Session, col, select

from gateway.cycle.models import Authorisation, AuthorisationPublic, Cycle, Decision
from gateway.cycle.problems import GateClosed
from gateway.cycle.rules import effective
from gateway.plans import service as consensus
from gateway.plans.diff import diff
from gateway.plans.models import ConsensusPlan, EscalationPublic, PlanDiff
from gateway.solver.changes import ChangeList
from shared.errors import NotFound


def latest_authorisation(session: Session, *, cycle_id: int) -> Authorisation | None:
    query = (
        select(Authorisation)
        .where(col(Authorisation.cycle_id) == cycle_id)
        .order_by(col(Authorisation.id).desc())
    )
    return session.exec(query.limit(1)).first()


def escalation_key(item: EscalationPublic) -> tuple[str, ...]:
    """What an item is about: the same key in two plans is the same issue."""
    return (
        item.kind,
        item.segment_code or "",
        item.resource_code or "",
        item.family_code or "",
        ",".join(item.periods) if item.kind == "aop_gap" else "",
    )


def authorisation_public(session: Session, authorisation: Authorisation) -> AuthorisationPublic:
    """The authorisation with its plan, its diff against the recommended plan and the items
    its re-solve raised that the recommended plan did not have."""
    recommended = consensus.whole_plan(session, plan_id=authorisation.recommended_plan_id)
    authorised = consensus.whole_plan(session, plan_id=authorisation.plan_id)
    known = {escalation_key(item) for item in recommended.escalations}
    return AuthorisationPublic(
        **authorisation.model_dump(),
        plan=consensus.summary_of(consensus.get_plan(session, plan_id=authorisation.plan_id)),
        new_escalations=[
            item for item in authorised.escalations if escalation_key(item) not in known
        ],
        diff=diff(recommended, authorised),
    )


def cycle_authorisation(session: Session, *, cycle_id: int) -> AuthorisationPublic:
    """The cycle's latest authorisation (404 before the first)."""
    found = latest_authorisation(session, cycle_id=cycle_id)
    if found is None:
        raise NotFound(
            f"cycle {cycle_id} has no authorised plan yet: POST /cycles/{cycle_id}/authorise"
        )
    return authorisation_public(session, found)


def authorised_diff(session: Session, *, cycle_id: int) -> PlanDiff:
    """The cycle's authorised plan against its recommended plan."""
    return cycle_authorisation(session, cycle_id=cycle_id).diff


def decisions_with_changes(session: Session, *, plan_id: int) -> list[Decision]:
    """The decisions on a plan's items that change the plan, in the order they were made."""
    decisions = session.exec(
        select(Decision).where(col(Decision.plan_id) == plan_id).order_by(col(Decision.id))
    ).all()
    return [
        decision
        for decision in decisions
        if effective(ChangeList.model_validate({"changes": decision.changes}).changes)
    ]


def plan_to_publish(session: Session, *, cycle: Cycle, recommended: ConsensusPlan) -> ConsensusPlan:
    """What approval publishes: the recommended plan when no decision changes it, else the
    latest authorised plan, which must apply every decision that does (409 otherwise)."""
    assert cycle.id is not None and recommended.id is not None
    changing = {d.id for d in decisions_with_changes(session, plan_id=recommended.id)}
    if not changing:
        return recommended
    found = latest_authorisation(session, cycle_id=cycle.id)
    missing = sorted(
        changing - set(found.decision_ids if found is not None else []), key=lambda i: i or 0
    )
    if found is None or found.recommended_plan_id != recommended.id or missing:
        raise GateClosed(
            "plan-authorised",
            f"decisions {missing} change the plan and no authorised plan applies them yet: "
            f"POST /cycles/{cycle.id}/authorise re-solves it",
            extra={"decisions_not_applied": missing},
        )
    return consensus.get_plan(session, plan_id=found.plan_id)
