"""The gateway's own table registry: consensus plans, escalations, the S&OP cycle, and its
audit trail, webhook and idempotency-key tables.

Everything in the gateway that audits or emits events uses ``AuditEntry`` and ``WEBHOOKS``;
the app passes the same objects to ``app.state`` (``audit_table``, ``webhooks``) and to the
audit and webhook routers.
"""

from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.audit import audit_table_for
from shared.idempotency import idempotency_table_for
from shared.schema import Migrations
from shared.webhooks import webhook_tables_for


class GatewayTable(SQLModel, registry=registry()):
    """Base of every table of the gateway."""


AuditEntry = audit_table_for(GatewayTable)


class GatewayEvent(StrEnum):
    """Every webhook event the gateway emits (``/webhooks`` refuses other names)."""

    consensus_recommended = "consensus.recommended"
    escalation_decided = "escalation.decided"
    plan_approved = "plan.approved"
    step_completed = "step.completed"
    step_late = "step.late"
    cycle_closed = "cycle.closed"
    deviation_raised = "deviation.raised"


WEBHOOKS = webhook_tables_for(GatewayTable, events=GatewayEvent)
# Keys of the POSTs that create (shared.idempotency), stored with what they created.
IdempotencyKey = idempotency_table_for(GatewayTable)

metadata = GatewayTable.metadata
# Complete once the app's modules are imported (``main``): every table registers on import.
migrations = Migrations(
    name="gateway", metadata=metadata, versions=Path(__file__).parent / "migrations"
)
