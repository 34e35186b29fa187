"""When a connected stream is `degraded`: the rules of `DegradeMonitor` on made-up counters."""

from __future__ import annotations

from vms.ingest.degrade import Counters, DegradeMonitor, LogLimiter


def feed(
    monitor: DegradeMonitor,
    seconds: range,
    *,
    fps: int = 25,
    lost_per_s: int = 0,
    discarded_per_s: int = 0,
    breaks_at: tuple[int, ...] = (),
    start: Counters | None = None,
) -> tuple[str | None, Counters]:
    """Counters once a second over `seconds`; the last verdict and the last counters."""
    last = start or Counters(0.0, 0, 0, 0, 0)
    verdict: str | None = None
    for second in seconds:
        last = Counters(
            float(second),
            last.frames + fps,
            last.discarded + discarded_per_s,
            last.lost + lost_per_s,
            last.breaks + (1 if second in breaks_at else 0),
        )
        verdict = monitor.observe(last)
    return verdict, last


def test_a_steady_stream_is_fine() -> None:
    assert feed(DegradeMonitor(), range(120))[0] is None


def test_frames_lost_on_the_network_degrade_then_recover() -> None:
    monitor = DegradeMonitor()
    _, last = feed(monitor, range(30))
    verdict, last = feed(monitor, range(30, 45), fps=20, lost_per_s=5, start=last)
    assert verdict is not None
    assert "lost on the network" in verdict
    assert "of " in verdict and "video frames in the last 10 s" in verdict
    verdict, _ = feed(monitor, range(45, 60), start=last)
    assert verdict is None  # the window holds no more losses


def test_a_lost_frame_now_and_then_is_no_story() -> None:
    verdict, _ = feed(DegradeMonitor(), range(120), lost_per_s=0, fps=25)
    assert verdict is None
    monitor = DegradeMonitor()
    _, last = feed(monitor, range(20))
    # 4 frames lost in 10 s: under both the count and the 5 % share
    verdict, _ = feed(monitor, range(20, 24), lost_per_s=1, start=last)
    assert verdict is None


def test_frames_thrown_away_waiting_for_a_keyframe() -> None:
    monitor = DegradeMonitor()
    _, last = feed(monitor, range(20))
    verdict, _ = feed(monitor, range(20, 32), fps=0, discarded_per_s=25, start=last)
    assert verdict is not None and verdict.startswith("no usable video in the last 10 s")


def test_a_collapsed_frame_rate_degrades_until_it_is_the_new_normal_or_recovers() -> None:
    monitor = DegradeMonitor()
    _, last = feed(monitor, range(60))
    verdict, last = feed(monitor, range(60, 75), fps=3, start=last)
    assert verdict == "the frame rate fell to 3.0 fps (the camera was sending 25 fps)"
    verdict, _ = feed(monitor, range(75, 90), fps=25, start=last)
    assert verdict is None


def test_a_modest_frame_rate_change_is_not_a_collapse() -> None:
    monitor = DegradeMonitor()
    _, last = feed(monitor, range(60))
    verdict, _ = feed(monitor, range(60, 90), fps=12, start=last)  # e.g. a night mode
    assert verdict is None


def test_timestamps_that_keep_breaking() -> None:
    monitor = DegradeMonitor()
    verdict, last = feed(monitor, range(60), breaks_at=(10, 30))
    assert verdict is None  # two breaks in a minute
    verdict, last = feed(monitor, range(60, 62), breaks_at=(60,), start=last)
    assert verdict is not None and "timestamps broke 3 times in the last 1 min" in verdict
    verdict, _ = feed(monitor, range(62, 130), start=last)
    assert verdict is None


def test_reset_forgets_the_previous_connection() -> None:
    monitor = DegradeMonitor()
    feed(monitor, range(30), lost_per_s=10)
    monitor.reset()
    assert feed(monitor, range(30))[0] is None


def test_log_limiter_counts_what_it_holds_back() -> None:
    limiter = LogLimiter(interval_s=60)
    assert limiter.allow("ts", 0.0) == (True, 0)
    assert [limiter.allow("ts", t)[0] for t in (1.0, 2.0, 59.0)] == [False, False, False]
    assert limiter.allow("other", 3.0) == (True, 0)  # each kind has its own budget
    assert limiter.allow("ts", 60.0) == (True, 3)
    assert limiter.allow("ts", 121.0) == (True, 0)
