"""`events.mqtt`: the MQTT broker that receives every event message and each camera's state
(motion, object counts, the last snapshot), with Home Assistant discovery (docs/guide/mqtt.md).

One broker per VMS: its target is named `mqtt` in the outbox and the API. The password is a
`SecretStr`, so it prints as `**********` and error messages show `***` in its place.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationInfo, field_validator

from vms.config.base import Section, invalid
from vms.core.bus import EventPhase as Phase

MQTT_TARGET = "mqtt"  # the target's name in the outbox and the API
_TOPIC_RULE = "levels of letters, digits, '-', '_' or '.', separated by '/', e.g. vms or site/vms"


def _protocol_text(value: object) -> object:
    """YAML reads `protocol: 5` as a number: take it as the text "5"."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def default_client_id() -> str:
    return f"vms-{socket.gethostname()}"


def _check_topic(value: str, what: str) -> str:
    levels = value.split("/")
    if not value or any(
        not level or not all(c.isalnum() or c in "-_." for c in level) for level in levels
    ):
        raise invalid(f"{what} {value!r} is not a usable topic prefix", f"use {_TOPIC_RULE}")
    return value


class MqttSettings(Section):
    """The broker, how VMS signs in, where it publishes, and which events it sends."""

    host: str = Field(description="the broker's host name or IP address")
    port: int = Field(1883, ge=1, le=65535, description="the broker's TCP port (TLS: often 8883)")
    protocol: Annotated[Literal["5", "3.1.1"], BeforeValidator(_protocol_text)] = Field(
        "3.1.1", description="MQTT protocol version"
    )
    username: str | None = Field(None, description="user name, when the broker asks for one")
    password: SecretStr | None = Field(None, description="the user's password")
    tls: bool = Field(False, description="connect with TLS (the broker's certificate is checked)")
    ca_file: Path | None = Field(
        None, description="PEM file of the CA that signed the broker's certificate (else: system)"
    )
    tls_insecure: bool = Field(
        False, description="skip the check of the broker's host name in its certificate"
    )
    client_id: str = Field(
        default_factory=default_client_id, description="MQTT client id (default vms-<hostname>)"
    )
    topic_prefix: str = Field("vms", description="first level(s) of every topic VMS publishes")
    discovery: bool = Field(True, description="publish Home Assistant discovery messages")
    discovery_prefix: str = Field("homeassistant", description="Home Assistant discovery prefix")
    qos: int = Field(1, ge=0, le=2, description="QoS of every publish (1: the broker acknowledges)")
    count_labels: tuple[str, ...] = Field(
        ("person", "car"), description="labels whose objects are counted per camera and zone"
    )
    cameras: tuple[str, ...] = Field((), description="only these cameras' events ([]: all)")
    labels: tuple[str, ...] = Field((), description="only these labels, e.g. person ([]: all)")
    rules: tuple[str, ...] = Field((), description="only events of these rules ([]: all)")
    phases: tuple[Phase, ...] = Field(
        ("opened", "updated", "closed"),
        description="which changes are published: opened, updated (at most one a second per "
        "event), closed",
    )
    timeout_s: float = Field(
        5.0, gt=0, le=120, description="a publish not acknowledged within this fails"
    )

    @property
    def name(self) -> str:
        """The target's name in the outbox and the API."""
        return MQTT_TARGET

    @field_validator("host")
    @classmethod
    def _host_is_bare(cls, value: str) -> str:
        host = value.strip()
        if not host or "://" in host or "/" in host or " " in host:
            raise invalid(
                "not a host name or address", "give a bare host name or IP address, e.g. broker.lan"
            )
        return host

    @field_validator("password")
    @classmethod
    def _with_user(cls, password: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if password is not None and not info.data.get("username"):
            raise invalid("a password without a user name", "set events.mqtt.username too")
        return password

    @field_validator("ca_file")
    @classmethod
    def _ca_with_tls(cls, ca_file: Path | None, info: ValidationInfo) -> Path | None:
        if ca_file is None:
            return None
        if not info.data.get("tls"):
            raise invalid("ca_file is used only with TLS", "set events.mqtt.tls: true")
        if not ca_file.is_file():
            raise invalid(f"no file at {ca_file}", "give the path of the CA's PEM file")
        return ca_file

    @field_validator("tls_insecure")
    @classmethod
    def _insecure_with_tls(cls, insecure: bool, info: ValidationInfo) -> bool:
        if insecure and not info.data.get("tls"):
            raise invalid("tls_insecure is used only with TLS", "set events.mqtt.tls: true")
        return insecure

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, client_id: str) -> str:
        if not 1 <= len(client_id) <= 128 or not client_id.isprintable() or " " in client_id:
            raise invalid(
                f"client id {client_id!r} is not allowed", "use 1-128 characters, no spaces"
            )
        return client_id

    @field_validator("topic_prefix")
    @classmethod
    def _topic_prefix(cls, value: str) -> str:
        return _check_topic(value, "topic_prefix")

    @field_validator("discovery_prefix")
    @classmethod
    def _discovery_prefix(cls, value: str) -> str:
        return _check_topic(value, "discovery_prefix")

    @field_validator("count_labels")
    @classmethod
    def _count_labels(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        for label in labels:
            if not label or not all(c.isalnum() or c in "-_" for c in label):
                raise invalid(
                    f"label {label!r} cannot be a topic level",
                    "use labels of letters, digits, '-' or '_', e.g. person",
                )
        return labels

    @field_validator("phases")
    @classmethod
    def _some_phase(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        if not phases:
            raise invalid("MQTT with no phases would receive nothing", "name one or more")
        return phases
