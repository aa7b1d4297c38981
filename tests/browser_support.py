"""Helpers for the real-browser test: Chromium, its page, screenshots, background tasks."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, sync_playwright

from segweb.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = BASE_DIR / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 30_000
# Schemes that never leave the browser; everything else must go to the live server.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def chromium_executable() -> str:
    """Debian's Chromium; skipped without it, failed instead when SEGWEB_REQUIRE_BROWSER=1 (CI)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "Chromium is not installed (apt-get install chromium)"
    if os.environ.get("SEGWEB_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def foreign_requests(urls: list[str], base_url: str) -> list[str]:
    """The requested URLs that went to another host than the app (a CDN, a font service ...)."""
    return [
        url for url in urls if not url.startswith(LOCAL_SCHEMES) and not url.startswith(base_url)
    ]


@dataclass
class BrowserSession:
    page: Page
    base_url: str
    requested_urls: list[str] = field(default_factory=list)
    # Errors the page logged or threw: a Content-Security-Policy refusal shows up here.
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [message for message in self.errors if "Content Security Policy" in message]


@contextlib.contextmanager
def browser_session(base_url: str, executable: str) -> Iterator[BrowserSession]:
    """A fresh headless Chromium page on the live server that records every URL it requests."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT, base_url=base_url, accept_downloads=True)
            page.set_default_timeout(DEFAULT_TIMEOUT_MS)
            session = BrowserSession(page, base_url)
            page.on("request", lambda request: session.requested_urls.append(request.url))
            page.on(
                "console",
                lambda message: (
                    session.errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: session.errors.append(str(error)))
            yield session
        finally:
            browser.close()


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def uses_real_worker() -> bool:
    """The worker fixture runs on Redis; without it, tasks run in the live server's thread."""
    return bool(settings.REDIS_URL)


@contextlib.contextmanager
def eager_celery() -> Iterator[None]:
    """Run tasks in the enqueuing thread (the live server's), when there is no Redis."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous
