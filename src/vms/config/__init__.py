"""Settings: one pydantic model per section, loaded from a YAML file plus VMS_* variables."""

from vms.config.cameras import CameraConfig
from vms.config.database import DatabaseSettings
from vms.config.errors import ConfigError, ConfigProblem
from vms.config.loader import load_settings
from vms.config.logging import LoggingSettings
from vms.config.recording import RecordingSettings
from vms.config.retention import RetentionSettings
from vms.config.server import ServerSettings
from vms.config.settings import Settings
from vms.config.storage import PoolConfig, StorageSettings

__all__ = [
    "CameraConfig",
    "ConfigError",
    "ConfigProblem",
    "DatabaseSettings",
    "LoggingSettings",
    "PoolConfig",
    "RecordingSettings",
    "RetentionSettings",
    "ServerSettings",
    "Settings",
    "StorageSettings",
    "load_settings",
]
