"""Real Chromium, driven by Playwright, against pytest-django's live server.

Screenshots of every step go to artifacts/browser/<test>/ (git-ignored), for people to look at.
These tests use transactional databases (the live server runs in another thread), which are
flushed after each test: everything, the default rubric included, is created inside the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "browser"


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Chromium for one module's tests (the test database is created before its event loop starts).

    Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are plain
    synchronous code between browser steps, which Django would otherwise refuse. The switch is set
    only while the browser runs: process-wide it would leak into every other test.
    """
    from playwright.sync_api import expect, sync_playwright

    # `expect(...)` waits as long as any other step (contexts' default timeout), not Playwright's 5 s:
    # on a busy machine Swagger UI can take longer than that to draw the schema.
    expect.set_options(timeout=15_000)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@dataclass
class Camera:
    folder: Path
    count: int = 0

    def __call__(self, page, step: str, *, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shoot(request) -> Iterator[Callable]:
    """`shoot(page, "step-name")` saves a numbered screenshot (the viewport, or `full_page=True`)."""
    folder = ARTIFACTS / re.sub(r"[^a-z0-9_]+", "-", request.node.name.lower())
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yield Camera(folder)
