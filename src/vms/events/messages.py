"""The body of an event message, as every delivery target receives it (schema `vms.event/1`,
documented field by field in docs/guide/webhooks.md).

The `event` object has the keys of the API's event (`GET /api/v1/events/{id}`) except `clip`,
which depends on settings that may change before the message is read: a receiver that knows
one knows the other. Picture paths are relative to the VMS address, which VMS does not know
from inside (proxies, names): the receiver prefixes its own.
"""

from __future__ import annotations

from typing import Any

from vms.core.bus import EventPhase as Phase
from vms.events.models import EventRecord

SCHEMA = "vms.event/1"
API_PREFIX = "/api/v1"


def event_message(
    record: EventRecord, phase: Phase, message_id: str, written_ms: int
) -> dict[str, Any]:
    """The JSON body for one change (`phase`) of `record`; `message_id` is the idempotency id
    a receiver de-duplicates on (the same on every try)."""
    base = f"{API_PREFIX}/events/{record.id}"
    return {
        "schema": SCHEMA,
        "message_id": message_id,
        "type": f"event.{phase}",
        "written_ms": written_ms,
        "event": {
            "id": record.id,
            "camera_id": record.camera_id,
            "label": record.label,
            "zones": list(record.zones),
            "score": record.score,
            "start_ms": record.start_ms,
            "end_ms": record.end_ms,
            "rule": record.rule,
            "rule_kind": record.rule_kind,
            "track_id": record.track_id,
            "direction": record.direction,
            "counts": None
            if record.counts is None
            else {"in": record.counts[0], "out": record.counts[1]},
            "peak_count": record.peak_count,
            "path": [list(point) for point in record.path],
            "snapshot_path": f"{base}/snapshot.jpg" if record.has_snapshot else None,
            "thumbnail_path": f"{base}/thumbnail.jpg" if record.has_thumbnail else None,
        },
    }
