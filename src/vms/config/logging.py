"""`logging` section: log level and line format."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vms.config.base import LowerText, Section

LogLevel = Literal["debug", "info", "warning", "error", "critical"]
LogFormat = Literal["json", "console"]


class LoggingSettings(Section):
    """How much is logged and whether lines are JSON (for collectors) or readable text."""

    level: Annotated[LogLevel, LowerText] = Field("info", description="least severe level logged")
    format: Annotated[LogFormat, LowerText] = Field(
        "console", description="json: one JSON object per line; console: readable text"
    )
