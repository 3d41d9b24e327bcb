"""monitor.capture.fetch.http, politeness and the plain-HTTP side of Fetcher, against local servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from conftest import FetchOpts, LocalHTTPServer, Reply, Request

import monitor.capture.fetch.browser as browser_module
import monitor.capture.fetch.http as fetch_http_module
from monitor.capture.fetch import (
    BrowserFetcher,
    Fetcher,
    HostPacer,
    detect_charset,
    detect_mime,
    fetch_http,
    make_session,
)
from monitor.capture.fetch.http import parse_retry_after
from monitor.errors import ConfigError, FetchError
from monitor.models import FetchResult

MakeOpts = Callable[..., FetchOpts]

FRENCH = (
    "Conditions générales d’utilisation — « Crédits » : les crédits achetés expirent après "
    "douze mois. L’éditeur peut modifier ces conditions à tout moment ; l’utilisateur en est "
    "informé trente jours à l’avance. Résiliation, remboursement, données collectées : voir "
    "“Politique de confidentialité”. Été, naïveté, déjà, où, garçon, Noël, cœur. "
)


def get(
    server: LocalHTTPServer,
    path: str,
    opts: FetchOpts,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
) -> FetchResult:
    with make_session(opts) as session:
        return fetch_http(
            session, server.url(path), opts, etag=etag, last_modified=last_modified, headers=headers
        )


def fail(server: LocalHTTPServer, path: str, opts: FetchOpts) -> FetchError:
    with pytest.raises(FetchError) as info:
        get(server, path, opts)
    return info.value


# ---------------------------------------------------------------- basics and conditional GET


def test_plain_get_sends_identity_and_keeps_headers(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/terms"] = Reply(
        200,
        {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"', "X-Other": "dropped"},
        "<p>Terms</p>",
    )
    opts = fetch_opts()
    result = get(http_server, "/terms", opts)
    assert result.status == 200
    assert result.content == b"<p>Terms</p>"
    assert (result.mime_type, result.charset, result.fetcher) == ("text/html", "utf-8", "http")
    assert result.not_modified is False
    assert result.headers["etag"] == '"v1"'
    assert "x-other" not in result.headers and "server" in result.headers
    sent = http_server.hits("/terms")[0].headers
    assert sent["user-agent"] == opts.user_agent
    assert sent["accept-language"] == opts.accept_language


def test_etag_conditional_get_gives_not_modified(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    def terms(req: Request) -> Reply:
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"ETag": '"v1"', "Content-Type": "text/html"}, "<p>v1</p>")

    http_server.routes["/terms"] = terms
    opts = fetch_opts()
    first = get(http_server, "/terms", opts)
    second = get(http_server, "/terms", opts, etag=first.headers["etag"])
    assert second.not_modified is True
    assert second.status == 304
    assert second.content == b""
    assert http_server.hits("/terms")[1].headers["if-none-match"] == '"v1"'


def test_last_modified_conditional_get(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"

    def terms(req: Request) -> Reply:
        if req.headers.get("if-modified-since") == stamp:
            return Reply(304)
        return Reply(200, {"Last-Modified": stamp, "Content-Type": "text/plain"}, "v1")

    http_server.routes["/terms.txt"] = terms
    opts = fetch_opts()
    first = get(http_server, "/terms.txt", opts)
    assert first.headers["last-modified"] == stamp
    assert first.mime_type == "text/plain"
    second = get(http_server, "/terms.txt", opts, last_modified=stamp)
    assert second.not_modified and second.content == b""


def test_extra_headers_are_sent(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/x"] = "ok"
    get(http_server, "/x", fetch_opts(), headers={"Accept-Language": "fr-FR", "X-Token": "t"})
    sent = http_server.hits("/x")[0].headers
    assert sent["accept-language"] == "fr-FR" and sent["x-token"] == "t"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "http:///nohost", "terms.html"]
)
def test_only_http_urls(url: str, fetch_opts: MakeOpts) -> None:
    opts = fetch_opts()
    with pytest.raises(FetchError) as info, make_session(opts) as session:
        fetch_http(session, url, opts)
    assert info.value.reason == "invalid_url" and not info.value.transient
    assert url in str(info.value)


# ---------------------------------------------------------------- retries


def test_retries_then_success(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/flaky"] = [Reply(500), Reply(500), Reply(200, body="finally")]
    result = get(http_server, "/flaky", fetch_opts(retries=2, backoff=0.01))
    assert result.content == b"finally"
    assert len(http_server.hits("/flaky")) == 3


def test_retries_exhausted_is_transient(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/down"] = Reply(503)
    url = http_server.url("/down")
    error = fail(http_server, "/down", fetch_opts(retries=1))
    assert (error.reason, error.transient) == ("server_error", True)
    assert url in str(error) and "503" in str(error) and "\n" not in str(error)
    assert len(http_server.hits("/down")) == 2


def test_backoff_is_exponential(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(fetch_http_module, "_sleep", slept.append)
    http_server.routes["/down"] = Reply(500)
    fail(http_server, "/down", fetch_opts(retries=3, backoff=0.5))
    assert slept == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("retry_after, minimum", [("0", 0.0), ("1", 0.9)])
def test_429_honours_retry_after(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts, retry_after: str, minimum: float
) -> None:
    http_server.routes["/busy"] = [Reply(429, {"Retry-After": retry_after}), Reply(200, body="ok")]
    started = time.monotonic()
    result = get(http_server, "/busy", fetch_opts(backoff=5.0))  # backoff would be 5 s: not used
    assert result.content == b"ok"
    hits = http_server.hits("/busy")
    assert len(hits) == 2
    assert hits[1].time - hits[0].time >= minimum
    assert time.monotonic() - started < minimum + 1.0


def test_429_http_date_is_capped(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(fetch_http_module, "_sleep", slept.append)
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    http_server.routes["/busy"] = Reply(429, {"Retry-After": later})
    error = fail(http_server, "/busy", fetch_opts(retries=1))
    assert (error.reason, error.transient) == ("rate_limited", True)
    assert slept == [fetch_http_module.MAX_RETRY_AFTER]


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 01 May 2024 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("999999") == 60.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    "status, reason",
    [
        (404, "not_found"),
        (410, "not_found"),
        (401, "blocked"),
        (403, "blocked"),
        (406, "blocked"),
        (400, "http_error"),
    ],
)
def test_client_errors_are_not_retried(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts, status: int, reason: str
) -> None:
    http_server.routes["/x"] = Reply(status)
    error = fail(http_server, "/x", fetch_opts(retries=3))
    assert (error.reason, error.transient) == (reason, False)
    assert http_server.url("/x") in str(error) and str(status) in str(error)
    assert len(http_server.hits("/x")) == 1


def test_read_timeout_is_transient_and_names_url(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/slow"] = Reply(200, body="late", delay=1.0)
    error = fail(http_server, "/slow", fetch_opts(read_timeout=0.2, retries=0))
    assert (error.reason, error.transient) == ("timeout", True)
    assert http_server.url("/slow") in str(error)


def test_timeout_then_success_is_retried(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/slow"] = [Reply(200, body="late", delay=0.6), Reply(200, body="quick")]
    result = get(http_server, "/slow", fetch_opts(read_timeout=0.2, retries=1))
    assert result.content == b"quick"


def test_stalled_body_times_out(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/stall"] = Reply(
        200, {"Content-Type": "text/html"}, [b"<p>a", b"b</p>"], chunk_delay=1.0
    )
    error = fail(http_server, "/stall", fetch_opts(read_timeout=0.2, retries=0))
    assert (error.reason, error.transient) == ("timeout", True)


def test_connection_refused_is_transient(fetch_opts: MakeOpts) -> None:
    with LocalHTTPServer() as server:
        url = server.url("/gone")
    opts = fetch_opts(retries=0)
    with pytest.raises(FetchError) as info, make_session(opts) as session:
        fetch_http(session, url, opts)
    assert (info.value.reason, info.value.transient) == ("connection_error", True)
    assert url in str(info.value)


def test_connection_reset_is_retried(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/wall"] = [Reply(reset=True), Reply(200, body="ok")]
    assert get(http_server, "/wall", fetch_opts(retries=1)).content == b"ok"
    http_server.routes["/always"] = Reply(reset=True)
    error = fail(http_server, "/always", fetch_opts(retries=0))
    assert (error.reason, error.transient) == ("connection_reset", True)


# ---------------------------------------------------------------- redirects and size


def test_redirects_are_followed(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/old"] = Reply(301, {"Location": "/new"})
    http_server.routes["/new"] = "<p>new</p>"
    result = get(http_server, "/old", fetch_opts())
    assert result.final_url == http_server.url("/new")
    assert result.requested_url == http_server.url("/old")
    assert result.headers["location"] == "/new"


def test_redirect_loop(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/a"] = Reply(302, {"Location": "/b"})
    http_server.routes["/b"] = Reply(302, {"Location": "/a"})
    error = fail(http_server, "/a", fetch_opts(max_redirects=4))
    assert (error.reason, error.transient) == ("redirect_loop", False)
    assert len(http_server.requests) == 5  # the first request plus four redirects


def test_oversized_body_declared_length(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/big"] = Reply(200, {"Content-Type": "text/html"}, b"x" * 5000)
    error = fail(http_server, "/big", fetch_opts(max_bytes=1000))
    assert (error.reason, error.transient) == ("too_large", False)
    assert len(http_server.hits("/big")) == 1


def test_oversized_streamed_body_is_cut_off(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    # chunked, so no Content-Length: the cap must hold while streaming
    http_server.routes["/big"] = Reply(200, {"Content-Type": "text/html"}, [b"y" * 100_000] * 50)
    error = fail(http_server, "/big", fetch_opts(max_bytes=150_000))
    assert error.reason == "too_large" and "150000" in str(error)


# ---------------------------------------------------------------- charsets and MIME types


CP1252_BODY = f"<html><body><p>{FRENCH * 3}</p></body></html>"


@pytest.mark.parametrize(
    "content_type, body, expected",
    [
        ("text/html; charset=windows-1252", CP1252_BODY, {"cp1252"}),
        (
            "text/html; charset=ISO-8859-1",
            CP1252_BODY,
            {"cp1252"},
        ),  # WHATWG: latin-1 label = cp1252
        ("text/html", '<meta charset="windows-1252">' + CP1252_BODY, {"cp1252"}),
        (
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            + CP1252_BODY,
            {"cp1252"},
        ),
        ("text/html", CP1252_BODY, {"cp1252"}),  # no declaration at all: detected
    ],
)
def test_non_utf8_pages_decode(
    http_server: LocalHTTPServer,
    fetch_opts: MakeOpts,
    content_type: str,
    body: str,
    expected: set[str],
) -> None:
    raw = body.encode("cp1252")
    http_server.routes["/fr"] = Reply(200, {"Content-Type": content_type}, raw)
    result = get(http_server, "/fr", fetch_opts())
    assert result.content == raw  # raw bytes kept as evidence
    assert result.charset in expected
    assert result.content.decode(result.charset or "") == body


def test_plain_latin1_without_declaration(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    text = "Données personnelles : conservées cinq ans. Résiliation à tout moment. " * 20
    http_server.routes["/p.txt"] = Reply(
        200, {"Content-Type": "text/plain"}, text.encode("iso-8859-1")
    )
    result = get(http_server, "/p.txt", fetch_opts())
    assert result.content.decode(result.charset or "") == text


def test_wrong_header_charset_falls_back(fetch_opts: MakeOpts) -> None:
    raw = CP1252_BODY.encode("cp1252")  # not valid UTF-8
    charset = detect_charset("text/html; charset=utf-8", raw)
    assert charset is not None and raw.decode(charset) == CP1252_BODY


def test_bom_wins() -> None:
    assert detect_charset("text/html; charset=iso-8859-1", b"\xef\xbb\xbf<p>x</p>") == "utf-8-sig"


def test_pdf_is_sniffed(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    http_server.routes["/download"] = Reply(200, {"Content-Type": "application/octet-stream"}, pdf)
    http_server.routes["/noheader"] = Reply(200, {}, pdf)
    for path in ("/download", "/noheader"):
        result = get(http_server, path, fetch_opts())
        assert result.mime_type == "application/pdf"
        assert result.charset is None and result.content == pdf


@pytest.mark.parametrize(
    "content_type, body, url, expected",
    [
        (None, b"# Terms", "https://x.test/terms.md", "text/markdown"),
        ("text/plain; charset=utf-8", b"# Terms", "https://x.test/TERMS.md", "text/markdown"),
        ("application/octet-stream", b"Terms", "https://x.test/terms.txt", "text/plain"),
        (None, b"binary", "https://x.test/terms.pdf", "application/pdf"),
        (None, b"  <!DOCTYPE html><html>", "https://x.test/terms", "text/html"),
        ("Text/HTML; charset=UTF-8", b"<p>", "https://x.test/", "text/html"),
        (None, b"\x00\x01", "https://x.test/blob", "application/octet-stream"),
    ],
)
def test_detect_mime(content_type: str | None, body: bytes, url: str, expected: str) -> None:
    assert detect_mime(content_type, body, url) == expected


# ---------------------------------------------------------------- politeness


def test_host_pacer_spaces_and_serialises_same_host() -> None:
    pacer = HostPacer(0.1)
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def work() -> None:
        with pacer.slot("http://a.test/x"):
            start = time.monotonic()
            time.sleep(0.02)
            with lock:
                spans.append((start, time.monotonic()))

    with ThreadPoolExecutor(3) as pool:
        for _ in range(3):
            pool.submit(work)
    spans.sort()
    for (start1, end1), (start2, _) in zip(spans, spans[1:], strict=False):
        assert start2 - start1 >= 0.099
        assert start2 >= end1  # never two in flight


def test_host_pacer_keys_by_host_and_port() -> None:
    from monitor.capture.fetch import host_key

    assert host_key("https://Example.org/a") == host_key("https://example.org:443/b")
    assert host_key("http://127.0.0.1:8001/") != host_key("http://127.0.0.1:8002/")


def test_fetcher_paces_per_host(
    make_http_server: Callable[..., LocalHTTPServer], fetch_opts: MakeOpts
) -> None:
    a = make_http_server({"/p": Reply(200, body="a", delay=0.15)})
    b = make_http_server({"/p": Reply(200, body="b", delay=0.15)})
    urls = [a.url("/p"), a.url("/p"), b.url("/p")]
    with Fetcher(fetch_opts(per_host_delay=0.05)) as fetcher, ThreadPoolExecutor(3) as pool:
        results = list(pool.map(fetcher.fetch, urls))
    assert [r.content for r in results] == [b"a", b"a", b"b"]
    first, second = sorted(r.time for r in a.requests)
    assert second - first >= 0.15  # the second waited for the first to finish (one at a time)
    # the other host did not queue behind host a
    assert abs(b.requests[0].time - first) < 0.12


# ---------------------------------------------------------------- Fetcher (plain side)


def test_fetcher_never_mode_warns_about_client_scripts(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/"] = "<p>x</p>"
    with Fetcher(fetch_opts(browser="never")) as fetcher:
        result = fetcher.fetch(http_server.url("/"), execute_client_scripts=True)
    assert result.fetcher == "http"
    assert any("client scripts" in w for w in result.warnings)


def test_fetcher_never_mode_does_not_fall_back(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/wall"] = Reply(403)
    with Fetcher(fetch_opts(browser="never")) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(http_server.url("/wall"))
    assert info.value.reason == "blocked"


def test_fetcher_auto_fallback_reports_plain_error_without_browser(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/wall"] = Reply(403)
    opts = fetch_opts(browser="auto", chromium_path="/nonexistent/chromium")
    with Fetcher(opts) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(http_server.url("/wall"))
    assert info.value.reason == "blocked"  # not "browser_unavailable"
    assert isinstance(info.value.__cause__, FetchError)
    assert info.value.__cause__.reason == "browser_unavailable"


def test_fetcher_uses_one_session_per_thread(fetch_opts: MakeOpts) -> None:
    with Fetcher(fetch_opts()) as fetcher:
        mine = fetcher.session()
        assert fetcher.session() is mine
        with ThreadPoolExecutor(1) as pool:
            theirs = pool.submit(fetcher.session).result()
        assert theirs is not mine and isinstance(theirs, requests.Session)


def test_fetcher_rejects_unknown_browser_mode(fetch_opts: MakeOpts) -> None:
    with pytest.raises(ConfigError, match="fetch.browser"):
        Fetcher(fetch_opts(browser="sometimes"))


def test_missing_chromium_is_a_clear_permanent_error(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    http_server.routes["/"] = "<p>x</p>"
    opts = fetch_opts(chromium_path="/nonexistent/chromium")
    with BrowserFetcher(opts) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(http_server.url("/"))
    assert (info.value.reason, info.value.transient) == ("browser_unavailable", False)
    assert "/nonexistent/chromium" in str(info.value)
    assert len(http_server.requests) == 0


def test_missing_playwright_is_a_clear_permanent_error(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_module, "playwright_available", lambda: False)
    with Fetcher(fetch_opts(browser="always")) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(http_server.url("/"))
    assert (info.value.reason, info.value.transient) == ("browser_unavailable", False)
    assert "playwright" in str(info.value)


def test_fetch_contract(http_server: LocalHTTPServer, fetch_opts: MakeOpts) -> None:
    http_server.routes["/terms"] = Reply(200, {"ETag": '"e"', "Content-Type": "text/plain"}, "hi")
    with Fetcher(fetch_opts()) as fetcher:
        result = fetcher.fetch(http_server.url("/terms"), execute_client_scripts=None)
    assert (result.content, result.headers["etag"], result.fetcher) == (b"hi", '"e"', "http")


def test_a_long_lived_fetcher_keeps_no_connections_of_ended_threads(
    http_server: LocalHTTPServer, fetch_opts: MakeOpts
) -> None:
    """Each check run fetches from its own threads; a worker or daemon lives through thousands
    of runs. The sessions (and kept-alive sockets) of threads that ended are closed, so open
    descriptors stay flat: they had grown by one connection per thread per run (673 after 400
    documents in rounds of 8) until the process ran out of descriptors."""
    import os

    http_server.routes["/terms"] = "<p>Terms</p>"
    url = http_server.url("/terms")

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    with Fetcher(fetch_opts(browser="never")) as fetcher:
        counts = []
        for _run in range(12):
            with ThreadPoolExecutor(3) as pool:  # a run's own fetch threads, ended after it
                assert [r.status for r in pool.map(fetcher.fetch, [url] * 6)] == [200] * 6
            counts.append(open_fds())
    assert counts[-1] <= counts[1] + 3, counts
