"""Alembic revisions of the supply schema (see ``shared.schema``)."""
