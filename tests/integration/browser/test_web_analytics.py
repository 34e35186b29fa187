"""The web client's Analytics page in Chromium, against a real VMS making events on a simulated
camera whose bright bar moves for ON_S s of every PERIOD_S s: motion detection in the zone
"Scene" (label `motion`), and the bar detector (`tests/support/bar_detector.py`, label `bar`,
in a worker process, as any detector) tracked across a line rule "Middle" (one crossing event
per pass) and a count rule "Busy" on a strip in the middle (open while the bar stands in it).
Once each kind has closed events, the camera's analytics are switched off, so every event
closes and the numbers stop moving. The browser runs in Asia/Kolkata (UTC+5:30), where days
begin half past a UTC hour.

- the page asks GET /api/v1/events/stats for today by the hour in the browser's zone (from the
  first whole UTC hour of local midnight), and draws the numbers the API gives for that question:
  the total, each hour's column and its label segments, the busiest cameras, each label, rule
  and zone, the line's crossings and the count rule's peaks; the last 7 days by the day too;
- a click on a bar (a label's segment, the line's crossings) and Enter on a focused occupancy
  bar open the Events page listing exactly the events the bar counts, as many as it says, the
  same ones the search API gives for its filters;
- the page fits a phone.

The pages are the built web client (web/dist, `make web`) as the VMS serves it; screenshots of
the dashboard are kept in the test artifacts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page

from tests.support.browser import BrowserPage, BrowserPages
from tests.support.motion import MOTION_SIMULATOR_ARGS, PERIOD_S, SCENE
from tests.support.simulator import simulator_process
from tests.support.vms_process import ADMIN, VmsProcess, wait_for

pytestmark = pytest.mark.slow

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
ZONE = "Asia/Kolkata"
HOUR_MS = 3_600_000
UI_TIMEOUT_MS = 30_000
EVENTS_TIMEOUT_S = 30 * PERIOD_S
ANALYTICS = {
    "motion_cooldown_s": 1.5,
    "detect_fps": 10,
    "detect_width": 320,
    "inference_workers": 1,
    "detector_factory": "tests.support.bar_detector:build",
}
# The bar stands the whole height of the picture, so its foot is on the last row: the line starts
# at the bottom edge (drawn upwards, A is the left: the bar moving right crosses A to B, "in").
MIDDLE_LINE = {"name": "Middle", "kind": "line", "points": [[0.5, 1.0], [0.5, 0.2]]}
STRIP = {"name": "Strip", "kind": "zone", "points": [[0.4, 0.45], [0.6, 0.45], [0.6, 1], [0.4, 1]]}
RULES = [
    {"kind": "line", "name": "Middle", "line": "Middle", "direction": "both"},
    {"kind": "count", "name": "Busy", "zone": "Strip", "above": 0},
]


def _events(vms: VmsProcess, **params: Any) -> list[dict[str, Any]]:
    response = vms.client.get("/api/v1/events", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None, "more events than one page"
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _enough_closed(vms: VmsProcess) -> bool:
    closed = [e for e in _events(vms) if e["end_ms"] is not None]
    kinds = [(e["label"], e["rule"]) for e in closed]
    return (
        kinds.count(("motion", None)) >= 2
        and kinds.count(("bar", "Middle")) >= 2
        and kinds.count(("bar", "Busy")) >= 1
    )


def _all_closed_and_still(vms: VmsProcess) -> bool:
    before = _events(vms)
    if any(e["end_ms"] is None for e in before):
        return False
    time.sleep(3)
    return _events(vms) == before


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    with simulator_process(*MOTION_SIMULATOR_ARGS) as sim:
        camera = {
            "id": "cam1",
            "name": "Yard camera",
            "main_url": sim.url(1),  # analysed too: no sub stream (the bar is crisper there)
            "record": False,
        }
        process = VmsProcess(
            tmp_path_factory.mktemp("web-analytics") / "vms",
            [camera],
            extra={"analytics": ANALYTICS},
        )
        process.start()
        try:
            client = process.client
            zones = client.put("/api/v1/cameras/cam1/zones", json=[SCENE, MIDDLE_LINE, STRIP])
            assert zones.status_code == 200, zones.text
            rules = client.put("/api/v1/cameras/cam1/rules", json={"rules": RULES})
            assert rules.status_code == 200, rules.text
            on = client.patch("/api/v1/cameras/cam1", json={"motion": True, "detect": "always"})
            assert on.status_code == 200, on.text
            assert wait_for(lambda: _enough_closed(process), EVENTS_TIMEOUT_S, poll_s=1), (
                [(e["label"], e["rule"], e["end_ms"]) for e in _events(process)],
                process.log()[-3000:],
            )
            off = client.patch("/api/v1/cameras/cam1", json={"motion": False, "detect": "off"})
            assert off.status_code == 200, off.text
            assert wait_for(lambda: _all_closed_and_still(process), 60, poll_s=1), _events(process)
            yield process
        finally:
            process.close()


def _kolkata_page(pages: BrowserPages, vms: VmsProcess, width: int = 1280) -> BrowserPage:
    page = pages.new_page(vms.base_url, width=width, height=900)
    cdp = page.page.context.new_cdp_session(page.page)
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
    page.sign_in(ADMIN, vms.admin_password)
    return page


def _wait_drawn(p: Page) -> None:
    p.wait_for_function(
        """() => document.querySelector('[data-testid=analytics-body]')
                   ?.getAttribute('aria-busy') === 'false'""",
        timeout=UI_TIMEOUT_MS,
    )


def _open_dashboard(p: Page, url: str) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Open the dashboard at `url`: the stats query it sent and the answer, once drawn."""
    with p.expect_response(lambda r: "/api/v1/events/stats?" in r.url) as answer:
        p.goto(url)
    _wait_drawn(p)
    stats: dict[str, Any] = answer.value.json()
    return parse_qs(urlsplit(answer.value.url).query), stats


