"""What a Source logs when its state changes: one line per change, never a password.

Apart from `vms.ingest.source` to keep the reconnect loop short; the words are the operator's
view of a camera (connecting to where, streaming what, why it is retrying).
"""

from __future__ import annotations

import logging

from vms.ingest.health import SourceHealth, SourceState
from vms.media.packet import CodecParams, MediaKind


def log_change(
    log: logging.Logger,
    label: str,
    old: SourceState,
    new: SourceHealth,
    *,
    retry_s: float | None,
    where: tuple[str, str],
) -> None:
    """Log a state change; `where` is the redacted URL and the transport."""
    url, transport = where
    if new.state is SourceState.DEGRADED:
        log.warning("%s: %s -> degraded: %s", label, old, new.degraded_reason)
    elif new.state is SourceState.STREAMING and old is SourceState.DEGRADED:
        log.info("%s: degraded -> streaming (recovered)", label)
    elif new.state is SourceState.STREAMING:
        log.info(
            "%s: %s -> streaming (%s %dx%d) from %s",
            label,
            old,
            new.video_codec,
            new.width,
            new.height,
            url,
        )
    elif new.state in (SourceState.RECONNECTING, SourceState.FAILED):
        retry = "" if retry_s is None else f"; retrying (backoff, first in {retry_s:.1f} s)"
        log.warning("%s: %s -> %s: %s%s", label, old, new.state, new.last_error, retry)
    elif new.state is SourceState.CONNECTING:
        log.info("%s: %s -> connecting to %s (%s)", label, old, url, transport)
    else:
        log.info("%s: %s -> %s", label, old, new.state)


def log_new_parameters(
    log: logging.Logger,
    label: str,
    tracks: tuple[tuple[CodecParams, ...], tuple[CodecParams, ...]],
    generation: int,
    held: int,
) -> None:
    """The camera changed its parameter sets (old, new tracks): a new generation began."""
    old, new = tracks
    log.info(
        "%s: the camera changed its video parameters (%s -> %s): new generation %d%s",
        label,
        video_text(old),
        video_text(new),
        generation,
        held_text(held),
    )


def log_break(
    log: logging.Logger, label: str, what: str | None, generation: int, held: int
) -> None:
    """A timestamp discontinuity (the caller limits these to one line a minute)."""
    log.warning(
        "%s: timestamps broke (%s): new generation %d%s", label, what, generation, held_text(held)
    )


def video_text(tracks: tuple[CodecParams, ...]) -> str:
    """'h264 1920x1080', or 'no video'."""
    video = next((t for t in tracks if t.kind is MediaKind.VIDEO), None)
    return "no video" if video is None else f"{video.codec} {video.width}x{video.height}"


def held_text(held: int) -> str:
    """The tail of a rate-limited line: how many like it were not logged."""
    return f" ({held} more like it in the last minute, not logged)" if held else ""
