"""The gateway's audit trail and webhook tables, made once in the gateway's registry.

Everything in the gateway that audits or emits events uses these two; the app passes the
same objects to ``app.state`` (``audit_table``, ``webhooks``) and to the audit and webhook
routers.
"""

from gateway.tables import GatewayTable
from shared.audit import audit_table_for
from shared.webhooks import webhook_tables_for

AuditEntry = audit_table_for(GatewayTable)
WEBHOOKS = webhook_tables_for(GatewayTable)
