"""`retention` section: how often retention runs and the limits for cameras that set none."""

from __future__ import annotations

from pydantic import Field

from vms.config.base import OptionalDays, OptionalPositiveInt, Section


class RetentionSettings(Section):
    """Defaults for per-camera retention and the sweep interval."""

    interval_s: int = Field(60, ge=1, le=86_400, description="seconds between retention sweeps")
    default_days: OptionalDays = Field(
        30, description="days a camera's recordings are kept unless the camera sets its own"
    )
    default_max_bytes: OptionalPositiveInt = Field(
        None, description="bytes a camera may use unless the camera sets its own"
    )