def _drawn(p: Page) -> dict[str, Any]:
    """What the page shows: the numbers written on it and the links' names."""
    drawn: dict[str, Any] = p.evaluate(
        """() => {
          const all = (root, selector) => [...(root ?? document).querySelectorAll(selector)];
          const text = (root, id) => root.querySelector(`[data-testid=${id}]`)?.textContent ?? "";
          const name = (link) => link.getAttribute('aria-label');
          const columns = (chart) => all(chart, '[data-testid=chart-column]').map((c) => ({
            start: Number(c.dataset.start),
            written: c.querySelector('.column-value').textContent,
            segments: all(c, 'a[data-testid=chart-segment]').map(name),
          }));
          const bars = (id) => all(document, `[data-testid=${id}] [data-testid=bar-row]`)
            .map((r) => ({
              key: r.dataset.key, written: text(r, 'bar-value'), name: name(r.querySelector('a')),
            }));
          return {
            total: text(document, 'analytics-total'),
            time: columns(document.querySelector('[data-testid=events-over-time]')),
            cameras: bars('by-camera'), labels: bars('by-label'), rules: bars('by-rule'),
            zones: bars('by-zone'), crossings: bars('crossings'),
            occupancy: all(document, '[data-testid=occupancy]').map((o) => ({
              camera: o.dataset.camera, rule: o.dataset.rule, peak: text(o, 'occupancy-peak'),
              columns: columns(o),
            })),
          };
        }"""
    )
    return drawn


def _count(value: int) -> str:
    return f"{value} event" if value == 1 else f"{value} events"


