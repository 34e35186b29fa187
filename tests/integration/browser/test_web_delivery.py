"""The web client's Delivery tab in Chromium, against a real VMS and a real webhook receiver: the
configured target is listed as `ok` at the receiver's address; "Send test" reaches the receiver
(signed, with the message id the page shows); and when the receiver answers 500 the page shows
the server's 503 problem detail; the page fits a phone. Screenshots of each are kept in the test
artifacts.

The VMS runs without cameras: the receiver then gets nothing but the test messages, so the
answers it is scripted to give go to them. The pages are the built web client (web/dist,
`make web`) as the VMS serves it, signed in as the first admin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import BrowserPage, BrowserPages
from tests.support.vms_process import ADMIN, ADMIN_PASSWORD, VmsProcess, wait_for
from tests.support.webhook_receiver import Received, WebhookReceiver
from vms.events.signing import SIGNATURE_HEADER, verify

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
SECRET = "a-secret-of-16-chars-or-more"
TEST_PATH = "/api/v1/delivery/targets/panel/test"
# What Chromium logs for the refused test request (503), and nothing else is expected.
REFUSED = re.compile(r"console: Failed to load resource: .* status of 503 ")


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def vms(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver
) -> Iterator[VmsProcess]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    webhook = {"name": "panel", "url": receiver.url, "secret": SECRET}
    process = VmsProcess(
        tmp_path_factory.mktemp("web-delivery") / "vms",
        [],
        extra={"events": {"webhooks": [webhook]}},
    )
    process.start()
    try:
        yield process
    finally:
        process.close()


def _admin_page(pages: BrowserPages, vms: VmsProcess, path: str) -> BrowserPage:
    page = pages.new_page(vms.base_url, width=1280, height=900)
    page.sign_in_with_form(path, ADMIN, ADMIN_PASSWORD, re.escape(path) + "$")
    return page


def _with_id(receiver: WebhookReceiver, message_id: str) -> list[Received]:
    return [r for r in list(receiver.requests) if r.headers.get("x-vms-message-id") == message_id]


@pytest.mark.slow
def test_a_test_message_reaches_the_receiver_and_a_refusal_shows_its_detail(
    vms: VmsProcess, receiver: WebhookReceiver, browser_pages: BrowserPages
) -> None:
    page = _admin_page(browser_pages, vms, "/settings/delivery")
    p = page.page
    state = p.get_by_test_id("delivery-state-panel")
    state.wait_for()
    assert state.inner_text() == "ok"
    assert p.get_by_test_id("delivery-destination-panel").inner_text() == receiver.url
    assert p.get_by_test_id("delivery-dead-panel").inner_text() == "0 dead"
    assert p.get_by_test_id("delivery-retry-panel").is_disabled()
    assert p.get_by_test_id("delivery-drop-panel").is_disabled()

    # Acknowledged: the page shows the id the receiver got, on a signed request.
    p.get_by_test_id("delivery-test-panel").click()
    shown = p.get_by_test_id("delivery-test-id-panel")
    shown.wait_for()
    message_id = shown.inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", message_id), message_id
    assert wait_for(lambda: len(_with_id(receiver, message_id)) == 1, 10), receiver.requests
    arrived = _with_id(receiver, message_id)[0]
    assert (arrived.path, arrived.status) == ("/hook", 200)
    assert arrived.headers["x-vms-event"] == "event.opened"
    verify(SECRET, arrived.headers[SIGNATURE_HEADER.lower()], arrived.body, time.time())
    assert arrived.json()["message_id"] == message_id
    page.screenshot("delivery-test-sent")

    # Refused: the receiver answers 500, the API a 503 problem, the page its detail.
    receiver.answer(500)
    with p.expect_response(lambda r: r.url.endswith(TEST_PATH)) as answer:
        p.get_by_test_id("delivery-test-panel").click()
    assert answer.value.status == 503, answer.value.text()
    detail = answer.value.json()["detail"]
    assert "500" in detail, detail
    error = p.get_by_test_id("delivery-error-panel")
    error.wait_for()
    assert detail in error.inner_text()
    assert p.get_by_test_id("delivery-test-sent-panel").count() == 0
    assert receiver.requests[-1].status == 500
    page.screenshot("delivery-test-refused")

    p.set_viewport_size({"width": 390, "height": 844})
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a phone"
    page.screenshot("delivery-phone")
    assert [e for e in page.console_errors if not REFUSED.match(e)] == []
