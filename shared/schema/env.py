"""The Alembic environment every service migrates through (see ``shared.schema``): online
only, on the connection and metadata the caller hands over."""

from alembic import context

from shared.schema import only_tables_of

config = context.config
if context.is_offline_mode():
    raise SystemExit("SQL scripts are not generated: migrations run on a live connection")

metadata = config.attributes["metadata"]
context.configure(
    connection=config.attributes["connection"],
    target_metadata=metadata,
    version_table=config.get_main_option("version_table"),
    include_name=only_tables_of(metadata),
    compare_type=True,
    # SQLite alters a table by copying it: batch operations work on every backend.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
