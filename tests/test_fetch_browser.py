"""Browser fetching in a real headless Chromium (the system binary), against local servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import FetchOpts, LocalHTTPServer, Reply, Request

from monitor.capture.fetch import BrowserFetcher, Fetcher, fetch_http, find_chromium, make_session
from monitor.capture.fetch.browser import playwright_available
from monitor.errors import FetchError

MakeOpts = Callable[..., FetchOpts]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None or not playwright_available(),
        reason="needs the playwright package and a system Chromium (/usr/bin/chromium); .ci/run installs both",
    ),
]

SCRIPTED = """<!doctype html><html><head><title>Terms</title></head><body>
<noscript>Please enable JavaScript</noscript>
<script>document.body.innerHTML = '<h1>Terms of Service</h1><p id="credits">Credits expire after '
  + (6 * 2) + ' months.</p>';</script></body></html>"""

DELAYED = """<!doctype html><html><body><p>loading</p>
<script>setTimeout(() => { const p = document.createElement('p'); p.id = 'late';
  p.textContent = 'Arrived late'; document.body.appendChild(p); }, 150);</script></body></html>"""


def bot_wall(req: Request) -> Reply:
    """A simulated anti-bot wall: refuses clients that do not look like Chrome."""
    if "Chrome" not in req.headers.get("user-agent", ""):
        return Reply(403, {"Content-Type": "text/html"}, "<p>Access denied</p>")
    return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, "<p>Welcome, browser</p>")


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserFetcher]:
    """One Chromium for the module (starting it is the slow part)."""
    with BrowserFetcher(FetchOpts(read_timeout=3.0)) as fetcher:
        yield fetcher


def test_browser_runs_client_scripts(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = SCRIPTED
    url = http_server.url("/terms")
    opts = fetch_opts()
    with make_session(opts) as session:
        plain = fetch_http(session, url, opts)
    assert b"Credits expire after 12 months" not in plain.content

    rendered = browser.fetch(url)
    assert b"Credits expire after 12 months" in rendered.content
    assert (rendered.fetcher, rendered.status, rendered.mime_type) == ("browser", 200, "text/html")
    assert rendered.charset == "utf-8" and rendered.final_url == url
    assert rendered.headers["content-type"].startswith("text/html")
    sent = http_server.hits("/terms")[-1].headers
    assert "HeadlessChrome" in sent["user-agent"] and FetchOpts().user_agent in sent["user-agent"]


def test_browser_reuses_one_chromium(http_server: LocalHTTPServer, browser: BrowserFetcher) -> None:
    http_server.routes["/a"] = "<p>a</p>"
    http_server.routes["/b"] = "<p>b</p>"
    browser.fetch(http_server.url("/a"))
    launches = browser.launches
    browser.fetch(http_server.url("/b"))
    assert browser.launches == launches == 1


def test_browser_from_several_threads(
    http_server: LocalHTTPServer, browser: BrowserFetcher
) -> None:
    # Playwright's sync API is thread-bound; BrowserFetcher must still be usable from any thread
    for n in range(3):
        http_server.routes[f"/p{n}"] = f"<p>page {n}</p>"
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda n: browser.fetch(http_server.url(f"/p{n}")), range(3)))
    assert [f"page {n}".encode() in r.content for n, r in enumerate(results)] == [True] * 3


def test_browser_waits_for_selector(http_server: LocalHTTPServer, browser: BrowserFetcher) -> None:
    http_server.routes["/late"] = DELAYED
    result = browser.fetch(http_server.url("/late"), wait_for="#late")
    assert b"Arrived late" in result.content


def test_browser_missing_selector(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/page"] = "<p>nothing here</p>"
    with BrowserFetcher(fetch_opts(read_timeout=0.3)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(http_server.url("/page"), wait_for="#never")
    assert (info.value.reason, info.value.transient) == ("selector_missing", True)
    assert "#never" in str(info.value)


def test_browser_http_errors_map_like_plain(
    http_server: LocalHTTPServer, browser: BrowserFetcher
) -> None:
    with pytest.raises(FetchError) as info:
        browser.fetch(http_server.url("/missing"))
    assert (info.value.reason, info.value.transient) == ("not_found", False)
    assert http_server.url("/missing") in str(info.value)


def test_browser_connection_refused(browser: BrowserFetcher) -> None:
    with LocalHTTPServer() as server:
        url = server.url("/")
    with pytest.raises(FetchError) as info:
        browser.fetch(url)
    assert (info.value.reason, info.value.transient) == ("connection_error", True)


def test_browser_sends_extra_headers(http_server: LocalHTTPServer, browser: BrowserFetcher) -> None:
    http_server.routes["/h"] = "<p>h</p>"
    browser.fetch(http_server.url("/h"), headers={"Accept-Language": "de-DE", "X-Token": "abc"})
    sent = http_server.hits("/h")[0].headers
    assert sent["accept-language"] == "de-DE" and sent["x-token"] == "abc"


def test_auto_falls_back_to_browser_on_bot_wall(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = bot_wall
    with Fetcher(fetch_opts(browser="auto"), browser=browser) as fetcher:
        result = fetcher.fetch(http_server.url("/terms"))
    assert result.fetcher == "browser" and b"Welcome, browser" in result.content
    assert "plain fetch blocked (403); rendered with browser" in result.warnings
    agents = [r.headers["user-agent"] for r in http_server.hits("/terms")]
    assert "Chrome" not in agents[0] and "HeadlessChrome" in agents[-1]
    assert len(agents) == 2  # a 403 is not retried


def test_auto_falls_back_on_connection_reset(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = lambda req: (
        Reply(200, body="<p>rendered</p>")
        if "Chrome" in req.headers.get("user-agent", "")
        else Reply(reset=True)
    )
    with Fetcher(fetch_opts(browser="auto", retries=0), browser=browser) as fetcher:
        result = fetcher.fetch(http_server.url("/terms"))
    assert result.fetcher == "browser"
    assert "plain fetch blocked (connection reset); rendered with browser" in result.warnings


def test_auto_uses_browser_when_declared_and_plain_otherwise(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = SCRIPTED
    url = http_server.url("/terms")
    with Fetcher(fetch_opts(browser="auto"), browser=browser) as fetcher:
        assert fetcher.fetch(url, execute_client_scripts=True).fetcher == "browser"
        assert fetcher.fetch(url).fetcher == "http"
        assert fetcher.fetch(url, execute_client_scripts=False).fetcher == "http"


def test_always_mode_uses_browser(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = SCRIPTED
    with Fetcher(fetch_opts(browser="always"), browser=browser) as fetcher:
        result = fetcher.fetch(http_server.url("/terms"), execute_client_scripts=False)
    assert result.fetcher == "browser" and b"12 months" in result.content


def test_explicit_false_disables_fallback(
    http_server: LocalHTTPServer, browser: BrowserFetcher, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = bot_wall
    with (
        Fetcher(fetch_opts(browser="auto"), browser=browser) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(http_server.url("/terms"), execute_client_scripts=False)
    assert info.value.reason == "blocked"


def test_fetcher_owns_and_closes_its_browser(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = SCRIPTED
    with Fetcher(fetch_opts(browser="always")) as fetcher:
        result = fetcher.fetch(http_server.url("/terms"))
        own = fetcher.browser()
    assert b"12 months" in result.content and own.launches == 1
    assert own._browser is None  # stopped at exit
