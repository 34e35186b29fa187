"""Every section's bad values stop start-up with the dotted key, the value and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from vms.config import ConfigError, load_settings

CAM = {"id": "gate", "main_url": "rtsp://10.0.0.6/s0"}


def fail(tmp_path: Path, data: dict[str, Any], env: dict[str, str] | None = None) -> ConfigError:
    path = tmp_path / "vms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    return caught.value


@pytest.mark.parametrize(
    ("data", "key", "fix"),
    [
        ({"server": {"port": 70000}}, "server.port", "from 1 to 65535"),
        ({"server": {"port": "http"}}, "server.port", "whole number"),
        ({"server": {"host": "http://0.0.0.0"}}, "server.host", "bare host name"),
        ({"server": {"rtsp_port": 8080}}, "server.rtsp_port", "different ports"),
        ({"database": {"url": "mysql://db/vms"}}, "database.url", "sqlite:///"),
        ({"database": {"url": "postgres://db/vms"}}, "database.url", "postgresql://"),
        ({"database": {"url": "sqlite://vms.db"}}, "database.url", "sqlite:////absolute"),
        ({"storage": {"pools": []}}, "storage.pools", "at least one pool"),
        (
            {"storage": {"pools": [{"name": "a", "path": "/1"}, {"name": "a", "path": "/2"}]}},
            "storage.pools",
            "own name",
        ),
        (
            {"storage": {"pools": [{"name": "A b", "path": "/1"}]}},
            "storage.pools[0].name",
            "lowercase",
        ),
        ({"storage": {"pools": [{"name": "a"}]}}, "storage.pools[0].path", "add storage"),
        ({"storage": {"pools": ["/mnt/a"]}}, "storage.pools[0]", "keys name, path"),
        ({"cameras": "gate"}, "cameras", "set a list"),
        (
            {"storage": {"free_space_floor_bytes": 1, "free_space_floor_percent": 2}},
            "storage.free_space_floor_percent",
            "only one",
        ),
        ({"storage": {"free_space_floor_percent": 95}}, "storage.free_space_floor_percent", "90"),
        ({"recording": {"segment_duration_s": 2}}, "recording.segment_duration_s", "5 to 3600"),
        (
            {"recording": {"segment_duration_s": 5, "fragment_ms": 6000}},
            "recording.fragment_ms",
            "at most recording.segment_duration_s",
        ),
        ({"recording": {"fragment_ms": 50}}, "recording.fragment_ms", "from 100 to 10000"),
        ({"retention": {"interval_s": 0}}, "retention.interval_s", "from 1 to 86400"),
        ({"retention": {"default_days": 0}}, "retention.default_days", "or null"),
        ({"retention": {"default_max_bytes": -5}}, "retention.default_max_bytes", "at least 1"),
        ({"cameras": [{**CAM, "id": "Front Door"}]}, "cameras[0].id", "lowercase"),
        ({"cameras": [{**CAM, "main_url": "http://h/x"}]}, "cameras[0].main_url", "rtsp://"),
        ({"cameras": [{**CAM, "main_url": "rtsp:///nohost"}]}, "cameras[0].main_url", "rtsp://"),
        ({"cameras": [{**CAM, "main_url": "rtsp://h:99999/x"}]}, "cameras[0].main_url", "srt://"),
        ({"cameras": [{**CAM, "transport": "tcpp"}]}, "cameras[0].transport", '"tcp", "udp"'),
        ({"cameras": [{**CAM, "record_stream": "sub"}]}, "cameras[0].record_stream", "sub_url"),
        ({"cameras": [{**CAM, "retention_days": 0}]}, "cameras[0].retention_days", "1 to 36500"),
        ({"cameras": [{"id": "gate"}]}, "cameras[0].main_url", "add cameras[0].main_url"),
        ({"cameras": [CAM, CAM]}, "cameras", "own id"),
        (
            {"cameras": [{"id": "s", "main_url": "srt://h:9000", "username": "u"}]},
            "cameras[0].username",
            "passphrase",
        ),
        ({"logging": {"level": "loud"}}, "logging.level", '"debug", "info"'),
        ({"analytics": {"detector_options": {"min_scor": 0.3}}}, "analytics", "min_score"),
        ({"logging": {"format": "xml"}}, "logging.format", '"json", "console"'),
    ],
)
def test_bad_value_names_key_value_and_fix(
    tmp_path: Path, data: dict[str, Any], key: str, fix: str
) -> None:
    error = fail(tmp_path, data)
    matching = [p for p in error.problems if p.key == key]
    assert matching, f"no problem for {key}: {error}"
    assert fix in matching[0].fix
    text = str(error)
    assert key in text
    assert "fix: " in text


def test_message_shows_the_bad_value_and_where_it_came_from(tmp_path: Path) -> None:
    error = fail(tmp_path, {"recording": {"segment_duration_s": 2}})
    (problem,) = error.problems
    assert problem.value == "2"
    assert problem.origin.endswith("vms.yaml")
    assert str(error).splitlines()[1].strip().startswith("recording.segment_duration_s = 2")


def test_value_from_environment_names_the_variable(tmp_path: Path) -> None:
    error = fail(tmp_path, {}, {"VMS_RECORDING__FRAGMENT_MS": "abc"})
    (problem,) = error.problems
    assert (problem.key, problem.value, problem.origin) == (
        "recording.fragment_ms",
        '"abc"',
        "VMS_RECORDING__FRAGMENT_MS",
    )


@pytest.mark.parametrize(
    ("data", "key", "hint"),
    [
        ({"servr": {"port": 1}}, "servr", "did you mean 'server'"),
        ({"server": {"prot": 1}}, "server.prot", "did you mean 'port'"),
        ({"cameras": [{**CAM, "pasword": "x"}]}, "cameras[0].pasword", "did you mean 'password'"),
        (
            {"storage": {"pools": [{"name": "a", "path": "/a", "size": 1}]}},
            "storage.pools[0].size",
            "known key: name, path",
        ),
    ],
)
def test_unknown_keys_are_errors(tmp_path: Path, data: dict[str, Any], key: str, hint: str) -> None:
    error = fail(tmp_path, data)
    (problem,) = error.problems
    assert (problem.key, problem.problem) == (key, "unknown key")
    assert hint in problem.fix


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    error = fail(tmp_path, {"server": {"port": 0}, "logging": {"level": "x"}})
    assert {p.key for p in error.problems} == {"server.port", "logging.level"}
    assert str(error).startswith("invalid configuration (2 problems):")


@pytest.mark.parametrize(
    "camera",
    [
        {"id": "gate", "main_url": "http://admin:hunter2@h/x"},
        {"id": "gate", "main_url": "rtsp://admin:hunter2@h/x", "password": "hunter2"},
        {"id": "gate", "main_url": "rtsp://h/x", "password": ["hunter2"]},
        {"id": "gate", "main_url": "rtsp://h/x", "password": "hunter2", "transport": "x"},
        {"id": "Bad Id", "main_url": "rtsp://admin:hunter2@h/x", "sub_url": "ftp://a:hunter2@h"},
    ],
)
def test_secrets_never_appear_in_the_message(tmp_path: Path, camera: dict[str, Any]) -> None:
    error = fail(tmp_path, {"cameras": [camera]})
    assert "hunter2" not in str(error)
    assert "hunter2" not in repr(error.problems)
    assert error.__cause__ is None and error.__suppress_context__


def test_database_password_is_redacted(tmp_path: Path) -> None:
    error = fail(tmp_path, {"database": {"url": "mysql://vms:hunter2@db/vms"}})
    assert "hunter2" not in str(error)
    assert "vms:***@db" in str(error)


HOOK = {"name": "panel", "url": "https://panel.example/hook", "secret": "sixteen-chars-or-more"}


@pytest.mark.parametrize(
    ("webhooks", "key", "fix"),
    [
        ([HOOK | {"secret": "short"}], "events.webhooks[0].secret", "longer"),
        ([HOOK | {"name": "Alarm Panel"}], "events.webhooks[0].name", "lowercase"),
        ([HOOK | {"url": "ftp://panel.example/"}], "events.webhooks[0].url", ""),
        ([HOOK | {"phases": []}], "events.webhooks[0].phases", "name one or more"),
        ([HOOK | {"phases": ["started"]}], "events.webhooks[0].phases[0]", ""),
        ([HOOK | {"headers": {"X-VMS-Signature": "x"}}], "events.webhooks[0].headers", "leave"),
        ([HOOK | {"headers": {"Content-Type": "x"}}], "events.webhooks[0].headers", "leave"),
        ([HOOK, HOOK], "events", "its own name"),
    ],
)
def test_bad_webhooks_name_the_key_and_the_fix(
    tmp_path: Path, webhooks: list[dict[str, Any]], key: str, fix: str
) -> None:
    error = fail(tmp_path, {"events": {"webhooks": webhooks}})
    assert key in str(error) and fix in str(error), str(error)


def test_a_webhook_secret_never_appears_in_the_message(tmp_path: Path) -> None:
    error = fail(tmp_path, {"events": {"webhooks": [HOOK | {"timeout_s": 0}]}})
    assert "events.webhooks[0].timeout_s" in str(error)
    assert HOOK["secret"] not in str(error) and HOOK["secret"] not in repr(error.problems)


MQTT = {"host": "broker.lan"}


@pytest.mark.parametrize(
    ("mqtt", "key", "fix"),
    [
        (MQTT | {"host": "mqtt://broker.lan"}, "events.mqtt.host", "bare host name"),
        (MQTT | {"port": 0}, "events.mqtt.port", "from 1 to 65535"),
        (MQTT | {"protocol": 4}, "events.mqtt.protocol", "3.1.1"),
        (MQTT | {"qos": 3}, "events.mqtt.qos", "from 0 to 2"),
        (MQTT | {"password": "p4ss-w0rd"}, "events.mqtt.password", "username"),
        (MQTT | {"ca_file": "/etc/ssl/ca.pem"}, "events.mqtt.ca_file", "tls: true"),
        (MQTT | {"tls": True, "ca_file": "/no/such/ca.pem"}, "events.mqtt.ca_file", "PEM"),
        (MQTT | {"tls_insecure": True}, "events.mqtt.tls_insecure", "tls: true"),
        (MQTT | {"topic_prefix": "vms/#"}, "events.mqtt.topic_prefix", "separated by '/'"),
        (MQTT | {"topic_prefix": "/vms"}, "events.mqtt.topic_prefix", "separated by '/'"),
        (MQTT | {"discovery_prefix": ""}, "events.mqtt.discovery_prefix", "separated by '/'"),
        (MQTT | {"client_id": "my vms"}, "events.mqtt.client_id", "no spaces"),
        (MQTT | {"count_labels": ["traffic light"]}, "events.mqtt.count_labels", "letters"),
        (MQTT | {"phases": []}, "events.mqtt.phases", "name one or more"),
        (MQTT | {"brokers": []}, "events.mqtt.brokers", "unknown key"),
        ({"port": 1883}, "events.mqtt.host", "add events.mqtt.host"),
    ],
)
def test_bad_mqtt_settings_name_the_key_and_the_fix(
    tmp_path: Path, mqtt: dict[str, Any], key: str, fix: str
) -> None:
    error = fail(tmp_path, {"events": {"mqtt": mqtt}})
    assert key in str(error) and fix in str(error), str(error)


def test_a_webhook_cannot_take_the_mqtt_targets_name(tmp_path: Path) -> None:
    error = fail(tmp_path, {"events": {"mqtt": MQTT, "webhooks": [HOOK | {"name": "mqtt"}]}})
    assert "events" in str(error) and "another name" in str(error), str(error)


def test_the_mqtt_password_never_appears_in_the_message(tmp_path: Path) -> None:
    mqtt = MQTT | {"password": "hunter2-mqtt", "port": 0}  # no username: two problems
    error = fail(tmp_path, {"events": {"mqtt": mqtt}}, {"VMS_EVENTS__MQTT__QOS": "5"})
    assert "events.mqtt.password" in str(error) and "events.mqtt.qos" in str(error)
    assert "hunter2-mqtt" not in str(error) and "hunter2-mqtt" not in repr(error.problems)


def test_mqtt_settings_take_yaml_numbers_and_default_to_the_hosts_client_id(
    tmp_path: Path,
) -> None:
    path = tmp_path / "vms.yaml"
    mqtt = MQTT | {"protocol": 5, "username": "vms", "password": "s3cret-pass"}
    path.write_text(yaml.safe_dump({"events": {"mqtt": mqtt}}), encoding="utf-8")
    settings = load_settings(path, {"VMS_EVENTS__MQTT__PORT": "8883"}).events.mqtt
    assert settings is not None
    assert (settings.protocol, settings.port, settings.name) == ("5", 8883, "mqtt")
    assert settings.client_id.startswith("vms-") and settings.qos == 1
    assert settings.phases == ("opened", "updated", "closed")
    assert "s3cret-pass" not in repr(settings)
