"""Test helper: drive Debian's Chromium through Playwright, serve test pages on the VMS origin.

Pages are served by intercepting requests to a reserved path of the VMS server's own origin
(`page.route`), so the page, hls.js and the API share one origin: the browser applies the same
rules as for the real web client and the API needs no CORS for tests. Every page's console errors
and uncaught exceptions are collected; a failed test leaves a screenshot of each of its pages in
`.cache/test-artifacts/<test>/`. Use it from a conftest by importing `browser_pages`, `chromium`
(the module's browser) and `pytest_runtest_makereport` (the hook that tells the fixture whether the
test failed).

Chromium starts once per test module (about a second of CPU each time), not once per test; every
page still gets a browser context of its own (its own cookies, storage and permissions), and a
test's contexts are closed when it ends, so no page outlives its test.
"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import cv2
import numpy as np
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

from tests.support.vms_process import ADMIN_PASSWORD

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: H.264/AAC decoders included
CHROMIUM_ARGS = (
    "--no-sandbox",  # the tests run as root in a container; Chromium's sandbox refuses root
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",  # grant camera/microphone prompts (WebRTC tests)
    "--disable-dev-shm-usage",  # /dev/shm in containers is often tiny
)
# Chromium hides its host ICE candidates behind random mDNS `.local` names by default; this puts
# the real addresses in the offer (a test that wants what users' browsers do leaves it out).
WEBRTC_REAL_HOST_CANDIDATES = "--disable-features=WebRtcHideLocalIpsWithMdns"
# A page answered by `page.route` has no IP address, so Local Network Access treats it as public
# and blocks its WebSockets to 127.0.0.1 unless this is granted (a page the server itself sends
# is loopback and needs nothing).
CONTEXT_PERMISSIONS = ["local-network-access"]
NODE_MODULES = REPO / "tests" / "browser" / "node_modules"
ARTIFACTS = REPO / ".cache" / "test-artifacts"
TEST_PREFIX = "/__browser-test__/"
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


Gray = np.ndarray[Any, np.dtype[np.uint8]]


def assert_not_blank(gray: Gray, name: str) -> None:
    """A real picture: not black, grey or a flat fill."""
    assert float(gray.std()) > 20.0, f"{name}: uniform picture (std {gray.std()})"
    assert len(np.unique(gray)) > 16, f"{name}: too few grey levels"


@dataclass(frozen=True, slots=True)
class StaticFile:
    """Bytes a test page needs, answered by the route instead of the server."""

    body: bytes
    content_type: str

    @classmethod
    def read(cls, path: Path) -> StaticFile:
        content_type = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return cls(path.read_bytes(), content_type)


def node_module_file(relative: str) -> StaticFile:
    """A file of tests/browser/node_modules (installed by `make setup`), e.g. hls.js/dist/hls.js."""
    path = NODE_MODULES / relative
    if not path.is_file():
        raise AssertionError(f"{path} is missing: run `make setup` (npm ci in tests/browser)")
    return StaticFile.read(path)


@dataclass  # not slotted: Playwright stores a wrapper on the object of a bound-method handler
class BrowserPage:
    """One page in its own browser context, with what it logged and a way to keep evidence."""

    page: Page
    origin: str  # http://127.0.0.1:PORT of the VMS server
    artifacts_dir: Path
    console_errors: list[str] = field(default_factory=list)

    def serve(self, files: dict[str, StaticFile]) -> None:
        """Answer origin + TEST_PREFIX + name with each file; other requests reach the server."""
        for name, static in files.items():
            pattern = re.compile(re.escape(self.url(name)) + r"(\?.*)?$")
            self.page.route(pattern, _fulfil(static))

    def sign_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        """Sign this page's browser context in (the session cookie lands in its cookie jar)."""
        response = self.page.context.request.post(
            f"{self.origin}/api/v1/auth/session",
            data={"username": username, "password": password},
        )
        assert response.ok, f"sign-in failed: {response.status} {response.text()}"

    def sign_in_with_form(self, path: str, username: str, password: str, landing: str) -> None:
        """Sign in as a person does: open the web client at `path`, which sends a signed-out page
        to its sign-in page, fill that in and wait for a URL that matches `landing`."""
        self.page.goto(f"{self.origin}{path}")
        self.page.wait_for_url(re.compile(r"/signin"))
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(landing))

    def url(self, name: str, **query: str) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.origin}{TEST_PREFIX}{name}{suffix}"

    def open(self, name: str, **query: str) -> None:
        """Load a served page (and wait for its scripts to have run)."""
        response = self.page.goto(self.url(name, **query), wait_until="load")
        assert response is not None and response.ok, f"{name}: {response and response.status}"

    def screenshot(self, name: str) -> Path:
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifacts_dir / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def save_artifact(self, name: str, data: bytes) -> Path:
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifacts_dir / name
        path.write_bytes(data)
        return path

    def canvas_picture(self, data_url: str, artifact: str) -> Gray:
        """A canvas's `toDataURL('image/png')` as a grey picture; the PNG is kept as `artifact`."""
        png = base64.b64decode(data_url.split(",", 1)[1])
        self.save_artifact(artifact, png)
        decoded = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
        assert decoded is not None, f"{artifact}: the canvas sample is not a PNG"
        return np.asarray(decoded, dtype=np.uint8)

    def record_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"console: {message.text} ({message.location})")

    def record_page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")


def _fulfil(static: StaticFile) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        route.fulfill(status=200, body=static.body, content_type=static.content_type)

    return handle


def launch_chromium(playwright: Playwright, extra_args: tuple[str, ...] = ()) -> Browser:
    """Headless Debian Chromium; never a browser downloaded by `playwright install`."""
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} is missing: run `make setup` (Debian package chromium)")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args], headless=True
    )


@dataclass(slots=True)
class Chromium:
    """Playwright and a Chromium per set of extra switches, started on first use and shared by
    the tests of a module; one that crashed or was closed is started again."""

    _playwright: Playwright | None = None
    _browsers: dict[tuple[str, ...], Browser] = field(default_factory=dict)

    def browser(self, extra_args: tuple[str, ...] = ()) -> Browser:
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        browser = self._browsers.get(extra_args)
        if browser is None or not browser.is_connected():
            browser = launch_chromium(self._playwright, extra_args)
            self._browsers[extra_args] = browser
        return browser

    def close(self) -> None:
        browsers, playwright = list(self._browsers.values()), self._playwright
        self._browsers.clear()
        self._playwright = None
        for browser in browsers:
            browser.close()
        if playwright is not None:
            playwright.stop()


@dataclass(slots=True)
class BrowserPages:
    """Opens pages for a test, each in its own browser context; `close` closes them all."""

    artifacts_dir: Path
    chromium: Chromium
    pages: list[BrowserPage] = field(default_factory=list)
    extra_args: tuple[str, ...] = ()  # more Chromium switches; set before the first page
    _contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(self, origin: str, width: int = 800, height: int = 600) -> BrowserPage:
        context = self.chromium.browser(self.extra_args).new_context(
            viewport={"width": width, "height": height}, permissions=CONTEXT_PERMISSIONS
        )
        self._contexts.append(context)
        page = BrowserPage(context.new_page(), origin.rstrip("/"), self.artifacts_dir)
        page.page.on("console", page.record_console)
        page.page.on("pageerror", page.record_page_error)
        self.pages.append(page)
        return page

    def screenshot_all(self, prefix: str) -> None:
        """Best effort: a page that crashed may not render any more."""
        for index, page in enumerate(self.pages):
            try:
                page.screenshot(f"{prefix}-{index}")
            except Exception as exc:  # evidence only: the test has already failed
                page.save_artifact(f"{prefix}-{index}.txt", f"no screenshot: {exc}\n".encode())

    def close(self) -> None:
        contexts = list(self._contexts)
        self._contexts.clear()
        for context in contexts:
            context.close()


def artifacts_dir_for(nodeid: str) -> Path:
    """A folder per test, named after its node id (path separators and brackets replaced)."""
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    """The module's Chromium (and Playwright), closed after its last test."""
    shared = Chromium()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def browser_pages(request: pytest.FixtureRequest, chromium: Chromium) -> Iterator[BrowserPages]:
    """Headless Chromium pages for one test; a screenshot of each in the artifacts on failure."""
    artifacts = artifacts_dir_for(request.node.nodeid)
    shutil.rmtree(artifacts, ignore_errors=True)  # only this run's evidence
    pages = BrowserPages(artifacts, chromium)
    try:
        yield pages
        reports = request.node.stash.get(_REPORTS, {})
        if any(report.failed for report in reports.values()):
            pages.screenshot_all("failure")
    finally:
        pages.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test item, so fixtures can see that the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report
