"""Alembic revisions of the gateway schema (see ``shared.schema``)."""
