"""HLS VOD playlists (version 7, fMP4) over segment files, by byte ranges: pure functions.

Each recorded file keeps its own init section and decode times from 0 (ADR 0001), so every file
starts with EXT-X-DISCONTINUITY (after the first) and its own EXT-X-MAP; media segments are runs of
whole GOPs (a keyframe fragment and the fragments up to the next keyframe) served as
EXT-X-BYTERANGE slices of the file, so no byte is remuxed.

Time never goes backwards in a playlist: the index keeps a stream's segments apart, but rows
written before that rule (or while the server clock was set back) may overlap, so a file that
starts inside the time already played is entered at its first keyframe after that time (or
left out), and PROGRAM-DATE-TIME is non-decreasing (docs/design/storage.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from vms.playback.fragments import FragmentMap

DEFAULT_TARGET_US = 6_000_000
# Contiguous files meet within rounding (ms starts, µs media times): not an overlap.
_OVERLAP_SLACK_MS = 2


@dataclass(frozen=True, slots=True)
class VodSource:
    """One segment file as an input of a playlist: its wall start and its fragment map."""

    segment_id: int
    start_ms: int  # wall time of media time 0 of the file
    uri: str
    fmap: FragmentMap


@dataclass(frozen=True, slots=True)
class VodPart:
    """One HLS media segment: a byte range of one source file, starting on a keyframe."""

    source: int  # index into the sources
    offset_bytes: int
    size_bytes: int
    start_us: int  # media time within the file
    duration_us: int

    def wall_start_ms(self, sources: list[VodSource]) -> int:
        return sources[self.source].start_ms + self.start_us // 1000


@dataclass(frozen=True, slots=True)
class VodPlan:
    sources: list[VodSource]
    parts: list[VodPart]
    start_offset_s: float  # from the first part's start to the requested start

    @property
    def duration_s(self) -> float:
        return sum(p.duration_us for p in self.parts) / 1e6


def _wanted(
    src: VodSource, start_ms: int, end_ms: int, first: bool, not_before_ms: int | None = None
) -> range:
    """Indexes of the fragments of `src` to play: overlapping the range, from a keyframe, and
    (after the first file) none that starts before `not_before_ms`, the time already played."""
    fmap = src.fmap
    rel_start_us = (start_ms - src.start_ms) * 1000
    rel_end_us = (end_ms - src.start_ms) * 1000
    if rel_start_us >= fmap.fragment_end_us(len(fmap.fragments) - 1):
        return range(0)  # the file ends before the range starts
    begin = fmap.keyframe_at_or_before(max(rel_start_us, 0)) if first else 0
    if not first:
        floor_us = -1 if not_before_ms is None else (not_before_ms - src.start_ms) * 1000
        while begin < len(fmap.fragments) and (
            not fmap.fragments[begin].keyframe or fmap.fragments[begin].start_us < floor_us
        ):
            begin += 1  # a file always starts on a keyframe; skip anything that does not
    stop = begin
    while stop < len(fmap.fragments) and fmap.fragments[stop].start_us < rel_end_us:
        stop += 1
    return range(begin, stop)


def _group(fmap: FragmentMap, source: int, wanted: range, target_us: int) -> list[VodPart]:
    """Whole GOPs merged into parts of at most `target_us` (a longer GOP is a part of its own)."""
    parts: list[VodPart] = []
    i = wanted.start
    while i < wanted.stop:
        j = i + 1
        while j < wanted.stop:
            if fmap.fragments[j].keyframe:
                span_us = fmap.fragment_end_us(_gop_end(fmap, j, wanted.stop) - 1) - (
                    fmap.fragments[i].start_us
                )
                if span_us > target_us:
                    break
            j += 1
        first, last = fmap.fragments[i], fmap.fragments[j - 1]
        start_us = first.start_us
        parts.append(
            VodPart(
                source,
                first.offset_bytes,
                last.end_bytes - first.offset_bytes,
                start_us,
                max(fmap.fragment_end_us(j - 1) - start_us, 1),
            )
        )
        i = j
    return parts


def _gop_end(fmap: FragmentMap, k: int, stop: int) -> int:
    """One past the last fragment of the GOP starting at k."""
    n = k + 1
    while n < stop and not fmap.fragments[n].keyframe:
        n += 1
    return n


def plan_vod(
    sources: list[VodSource], start_ms: int, end_ms: int, target_us: int = DEFAULT_TARGET_US
) -> VodPlan:
    """The parts covering [start_ms, end_ms) of one stream's files, in time order and never
    going back in time (overlapping files: see the module's docstring)."""
    sources = sorted(sources, key=lambda src: src.start_ms)
    parts: list[VodPart] = []
    played_ms: int | None = None  # the wall time played up to, by the parts so far
    for n, src in enumerate(sources):
        if not src.fmap.fragments:
            continue
        wanted = _wanted(src, start_ms, end_ms, first=not parts, not_before_ms=played_ms)
        added = _group(src.fmap, n, wanted, target_us)
        if added:
            last = added[-1]
            end = last.wall_start_ms(sources) + (last.start_us % 1000 + last.duration_us) // 1000
            played_ms = max(played_ms or end, end) - _OVERLAP_SLACK_MS
            played_ms = max(played_ms, last.wall_start_ms(sources))
            parts += added
    offset_s = 0.0
    if parts:
        offset_s = max(0.0, (start_ms - parts[0].wall_start_ms(sources)) / 1000)
    return VodPlan(sources, parts, offset_s)


def _pdt(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def render_playlist(plan: VodPlan, comments: list[str] | None = None) -> str:
    """The m3u8 text of a plan; `comments` become '#' lines (ignored by players)."""
    longest_s = max((p.duration_us for p in plan.parts), default=1_000_000) / 1e6
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(round(longest_s, 3)))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f"#EXT-X-START:TIME-OFFSET={plan.start_offset_s:.3f},PRECISE=YES",
    ]
    lines += [f"# {c}" for c in comments or []]
    current = -1
    for part in plan.parts:
        src = plan.sources[part.source]
        if part.source != current:
            if current != -1:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append(f'#EXT-X-MAP:URI="{src.uri}",BYTERANGE="{src.fmap.init_size_bytes}@0"')
            current = part.source
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_pdt(part.wall_start_ms(plan.sources))}")
        lines.append(f"#EXTINF:{part.duration_us / 1e6:.3f},")
        lines.append(f"#EXT-X-BYTERANGE:{part.size_bytes}@{part.offset_bytes}")
        lines.append(src.uri)
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
