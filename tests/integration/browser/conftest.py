"""Browser tests: headless Chromium pages (tests/support/browser.py) against the real server."""

from __future__ import annotations

from tests.integration.e2e.conftest import vms_factory
from tests.support.browser import browser_pages, chromium, pytest_runtest_makereport

__all__ = ["browser_pages", "chromium", "pytest_runtest_makereport", "vms_factory"]
