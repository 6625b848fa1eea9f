"""Alembic revisions of the finance schema (see ``shared.schema``)."""
