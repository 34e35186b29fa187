"""Structured logging (structlog over stdlib logging); every record passes credential redaction.

Both structlog calls and plain stdlib records (uvicorn, libraries) go through one handler whose
processor chain ends with `redact_event`, and the rendered line is redacted once more, so a camera
URL's password cannot reach a log line even inside an exception message.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor

from vms.core.redact import redact_text

LogFormat = Literal["json", "console"]
SECRET_KEY_WORDS = ("password", "passphrase", "secret", "token", "authorization")
# Passed through untouched: structlog's own bookkeeping, and exc_info, which format_exc_info
# turns into text before the formatter's redact_event sees it.
_PASS_THROUGH = ("_record", "_from_structlog", "exc_info")
_OWN_HANDLER = "_vms_redacting_handler"


def redact_event(_logger: object, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact URL credentials in every value and hide secret-named keys."""
    return {
        key: value if key in _PASS_THROUGH else _redact(key, value)
        for key, value in event_dict.items()
    }


def _redact(key: object, value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(key, str) and any(word in key.lower() for word in SECRET_KEY_WORDS):
        return "***"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(key, item) for item in value]
    # Anything else (exceptions, paths, config objects) is rendered as text by the renderer;
    # render it here so that text is redacted too.
    return redact_text(str(value))


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """Redacts the final line as well: a last guard for text no processor saw as a value."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


# Libraries whose INFO lines are per-packet or per-candidate noise in a server log: aioice logs
# every ICE candidate pair's state change (about ten lines per WebRTC session).
_CHATTY_LIBRARIES = {"aioice": logging.WARNING}


class _DeniedHandshakeFilter(logging.Filter):
    """Drops uvicorn's "ASGI callable returned without completing handshake." error.

    Uvicorn 0.54 logs it even when the app refused the WebSocket with a denial response (the MSE
    route answers an offline camera with a 503 problem that way), so a viewer retrying against an
    offline camera would write an ERROR line every second. Every VMS WebSocket route either
    accepts or sends a denial response, so the line never reports a real fault here.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def configure_logging(
    level: str = "info", fmt: LogFormat = "console", *, stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib logging to one redacting handler on the root logger.

    Calling it again replaces the handler it installed before (tests, reloads); handlers
    installed by others are left alone.
    """
    level_no = logging.getLevelNamesMapping()[level.upper()]
    out = stream if stream is not None else sys.stderr
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    formatter = _RedactingFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    setattr(handler, _OWN_HANDLER, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OWN_HANDLER, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level_no)
    for name, floor in _CHATTY_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(level_no, floor))
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeniedHandshakeFilter) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(_DeniedHandshakeFilter())
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            redact_event,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Safe to cache: structlog's defaults never cache, so a logger used before this call
        # still binds to this chain on its first use afterwards.
        cache_logger_on_first_use=True,
    )