def _assert_drawn_as_answered(drawn: dict[str, Any], stats: dict[str, Any]) -> None:
    assert drawn["total"] == str(stats["total"])
    per_bucket = {p["start_ms"]: p["value"] for p in stats["series"]}
    # Hours (UTC) are the API's buckets; local days start where the API says they do.
    starts = [c["start"] for c in drawn["time"]]
    assert set(per_bucket) <= set(starts), (per_bucket, starts)
    for column in drawn["time"]:
        value = per_bucket.get(column["start"], 0)
        assert column["written"] == (str(value) if value else ""), (column, value)
    segments = [name for c in drawn["time"] for name in c["segments"]]
    assert len(segments) == sum(len(s["points"]) for s in stats["series_by_label"]), segments
    for series in stats["series_by_label"]:
        for point in series["points"]:
            column = next(c for c in drawn["time"] if c["start"] == point["start_ms"])
            wanted = f": {_count(point['value'])}"
            assert any(
                n.startswith(f"{series['key']}, ") and n.endswith(wanted)
                for n in column["segments"]
            ), (column, series["key"], point)
    for drawn_key, stats_key in (
        ("cameras", "by_camera"),
        ("labels", "by_label"),
        ("rules", "by_rule"),
        ("zones", "by_zone"),
    ):
        bars = [(b["key"], b["written"]) for b in drawn[drawn_key]]
        assert bars == [(t["key"], str(t["count"])) for t in stats[stats_key]], drawn_key
    lines = [r for r in stats["rules"] if r["crossings_in"] + r["crossings_out"] > 0]
    assert [b["name"] for b in drawn["crossings"]] == [
        f"{r['rule']} on Yard camera: {r['crossings_in']} in, {r['crossings_out']} out"
        for r in lines
    ]
    counts = [r for r in stats["rules"] if r["peak"] > 0]
    assert [(o["camera"], o["rule"], o["peak"]) for o in drawn["occupancy"]] == [
        (r["camera_id"], r["rule"], str(r["peak"])) for r in counts
    ]
    for occupancy, rule in zip(drawn["occupancy"], counts, strict=True):
        peaks = {p["start_ms"]: p["value"] for p in rule["peaks"]}
        for column in occupancy["columns"]:
            value = peaks.get(column["start"], 0)
            assert column["written"] == (str(value) if value else ""), (column, value)


def _listed_ids(p: Page, count: int) -> list[str]:
    """The ids the Events page lists once it shows `count` events (and no more to load)."""
    p.wait_for_function(
        """(count) => document.querySelectorAll('[data-testid=event-item]').length === count
             || (count === 0 && document.querySelector('[data-testid=events-empty]'))""",
        arg=count,
        timeout=UI_TIMEOUT_MS,
    )
    p.wait_for_timeout(500)  # nothing more arrives
    assert p.get_by_test_id("load-more").count() == 0
    ids: list[str] = p.evaluate(
        "[...document.querySelectorAll('[data-testid=event-item]')].map((e) => e.dataset.eventId)"
    )
    return ids


def _searched_ids(vms: VmsProcess, events_url: str) -> list[str]:
    """The ids the search API gives for the filters of an Events page address."""
    query = parse_qs(urlsplit(events_url).query)
    params: dict[str, Any] = {
        name: query[name] for name in ("camera", "label", "rule", "zone") if name in query
    }
    params |= {"start": query["from"][0], "end": query["to"][0]}
    return [e["id"] for e in _events(vms, **params)]


def _follow(page: BrowserPage, vms: VmsProcess, link_selector: str, count: int) -> str:
    """Click the dashboard's link: the Events page lists exactly `count` events, those the search
    API gives for the link's filters; back to the dashboard. Returns the Events page's address."""
    p = page.page
    link = p.locator(link_selector).first
    href = link.get_attribute("href")
    assert href is not None and href.startswith("/events?"), href
    link.click()
    p.wait_for_url(re.compile(re.escape(href) + "$"))
    listed = _listed_ids(p, count)
    assert sorted(listed) == sorted(_searched_ids(vms, href)), href
    assert len(listed) == count
    return href


