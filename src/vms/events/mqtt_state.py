"""The MQTT target's retained state topics of each camera: motion, object counts, the snapshot.

`send` marks the camera of each message it delivered (`mark`); the connection's state task
(`events/mqtt.py`) takes the marks and publishes, for all the marked cameras at once, the state
read from the database at that moment (`EventStore.open_state`, one query) and the newest
marked event's snapshot. So a burst of messages costs one query per camera and the event
message never waits for its state. Only the values that changed on the current connection go
out (`reset` at each connection forgets them: the broker may have lost them); a snapshot is
published unless a newer event's picture is already there.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vms.core.ids import CameraId
from vms.events.mqtt_discovery import MqttCamera, Retained, Topics, state_messages
from vms.events.open_state import OpenState

Publish = Callable[[Sequence[Retained]], Awaitable[None]]  # retained messages, on the connection


class StateSource(Protocol):
    """What the MQTT target reads of the event store (blocking calls)."""

    def open_state(
        self, cameras: Sequence[CameraId], labels: Sequence[str]
    ) -> dict[CameraId, OpenState]: ...

    def snapshot(self, event_id: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class Mark:
    """A camera whose state may have changed; the newest event with a picture, if any."""

    camera: str
    snapshot_event: str | None = None
    snapshot_start_ms: int = -1


class CameraStates:
    """Marks to publish, and what the current connection has published (digests)."""

    def __init__(self, store: StateSource, topics: Topics, labels: Sequence[str]) -> None:
        self._store = store
        self._topics = topics
        self._labels = tuple(labels)
        self._marks: dict[str, Mark] = {}
        self._marked = asyncio.Event()
        self._published: dict[str, bytes] = {}
        self._snapshot_start: dict[str, int] = {}  # camera -> start_ms of its published picture

    def reset(self) -> None:
        """A new connection: publish every value again."""
        self._published.clear()
        self._snapshot_start.clear()

    def mark(self, camera: str, event: dict[str, object], event_id: str) -> None:
        """The message of `event` (the body's `event` object) went out: its camera's state
        follows; its snapshot too when it has one and is the newest marked."""
        old = self._marks.get(camera, Mark(camera))
        start_value = event.get("start_ms")
        start_ms = start_value if isinstance(start_value, int) else 0
        if event.get("snapshot_path") and start_ms >= old.snapshot_start_ms:
            old = Mark(camera, event_id, start_ms)
        self._marks[camera] = old
        self._marked.set()

    async def wait(self) -> list[Mark]:
        """The marks made since the last call, once there is one."""
        await self._marked.wait()
        self._marked.clear()
        marks, self._marks = list(self._marks.values()), {}
        return marks

    def restore(self, marks: Sequence[Mark]) -> None:
        """Marks whose state did not go out (the connection ended): keep them for the next."""
        for mark in marks:
            newer = self._marks.get(mark.camera)
            if newer is None or mark.snapshot_start_ms > newer.snapshot_start_ms:
                self._marks[mark.camera] = mark
        if marks:
            self._marked.set()

    async def publish(
        self, publish: Publish, cameras: Sequence[MqttCamera], marks: Sequence[Mark] = ()
    ) -> None:
        """The state of `cameras` (values that changed), then the marked snapshots of those."""
        if not cameras:
            return
        ids = [camera.id for camera in cameras]
        states = await asyncio.to_thread(self._store.open_state, ids, self._labels)
        messages: list[Retained] = []
        for camera in cameras:
            state = states.get(camera.id, OpenState())
            messages.extend(state_messages(self._topics, camera, state, self._labels))
        await self._publish_changed(publish, messages)
        shown = set(ids)
        for mark in marks:
            if mark.snapshot_event is None or mark.camera not in shown:
                continue
            if mark.snapshot_start_ms < self._snapshot_start.get(mark.camera, -1):
                continue  # a newer event's picture is there
            jpeg = await asyncio.to_thread(self._store.snapshot, mark.snapshot_event)
            if jpeg is not None:
                picture = Retained(self._topics.snapshot(mark.camera), jpeg)
                await self._publish_changed(publish, [picture])
                self._snapshot_start[mark.camera] = mark.snapshot_start_ms

    async def _publish_changed(self, publish: Publish, messages: Sequence[Retained]) -> None:
        digests = [(m, _digest(m.payload)) for m in messages]
        fresh = [(m, d) for m, d in digests if self._published.get(m.topic) != d]
        await publish([m for m, _ in fresh])
        for message, digest in fresh:
            self._published[message.topic] = digest


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=16).digest()
