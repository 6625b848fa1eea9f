"""The S&OP process as data: its five steps, the RACI matrix, and the decision rights.

The matrix follows the reference design and the CPIM notes in ``shared/seeds``: the process
owner coordinates (data gathering, pre-S&OP, the calendar) and owns no plan; sales,
marketing and product management feed the demand plan the demand planner consolidates;
operations, procurement and HR feed the supply plan of the supply planner; finance
translates volumes into money at every step; pre-S&OP recommends and only the executive
sponsor decides escalations and approves. The decision rights the cycle enforces are read
from this matrix (a step is completed by its accountable role), so the matrix served at
``GET /raci`` is the rule, not a description of it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from gateway.cycle.rules import DELEGATED_ROLES
from shared.auth import Principal, Role
from shared.errors import Forbidden


class StepName(StrEnum):
    """The five steps of a monthly cycle, in the order they complete."""

    data_gathering = "data_gathering"
    demand_review = "demand_review"
    supply_review = "supply_review"
    pre_sop = "pre_sop"
    executive_sop = "executive_sop"


STEPS: tuple[StepName, ...] = tuple(StepName)


class ActivityKind(StrEnum):
    step = "step"
    decision = "decision"
    governance = "governance"
    follow_up = "follow_up"


class Action(StrEnum):
    """Every write of the cycle that a role may or may not make."""

    open_cycle = "open_cycle"
    edit_calendar = "edit_calendar"
    complete_data_gathering = "complete_data_gathering"
    complete_demand_review = "complete_demand_review"
    complete_supply_review = "complete_supply_review"
    complete_pre_sop = "complete_pre_sop"
    decide_escalation = "decide_escalation"
    approve_plan = "approve_plan"
    close_cycle = "close_cycle"


@dataclass(frozen=True)
class Activity:
    code: str
    kind: ActivityKind
    description: str
    accountable: Role
    responsible: frozenset[Role]
    consulted: frozenset[Role] = frozenset()

    def letters(self, role: Role) -> str:
        """The role's cell in R, A, C, I order: ``RA``, ``C``, ``I``; every role not
        responsible, accountable or consulted is informed."""
        cell = ("R" if role in self.responsible else "") + ("A" if role == self.accountable else "")
        if not cell:
            cell = "C" if role in self.consulted else "I"
        return cell


# Short names keep the matrix readable.
ES = Role.executive_sponsor
PO = Role.process_owner
SA = Role.sales
MK = Role.marketing
DP = Role.demand_planner
PM = Role.product_manager
SP = Role.supply_planner
OP = Role.operations
PR = Role.procurement
FI = Role.finance
HR = Role.hr
IN = Role.integration


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        code=StepName.data_gathering,
        kind=ActivityKind.step,
        description=(
            "Load and validate actuals, history, capacity, prices and costs; publish the "
            "data-quality report; review the open action items of earlier cycles."
        ),
        accountable=PO,
        responsible=_roles(PO, DP, SP, FI, IN),
        consulted=_roles(SA, OP),
    ),
    Activity(
        code=StepName.demand_review,
        kind=ActivityKind.step,
        description=(
            "Sales, marketing and product management agree the unconstrained demand plan, "
            "facilitated and locked by the demand planner."
        ),
        accountable=DP,
        responsible=_roles(DP, SA, MK, PM),
        consulted=_roles(FI, PO),
    ),
    Activity(
        code=StepName.supply_review,
        kind=ActivityKind.step,
        description=(
            "Operations checks the locked demand plan against capacity (rough-cut) and "
            "proposes a supply plan with its levers."
        ),
        accountable=SP,
        responsible=_roles(SP, OP, PR, HR),
        consulted=_roles(DP, FI, PO),
    ),
    Activity(
        code=StepName.pre_sop,
        kind=ActivityKind.step,
        description=(
            "Reconcile demand, supply and money into the recommended plan; document the "
            "escalation items with options and a recommendation. Recommends, never decides."
        ),
        accountable=PO,
        responsible=_roles(PO, DP, SP, FI),
        consulted=_roles(SA, MK, PM, OP, PR),
    ),
    Activity(
        code=StepName.executive_sop,
        kind=ActivityKind.step,
        description="Decide the escalations and approve the one set of numbers.",
        accountable=ES,
        responsible=_roles(ES),
        consulted=_roles(PO, FI, DP, SP, SA, MK, OP, PM),
    ),
    Activity(
        code="escalation_decisions",
        kind=ActivityKind.decision,
        description="Choose an option of each escalation item (or override it), with a rationale.",
        accountable=ES,
        responsible=_roles(ES),
        consulted=_roles(PO, FI),
    ),
    Activity(
        code="plan_approval",
        kind=ActivityKind.decision,
        description="Approve the recommended plan: it becomes current and immutable.",
        accountable=ES,
        responsible=_roles(ES),
        consulted=_roles(PO, FI),
    ),
    Activity(
        code="production_adherence",
        kind=ActivityKind.follow_up,
        description="Make the approved production plan; explain a family made off plan.",
        accountable=SP,
        responsible=_roles(SP, OP),
        consulted=_roles(PO),
    ),
    Activity(
        code="hours_adherence",
        kind=ActivityKind.follow_up,
        description="Work the approved hours; explain a resource worked off plan.",
        accountable=OP,
        responsible=_roles(OP, HR),
        consulted=_roles(SP),
    ),
    Activity(
        code="service_attainment",
        kind=ActivityKind.follow_up,
        description="Serve each segment at its fill-rate target; explain a shortfall.",
        accountable=SA,
        responsible=_roles(SA, DP),
        consulted=_roles(SP, PO),
    ),
    Activity(
        code="margin_variance",
        kind=ActivityKind.follow_up,
        description="Explain the margin variance to the approved plan (price, volume, mix, cost).",
        accountable=FI,
        responsible=_roles(FI),
        consulted=_roles(SA, SP, PO),
    ),
    Activity(
        code="cycle_calendar",
        kind=ActivityKind.governance,
        description="Open and close cycles and keep each cycle's calendar of due dates.",
        accountable=PO,
        responsible=_roles(PO),
    ),
)
ACTIVITY_BY_CODE = {activity.code: activity for activity in ACTIVITIES}

STEP_OWNERS: dict[StepName, Role] = {step: ACTIVITY_BY_CODE[step].accountable for step in STEPS}
COMPLETE_STEP: dict[StepName, Action] = {
    StepName.data_gathering: Action.complete_data_gathering,
    StepName.demand_review: Action.complete_demand_review,
    StepName.supply_review: Action.complete_supply_review,
    StepName.pre_sop: Action.complete_pre_sop,
}

_CALENDAR = ACTIVITY_BY_CODE["cycle_calendar"].accountable
_DECIDER = ACTIVITY_BY_CODE["escalation_decisions"].accountable
_APPROVER = ACTIVITY_BY_CODE["plan_approval"].accountable
RIGHTS: dict[Action, frozenset[Role]] = {
    Action.open_cycle: _roles(_CALENDAR),
    Action.edit_calendar: _roles(_CALENDAR),
    Action.close_cycle: _roles(_CALENDAR),
    # The executive decides; the delegated roles close what is within their authority
    # (gateway.cycle.rules), each item checked by the decision itself.
    Action.decide_escalation: _roles(_DECIDER, *DELEGATED_ROLES),
    Action.approve_plan: _roles(_APPROVER),
    **{action: _roles(STEP_OWNERS[step]) for step, action in COMPLETE_STEP.items()},
}
"""Who may make each write. The executive step completes by ``approve_plan``."""

ACTION_ITEM_STEWARD = PO
"""Besides an action item's owner, the role that may update it (it tracks them all)."""


def authorize(principal: Principal, action: Action) -> None:
    """Refuse (403) a caller holding none of the roles the action needs."""
    allowed = RIGHTS[action]
    if not principal.has_any(allowed):
        raise Forbidden(
            f"'{action}' is reserved to {_names(allowed)}; you have "
            f"{_names(principal.roles) or 'no role'}"
        )


def _names(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(str(role) for role in roles))
