"""Open a local HTML file in headless Chromium with the network blocked, and record what happened.

Shared by the browser tests (``@pytest.mark.browser``). Uses Playwright's Python package
driving Debian's ``/usr/bin/chromium`` (no browser download). Every request other than the
page's own file is aborted and recorded, so a page that tries to reach a CDN shows up in
``requests``; console errors, uncaught exceptions and dialogs (``alert``) are recorded too.

    from tests.browser import open_page, require_browser

    def test_page(tmp_path):
        require_browser()
        with open_page(tmp_path / "page.html") as check:
            assert check.console_errors == []
            assert check.requests == []
            check.page.evaluate("1 + 1")
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "PageCheck", "browser_available", "require_browser", "open_page"]

CHROMIUM = os.environ.get("GRAPHKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageCheck:
    """What a page did while open: the Playwright ``page`` plus the recorded events.

    ``requests``: URLs the page tried to load besides its own file (and ``data:``/``blob:``
    URLs), all of which were blocked. ``console_errors``: console messages of type error and
    uncaught exceptions. ``dialogs``: messages of ``alert``/``confirm``/``prompt`` calls
    (dismissed).
    """

    page: object
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def wait_for(self, expression: str, timeout_s: float = 60.0, interval_s: float = 0.1):
        """Poll the JavaScript ``expression`` until it is truthy; return its value.

        Polls with ``page.evaluate`` rather than Playwright's ``wait_for_function``, which
        evaluates strings with ``eval`` and so fails on pages whose Content-Security-Policy
        forbids it (graphkit's pages do). Raises TimeoutError after ``timeout_s``.
        """
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            value = self.page.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still falsy after {timeout_s} s")
            time.sleep(interval_s)


def browser_available() -> bool:
    """Return True when Chromium and Playwright's Python package are both installed."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def require_browser() -> None:
    """Skip the calling test when no browser is installed — but fail it when ``CI`` is set.

    In CI a missing browser is a broken setup (``.ci/run`` installs ``chromium``), not a
    reason to pass silently.
    """
    import pytest

    if browser_available():
        return
    reason = (f"headless Chromium not available ({CHROMIUM} and the playwright package are needed; "
              "apt-get install chromium)")
    if os.environ.get("CI"):
        pytest.fail(reason + " — required when CI is set")
    pytest.skip(reason)


@contextlib.contextmanager
def open_page(path: str | os.PathLike, timeout_ms: int = 30_000, viewport: tuple[int, int] = (1280, 900)) -> Iterator[PageCheck]:
    """Open ``path`` (a local HTML file) offline in headless Chromium; yield a :class:`PageCheck`.

    The page has loaded (``load`` event) when the block starts; the browser closes when it ends.
    """
    from playwright.sync_api import sync_playwright

    url = Path(path).resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                          service_workers="block")
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            check = PageCheck(page=page, url=url)

            def on_request(request):
                u = request.url
                if u != url and not u.startswith(("data:", "blob:", "about:")):
                    check.requests.append(u)

            def route(r):
                u = r.request.url
                if u == url or u.startswith(("data:", "blob:")):
                    r.continue_()
                else:
                    r.abort("internetdisconnected")

            def on_console(msg):
                check.console.append(f"{msg.type}: {msg.text}")
                if msg.type == "error":
                    check.console_errors.append(msg.text)

            def on_dialog(dialog):
                check.dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("request", on_request)
            page.on("console", on_console)
            page.on("pageerror", lambda exc: check.console_errors.append(f"uncaught: {exc}"))
            page.on("dialog", on_dialog)
            context.route("**/*", route)
            page.goto(url, wait_until="load")
            yield check
            context.close()
        finally:
            browser.close()
