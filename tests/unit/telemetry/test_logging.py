"""Logging: JSON or console lines, and a camera password never reaches any of them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from vms.telemetry.logging import LogFormat, configure_logging, redact_event

URL = "rtsp://admin:hunter2@10.0.0.5:554/s0"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    structlog.reset_defaults()


def emit_everything() -> None:
    log = structlog.get_logger("vms.ingest")
    log.info(
        f"opening {URL}", url=URL, password="hunter2", nested={"urls": [URL]}, error=OSError(URL)
    )
    logging.getLogger("uvicorn.error").warning("camera %s failed", URL)
    try:
        raise RuntimeError(f"cannot open {URL}")
    except RuntimeError:
        log.exception("open failed")
        logging.getLogger("somelib").exception("open failed: %s", URL)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("fmt", ["json", "console"])
def test_password_never_reaches_a_line(fmt: LogFormat) -> None:
    out = io.StringIO()
    configure_logging("info", fmt, stream=out)
    emit_everything()
    text = out.getvalue()
    assert "hunter2" not in text
    assert "admin:***@10.0.0.5:554/s0" in text
    assert text.count("RuntimeError: cannot open") == 2  # tracebacks are kept, redacted


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_level_logger_timestamp_and_fields() -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    structlog.get_logger("vms.recording").info("segment closed", camera="gate", size_bytes=10)
    logging.getLogger("uvicorn.access").info("GET %s", "/healthz")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "segment closed"
    assert (first["level"], first["logger"], first["camera"], first["size_bytes"]) == (
        "info",
        "vms.recording",
        "gate",
        10,
    )
    assert first["timestamp"].endswith("Z")
    assert (second["event"], second["logger"]) == ("GET /healthz", "uvicorn.access")


@pytest.mark.usefixtures("restore_logging")
def test_level_filters_both_structlog_and_stdlib() -> None:
    out = io.StringIO()
    configure_logging("WARNING", "json", stream=out)
    structlog.get_logger("a").info("hidden")
    logging.getLogger("b").info("hidden too")
    structlog.get_logger("a").warning("shown")
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == ["shown"]


@pytest.mark.usefixtures("restore_logging")
def test_reconfiguring_replaces_only_its_own_handler() -> None:
    other = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(other)
    first, second = io.StringIO(), io.StringIO()
    configure_logging("info", "json", stream=first)
    configure_logging("info", "json", stream=second)
    logging.getLogger("x").warning("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1
    assert other in logging.getLogger().handlers


def test_logger_created_before_configuration_is_redacted(restore_logging: None) -> None:
    structlog.reset_defaults()
    early = structlog.get_logger("vms.early")
    early.info("used once before configuration")
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    early.info("connect", url=URL)
    assert "hunter2" not in out.getvalue()
    assert json.loads(out.getvalue())["url"] == "rtsp://admin:***@10.0.0.5:554/s0"


def test_redact_event_processor() -> None:
    event = redact_event(
        None,
        "info",
        {"event": URL, "api_token": "t0k", "count": 3, "ok": True, "pair": (URL, 1), "none": None},
    )
    assert event == {
        "event": "rtsp://admin:***@10.0.0.5:554/s0",
        "api_token": "***",
        "count": 3,
        "ok": True,
        "pair": ["rtsp://admin:***@10.0.0.5:554/s0", 1],
        "none": None,
    }


@pytest.mark.usefixtures("restore_logging")
def test_library_noise_is_kept_out() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    logging.getLogger("aioice.ice").info("Connection(0) Check CandidatePair ... State.FROZEN")
    uvicorn = logging.getLogger("uvicorn.error")
    uvicorn.error("ASGI callable returned without completing handshake.")
    uvicorn.error("Exception in ASGI application")
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == [
        "Exception in ASGI application"
    ]
