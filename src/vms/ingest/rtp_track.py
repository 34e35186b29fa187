"""One RTP track of an RTSP connection: its depacketiser, its unwrapped timeline, its reports.

Apart from `vms.ingest.rtsp_pull` because it is the timestamp arithmetic of one track (32-bit RTP
timestamps unwrapped, the RTCP sender-report trust rule), testable without a connection.
"""

from __future__ import annotations

from vms.media.reorder import DecodeOrder
from vms.media.rtp import SenderReport
from vms.media.rtp_depay import depacketizer_for
from vms.media.rtp_depay.base import Depacketizer
from vms.media.sdp_parse import SdpMedia

RTP_HEADER_BYTES = 12
_NOMINAL_FPS = 25  # frame step of the first DTS of a B-frame stream (any positive step is sound)
# A sender report maps this track's RTP timestamps to wall time only while they stay within
# this of its own (beyond the time elapsed since it came): RTP timestamps that jump (a camera
# restart, a wrong clock) make it stale, and a report whose RTP timestamp is that far from
# the stream's belongs to another timeline (see "The trust rule for sender reports").
_REPORT_STALE_S = 2.0


def payload_bounds(packet: bytes) -> tuple[int, int]:
    """Where the payload of an RTP packet begins and ends (CSRCs, extension and padding
    skipped); (0, 0) for a packet that is not RTP version 2 or is too short."""
    if len(packet) < RTP_HEADER_BYTES or packet[0] >> 6 != 2:
        return 0, 0
    header = RTP_HEADER_BYTES + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= header + 4:
        header += 4 + 4 * int.from_bytes(packet[header + 2 : header + 4], "big")
    end = len(packet) - (packet[-1] if packet[0] & 0x20 else 0)
    return header, end


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class RtpTrack:
    """One set-up SDP media: its depacketiser, timeline and latest sender report."""

    __slots__ = (
        "base",
        "clock_rate",
        "depay",
        "extended",
        "index",
        "last_arrival_mono",
        "last_timestamp",
        "media",
        "order",
        "report",
        "report_extended",
        "report_mono",
    )

    def __init__(self, media: SdpMedia, index: int) -> None:
        self.media = media
        self.index = index
        self.clock_rate = media.clock_rate
        self.depay: Depacketizer = depacketizer_for(media.codec, media.fmtp)
        self.order: DecodeOrder | None = None  # video: DTS from PTS (see `reordered`)
        self.last_timestamp: int | None = None
        self.extended = 0  # the last RTP timestamp, unwrapped
        self.base: int | None = None  # extended timestamp of media time 0
        self.last_arrival_mono = 0.0
        self.report: SenderReport | None = None
        self.report_extended = 0
        self.report_mono = 0.0  # when the report came (monotonic s)

    def reordered(self, depth: int) -> None:
        """Take the reorder depth the video's parameter sets declare: the units come in decode
        order with PTS only, and `order` gives them DTS (vms.media.reorder). A new declared
        depth (new parameter sets) starts a new sequence; the same one keeps what was learned."""
        if self.order is None or self.order.declared != depth:
            self.order = DecodeOrder(depth, max(1, self.clock_rate // _NOMINAL_FPS))

    def unwrap(self, timestamp: int) -> None:
        """Take the RTP timestamp of a new packet: `extended` follows it across wrap-arounds."""
        self.extended = self.unwrap_near(timestamp)
        self.last_timestamp = timestamp

    def unwrap_near(self, timestamp: int) -> int:
        """An RTP timestamp of this track (e.g. of a sender report) on the unwrapped scale."""
        if self.last_timestamp is None:
            return timestamp
        return self.extended + _signed32(timestamp - self.last_timestamp)

    def wall_us(self, extended: int) -> int | None:
        """The wall clock of an (unwrapped) RTP timestamp by the latest sender report; None
        without one, or once the timestamps jumped away from it: the report is then dropped
        (never mapped through) until the camera sends a new one."""
        if self.report is None:
            return None
        media_s = (extended - self.report_extended) / self.clock_rate
        elapsed_s = self.last_arrival_mono - self.report_mono
        if media_s < -_REPORT_STALE_S or media_s - max(elapsed_s, 0.0) > _REPORT_STALE_S:
            self.report = None
            return None
        return (
            self.report.wall_us + (extended - self.report_extended) * 1_000_000 // self.clock_rate
        )

    def take_report(self, report: SenderReport, now_mono: float) -> bool:
        """Keep a new sender report unless its RTP timestamp is off the stream's timeline (an
        old mapping sent after a jump, or a camera that stamps reports from another clock)."""
        extended = self.unwrap_near(report.rtp_timestamp)
        if self.last_timestamp is not None:
            ahead_s = (extended - self.extended) / self.clock_rate
            since_s = max(now_mono - self.last_arrival_mono, 0.0)
            if ahead_s < -_REPORT_STALE_S or ahead_s > since_s + _REPORT_STALE_S:
                return False
        self.report, self.report_extended, self.report_mono = report, extended, now_mono
        return True
