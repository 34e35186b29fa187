"""The MQTT target's payloads, without a broker: Home Assistant discovery configs with the keys
its MQTT integration documents, topic levels made from zone names, and the state messages."""

from __future__ import annotations

import json
from typing import Any

from vms import __version__
from vms.config.mqtt import MqttSettings
from vms.core.ids import CameraId
from vms.events.mqtt_discovery import (
    MqttCamera,
    Topics,
    discovery_messages,
    state_messages,
    zone_levels,
)
from vms.events.open_state import OpenState

GATE = MqttCamera(CameraId("gate"), "Front gate", ("Front door", "Drive/way"))
YARD = MqttCamera(CameraId("yard"), "")
COMMON = {"unique_id", "name", "availability_topic", "payload_available", "payload_not_available"}
DEVICE = {"identifiers", "name", "manufacturer", "model"}


def settings(**overrides: Any) -> MqttSettings:
    return MqttSettings.model_validate({"host": "broker.lan"} | overrides)


def configs(mqtt: MqttSettings, *cameras: MqttCamera) -> dict[str, dict[str, Any]]:
    return {m.topic: json.loads(m.payload) for m in discovery_messages(mqtt, list(cameras))}


def test_each_camera_is_a_device_with_motion_counts_and_a_snapshot() -> None:
    found = configs(settings(), GATE, YARD)
    prefix = "homeassistant"
    assert set(found) == {
        f"{prefix}/binary_sensor/vms_gate/motion/config",
        f"{prefix}/sensor/vms_gate/person_count/config",
        f"{prefix}/sensor/vms_gate/car_count/config",
        f"{prefix}/sensor/vms_gate/front_door_person_count/config",
        f"{prefix}/sensor/vms_gate/front_door_car_count/config",
        f"{prefix}/sensor/vms_gate/drive_way_person_count/config",
        f"{prefix}/sensor/vms_gate/drive_way_car_count/config",
        f"{prefix}/image/vms_gate/snapshot/config",
        f"{prefix}/binary_sensor/vms_yard/motion/config",
        f"{prefix}/sensor/vms_yard/person_count/config",
        f"{prefix}/sensor/vms_yard/car_count/config",
        f"{prefix}/image/vms_yard/snapshot/config",
    }
    for topic, config in found.items():
        assert set(config) >= COMMON, topic
        assert config["availability_topic"] == "vms/available"
        assert (config["payload_available"], config["payload_not_available"]) == (
            "online",
            "offline",
        )
        assert set(config["device"]) >= DEVICE and config["device"]["manufacturer"] == "VMS"
        assert config["device"]["sw_version"] == __version__
        assert config["unique_id"] == f"{topic.split('/')[2]}_{topic.split('/')[3]}"
    assert len({config["unique_id"] for config in found.values()}) == len(found)
    motion = found[f"{prefix}/binary_sensor/vms_gate/motion/config"]
    assert motion["state_topic"] == "vms/gate/motion" and motion["device_class"] == "motion"
    assert (motion["payload_on"], motion["payload_off"]) == ("ON", "OFF")
    assert motion["device"]["identifiers"] == ["vms_gate"]
    assert motion["device"]["name"] == "Front gate"
    zone = found[f"{prefix}/sensor/vms_gate/front_door_person_count/config"]
    assert zone["state_topic"] == "vms/gate/front_door/person/count"
    assert zone["name"] == "Front door person count" and zone["state_class"] == "measurement"
    image = found[f"{prefix}/image/vms_gate/snapshot/config"]
    assert image["image_topic"] == "vms/gate/snapshot"
    assert image["content_type"] == "image/jpeg"
    yard = found[f"{prefix}/sensor/vms_yard/person_count/config"]
    assert yard["device"]["name"] == "yard"  # no display name: the id


def test_prefixes_labels_and_qos_come_from_the_settings() -> None:
    mqtt = settings(topic_prefix="site/vms", discovery_prefix="ha", count_labels=["dog"], qos=0)
    found = configs(mqtt, YARD)
    assert set(found) == {
        "ha/binary_sensor/site_vms_yard/motion/config",
        "ha/sensor/site_vms_yard/dog_count/config",
        "ha/image/site_vms_yard/snapshot/config",
    }
    dog = found["ha/sensor/site_vms_yard/dog_count/config"]
    assert dog["state_topic"] == "site/vms/yard/dog/count"
    assert dog["availability_topic"] == "site/vms/available" and dog["qos"] == 0
    assert dog["unique_id"] == "site_vms_yard_dog_count"


def test_zone_names_become_distinct_topic_levels() -> None:
    names = ["Front door", "front-door", "Front/door", "+#", "Über Zone"]
    assert zone_levels(names) == {
        "Front door": "front_door",
        "front-door": "front-door",
        "Front/door": "front_door_2",
        "+#": "zone",
        "Über Zone": "uber_zone",
    }


def test_state_messages_say_motion_and_counts_per_label_and_zone() -> None:
    state = OpenState(motion=True, counts={"person": 2}, zone_counts={("Front door", "person"): 1})
    messages = state_messages(Topics("vms"), GATE, state, ["person", "car"])
    assert {m.topic: m.payload for m in messages} == {
        "vms/gate/motion": b"ON",
        "vms/gate/person/count": b"2",
        "vms/gate/car/count": b"0",
        "vms/gate/front_door/person/count": b"1",
        "vms/gate/front_door/car/count": b"0",
        "vms/gate/drive_way/person/count": b"0",
        "vms/gate/drive_way/car/count": b"0",
    }
    quiet = state_messages(Topics("vms"), YARD, OpenState(), ["person"])
    assert [(m.topic, m.payload) for m in quiet] == [
        ("vms/yard/motion", b"OFF"),
        ("vms/yard/person/count", b"0"),
    ]
