"""The `vms` commands that work on a stopped VMS: index repair, user password, OpenAPI document.

They share the composition root with `vms serve` (same database, same wiring) but run no part:
each takes the data-folder lock, so they never race a running server.
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any

from vms.app import create_app
from vms.auth.models import Role
from vms.auth.service import Auth
from vms.config import Settings
from vms.core.clock import SystemClock
from vms.core.errors import ConflictError, VmsError
from vms.core.filelock import exclusive_lock
from vms.db.engine import create_engine, migrate
from vms.services import build
from vms.storage.repair import FileOutcome, RepairReport, repair_index
from vms.telemetry.logging import configure_logging


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of a fully wired API, built on a throw-away data folder.

    The web client's types are generated from it at build time (`vms openapi`), so they can never
    drift from the routes the server really has.
    """
    with tempfile.TemporaryDirectory(prefix="vms-openapi-") as folder:
        settings = Settings.model_validate({"storage": {"data_dir": folder}})
        services = build(settings)
        try:
            return create_app(services).openapi()
        finally:
            services.engine.dispose()


def repair(settings: Settings) -> int:
    """`vms index repair`: reconcile index and files while VMS is stopped."""
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            services = build(settings)
            try:
                report = repair_index(services.index, services.pools)
            finally:
                services.engine.dispose()
    except ConflictError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1
    print(repair_summary(report))
    return 0


def set_user_password(settings: Settings, username: str, password: str, role: str) -> int:
    """`vms user password`: reset (or make) a user while VMS is stopped; their sessions end."""
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            engine = create_engine(settings.database.url)
            migrate(engine)
            auth = Auth.build(engine, SystemClock(), settings.auth)
            made = auth.users.set_password(username, password, Role(role))
            engine.dispose()
    except VmsError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1
    print(f"{'made' if made else 'changed the password of'} user {username!r}")
    return 0


def repair_summary(report: RepairReport) -> str:
    """What `vms index repair` did, one line per kind of change, for the operator."""
    lines = [
        f"finished interrupted deletes: {len(report.deletes_finished)}",
        f"dropped rows of missing files: {len(report.rows_dropped)}",
    ]
    lines += [f"files {outcome.value}: {report.count(outcome)}" for outcome in FileOutcome]
    lines += [f"  {item.outcome.value}: {item.path}" for item in report.files]
    if report.pools_skipped:
        lines.append(f"pools skipped (not a directory): {', '.join(report.pools_skipped)}")
    return "\n".join(lines)
