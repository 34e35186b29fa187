"""`events` section: how long events are kept, how much recording an event's clip shows, where
events are delivered (webhooks, an MQTT broker) and how hard VMS tries, and the daily archive."""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator

from vms.config.base import SLUG, SLUG_RULE, Section, invalid
from vms.config.mqtt import MQTT_TARGET, MqttSettings
from vms.core.bus import EventPhase as Phase

# Header names a target may not set: VMS's own, and those HTTP itself owns.
RESERVED_HEADERS = frozenset(
    {"content-type", "content-length", "host", "user-agent", "transfer-encoding"}
)
VMS_HEADER_PREFIX = "x-vms-"


class WebhookTarget(Section):
    """One HTTP endpoint that receives the events it asks for, signed."""

    name: str = Field(description="its name in the API and metrics (" + SLUG_RULE + ")")
    url: AnyHttpUrl = Field(description="where each message is POSTed (http or https)")
    secret: SecretStr = Field(
        description="key of the HMAC-SHA256 signature (X-VMS-Signature); at least 16 characters"
    )
    cameras: tuple[str, ...] = Field((), description="only these cameras' events ([]: all)")
    labels: tuple[str, ...] = Field((), description="only these labels, e.g. person ([]: all)")
    rules: tuple[str, ...] = Field((), description="only events of these rules ([]: all)")
    phases: tuple[Phase, ...] = Field(
        ("opened", "closed"),
        description="which changes are sent: opened, updated (at most one a second per event), "
        "closed",
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="extra request headers, e.g. an API key of the receiver"
    )
    timeout_s: float = Field(5.0, gt=0, le=120, description="an answer later than this fails")

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not SLUG.match(name):
            raise invalid(f"webhook name {name!r} is not allowed", f"use {SLUG_RULE}")
        return name

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr) -> SecretStr:
        if len(secret.get_secret_value()) < 16:
            raise invalid("the webhook secret is shorter than 16 characters", "use a longer one")
        return secret

    @field_validator("phases")
    @classmethod
    def _some_phase(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        if not phases:
            raise invalid("a webhook with no phases would receive nothing", "name one or more")
        return phases

    @field_validator("headers")
    @classmethod
    def _own_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            lowered = name.lower()
            if lowered in RESERVED_HEADERS or lowered.startswith(VMS_HEADER_PREFIX):
                raise invalid(f"header {name!r} is set by VMS", "leave it out")
        return headers


class DeliverySettings(Section):
    """How long VMS keeps trying a target before a message becomes a dead letter."""

    max_attempts: int = Field(
        20, ge=1, le=1000, description="failed tries after which a message is a dead letter"
    )
    max_age_s: int = Field(
        86_400, ge=60, le=30 * 86_400, description="a message older than this is a dead letter"
    )
    backoff_initial_s: float = Field(1.0, gt=0, le=60, description="wait after the first failure")
    backoff_cap_s: float = Field(300.0, gt=0, le=3600, description="longest wait between tries")


ARCHIVE_FOLDER = "events-archive"  # under storage.data_dir unless events.archive.path is set


class ArchiveSettings(Section):
    """Each closed day's events written to a Parquet file (docs/guide/events-archive.md)."""

    enabled: bool = Field(True, description="write each closed day's events to Parquet")
    path: Path | None = Field(
        None, description=f"folder of the archive; default <storage.data_dir>/{ARCHIVE_FOLDER}"
    )
    retention_days: int = Field(
        365, ge=1, le=36_500, description="a day's file is deleted this many days after the day"
    )
    grace_hours: float = Field(
        1.0,
        ge=0,
        le=168,
        description="a day whose events are not all closed this long after its end is archived "
        "anyway, the open ones without an end",
    )

    @field_validator("path", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():  # Path("") would be the working folder
            raise invalid("events.archive.path is empty", "name a folder, or leave it out")
        return value

    @field_validator("path")
    @classmethod
    def _a_folder(cls, path: Path | None) -> Path | None:
        if path is not None and path.exists() and not path.is_dir():
            raise invalid(f"events.archive.path {str(path)!r} is a file", "name a folder")
        return path

    def folder(self, data_dir: Path) -> Path:
        """Where the archive's files go: `path`, else the folder in the data folder."""
        return self.path if self.path is not None else data_dir / ARCHIVE_FOLDER


class EventsSettings(Section):
    """Event storage, clips and delivery."""

    retention_days: int = Field(
        30, ge=1, le=3650, description="events (and their snapshots) are deleted after this"
    )
    clip_pre_s: int = Field(5, ge=0, le=300, description="seconds of recording before an event")
    clip_post_s: int = Field(5, ge=0, le=300, description="seconds of recording after an event")
    webhooks: tuple[WebhookTarget, ...] = Field(
        (), description="HTTP endpoints that receive events (docs/guide/webhooks.md)"
    )
    mqtt: MqttSettings | None = Field(
        None, description="an MQTT broker that receives events and state (docs/guide/mqtt.md)"
    )
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)

    @model_validator(mode="after")
    def _unique_targets(self) -> EventsSettings:
        names = [target.name for target in self.webhooks]
        for name in names:
            if names.count(name) > 1:
                raise invalid(f"two webhooks are named {name!r}", "give each its own name")
        if self.mqtt is not None and MQTT_TARGET in names:
            raise invalid(
                f"a webhook is named {MQTT_TARGET!r}, the name of the events.mqtt target",
                "give the webhook another name",
            )
        return self
