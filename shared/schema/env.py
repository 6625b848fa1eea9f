"""The Alembic environment every service migrates through (see ``shared.schema``): online
only, on the connection and the service's schema history the caller hands over."""

from alembic import context

config = context.config
if context.is_offline_mode():
    raise SystemExit("SQL scripts are not generated: migrations run on a live connection")

migrations = config.attributes["migrations"]
context.configure(
    connection=config.attributes["connection"],
    target_metadata=migrations.metadata,
    **migrations.context_options(),
)
with context.begin_transaction():
    context.run_migrations()
