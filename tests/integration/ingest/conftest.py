"""Fixtures for ingest integration tests: the GStreamer RTSP camera and a collecting Source."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gst import GstCamera, gst_available


@pytest.fixture(scope="session")
def _gst_ok() -> None:
    if not gst_available():
        pytest.skip("GStreamer RTSP server (system python3-gi) is not installed")


@pytest.fixture(scope="module")
def gst_camera(_gst_ok: None) -> Iterator[GstCamera]:
    """One camera with audio serving /h264 and /h265 for the whole module."""
    camera = GstCamera(audio=True)
    camera.start()
    yield camera
    camera.stop()
