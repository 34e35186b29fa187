"""When a stream that delivers packets is nevertheless `degraded`, and warnings that repeat.

A camera can stay connected while its video is ruined: frames lost on the network (the
depacketiser's `lost`), frames thrown away while waiting for a keyframe (the normaliser's
`discarded`), a frame rate that collapsed, or timestamps that break again and again (each break
splits the recording). The Source reports cumulative counters here about once a second; this pure
class, tested with made-up times, says in words a user understands what is wrong, or None.

Each rule looks at a sliding window, so the state goes back to `streaming` by itself once the
window holds no more trouble; the windows also keep the state from flapping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Counters:
    """Cumulative counts of one connection at monotonic time `at`."""

    at: float
    frames: int  # video frames published (all packets for an audio stream)
    discarded: int  # packets the normaliser threw away (no keyframe yet after a break)
    lost: int  # access units the depacketisers dropped (sequence gaps, damaged payloads)
    breaks: int  # timestamp discontinuities (each one starts a new generation)


@dataclass(frozen=True, slots=True)
class DegradeRules:
    """Thresholds; the defaults suit cameras of 5-30 fps with keyframes every 1-4 s."""

    window_s: float = 10.0  # losses and frame rate are judged over this window
    bad_ratio: float = 0.05  # more lost or discarded frames than this share: degraded
    min_bad: int = 5  # ... and at least this many (a single lost frame is no story)
    fps_ratio: float = 1 / 3  # fps below this share of the stream's own recent rate: degraded
    min_reference_fps: float = 2.0  # below this the stream's rate is too low to judge
    reference_s: float = 300.0  # the stream's own rate: the best window of the last 5 minutes
    breaks: int = 3  # this many timestamp breaks ...
    breaks_window_s: float = 60.0  # ... within this window: degraded


class DegradeMonitor:
    """Judges one connection from its counters; `reset` at each (re)connection."""

    def __init__(self, rules: DegradeRules | None = None) -> None:
        self._rules = rules or DegradeRules()
        self._samples: deque[Counters] = deque()
        self._rates: deque[tuple[float, float]] = deque()  # (time, fps of the full window)

    def reset(self) -> None:
        self._samples.clear()
        self._rates.clear()

    def observe(self, now: Counters) -> str | None:
        """Take the counters at `now.at`; what is wrong with the stream, or None."""
        rules = self._rules
        samples = self._samples
        samples.append(now)
        keep = max(rules.window_s, rules.breaks_window_s)
        while len(samples) > 2 and samples[1].at <= now.at - keep:
            samples.popleft()
        return (
            self._bad_frames(now)
            or self._slow(now)
            or self._breaks(now, self._since(now.at - rules.breaks_window_s))
        )

    def _since(self, start: float) -> Counters:
        """The latest sample at or before `start` (the oldest one if none is that old)."""
        found = self._samples[0]
        for sample in self._samples:
            if sample.at > start:
                break
            found = sample
        return found

    def _bad_frames(self, now: Counters) -> str | None:
        rules = self._rules
        then = self._since(now.at - rules.window_s)
        frames = now.frames - then.frames
        lost = now.lost - then.lost
        bad = lost + now.discarded - then.discarded
        span = f"{max(now.at - then.at, 0.0):.0f} s"
        if bad < rules.min_bad or bad <= rules.bad_ratio * (frames + bad):
            return None
        if frames == 0:
            return f"no usable video in the last {span}: frames are thrown away until a keyframe"
        why = "lost on the network" if lost * 2 >= bad else "thrown away until a keyframe"
        return f"{bad} of {frames + bad} video frames in the last {span} were {why}"

    def _slow(self, now: Counters) -> str | None:
        rules = self._rules
        then = self._since(now.at - rules.window_s)
        span = now.at - then.at
        if span < rules.window_s * 0.9:
            return None  # not a full window yet
        fps = (now.frames - then.frames) / span
        rates = self._rates
        rates.append((now.at, fps))
        while rates and rates[0][0] < now.at - rules.reference_s:
            rates.popleft()
        reference = max(rate for _, rate in rates)
        if reference < rules.min_reference_fps or fps >= reference * rules.fps_ratio:
            return None
        return f"the frame rate fell to {fps:.1f} fps (the camera was sending {reference:.0f} fps)"

    def _breaks(self, now: Counters, then: Counters) -> str | None:
        count = now.breaks - then.breaks
        if count < self._rules.breaks:
            return None
        minutes = self._rules.breaks_window_s / 60
        return (
            f"the camera's timestamps broke {count} times in the last {minutes:g} min"
            " (each break starts a new recording segment)"
        )


class LogLimiter:
    """At most one line per `interval_s` for each kind of warning; the rest are counted.

    `allow` says whether to log now and how many lines of that kind were held back since the
    last one, so the line that is written can say so."""

    def __init__(self, interval_s: float = 60.0) -> None:
        self._interval_s = interval_s
        self._next: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, kind: str, now: float) -> tuple[bool, int]:
        if now < self._next.get(kind, float("-inf")):
            self._held[kind] = self._held.get(kind, 0) + 1
            return False, 0
        self._next[kind] = now + self._interval_s
        return True, self._held.pop(kind, 0)
