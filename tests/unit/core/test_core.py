"""Core building blocks: ids, backoff, supervisor, bus isolation, redaction, data-dir lock."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from pathlib import Path

import pytest

from vms.core.bus import Bus, SourceHealthChanged
from vms.core.errors import ConflictError
from vms.core.filelock import exclusive_lock
from vms.core.ids import CameraId, StreamName, camera_id
from vms.core.malloc import pin_mmap_threshold
from vms.core.redact import redact_text, redact_url
from vms.core.service import Backoff
from vms.core.threads import call_in_loop


@pytest.mark.parametrize("value", ["cam1", "front-door", "a", "x_2"])
def test_camera_id_accepts_slugs(value: str) -> None:
    assert camera_id(value) == value


@pytest.mark.parametrize("value", ["", "Cam1", "-x", "a/b", "a b", "x" * 64, "../etc"])
def test_camera_id_rejects_non_slugs(value: str) -> None:
    with pytest.raises(ValueError, match="invalid camera id"):
        camera_id(value)


def test_backoff_grows_to_the_cap_with_bounded_jitter() -> None:
    backoff = Backoff(initial_s=0.5, factor=2.0, cap_s=30.0, jitter=0.2)
    rng = random.Random(1)
    delays = [backoff.delay(attempt, rng) for attempt in range(12)]
    assert 0.4 <= delays[0] <= 0.6
    assert 0.8 <= delays[1] <= 1.2
    assert all(d <= 30.0 for d in delays)
    assert delays[-1] >= 24.0  # capped, still jittered
    assert 24.0 <= backoff.delay(10_000, rng) <= 30.0  # no overflow after many retries


def test_bus_isolates_a_failing_handler() -> None:
    bus = Bus()
    seen: list[str] = []

    def bad(_: SourceHealthChanged) -> None:
        raise RuntimeError("handler bug")

    bus.subscribe(SourceHealthChanged, bad)
    unsubscribe = bus.subscribe(SourceHealthChanged, lambda m: seen.append(m.state))
    message = SourceHealthChanged(CameraId("cam1"), StreamName.MAIN, "streaming", None)
    bus.publish(message)
    unsubscribe()
    bus.publish(message)
    assert seen == ["streaming"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:secret@10.0.0.1:554/s", "rtsp://admin:***@10.0.0.1:554/s"),
        ("rtsp://10.0.0.1/s", "rtsp://10.0.0.1/s"),
        ("rtsp://user:p%40ss@cam/s?x=1", "rtsp://user:***@cam/s?x=1"),
        (
            "srt://cam:9000?mode=caller&passphrase=abcdefghij",
            "srt://cam:9000?mode=caller&passphrase=***",
        ),
        ("rtsp://u:p@cam/s?pwd=x&ch=1", "rtsp://u:***@cam/s?pwd=***&ch=1"),
        ("postgresql://db/vms?password=x", "postgresql://db/vms?password=***"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_hides_urls_and_known_secrets() -> None:
    text = "Connection to rtsp://u:hunter2@h/x failed; password hunter2 rejected"
    out = redact_text(text, ("hunter2",))
    assert "hunter2" not in out
    assert "rtsp://u:***@h/x" in out


async def test_call_in_loop_from_a_thread_and_after_close() -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    await asyncio.to_thread(call_in_loop, loop, done.set)
    await asyncio.wait_for(done.wait(), 5)
    closed = asyncio.new_event_loop()
    closed.close()
    assert call_in_loop(closed, done.set) is False


def test_exclusive_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    lock = tmp_path / "vms.lock"
    code = "from pathlib import Path\nfrom vms.core.filelock import exclusive_lock\n"
    code += f"with exclusive_lock(Path({str(lock)!r})): pass\n"
    with exclusive_lock(lock):
        held = subprocess.run(
            [sys.executable, "-c", code], check=False, capture_output=True, text=True
        )
        assert held.returncode != 0
        assert "in use by another VMS process" in held.stderr
    free = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert free.returncode == 0, free.stderr
    with exclusive_lock(lock), pytest.raises(ConflictError), exclusive_lock(lock):
        pass


def test_pin_mmap_threshold_is_accepted_by_glibc() -> None:
    assert pin_mmap_threshold() is True
