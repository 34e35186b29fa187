"""CameraManager.replace restarts only what a change touches: which Sources, which recorder.

A restarted Source drops the camera's connection (a gap in the recording and in every live
view) and a restarted recorder closes its segment early, so a change must restart nothing it
does not have to. The manager runs on the real supervisor (Sources pointed at a closed local
port: they connect, are refused and wait) and a real SQLite repository; starts and stops of
Sources are counted by wrapping `Source.start`/`Source.stop`, and recorders are fakes made by
the manager's own factory seam (a real one would need storage, which is not under test here).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

import pytest

from tests.support.gst import free_port
from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CamerasRepo
from vms.cameras.manager import CameraManager
from vms.config.cameras import CameraConfig
from vms.core.bus import Bus
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.hub import Subscription
from vms.ingest.source import Source
from vms.ingest.supervisor import CameraSupervisor
from vms.recording.modes import Mode, RecordingMode
from vms.recording.recorder import PacketFeed, Recorder, RecorderStats
from vms.storage.retention import RetentionPolicy

CAM = CameraId("front")
MAIN, SUB = StreamName.MAIN, StreamName.SUB


@dataclass
class Log:
    """What was started and stopped, in order, as (what, stream) pairs."""

    events: list[tuple[str, StreamName]] = field(default_factory=list)
    recorders: list[FakeRecorder] = field(default_factory=list)
    modes: list[RecordingMode] = field(default_factory=list)  # each recorder's, in order

    def take(self) -> list[tuple[str, StreamName]]:
        taken, self.events = self.events, []
        return taken


@dataclass
class FakeRecorder:
    """Stands in for `Recorder` where the manager uses it: stream, start, stop, stats."""

    stream: StreamName
    feed: Subscription
    log: Log
    running: bool = False

    def start(self) -> None:
        self.log.events.append(("recorder start", self.stream))
        self.running = True

    def stop(self) -> None:
        self.log.events.append(("recorder stop", self.stream))
        self.running = False
        self.feed.close()  # as the real recorder does: its hub subscription ends with it

    def stats(self) -> RecorderStats:
        raise AssertionError("not asked for in these tests")


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Log:
    seen = Log()
    start, stop = Source.start, Source.stop

    def spy_start(source: Source) -> None:
        seen.events.append(("source start", source.stream))
        start(source)

    def spy_stop(source: Source, timeout_s: float = 5.0) -> None:
        seen.events.append(("source stop", source.stream))
        stop(source, timeout_s)

    monkeypatch.setattr(Source, "start", spy_start)
    monkeypatch.setattr(Source, "stop", spy_stop)
    return seen


@pytest.fixture
def manager(log: Log) -> Iterator[CameraManager]:
    engine = migrated_sqlite()
    clock = SystemClock()
    supervisor = CameraSupervisor(clock=clock, bus=Bus(), backoff=Backoff(0.2, cap_s=1.0))

    def make_recorder(
        camera_id: CameraId, stream: StreamName, feed: PacketFeed, mode: RecordingMode
    ) -> Recorder:
        assert isinstance(feed, Subscription)  # the manager subscribes the recorder to a hub
        recorder = FakeRecorder(stream, feed, log)
        log.modes.append(mode)
        log.recorders.append(recorder)
        return cast(Recorder, recorder)  # the manager uses only what FakeRecorder has

    made = CameraManager(
        CamerasRepo(engine, clock),
        supervisor,
        make_recorder,
        default_retention=RetentionPolicy(max_age_days=30, max_bytes=None),
    )
    yield made
    made.stop()
    engine.dispose()


def refused_url(path: str) -> str:
    return f"rtsp://127.0.0.1:{free_port()}/{path}"


@pytest.fixture
def camera(manager: CameraManager, log: Log) -> CameraConfig:
    """A running camera with a main and a sub stream, recording the main one."""
    config = CameraConfig(id=CAM, main_url=refused_url("main"), sub_url=refused_url("sub"))
    manager.add(config)
    assert log.take() == [("source start", MAIN), ("source start", SUB), ("recorder start", MAIN)]
    return config


def changed(config: CameraConfig, **changes: object) -> CameraConfig:
    """The same definition with `changes`, validated again as the API does."""
    return CameraConfig.model_validate(config.model_dump() | changes)


def test_changing_only_retention_restarts_nothing(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, retention_days=3, retention_max_bytes=10**9))
    assert log.take() == []
    assert log.recorders[0].running
    assert manager.retention_policies()[CAM] == RetentionPolicy(3, 10**9)


def test_changing_the_main_url_restarts_the_main_source_only(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, main_url=refused_url("other-main")))
    assert log.take() == [("source stop", MAIN), ("source start", MAIN)]
    recorder = log.recorders[0]
    assert recorder.running  # the hub outlives the Source: the recorder stays subscribed
    assert not recorder.feed.closed


def test_toggling_motion_restarts_nothing(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, motion=True))
    assert log.take() == []
    assert manager.get(CAM).motion
    manager.replace(changed(camera, motion=False))
    assert log.take() == []
    assert not manager.get(CAM).motion


def test_changing_object_detection_restarts_nothing_and_is_stored(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, detect="always"))
    assert log.take() == []  # the analytics service's reconcile pass picks it up
    assert manager.get(CAM).detect == "always"
    manager.replace(changed(camera, detect=None))
    assert log.take() == []
    assert manager.get(CAM).detect is None


def test_disabling_stops_everything_and_enabling_starts_it_again(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, enabled=False))
    stopped = [("recorder stop", MAIN), ("source stop", MAIN), ("source stop", SUB)]
    assert sorted(log.take()) == stopped
    assert not log.recorders[0].running
    assert manager.recorders() == []
    manager.replace(camera)
    assert log.take() == [("source start", MAIN), ("source start", SUB), ("recorder start", MAIN)]
    assert len(manager.recorders()) == 1


def test_switching_the_recorded_stream_restarts_the_recorder_only(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    manager.replace(changed(camera, record_stream="sub"))
    assert log.take() == [("recorder stop", MAIN), ("recorder start", SUB)]


def test_changing_the_recording_mode_restarts_the_recorder_with_the_new_mode(
    manager: CameraManager, camera: CameraConfig, log: Log
) -> None:
    events = changed(camera, recording_mode="events", pre_roll_s=2, post_roll_s=4)
    manager.replace(events)
    assert log.take() == [("recorder stop", MAIN), ("recorder start", MAIN)]
    assert log.modes[-1] == RecordingMode(Mode.EVENTS, 2.0, 4.0, 30)
    stored = manager.get(CAM)  # kept in the database
    assert (stored.recording_mode, stored.pre_roll_s, stored.post_roll_s) == ("events", 2, 4)
    manager.replace(changed(events, event_retention_days=90))
    assert log.take() == [("recorder stop", MAIN), ("recorder start", MAIN)]
    manager.replace(changed(events, event_retention_days=90, name="renamed"))
    assert log.take() == []


def test_adding_and_removing_the_sub_url_touches_the_sub_stream_only(
    manager: CameraManager, log: Log
) -> None:
    config = CameraConfig(id=CAM, main_url=refused_url("main"))
    manager.add(config)
    assert log.take() == [("source start", MAIN), ("recorder start", MAIN)]
    with_sub = changed(config, sub_url=refused_url("sub"))
    manager.replace(with_sub)
    assert log.take() == [("source start", SUB)]
    assert list(manager.health()[CAM]) == [MAIN, SUB]
    manager.replace(changed(with_sub, sub_url=None))
    assert log.take() == [("source stop", SUB)]
    assert list(manager.health()[CAM]) == [MAIN]
    assert log.recorders[0].running
