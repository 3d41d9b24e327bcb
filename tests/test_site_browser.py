"""The built site in a real browser: headless system Chromium through Playwright.

Serves the output over a loopback http.server, opens the home page, a digest page, a category page
and the hostile-text document page, checks the expected text is visible, that nothing was logged
to the console (no CSP violation, no missing asset, no script ran), and saves screenshots into
test-artifacts/screenshots/ for CI.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_site import NOW, fill_store

from monitor.capture.fetch.browser import CHROMIUM_ARGS
from monitor.publish.site import build_site

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


site_url_dirs: dict[str, str] = {}  # served URL -> folder, for the file:// test


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser-site")
    filled = fill_store(tmp)
    out = build_site(filled.settings, filled.store, output_dir=tmp / "site", now=NOW).output_dir
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    site_url_dirs[url] = str(out)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def contexts(browser: Any) -> Iterator[Callable[[tuple[int, int]], Any]]:
    """One browser context per viewport size, shared by the tests of this module."""
    made: dict[tuple[int, int], Any] = {}

    def get(viewport: tuple[int, int]) -> Any:
        if viewport not in made:
            made[viewport] = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]}
            )
        return made[viewport]

    yield get
    for c in made.values():
        c.close()


PAGES = [
    ("home", "", ["Latest substantive changes", "Platforms watched", "Framecast", "DALL·E"]),
    (
        "digest-2026-W47",
        "digest/2026-W47/",
        ["Weekly digest 2026-W47", "High exposure", "Analysis"],
    ),
    ("category-concurrency", "categories/concurrency-limit/", ["3 of 4 platforms", "Le Chat"]),
    ("platform-framecast", "platforms/framecast/", ["Timeline of changes", "Provisions in force"]),
    ("document-hostile", "platforms/dall-e/content-policy/", ["<script>alert(1)</script>"]),
]
DESKTOP, PHONE = (1280, 900), (390, 844)
CASES = [(DESKTOP, *p) for p in PAGES] + [(PHONE, *p) for p in (PAGES[0], PAGES[3])]


@pytest.mark.parametrize(
    "viewport,name,path,expected", CASES, ids=[f"{c[1]}-{c[0][0]}" for c in CASES]
)
def test_pages_render_in_chromium(
    contexts: Any,
    site_url: str,
    viewport: tuple[int, int],
    name: str,
    path: str,
    expected: list[str],
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = contexts(viewport).new_page()
    messages: list[str] = []
    failed: list[str] = []
    dialogs: list[str] = []
    requested: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requested.append(r.url))
    try:
        response = page.goto(site_url + path, wait_until="load")
        assert response is not None and response.ok
        body = page.inner_text("body")
        for text in expected:
            assert text in body, f"{text!r} not visible on {path or 'home'}"
        assert page.locator("script").count() == 0
        # the stylesheet applied (found by its relative link, allowed by the page's CSP)
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
        # readable on a phone: the page itself is no wider than the screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport[0] + 1, f"page is {width}px wide on a {viewport[0]}px screen"
        shot = ARTIFACTS / f"{name}-{viewport[0]}.png"
        page.screenshot(path=str(shot), full_page=viewport == DESKTOP)
    finally:
        page.close()
    assert not messages, messages
    assert not failed, failed
    assert not dialogs, "a script from the document text ran"
    assert all(u.startswith(site_url) for u in requested), "no external requests"


def test_site_works_from_file_urls(browser: Any, site_url: str, tmp_path: Path) -> None:
    """Relative links: a deep page opened from disk finds its stylesheet and navigates home."""
    out = Path(site_url_dirs[site_url])
    change = next((out / "platforms/framecast/terms-of-service/changes").iterdir())
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    try:
        page.goto((change / "index.html").as_uri())
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
        page.click("header.site a.brand")
        assert page.url == (out / "index.html").as_uri()
        assert "Platforms watched" in page.inner_text("body")
    finally:
        page.close()
    assert not messages, messages
