"""The root settings model: every section, and the defaults that derive from the data folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from vms.config.analytics import AnalyticsSettings
from vms.config.auth import AuthSettings
from vms.config.base import Section, invalid
from vms.config.cameras import CameraConfig
from vms.config.database import DatabaseSettings
from vms.config.events import EventsSettings
from vms.config.live import LiveSettings
from vms.config.logging import LoggingSettings
from vms.config.playback import PlaybackSettings
from vms.config.recording import RecordingSettings
from vms.config.retention import RetentionSettings
from vms.config.server import ServerSettings
from vms.config.storage import StorageSettings


class Settings(Section):
    """Everything VMS reads at start-up; built by `load_settings` from YAML and VMS_* variables."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings
    storage: StorageSettings = Field(default_factory=lambda: StorageSettings.model_validate({}))
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    cameras: list[CameraConfig] = Field(default_factory=list)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    playback: PlaybackSettings = Field(default_factory=PlaybackSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    events: EventsSettings = Field(default_factory=EventsSettings)

    @model_validator(mode="before")
    @classmethod
    def _database_in_data_dir(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        database = data.get("database", {})
        if not isinstance(database, dict) or "url" in database:
            return data
        storage = data.get("storage", {})
        data_dir = storage.get("data_dir", "data") if isinstance(storage, dict) else "data"
        if not isinstance(data_dir, str | Path):
            return data
        url = f"sqlite:///{(Path(data_dir) / 'vms.db').as_posix()}"
        return {**data, "database": {**database, "url": url}}

    @field_validator("cameras")
    @classmethod
    def _ids_unique(cls, cameras: list[CameraConfig]) -> list[CameraConfig]:
        ids = [camera.id for camera in cameras]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise invalid(
                f"camera id used more than once: {', '.join(repeated)}",
                "give every camera its own id",
            )
        return cameras

    def camera(self, camera_id: str) -> CameraConfig | None:
        """The camera with this id, or None."""
        return next((c for c in self.cameras if c.id == camera_id), None)
