"""Alembic revisions of the demand schema (see ``shared.schema``)."""