@pytest.mark.slow
def test_the_dashboard_draws_the_api_statistics_and_each_bar_lists_its_events(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = _kolkata_page(browser_pages, vms)
    p = page.page
    query, stats = _open_dashboard(p, f"{vms.base_url}/analytics?range=today")
    browser_zone = p.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert browser_zone in (ZONE, "Asia/Calcutta")  # ICU's name for it
    midnight = dt.datetime.now(ZoneInfo(ZONE)).replace(hour=0, minute=0, second=0, microsecond=0)
    start_ms = math.ceil(midnight.timestamp() * 1000 / HOUR_MS) * HOUR_MS
    assert {k: v[0] for k, v in query.items()} == {
        "start": str(start_ms),
        "end": str(start_ms + 24 * HOUR_MS),
        "bucket": "hour",
        "tz": browser_zone,
    }
    asked = vms.client.get("/api/v1/events/stats", params=query)
    assert asked.status_code == 200, asked.text
    assert asked.json() == stats  # the numbers no longer move
    assert stats["total"] > 0, "the events fell before local midnight: run again"
    drawn = _drawn(page.page)
    _assert_drawn_as_answered(drawn, stats)
    assert [b["key"] for b in drawn["rules"]] and drawn["crossings"] and drawn["occupancy"]
    assert p.get_by_test_id("analytics-timezone").inner_text() == f"Times in {browser_zone}"
    page.screenshot("analytics-today")

    # A label's segment: the hour with the most motion events.
    motion = next(s for s in stats["series_by_label"] if s["key"] == "motion")
    busiest = max(motion["points"], key=lambda point: point["value"])
    column = f"[data-testid=events-over-time] [data-start='{busiest['start_ms']}']"
    href = _follow(page, vms, f"{column} a[data-key=motion]", busiest["value"])
    assert f"from={busiest['start_ms']}&to={busiest['start_ms'] + HOUR_MS}" in href
    p.go_back()
    p.get_by_test_id("crossings").wait_for(timeout=UI_TIMEOUT_MS)

    # The line's crossings: its events on its camera over the range, in and out together.
    middle = next(r for r in stats["rules"] if r["rule"] == "Middle")
    crossings = middle["crossings_in"] + middle["crossings_out"]
    href = _follow(page, vms, "[data-testid=crossings] a", crossings)
    assert f"camera=cam1&rule=Middle&from={start_ms}&to={start_ms + 24 * HOUR_MS}" in href
    assert "Middle" in p.get_by_test_id("filter-rules").inner_text()
    rule_facts = p.locator("[data-testid=event-item] [data-testid=event-rule]").all_inner_texts()
    assert rule_facts == ["Middle (line crossing)"] * crossings
    page.screenshot("analytics-crossings-listed")
    p.go_back()

    # The last 7 days, by the day in the browser's zone.
    p.get_by_test_id("analytics-range").wait_for(timeout=UI_TIMEOUT_MS)
    with p.expect_response(lambda r: "bucket=day" in r.url) as answer:
        p.get_by_test_id("analytics-range").select_option("7d")
    p.wait_for_url(re.compile(r"/analytics$"))  # the default range
    _wait_drawn(p)
    week = answer.value.json()
    assert week["bucket"] == "day" and week["timezone"] == browser_zone
    assert week["total"] >= stats["total"]
    _assert_drawn_as_answered(_drawn(p), week)
    page.screenshot("analytics-week")
    assert page.console_errors == [], page.console_errors


@pytest.mark.slow
def test_a_focused_bar_opens_its_events_and_the_dashboard_fits_a_phone(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = _kolkata_page(browser_pages, vms, width=390)
    p = page.page
    p.set_viewport_size({"width": 390, "height": 844})
    _, stats = _open_dashboard(p, f"{vms.base_url}/analytics?range=today")
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a phone"
    page.screenshot("analytics-phone")

    # By keyboard: the occupancy bar of the hour with the highest peak; Enter opens its events.
    busy = next(r for r in stats["rules"] if r["rule"] == "Busy")
    top = max(busy["peaks"], key=lambda point: point["value"])
    bar = p.locator(f"[data-testid=occupancy] [data-start='{top['start_ms']}'] a")
    name = bar.get_attribute("aria-label") or ""
    assert name.endswith(f": at most {top['value']} at once"), name
    bar.focus()
    assert p.evaluate("document.activeElement.getAttribute('aria-label')") == name
    href = bar.get_attribute("href") or ""
    p.keyboard.press("Enter")
    p.wait_for_url(re.compile(re.escape(href) + "$"))
    expected = _searched_ids(vms, href)
    assert expected and sorted(_listed_ids(p, len(expected))) == sorted(expected)
    assert page.console_errors == [], page.console_errors
