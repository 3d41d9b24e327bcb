"""The built site in a real browser: headless system Chromium through Playwright.

Serves the output over a loopback http.server, opens the home page, a digest page, a category page
and the hostile-text document page, checks the expected text is visible, that nothing was logged
to the console (no CSP violation, no missing asset, no script ran), and saves screenshots into
test-artifacts/screenshots/ for CI. Then checks what a reader sees on the document page (the
version as formatted text), a category page (platforms never captured) and a platform timeline
spanning two years of imported history (marks spread, none overlapping), with screenshots in the
test's tmp folder.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_site import NOW, _add_uncaptured_platform, fill_store, history_store

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
    _add_uncaptured_platform(filled)  # declared, never fetched: listed, not compared
    out = build_site(filled.settings, filled.store, output_dir=tmp / "site", now=NOW).output_dir
    yield from _serve(out)


@pytest.fixture(scope="module")
def history_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A platform with two years of imported history and six changes found in one check."""
    tmp = tmp_path_factory.mktemp("browser-history")
    filled = history_store(tmp, same_instant=6)
    out = build_site(filled.settings, filled.store, output_dir=tmp / "site", now=NOW).output_dir
    yield from _serve(out)


def _serve(out: Path) -> Iterator[str]:
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


# ---------------------------------------------------------------- what a reader sees


@pytest.fixture
def open_page(contexts: Any, tmp_path: Path) -> Iterator[Callable[[str, str], Any]]:
    """Opens a URL on a desktop page that records console messages; saves a full-page PNG."""
    opened: list[tuple[Any, list[str]]] = []

    def go(url: str, shot: str) -> Any:
        page = contexts(DESKTOP).new_page()
        messages: list[str] = []
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok
        page.screenshot(path=str(tmp_path / f"{shot}.png"), full_page=True)
        opened.append((page, messages))
        return page

    yield go
    for page, messages in opened:
        page.close()
        assert not messages, messages


def _disclaimer_start() -> str:
    from monitor.publish.site.model import load_categories

    return load_categories()[1][:60]


def _common_checks(page: Any) -> str:
    body = page.inner_text("body")
    assert body.count(_disclaimer_start()) == 1, "the disclaimer is shown exactly once"
    crumbs = page.locator("nav.crumbs")
    if crumbs.count():
        assert not crumbs.inner_text().strip().endswith("›")
    return str(body)


def test_document_page_shows_formatted_text(open_page: Any, site_url: str) -> None:
    page = open_page(site_url + "platforms/framecast/terms-of-service/", "document")
    body = _common_checks(page)
    text = page.locator(".doc-text")
    assert text.locator("h3").first.inner_text() == "Framecast Terms of Service"
    assert [h.strip() for h in text.locator("h4").all_inner_texts()] == [
        "1. Rendering",
        "2. Credits",
        "3. Disputes",
    ]
    assert not [line for line in body.splitlines() if line.lstrip().startswith("#")]
    # a heading is visibly larger than the body text
    sizes = page.evaluate(
        "[...document.querySelectorAll('.doc-text h3, .doc-text p')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes[0] > max(sizes[1:]) * 1.2
    # the provision highlight is visible and its anchor, linked from the category page, exists
    mark = text.locator("mark.exposure-high").first
    assert "up to 2 concurrent render jobs" in mark.inner_text()
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator(".doc-text span[id^='p-']").count() >= 3
    assert page.locator("nav.crumbs").inner_text().split("›")[-1].strip() == "Terms of Service"


def test_hostile_document_text_stays_text(open_page: Any, site_url: str) -> None:
    page = open_page(site_url + "platforms/dall-e/content-policy/", "document-hostile")
    _common_checks(page)
    assert page.locator(".doc-text h3").inner_text() == "DALL·E Content Policy"
    assert "<script>alert(1)</script>" in page.locator(".doc-text").inner_text()
    assert page.locator(".doc-text script, .doc-text img").count() == 0


def test_category_page_lists_platforms_not_captured(open_page: Any, site_url: str) -> None:
    page = open_page(site_url + "categories/concurrency-limit/", "category")
    body = " ".join(_common_checks(page).split())
    assert "3 of 4 platforms have a provision of this kind in force" in body
    assert "Not found in the current documents of: DALL·E." in body
    assert "Not captured yet, so not compared: ChatGPT." in body
    assert page.locator("h2#compare").inner_text() == "Concurrency limit, platform by platform"
    assert page.locator(".compare-card").count() == 3
    crumbs = page.locator("nav.crumbs").inner_text()
    assert [c.strip() for c in crumbs.split("›")] == ["Compare provisions", "Concurrency limit"]
    assert "2026-11-18 Framecast · Terms of Service" in body  # a recent change, words apart


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return list(
        page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].map(e => {"
            " const r = e.getBoundingClientRect();"
            " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })",
            selector,
        )
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and b["top"] < a["bottom"] - 0.5
    )


def test_platform_timeline_spreads_its_marks(open_page: Any, history_url: str) -> None:
    page = open_page(history_url + "platforms/histo/", "platform-timeline")
    _common_checks(page)
    svg = _boxes(page, "svg.timeline")[0]
    marks = _boxes(page, "svg.timeline .mark circle")
    assert len(marks) == 18  # 17 imported changes and one group of the 6 found together
    width = svg["right"] - svg["left"]
    spread = max(m["right"] for m in marks) - min(m["left"] for m in marks)
    assert spread > width / 2, f"marks span {spread:.0f}px of {width:.0f}px"
    assert all(svg["left"] <= m["left"] and m["right"] <= svg["right"] for m in marks)
    for i, a in enumerate(marks):
        assert not [b for b in marks[i + 1 :] if _overlap(a, b)], "two marks overlap"
    labels = _boxes(page, "svg.timeline .mark > text:not([font-weight])")
    assert len(labels) >= 8
    for i, a in enumerate(labels):
        assert not [b for b in labels[i + 1 :] if _overlap(a, b)], "two date labels overlap"
    group = page.locator("svg.timeline .mark.group")
    assert group.locator("text").first.text_content() == "6"
    # the group opens the document's list of changes
    group.click()
    page.wait_for_url("**/terms-of-service/index.html#changes")
    assert page.locator("h2#changes").is_visible()
