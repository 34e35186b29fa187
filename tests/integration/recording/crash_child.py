"""Child process for the crash test: records generated media, says how far it got, then hangs.

Run as `python -m tests.integration.recording.crash_child DB_URL POOL_ROOT STOP_AT_S`; the parent
kills it with SIGKILL once it prints `FED <media seconds>`.
"""

from __future__ import annotations

import sys
import threading
from fractions import Fraction
from pathlib import Path

from tests.support.media import generate_stream
from vms.core.bus import Bus
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.db.engine import create_engine, migrate
from vms.media.packet import HubItem
from vms.recording.recorder import Recorder
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex
from vms.storage.pools import StoragePool, StoragePools


class _Feed:
    def __init__(self, items: list[HubItem], last_s: float) -> None:
        self._items = items
        self._last_s = last_s
        self._announced = False

    def get(self, timeout: float | None = None) -> HubItem | None:
        if self._items:
            return self._items.pop(0)
        if not self._announced:  # the recorder has handled every item: report and wait
            self._announced = True
            print(f"FED {self._last_s:.3f}", flush=True)
        threading.Event().wait(timeout)
        return None

    def get_nowait(self) -> HubItem | None:
        return self._items.pop(0) if self._items else None

    def close(self) -> None:
        pass


def main() -> None:
    db_url, pool_root, stop_at = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    engine = create_engine(db_url)
    migrate(engine)
    stream = generate_stream(duration_s=stop_at + 1, fps=25, gop=25)
    video_tb = stream.info.tracks[0].time_base
    packets = [p for p in stream.packets if p.pts * stream.info.tracks[p.track].time_base < stop_at]
    last_s = max(float(p.pts * video_tb + Fraction(1, 25)) for p in packets if p.track == 0)
    recorder = Recorder(
        CameraId("cam1"),
        StreamName.MAIN,
        _Feed([stream.info, *packets], last_s),
        RecorderServices(
            pools=StoragePools([StoragePool("p1", pool_root)]),
            index=SegmentIndex(engine),
            clock=SystemClock(),
            bus=Bus(),
        ),
        RecorderSettings(
            segment_duration_s=4.0,
            min_free_bytes=0,
        ),
    )
    recorder.start()
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
