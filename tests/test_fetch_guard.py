"""The SSRF guard and the fetch deadline, against real loopback servers.

127.0.0.1 plays the allowed intranet host (the tests' allow-list), 127.0.0.2 (also loopback on
Linux, never allowed) the internal host a declaration, a redirect or a script must not reach.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import FetchOpts, LocalHTTPServer, Reply, Request

from monitor.capture.fetch import BrowserFetcher, Fetcher, fetch_http, find_chromium, make_session
from monitor.capture.fetch.browser import playwright_available
from monitor.errors import FetchError

PAGE = "<html><body><main><h1>Terms</h1><p>These terms apply.</p></main></body></html>"


def _fetch(url: str, opts: FetchOpts) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch_http(make_session(opts), url, opts)
    return info.value


def test_loopback_refused_by_default_and_nothing_is_requested(
    http_server: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    http_server.routes["/terms"] = PAGE
    error = _fetch(http_server.url("/terms"), fetch_opts(allow_private=[]))
    assert error.reason == "address_refused"
    assert not error.transient
    assert "127.0.0.1 is a loopback address" in str(error) and "allow_private" in str(error)
    assert http_server.hits("/terms") == []


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "localhost"])
def test_integer_hex_octal_and_named_loopback_are_judged_by_their_address(
    host: str, http_server: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    http_server.routes["/terms"] = PAGE
    error = _fetch(f"http://{host}:{http_server.port}/terms", fetch_opts(allow_private=[]))
    assert error.reason == "address_refused", str(error)
    assert "127.0.0.1" in str(error)
    assert http_server.hits("/terms") == []


def test_redirect_to_an_internal_host_is_refused_at_the_hop(
    make_http_server: Callable[..., LocalHTTPServer], fetch_opts: Callable[..., FetchOpts]
) -> None:
    internal = make_http_server(host="127.0.0.2")
    internal.routes["/admin"] = PAGE
    public = make_http_server()
    public.routes["/terms"] = Reply(302, {"Location": internal.url("/admin")})
    error = _fetch(public.url("/terms"), fetch_opts(allow_private=["127.0.0.1"]))
    assert error.reason == "address_refused"
    assert "127.0.0.2" in str(error)
    assert len(public.hits("/terms")) == 1  # the allowed hop was fetched
    assert internal.requests == []  # the refused one never saw a byte


def test_allow_list_accepts_networks(
    make_http_server: Callable[..., LocalHTTPServer], fetch_opts: Callable[..., FetchOpts]
) -> None:
    internal = make_http_server(host="127.0.0.2")
    internal.routes["/terms"] = PAGE
    opts = fetch_opts(allow_private=["127.0.0.0/8"])
    result = fetch_http(make_session(opts), internal.url("/terms"), opts)
    assert result.status == 200 and b"These terms apply" in result.content


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("100.100.100.200", "non-public"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local (cloud metadata)"),
        ("fd00:ec2::254", "unique-local"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_guard_refuses_every_non_public_kind(address: str, kind: str) -> None:
    from monitor.capture.fetch.guard import AddressGuard

    why = AddressGuard().refusal(address)
    assert why is not None and f"a {kind} address" in why
    assert AddressGuard.from_entries([address]).refusal(address) is None


def test_guard_lets_public_addresses_through() -> None:
    from monitor.capture.fetch.guard import AddressGuard

    assert AddressGuard().refusal("93.184.216.34") is None
    assert AddressGuard().refusal("2606:4700::6810:84e5") is None


# ---------------------------------------------------------------- the fetch deadline


class Drip(list[bytes]):
    """A chunked body that sends one byte at a time, each well inside the read timeout.

    After the first byte it waits (at most `hold` s) for `release`, noting whether it came, so a
    test can tell whether another request got through while this body was still dripping.
    """

    def __init__(self, release: threading.Event, seen: list[bool], hold: float = 10.0) -> None:
        super().__init__()
        self.release, self.seen, self.hold = release, seen, hold

    def __iter__(self) -> Iterator[bytes]:
        yield b"<html><body><main>"
        self.seen.append(self.release.wait(self.hold))
        for _ in range(200):
            yield b"x"


def test_a_dripping_body_ends_at_the_deadline_not_the_read_timeout(
    http_server: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    released = threading.Event()
    released.set()
    http_server.routes["/slow"] = Reply(200, body=Drip(released, []), chunk_delay=0.05)
    error = _fetch(http_server.url("/slow"), fetch_opts(read_timeout=2.0, deadline=1.0))
    assert error.reason == "deadline"
    assert "1 s fetch deadline" in str(error)


def test_a_slow_body_does_not_hold_the_host_slot(
    http_server: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    released, seen = threading.Event(), []
    started = threading.Event()

    def slow(request: Request) -> Reply:
        started.set()
        return Reply(200, body=Drip(released, seen), chunk_delay=0.05)

    def fast(request: Request) -> Reply:
        released.set()
        return Reply(200, {"Content-Type": "text/html"}, PAGE)

    http_server.routes["/slow"] = slow
    http_server.routes["/fast"] = fast
    opts = fetch_opts(per_host_delay=0.0, read_timeout=5.0, deadline=2.0, retries=0)
    with Fetcher(opts) as fetcher, ThreadPoolExecutor(2) as pool:
        slow_job = pool.submit(fetcher.fetch, http_server.url("/slow"))
        assert started.wait(10)
        fast_result = pool.submit(fetcher.fetch, http_server.url("/fast")).result()
        with pytest.raises(FetchError) as info:
            slow_job.result()
    assert fast_result.status == 200 and b"These terms apply" in fast_result.content
    assert seen == [True]  # the second document was served while the first body still dripped
    assert info.value.reason == "deadline"


# ---------------------------------------------------------------- the browser's requests

needs_browser = pytest.mark.skipif(
    find_chromium() is None or not playwright_available(),
    reason="needs the playwright package and a system Chromium",
)


@pytest.fixture
def internal(make_http_server: Callable[..., LocalHTTPServer]) -> LocalHTTPServer:
    server = make_http_server(host="127.0.0.2")
    server.routes["/secret"] = Reply(
        200, {"Access-Control-Allow-Origin": "*"}, "<p>INTERNAL-SECRET</p>"
    )
    return server


@needs_browser
def test_browser_script_navigating_to_an_internal_host_fails_the_capture(
    http_server: LocalHTTPServer, internal: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    http_server.routes["/terms"] = (
        f"<html><body><p>Terms</p><script>location.href = {internal.url('/secret')!r};</script>"
        "</body></html>"
    )
    opts = fetch_opts(browser="always", allow_private=["127.0.0.1"], read_timeout=5.0)
    with BrowserFetcher(opts) as browser, pytest.raises(FetchError) as info:
        browser.fetch(http_server.url("/terms"))
    assert info.value.reason == "address_refused"
    assert "127.0.0.2" in str(info.value)
    assert internal.requests == []


@needs_browser
def test_browser_script_reading_an_internal_host_gets_nothing(
    http_server: LocalHTTPServer, internal: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    http_server.routes["/terms"] = (
        "<html><body><main id='t'>Terms</main><script>"
        f"fetch({internal.url('/secret')!r}).then(r => r.text())"
        ".then(t => { document.getElementById('t').textContent += t; })"
        ".catch(() => { document.getElementById('t').textContent += ' blocked'; });"
        "</script></body></html>"
    )
    opts = fetch_opts(browser="always", allow_private=["127.0.0.1"], read_timeout=5.0)
    with BrowserFetcher(opts) as browser:
        result = browser.fetch(http_server.url("/terms"), wait_for="text=blocked")
    assert b"INTERNAL-SECRET" not in result.content
    assert internal.requests == []
    assert any("127.0.0.2" in w for w in result.warnings)


@needs_browser
def test_browser_render_ends_at_the_fetch_deadline(
    http_server: LocalHTTPServer, fetch_opts: Callable[..., FetchOpts]
) -> None:
    released = threading.Event()
    released.set()
    # the page would load completely, well inside the 30 s read timeout, but after the deadline
    http_server.routes["/slow"] = Reply(200, body=Drip(released, []), chunk_delay=0.05)
    opts = fetch_opts(browser="always", read_timeout=30.0, deadline=1.0)
    with BrowserFetcher(opts) as browser, pytest.raises(FetchError) as info:
        browser.fetch(http_server.url("/slow"))
    assert info.value.reason == "timeout"


def test_a_refused_address_is_not_even_connected_to(fetch_opts: Callable[..., FetchOpts]) -> None:
    # A bare listening socket: a TCP handshake would leave a connection waiting in its backlog.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.2", 0))
    listener.listen(8)
    try:
        port = listener.getsockname()[1]
        error = _fetch(f"http://127.0.0.2:{port}/", fetch_opts(allow_private=["127.0.0.1"]))
        assert error.reason == "address_refused"
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected: the guard judged the address first
    finally:
        listener.close()
