"""Low-Latency HLS (RFC 8216bis, version 9) over the live fMP4 window: playlists, blocking reload,
init segments, segments and parts, and the viewer count.

The playlist is text rendered from one consistent `WindowView`; a request with `_HLS_msn`
(and `_HLS_part`) waits on the packager until that segment (part) exists, for at most three
target durations (then 503, as the spec asks). LL-HLS has no sessions, so a viewer is a distinct
client (address and User-Agent) that made a request in the last `VIEWER_TTL_S` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, NotFoundError, UnavailableError
from vms.core.ids import CameraId, StreamName
from vms.live.fmp4_window import InitSegment, Part, Segment, WindowView
from vms.live.metrics import LiveMetrics, LiveProtocol
from vms.live.packager import Packager, Packagers

BLOCK_TARGETS = 3  # a blocking request waits at most this many target durations
FIRST_MEDIA_TIMEOUT_S = 10.0  # for the first whole segment (then the parts alone are served)
PART_HORIZON_TARGETS = 3  # parts are listed for the segments this close to the live edge
ADVANCE_PART_LIMIT = 3
VIEWER_TTL_S = 10.0


class HlsRequestError(InvalidInputError):
    """A blocking request the spec says to refuse with 400 Bad Request."""


@dataclass(frozen=True, slots=True)
class Media:
    """Bytes of an init segment, segment or part, and their content type."""

    data: bytes
    media_type: str


def render_playlist(view: WindowView, prefix: str) -> str:
    """The LL-HLS media playlist of a window; `prefix` is prepended to every URI."""
    part_target_s = view.part_target_us / 1_000_000
    listed = [*view.segments, *([view.open] if view.open is not None and view.open.parts else [])]
    first_msn = listed[0].msn if listed else view.next_part[0]
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:9",
        f"#EXT-X-TARGETDURATION:{view.target_duration_s}",
        f"#EXT-X-PART-INF:PART-TARGET={part_target_s:.3f}",
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
        f"PART-HOLD-BACK={part_target_s * BLOCK_TARGETS:.3f}",
        f"#EXT-X-MEDIA-SEQUENCE:{first_msn}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{view.discontinuity_sequence}",
    ]
    parts_from = _parts_horizon(listed, view.target_duration_s * PART_HORIZON_TARGETS)
    current: InitSegment | None = None
    for segment in listed:
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if segment.init is not current:
            current = segment.init
            lines.append(f'#EXT-X-MAP:URI="{prefix}init-{current.number}.mp4"')
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(segment.wall_ms)}")
        if segment.msn >= parts_from:
            lines.extend(_part_line(part, prefix) for part in segment.parts)
        if segment.complete:
            lines.append(f"#EXTINF:{segment.duration_us / 1_000_000:.5f},")
            lines.append(f"{prefix}seg-{segment.msn}.mp4")
    hint = view.open
    if hint is not None and (hint.parts or (hint.init is current and not hint.discontinuity)):
        msn, index = view.next_part
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{prefix}part-{msn}.{index}.mp4"')
    return "\n".join(lines) + "\n"


def _part_line(part: Part, prefix: str) -> str:
    line = (
        f"#EXT-X-PART:DURATION={part.duration_us / 1_000_000:.5f},"
        f'URI="{prefix}part-{part.msn}.{part.index}.mp4"'
    )
    return line + ",INDEPENDENT=YES" if part.independent else line


def _parts_horizon(listed: list[Segment], horizon_s: int) -> int:
    """The oldest msn whose parts are listed: segments ending within `horizon_s` of the end."""
    msn = listed[-1].msn if listed else 0
    total_us = 0
    for segment in reversed(listed):
        if total_us > horizon_s * 1_000_000:
            break
        msn = segment.msn
        total_us += segment.duration_us
    return msn


def _iso(wall_ms: int) -> str:
    moment = datetime.fromtimestamp(wall_ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_blocking(view: WindowView, msn: int | None, part: int | None) -> None:
    """Refuse what RFC 8216bis 6.2.5.2 says to refuse: a part without a segment, or too far."""
    if part is not None and msn is None:
        raise HlsRequestError("_HLS_part needs _HLS_msn")
    if msn is None:
        return
    last = view.last_part
    if last is None:
        return
    if msn > last[0] + 2:
        raise HlsRequestError(f"_HLS_msn={msn} is too far ahead (the newest segment is {last[0]})")
    if part is not None and msn == last[0] and part > last[1] + ADVANCE_PART_LIMIT:
        raise HlsRequestError(f"_HLS_part={part} is too far ahead (the newest part is {last[1]})")


def satisfied(view: WindowView, msn: int, part: int | None) -> bool:
    """Whether the playlist holds segment `msn` (whole) or part `part` of it, or anything later."""
    if part is None:
        last_msn = view.last_complete_msn
        return last_msn is not None and last_msn >= msn
    last = view.last_part
    return last is not None and last >= (msn, part)


def find_part(view: WindowView, msn: int, index: int) -> Part | None:
    for segment in (*view.segments, *([view.open] if view.open is not None else [])):
        if segment.msn == msn:
            return segment.parts[index] if 0 <= index < len(segment.parts) else None
    return None


def _part_settled(view: WindowView, msn: int, index: int) -> bool:
    """The part exists or never will (its segment closed without it)."""
    if find_part(view, msn, index) is not None:
        return True
    last = view.last_part
    closed = any(s.msn == msn for s in view.segments)
    return closed or (last is not None and last[0] > msn)


def find_segment(view: WindowView, msn: int) -> Segment | None:
    return next((s for s in view.segments if s.msn == msn), None)


def _init_of(view: WindowView, msn: int) -> InitSegment | None:
    for segment in (*view.segments, *([view.open] if view.open is not None else [])):
        if segment.msn == msn:
            return segment.init
    return None


def find_init(view: WindowView, number: int) -> InitSegment | None:
    for segment in (*view.segments, *([view.open] if view.open is not None else [])):
        if segment.init.number == number:
            return segment.init
    return None


@dataclass(slots=True)
class _Viewer:
    opened_s: float
    last_s: float
    got_media: bool = False


_ViewerKey = tuple[CameraId, StreamName, str]


class HlsViewers:
    """Distinct recent clients per camera stream, reported as LL-HLS sessions in LiveMetrics."""

    def __init__(self, metrics: LiveMetrics, clock: Clock, ttl_s: float = VIEWER_TTL_S) -> None:
        self._metrics = metrics
        self._clock = clock
        self._ttl_s = ttl_s
        self._viewers: dict[_ViewerKey, _Viewer] = {}

    def __len__(self) -> int:
        return len(self._viewers)

    def seen(self, camera: CameraId, stream: StreamName, client: str) -> None:
        now = self._clock.monotonic()
        viewer = self._viewers.get((camera, stream, client))
        if viewer is None:
            self._viewers[(camera, stream, client)] = _Viewer(now, now)
            self._metrics.session_opened(camera, stream, LiveProtocol.LLHLS)
        else:
            viewer.last_s = now

    def sent(
        self, camera: CameraId, stream: StreamName, client: str, size_bytes: int, *, media: bool
    ) -> None:
        self._metrics.bytes_sent(camera, stream, LiveProtocol.LLHLS, size_bytes)
        viewer = self._viewers.get((camera, stream, client))
        if media and viewer is not None and not viewer.got_media:
            viewer.got_media = True
            seconds = self._clock.monotonic() - viewer.opened_s
            self._metrics.first_frame(camera, stream, LiveProtocol.LLHLS, seconds)

    def failed(self, camera: CameraId, stream: StreamName) -> None:
        self._metrics.session_failed(camera, stream, LiveProtocol.LLHLS)

    def expire(self, closing: bool = False) -> None:
        """Close the sessions of clients silent for `ttl_s` (all of them when closing)."""
        now = self._clock.monotonic()
        for key, viewer in list(self._viewers.items()):
            if closing or now - viewer.last_s > self._ttl_s:
                del self._viewers[key]
                self._metrics.session_closed(key[0], key[1], LiveProtocol.LLHLS)


class LlHls:
    """The LL-HLS endpoints' logic; every method runs on the event loop."""

    def __init__(
        self,
        packagers: Packagers,
        metrics: LiveMetrics,
        clock: Clock,
        *,
        block_targets: float = BLOCK_TARGETS,
        first_media_timeout_s: float = FIRST_MEDIA_TIMEOUT_S,
    ) -> None:
        self._packagers = packagers
        self._block_targets = block_targets
        self._first_media_timeout_s = first_media_timeout_s
        self.viewers = HlsViewers(metrics, clock)
        packagers.add_housekeeping(self.viewers.expire)

    async def _packager(self, camera: CameraId, stream: StreamName, client: str) -> Packager:
        packager = await self._packagers.get(camera, stream)
        self.viewers.seen(camera, stream, client)
        return packager

    async def playlist(
        self, camera: CameraId, stream: StreamName, client: str, msn: int | None, part: int | None
    ) -> str:
        """The playlist, once it holds `msn`/`part` (blocking reload) or at least one part."""
        packager = await self._packager(camera, stream, client)
        view = packager.view()
        check_blocking(view, msn, part)
        predicate: Callable[[WindowView], bool]
        if msn is not None:
            timeout_s = view.target_duration_s * self._block_targets
            target = msn

            def predicate(v: WindowView) -> bool:
                return satisfied(v, target, part) or packager.failure is not None

        else:
            timeout_s = self._first_media_timeout_s

            def predicate(v: WindowView) -> bool:  # a whole segment, for players without LL
                return v.last_complete_msn is not None or bool(packager.failure)

        ready = await packager.wait_for(predicate, timeout_s)
        if ready is None and msn is None:  # a very long GOP: the parts will do
            ready = packager.view()
        if ready is None or ready.last_part is None or (msn is not None and packager.failure):
            self.viewers.failed(camera, stream)
            raise UnavailableError(self._why_not(packager, msn, part, timeout_s))
        text = render_playlist(ready, f"live/{stream.value}/")
        self.viewers.sent(camera, stream, client, len(text), media=False)
        return text

    @staticmethod
    def _why_not(packager: Packager, msn: int | None, part: int | None, timeout_s: float) -> str:
        if packager.failure is not None:
            return packager.failure
        if msn is None:
            return f"no live media within {timeout_s:.0f} s; the camera may have just reconnected"
        wanted = f"segment {msn}" if part is None else f"part {part} of segment {msn}"
        return f"{wanted} did not appear within {timeout_s:.0f} s"

    async def init(self, camera: CameraId, stream: StreamName, client: str, number: int) -> Media:
        packager = await self._packager(camera, stream, client)
        init = find_init(packager.view(), number)
        if init is None:
            raise NotFoundError(f"init segment {number} is not in the live window")
        self.viewers.sent(camera, stream, client, len(init.data), media=False)
        return Media(init.data, _media_type(init))

    async def segment(self, camera: CameraId, stream: StreamName, client: str, msn: int) -> Media:
        packager = await self._packager(camera, stream, client)
        view = packager.view()
        segment = find_segment(view, msn)
        if segment is None and view.open is not None and view.open.msn == msn:
            timeout_s = view.target_duration_s * self._block_targets
            ready = await packager.wait_for(lambda v: find_segment(v, msn) is not None, timeout_s)
            segment = None if ready is None else find_segment(ready, msn)
        if segment is None:
            raise NotFoundError(f"segment {msn} is not in the live window")
        data = segment.data()
        self.viewers.sent(camera, stream, client, len(data), media=True)
        return Media(data, _media_type(segment.init))

    async def part(
        self, camera: CameraId, stream: StreamName, client: str, msn: int, index: int
    ) -> Media:
        """A part; the next one (the preload hint) is waited for."""
        packager = await self._packager(camera, stream, client)
        view = packager.view()
        found = find_part(view, msn, index)
        upcoming = (msn, index) >= view.next_part and msn <= view.next_part[0] + 1
        if found is None and upcoming:
            timeout_s = view.target_duration_s * self._block_targets
            ready = await packager.wait_for(lambda v: _part_settled(v, msn, index), timeout_s)
            found = None if ready is None else find_part(ready, msn, index)
            view = ready or view
        if found is None:
            raise NotFoundError(f"part {index} of segment {msn} is not in the live window")
        init = _init_of(view, msn)
        self.viewers.sent(camera, stream, client, len(found.data), media=True)
        return Media(found.data, "video/mp4" if init is None else _media_type(init))


def _media_type(init: InitSegment) -> str:
    return init.mime.split(";", 1)[0]
