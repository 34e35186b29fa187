"""The web client's sign-in in Chromium: the guard, a refused password, a session that survives a
reload, and signing out (the cookie is HttpOnly, so only the server can tell who is signed in)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import BrowserPages
from tests.support.vms_process import ADMIN, VmsProcess


@pytest.fixture
def vms(tmp_path: Path) -> Iterator[VmsProcess]:
    process = VmsProcess(tmp_path / "vms", [])
    process.start()
    yield process
    process.close()


def test_sign_in_survives_a_reload_and_sign_out_ends_it(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = browser_pages.new_page(vms.base_url, width=390, height=844)  # a phone
    browser = page.page
    browser.goto(f"{vms.base_url}/settings/users")
    browser.wait_for_url(re.compile(r"/signin\?next="))
    page.screenshot("signin")

    browser.fill("input[name=username]", ADMIN)
    browser.fill("input[name=password]", "not-the-password")
    browser.click("button[type=submit]")
    alert = browser.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "wrong user name or password"
    page.screenshot("signin-refused")

    browser.fill("input[name=password]", vms.admin_password)
    browser.click("button[type=submit]")
    browser.wait_for_url(re.compile(r"/settings/users$"))  # back where the guard stopped us
    cookies = {c["name"]: c for c in browser.context.cookies()}
    assert cookies["vms_session"]["httpOnly"] and cookies["vms_session"]["sameSite"] == "Strict"
    assert browser.evaluate("document.cookie") == ""  # invisible to scripts

    browser.reload()
    name = browser.get_by_test_id("username")  # hidden on a phone, but there
    name.wait_for(state="attached")
    assert name.text_content() == ADMIN
    assert re.search(r"/settings/users$", browser.url)

    browser.get_by_role("button", name="Sign out").click()
    browser.wait_for_url(re.compile(r"/signin"))
    browser.goto(f"{vms.base_url}/live")
    browser.wait_for_url(re.compile(r"/signin\?next=%2Flive"))
    assert vms.client.get("/api/v1/users").status_code == 200  # the server is fine
    refused_post = [e for e in page.console_errors if "status of 401" in e]
    assert len(refused_post) == 1, page.console_errors  # the wrong password, nothing else
    assert [e for e in page.console_errors if e not in refused_post] == []
