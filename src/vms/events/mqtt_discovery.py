"""The MQTT target's topics, and the Home Assistant discovery messages that turn each camera
into a device with a motion sensor, object counts and the last snapshot. Pure values: what to
publish, never how (`events/mqtt.py` publishes them).

Topics, under `topic_prefix` (`vms`): `available` (online/offline, retained; also the last
will), `<camera>/events` (every event message, `vms.event/1`), and the retained state of each
camera: `<camera>/motion` (ON/OFF), `<camera>/<label>/count`, `<camera>/<zone>/<label>/count`
and `<camera>/snapshot` (JPEG bytes). A zone's name becomes a topic level through
`zone_levels` (lower case, other characters `_`), so a name with spaces or a slash is safe.

Discovery (retained) goes to `<discovery_prefix>/<component>/<node>/<object_id>/config` with
the node `vms_<camera>` (the topic prefix, slashes as `_`, then the camera id), one config per
entity, as Home Assistant's MQTT integration documents them:
- discovery topic, `unique_id`, `device` (identifiers, name, manufacturer, model),
  `availability_topic` with `payload_available`/`payload_not_available`:
  https://www.home-assistant.io/integrations/mqtt/ ("MQTT Discovery")
- `binary_sensor` with `state_topic`, `payload_on`/`payload_off`, `device_class: motion`:
  https://www.home-assistant.io/integrations/binary_sensor.mqtt/
- `sensor` with `state_topic`, `state_class: measurement`:
  https://www.home-assistant.io/integrations/sensor.mqtt/
- `image` with `image_topic` (the raw image file, no encoding) and `content_type`:
  https://www.home-assistant.io/integrations/image.mqtt/
An empty retained payload on a config topic removes that entity from Home Assistant.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vms import __version__
from vms.config.mqtt import MqttSettings
from vms.core.ids import CameraId
from vms.events.open_state import OpenState

ONLINE = b"online"
OFFLINE = b"offline"
MOTION_ON = b"ON"
MOTION_OFF = b"OFF"
_NOT_TOPIC_SAFE = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class MqttCamera:
    """A camera as the MQTT target shows it: its id, display name and zone names (polygons:
    the places objects are counted in). The composition root supplies the list."""

    id: CameraId
    name: str
    zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Retained:
    """One retained message to publish."""

    topic: str
    payload: bytes


def zone_levels(zones: Iterable[str]) -> dict[str, str]:
    """Each zone name's topic level: lower-case ASCII (accents dropped), runs of other
    characters as `_`; a level two names would share gets `_2`, `_3`..."""
    levels: dict[str, str] = {}
    taken: set[str] = set()
    for zone in zones:
        ascii_name = unicodedata.normalize("NFKD", zone).encode("ascii", "ignore").decode()
        base = _NOT_TOPIC_SAFE.sub("_", ascii_name.lower()).strip("_") or "zone"
        level, n = base, 1
        while level in taken:
            n += 1
            level = f"{base}_{n}"
        taken.add(level)
        levels[zone] = level
    return levels


@dataclass(frozen=True, slots=True)
class Topics:
    """Where the target publishes, under `prefix`."""

    prefix: str

    @property
    def available(self) -> str:
        return f"{self.prefix}/available"

    def events(self, camera: str) -> str:
        return f"{self.prefix}/{camera}/events"

    def motion(self, camera: str) -> str:
        return f"{self.prefix}/{camera}/motion"

    def count(self, camera: str, label: str) -> str:
        return f"{self.prefix}/{camera}/{label}/count"

    def zone_count(self, camera: str, zone_level: str, label: str) -> str:
        return f"{self.prefix}/{camera}/{zone_level}/{label}/count"

    def snapshot(self, camera: str) -> str:
        return f"{self.prefix}/{camera}/snapshot"


def state_messages(
    topics: Topics, camera: MqttCamera, state: OpenState, labels: Sequence[str]
) -> list[Retained]:
    """A camera's retained state: motion ON/OFF, then the objects of each label in the
    camera and in each of its zones."""
    messages = [Retained(topics.motion(camera.id), MOTION_ON if state.motion else MOTION_OFF)]
    for label in labels:
        messages.append(Retained(topics.count(camera.id, label), b"%d" % state.count(label)))
    for zone, level in zone_levels(camera.zones).items():
        for label in labels:
            count = b"%d" % state.zone_count(zone, label)
            messages.append(Retained(topics.zone_count(camera.id, level, label), count))
    return messages


def node_id(settings: MqttSettings, camera: str) -> str:
    """The camera's discovery node and device identifier: `vms_gate` with the default prefix."""
    return f"{settings.topic_prefix.replace('/', '_')}_{camera}"


def discovery_messages(settings: MqttSettings, cameras: Sequence[MqttCamera]) -> list[Retained]:
    """The retained discovery configs of every camera's entities, camera by camera."""
    messages: list[Retained] = []
    for camera in cameras:
        messages.extend(_camera_configs(settings, camera))
    return messages


def _camera_configs(settings: MqttSettings, camera: MqttCamera) -> list[Retained]:
    topics = Topics(settings.topic_prefix)
    node = node_id(settings, camera.id)
    configs: list[tuple[str, str, dict[str, Any]]] = [
        (
            "binary_sensor",
            "motion",
            {
                "name": "Motion",
                "state_topic": topics.motion(camera.id),
                "payload_on": MOTION_ON.decode(),
                "payload_off": MOTION_OFF.decode(),
                "device_class": "motion",
            },
        )
    ]
    for label in settings.count_labels:
        name = f"{label.capitalize()} count"
        configs.append(_count(f"{label}_count", name, topics.count(camera.id, label)))
    for zone, level in zone_levels(camera.zones).items():
        for label in settings.count_labels:
            topic = topics.zone_count(camera.id, level, label)
            configs.append(_count(f"{level}_{label}_count", f"{zone} {label} count", topic))
    configs.append(
        (
            "image",
            "snapshot",
            {
                "name": "Snapshot",
                "image_topic": topics.snapshot(camera.id),
                "content_type": "image/jpeg",
            },
        )
    )
    return [
        Retained(
            f"{settings.discovery_prefix}/{component}/{node}/{object_id}/config",
            _json(_common(settings, camera, node, object_id) | entity),
        )
        for component, object_id, entity in configs
    ]


def _count(object_id: str, name: str, state_topic: str) -> tuple[str, str, dict[str, Any]]:
    return (
        "sensor",
        object_id,
        {"name": name, "state_topic": state_topic, "state_class": "measurement"},
    )


def _common(
    settings: MqttSettings, camera: MqttCamera, node: str, object_id: str
) -> dict[str, Any]:
    return {
        "unique_id": f"{node}_{object_id}",
        "availability_topic": Topics(settings.topic_prefix).available,
        "payload_available": ONLINE.decode(),
        "payload_not_available": OFFLINE.decode(),
        "qos": settings.qos,
        "device": {
            "identifiers": [node],
            "name": camera.name or camera.id,
            "manufacturer": "VMS",
            "model": "Camera",
            "sw_version": __version__,
        },
    }


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
