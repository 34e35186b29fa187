"""Alembic migrations of the VMS schema (applied by vms.db.engine.migrate)."""
