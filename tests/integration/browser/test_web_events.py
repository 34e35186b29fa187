"""The web client's Events page in Chromium, against a real VMS detecting motion on a simulated
camera whose bar moves for ON_S s of every PERIOD_S s: an event shows up live (no reload) with its
thumbnail, its view plays the clip from the recordings (the burnt-in clock of the frames lies in
the clip), the filters narrow the list and survive a reload, the playback page marks the event on
its timeline, and the page fits a phone. Screenshots of the list and the event view are kept in
the test artifacts.

The zone "Scene" leaves out the top 40 % of the picture, where the burnt-in clock changes every
frame. The pages are the built web client (web/dist, `make web`) as the VMS serves it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.support.browser import BrowserPage, BrowserPages, assert_not_blank
from tests.support.motion import MOTION_SIMULATOR_ARGS, PERIOD_S, detect_motion_in_scene
from tests.support.simulator import simulator_process
from tests.support.vms_process import ADMIN, VmsProcess, wait_for
from vms.media.clockcode import decode_clock

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
EVENT_TIMEOUT_MS = 6 * PERIOD_S * 1000
UI_TIMEOUT_MS = 30_000
CLOCK_SLACK_MS = 1_500  # a frame's burnt-in clock vs the clip's bounds (GOP and frame rounding)


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    with simulator_process(*MOTION_SIMULATOR_ARGS) as sim:
        camera = {
            "id": "cam1",
            "name": "Yard camera",
            "main_url": sim.url(1),
            "sub_url": sim.url(1, "sub"),
        }
        process = VmsProcess(
            tmp_path_factory.mktemp("web-events") / "vms",
            [camera],
            segment_duration_s=5,
            extra={"analytics": {"motion_cooldown_s": 1.5}},
        )
        process.start()
        try:
            detect_motion_in_scene(process.client, "cam1")
            yield process
        finally:
            process.close()


def _event_ids(page: BrowserPage) -> list[str]:
    ids: list[str] = page.page.evaluate(
        "[...document.querySelectorAll('[data-testid=event-item]')].map((e) => e.dataset.eventId)"
    )
    return ids


def _event(vms: VmsProcess, event_id: str) -> dict[str, Any]:
    response = vms.client.get(f"/api/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _clip_recorded(vms: VmsProcess, event_id: str) -> bool:
    """The event has ended and the recordings of its whole clip are indexed."""
    event = _event(vms, event_id)
    if event["end_ms"] is None:
        return False
    rows = vms.recordings("cam1")
    return bool(rows) and max(row["end_ms"] for row in rows) >= event["clip"]["end_ms"]


def _video_frame(page: BrowserPage, name: str) -> tuple[float, np.ndarray[Any, Any]]:
    """The clip video's current time and its picture (grey, natural size), kept as an artifact."""
    data: dict[str, Any] = page.page.evaluate(
        """() => {
          const video = document.querySelector('[data-testid=clip-video]');
          const canvas = document.createElement('canvas');
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          canvas.getContext('2d').drawImage(video, 0, 0);
          return { time: video.currentTime, png: canvas.toDataURL('image/png') };
        }"""
    )
    png = base64.b64decode(data["png"].split(",", 1)[1])
    page.save_artifact(f"{name}.png", png)
    gray = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert gray is not None, f"{name}: no picture in the video yet"
    return float(data["time"]), np.asarray(gray, dtype=np.uint8)


def _overflow(page: BrowserPage) -> int:
    overflow: int = page.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return overflow


