"""The demand service's audit trail and webhook tables, made once in its registry.

The app passes them to ``create_service_app``; the plans emit their events into ``WEBHOOKS``.
"""

from services.demand.tables import DemandTable
from shared.audit import audit_table_for
from shared.webhooks import webhook_tables_for

AuditEntry = audit_table_for(DemandTable)
# Locking a plan closes the demand review (``plans.service.lock_plan``).
PLAN_LOCKED = "demand_plan.locked"
WEBHOOKS = webhook_tables_for(DemandTable, events=[PLAN_LOCKED])
