"""The browser-test helper itself: pages on a chosen origin, collected errors, codecs, evidence."""

from __future__ import annotations

from typing import Any

from tests.support.browser import BrowserPages, StaticFile
from tests.support.simulator import free_port

PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><p id="text">served</p><script src="lib.js"></script><script>
console.error("page says boom");
setTimeout(() => { throw new Error("late failure"); }, 0);
</script></body></html>"""
LIB = b"window.libLoaded = true;"


def test_pages_are_served_on_the_given_origin_and_errors_are_collected(
    browser_pages: BrowserPages,
) -> None:
    origin = f"http://127.0.0.1:{free_port()}"  # nothing listens: only routed files answer
    page = browser_pages.new_page(origin)
    page.serve(
        {
            "page.html": StaticFile(PAGE, "text/html"),
            "lib.js": StaticFile(LIB, "text/javascript"),
        }
    )
    page.open("page.html", camera="cam1")
    facts: dict[str, Any] = page.page.evaluate(
        "({origin: location.origin, search: location.search, lib: window.libLoaded === true})"
    )
    assert facts == {"origin": origin, "search": "?camera=cam1", "lib": True}
    for _ in range(50):  # the timer's exception reaches Python a little later
        if any("late failure" in e for e in page.console_errors):
            break
        page.page.wait_for_timeout(100)
    assert any("page says boom" in e for e in page.console_errors), page.console_errors
    assert any("late failure" in e for e in page.console_errors), page.console_errors

    shot = page.screenshot("served")
    assert shot.read_bytes().startswith(b"\x89PNG")
    browser_pages.screenshot_all("all")
    assert (page.artifacts_dir / "all-0.png").is_file()


def test_chromium_has_the_codecs_recordings_use(browser_pages: BrowserPages) -> None:
    """Debian's Chromium ships H.264 and AAC; a build without them fails here, not in playback."""
    page = browser_pages.new_page(f"http://127.0.0.1:{free_port()}")
    page.serve({"blank.html": StaticFile(b"<!doctype html><title>codecs</title>", "text/html")})
    page.open("blank.html")
    supported: dict[str, bool] = page.page.evaluate(
        """() => Object.fromEntries([
            'video/mp4; codecs="avc1.42E01E"',
            'video/mp4; codecs="avc1.640028"',
            'audio/mp4; codecs="mp4a.40.2"',
        ].map((type) => [type, MediaSource.isTypeSupported(type)]))"""
    )
    assert all(supported.values()), supported
    assert page.console_errors == []