@pytest.mark.slow
def test_events_arrive_live_play_their_clip_filter_and_mark_the_timeline(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = browser_pages.new_page(vms.base_url, width=1280, height=900)
    page.sign_in(ADMIN, vms.admin_password)
    response = page.page.goto(f"{vms.base_url}/events")
    assert response is not None and response.ok
    live = page.page.get_by_test_id("events-live")
    page.page.wait_for_function(
        "document.querySelector('[data-testid=events-live]')?.dataset.state === 'live'",
        timeout=UI_TIMEOUT_MS,
    )
    assert live.inner_text() == "Live"

    # A new event from motion detection appears at the top without a reload (the events
    # already there are counted once the first page of them has loaded).
    page.page.locator("[data-testid=event-list], [data-testid=events-empty]").first.wait_for(
        timeout=UI_TIMEOUT_MS
    )
    page.page.evaluate("window.__sameDocument = true")
    before = set(_event_ids(page))
    page.page.wait_for_function(
        """(before) => [...document.querySelectorAll('[data-testid=event-item]')]
             .some((e) => !before.includes(e.dataset.eventId))""",
        arg=sorted(before),
        timeout=EVENT_TIMEOUT_MS,
    )
    assert page.page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    event_id = next(i for i in _event_ids(page) if i not in before)
    item = page.page.locator(f"[data-testid=event-item][data-event-id='{event_id}']")
    assert "motion" in item.inner_text() and "Yard camera" in item.inner_text()
    assert "Scene" in item.get_by_test_id("event-zones").inner_text()
    assert re.fullmatch(r"score \d+%", item.get_by_test_id("event-score").inner_text())

    # Its thumbnail loads (the snapshot is taken while the event goes on).
    page.page.wait_for_function(
        """(id) => {
          const img = document.querySelector(
            `[data-testid=event-item][data-event-id='${id}'] img[data-testid=event-thumbnail]`);
          return img !== null && img.complete && img.naturalWidth > 0;
        }""",
        arg=event_id,
        timeout=EVENT_TIMEOUT_MS,
    )
    # It closes in place (the same row, now with a duration).
    duration = item.get_by_test_id("event-duration")
    page.page.wait_for_function(
        """(id) => document.querySelector(
             `[data-testid=event-item][data-event-id='${id}'] [data-testid=event-duration]`
           )?.textContent.endsWith(' s')""",
        arg=event_id,
        timeout=EVENT_TIMEOUT_MS,
    )
    assert duration.inner_text() != "ongoing"
    page.screenshot("events-list")

    # The event's view plays its clip from the recordings.
    assert wait_for(lambda: _clip_recorded(vms, event_id), 60, poll_s=0.5), vms.log()[-3000:]
    event = _event(vms, event_id)
    item.get_by_role("link").click()
    page.page.wait_for_url(re.compile(f"/events/{event_id}$"))
    facts = page.page.get_by_test_id("event-facts")
    facts.wait_for(timeout=UI_TIMEOUT_MS)
    assert "Scene" in facts.inner_text()
    page.page.wait_for_function(
        """() => { const i = document.querySelector('[data-testid=event-snapshot]');
                   return i !== null && i.complete && i.naturalWidth > 0; }""",
        timeout=UI_TIMEOUT_MS,
    )
    page.page.get_by_test_id("clip-play").click()
    page.page.wait_for_function(
        """() => { const v = document.querySelector('[data-testid=clip-video]');
                   return v && !v.paused && v.readyState >= 2 && v.videoWidth > 0; }""",
        timeout=UI_TIMEOUT_MS,
    )
    first_time, _ = _video_frame(page, "clip-start")
    page.page.wait_for_function(  # the clip plays on: its time moves past the first frame's
        "t => document.querySelector('[data-testid=clip-video]').currentTime > t",
        arg=first_time + 0.6,
        timeout=UI_TIMEOUT_MS,
    )
    later_time, picture = _video_frame(page, "clip-playing")
    assert later_time > first_time + 0.5, (first_time, later_time)
    assert_not_blank(picture, "clip-playing")
    clock_ms = decode_clock(picture)
    assert clock_ms is not None, "the clip's frame has no readable clock"
    clip = event["clip"]
    assert clip["start_ms"] - CLOCK_SLACK_MS <= clock_ms <= clip["end_ms"] + CLOCK_SLACK_MS, (
        clock_ms,
        clip,
    )
    page.screenshot("event-detail")
    assert page.page.get_by_test_id("clip-error").count() == 0

    # "Open in playback": the playback page at the event, with its marker on the timeline.
    link = page.page.get_by_test_id("open-in-playback")
    assert link.get_attribute("href") == f"/playback/cam1?at={event['start_ms']}"
    link.click()
    page.page.wait_for_url(re.compile(r"/playback/cam1\?at="))
    marker = page.page.locator("[data-testid=timeline-marker][aria-label^='motion']").first
    marker.wait_for(timeout=UI_TIMEOUT_MS)
    page.screenshot("playback-event-markers")

    # Filters: a score of 100 % selects nothing and says so; the zone "Scene" shows the event,
    # and survives a reload.
    page.page.goto(f"{vms.base_url}/events")
    page.page.get_by_test_id("event-item").first.wait_for(timeout=UI_TIMEOUT_MS)
    page.page.get_by_test_id("filter-min-score").fill("100")
    empty = page.page.get_by_test_id("events-empty")
    empty.wait_for(timeout=UI_TIMEOUT_MS)
    assert empty.get_attribute("data-reason") == "filtered"
    assert "score at least 100%" in empty.inner_text()
    assert "min_score=1" in page.page.url
    empty.get_by_role("button", name="Clear filters").click()
    page.page.get_by_test_id("event-item").first.wait_for(timeout=UI_TIMEOUT_MS)
    zones = page.page.get_by_test_id("filter-zones")
    zones.locator("summary").click()
    zones.get_by_label("Scene").check()
    page.page.wait_for_url(re.compile(r"/events\?zone=Scene$"))
    page.page.keyboard.press("Escape")
    page.page.reload()
    page.page.locator(f"[data-testid=event-item][data-event-id='{event_id}']").wait_for(
        timeout=UI_TIMEOUT_MS
    )
    assert "Scene" in page.page.get_by_test_id("filter-zones").inner_text()
    page.screenshot("events-filtered")

    assert page.console_errors == [], page.console_errors


@pytest.mark.slow
def test_the_events_page_fits_a_phone(vms: VmsProcess, browser_pages: BrowserPages) -> None:
    page = browser_pages.new_page(vms.base_url, width=390, height=844)
    page.sign_in(ADMIN, vms.admin_password)
    page.page.goto(f"{vms.base_url}/events")
    page.page.get_by_test_id("event-item").first.wait_for(timeout=EVENT_TIMEOUT_MS)
    assert _overflow(page) <= 0, "the list is wider than the phone"
    page.page.get_by_test_id("filter-cameras").locator("summary").click()
    assert _overflow(page) <= 0, "the open camera filter is wider than the phone"
    page.screenshot("events-phone")
    page.page.keyboard.press("Escape")
    assert page.page.get_by_test_id("filter-cameras").get_attribute("open") is None
    # By keyboard: an event card is a link; Enter opens the event.
    page.page.get_by_test_id("event-item").first.get_by_role("link").focus()
    page.page.keyboard.press("Enter")
    page.page.get_by_test_id("event-facts").wait_for(timeout=UI_TIMEOUT_MS)
    # The player settles: a picture, or why there is none yet (never a failed playlist request).
    page.page.wait_for_function(
        """() => { const v = document.querySelector('[data-testid=clip-video]');
                   const n = document.querySelector('[data-testid=clip-notice]');
                   return (v && v.readyState >= 2) || (n && n.textContent !== 'Loading…'); }""",
        timeout=UI_TIMEOUT_MS,
    )
    assert _overflow(page) <= 0, "the event view is wider than the phone"
    page.screenshot("event-detail-phone")
    assert page.console_errors == [], page.console_errors
