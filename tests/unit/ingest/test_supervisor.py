"""CameraSupervisor: add/update/remove, hubs that survive a URL change, health on the bus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gst import free_port, wait_until
from vms.core.bus import Bus, SourceHealthChanged
from vms.core.clock import SystemClock
from vms.core.errors import ConflictError, NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.health import SourceState
from vms.ingest.supervisor import CameraSpec, CameraSupervisor

CAM = CameraId("front")
OTHER = CameraId("back")


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def supervisor(bus: Bus) -> Iterator[CameraSupervisor]:
    sup = CameraSupervisor(clock=SystemClock(), bus=bus, backoff=Backoff(0.2, cap_s=1.0))
    yield sup
    sup.stop_all()


def refused_url() -> str:
    return f"rtsp://127.0.0.1:{free_port()}/stream"


def spec(camera: CameraId = CAM, **changes: object) -> CameraSpec:
    base: dict[str, object] = {
        "camera_id": camera,
        "main_url": "rtsp://127.0.0.1:1/main",
        "sub_url": None,
        "transport": "tcp",
        "enabled": True,
    }
    base.update(changes)
    return CameraSpec(**base)  # type: ignore[arg-type]  # text URLs: a bad one must FAIL


def test_add_starts_main_and_sub_and_publishes_health(
    supervisor: CameraSupervisor, bus: Bus
) -> None:
    seen: list[SourceHealthChanged] = []
    bus.subscribe(SourceHealthChanged, seen.append)
    supervisor.add(spec(main_url=refused_url(), sub_url=refused_url()))
    assert supervisor.camera_ids() == [CAM]
    assert supervisor.hub(CAM, StreamName.MAIN) is not None
    assert supervisor.hub(CAM, StreamName.SUB) is not None
    assert wait_until(
        lambda: all(h.state is SourceState.RECONNECTING for h in supervisor.health(CAM).values()),
        30,
    )
    assert set(supervisor.health(CAM)) == {StreamName.MAIN, StreamName.SUB}
    # A source stores its new state before it publishes it, so the bus message can trail the
    # health read above by a moment: wait for the messages themselves.
    wanted = {(StreamName.MAIN, "reconnecting"), (StreamName.SUB, "reconnecting")}
    assert wait_until(lambda: wanted <= {(m.stream, m.state) for m in list(seen)}, 10)
    refused = [m for m in seen if m.state == "reconnecting"]
    assert all(m.error is not None and "refused" in m.error for m in refused)


def test_duplicate_add_conflicts(supervisor: CameraSupervisor) -> None:
    supervisor.add(spec(enabled=False))
    with pytest.raises(ConflictError):
        supervisor.add(spec(enabled=False))


def test_update_keeps_hubs_and_subscribers(supervisor: CameraSupervisor) -> None:
    supervisor.add(spec(main_url=refused_url(), sub_url=refused_url()))
    main = supervisor.hub(CAM, StreamName.MAIN)
    assert main is not None
    subscription = main.subscribe("recorder")
    supervisor.update(spec(main_url="http://not-rtsp/x", sub_url=None))
    assert supervisor.hub(CAM, StreamName.MAIN) is main
    assert not subscription.closed
    assert supervisor.hub(CAM, StreamName.SUB) is None
    assert supervisor.health(CAM)[StreamName.MAIN].state is SourceState.FAILED


def test_disabled_camera_has_hubs_but_no_connection(supervisor: CameraSupervisor) -> None:
    supervisor.add(spec(enabled=False))
    assert supervisor.hub(CAM, StreamName.MAIN) is not None
    assert supervisor.health(CAM)[StreamName.MAIN].state is SourceState.IDLE
    supervisor.update(spec(enabled=True, main_url="http://x/"))
    assert supervisor.health(CAM)[StreamName.MAIN].state is SourceState.FAILED


def test_one_failing_camera_does_not_affect_another(supervisor: CameraSupervisor) -> None:
    supervisor.add(spec(OTHER, main_url="garbage"))
    supervisor.add(spec(main_url=refused_url()))
    assert supervisor.health(OTHER)[StreamName.MAIN].state is SourceState.FAILED
    assert wait_until(
        lambda: supervisor.health(CAM)[StreamName.MAIN].state is SourceState.RECONNECTING, 30
    )
    supervisor.remove(OTHER)
    assert supervisor.camera_ids() == [CAM]
    assert supervisor.health(OTHER) == {}


def test_remove_and_update_unknown_camera(supervisor: CameraSupervisor) -> None:
    with pytest.raises(NotFoundError):
        supervisor.remove(CAM)
    with pytest.raises(NotFoundError):
        supervisor.update(spec())
