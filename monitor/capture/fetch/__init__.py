"""Fetching documents: plain HTTP first, a headless browser when needed, paced per host.

`Fetcher` is the entry point used by the pipeline. It is thread-safe: each thread gets its own
requests session, the shared browser serialises itself, and `HostPacer` spaces the requests to
each host.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import requests

from monitor.capture.fetch.browser import BrowserFetcher, find_chromium
from monitor.capture.fetch.http import (
    FetchOptions,
    HTTPFetchError,
    detect_charset,
    detect_mime,
    fetch_http,
    make_session,
    parse_retry_after,
)
from monitor.capture.fetch.politeness import HostPacer, host_key
from monitor.errors import ConfigError, FetchError
from monitor.models import FetchResult

__all__ = [
    "BrowserFetcher",
    "FetchOptions",
    "Fetcher",
    "HTTPFetchError",
    "HostPacer",
    "detect_charset",
    "detect_mime",
    "fetch_http",
    "find_chromium",
    "host_key",
    "looks_bot_blocked",
    "make_session",
    "parse_retry_after",
]

BROWSER_MODES = ("auto", "never", "always")
BOT_BLOCK_STATUSES = frozenset({403, 406, 502})


def looks_bot_blocked(exc: FetchError) -> bool:
    """Does a plain-HTTP failure look like a wall against non-browser clients?"""
    status = exc.status if isinstance(exc, HTTPFetchError) else None
    return status in BOT_BLOCK_STATUSES or exc.reason == "connection_reset"


def _block_label(exc: FetchError) -> str:
    status = exc.status if isinstance(exc, HTTPFetchError) else None
    return str(status) if status is not None else exc.reason.replace("_", " ")


class Fetcher:
    """Owns the HTTP sessions (one per thread), the host pacer and a lazily started browser.

    opts.browser: "never" (plain HTTP only), "always" (browser only), or "auto": the browser when
    the declaration asks for client scripts, otherwise plain HTTP with a browser retry when the
    plain answer looks like a bot wall (403, 406, 502, connection reset).
    """

    def __init__(
        self,
        opts: FetchOptions,
        *,
        session: requests.Session | None = None,
        browser: BrowserFetcher | None = None,
        pacer: HostPacer | None = None,
    ) -> None:
        if opts.browser not in BROWSER_MODES:
            raise ConfigError(
                f"fetch.browser must be one of {', '.join(BROWSER_MODES)}, not {opts.browser!r}"
            )
        self.opts = opts
        self.pacer = pacer or HostPacer(opts.per_host_delay)
        self._shared_session = session  # caller-owned; not closed here
        self._local = threading.local()
        self._sessions: list[tuple[threading.Thread, requests.Session]] = []
        self._browser = browser
        self._owns_browser = browser is None
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def session(self) -> requests.Session:
        """This thread's session (requests.Session is not documented as thread-safe)."""
        if self._shared_session is not None:
            return self._shared_session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = make_session(self.opts)
            with self._lock:
                # Each check run has its own fetch threads: the sessions of threads that have
                # ended are closed here, or a long-lived worker or daemon kept every run's
                # sessions and their connections (about 0.4 MB a document checked).
                ended = [old for thread, old in self._sessions if not thread.is_alive()]
                self._sessions = [(t, old) for t, old in self._sessions if t.is_alive()]
                self._sessions.append((threading.current_thread(), session))
            for old in ended:
                old.close()
        return session

    def browser(self) -> BrowserFetcher:
        with self._lock:
            if self._browser is None:
                self._browser = BrowserFetcher(self.opts)
            return self._browser

    def fetch(
        self,
        url: str,
        *,
        execute_client_scripts: bool | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        wait_for: str | None = None,
    ) -> FetchResult:
        """Fetch one URL according to opts.browser and the declaration's executeClientScripts.

        Raises FetchError. An explicit `execute_client_scripts=False` means plain HTTP without a
        browser fallback; None (not declared) allows the fallback in "auto" mode.
        """
        mode = self.opts.browser
        if mode == "always" or (mode == "auto" and execute_client_scripts):
            return self._fetch_browser(url, headers, wait_for)
        try:
            result = fetch_http(
                self.session(),
                url,
                self.opts,
                etag=etag,
                last_modified=last_modified,
                headers=headers,
                pacer=self.pacer,
            )
        except FetchError as exc:
            if mode == "auto" and execute_client_scripts is None and looks_bot_blocked(exc):
                return self._fallback(url, exc, headers, wait_for)
            raise
        if mode == "never" and execute_client_scripts:
            result.warnings.append(
                'the declaration asks for client scripts but browser = "never"; fetched without JavaScript'
            )
        return result

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
            browser = self._browser if self._owns_browser else None
            if self._owns_browser:
                self._browser = None
        for _thread, session in sessions:
            session.close()
        if browser is not None:
            browser.close()

    def _fetch_browser(
        self, url: str, headers: Mapping[str, str] | None, wait_for: str | None
    ) -> FetchResult:
        browser = self.browser()
        with self.pacer.slot(url):
            pass  # spaced like any request, but a slow render does not hold the host's slot
        return browser.fetch(url, wait_for=wait_for, headers=headers)

    def _fallback(
        self,
        url: str,
        plain_error: FetchError,
        headers: Mapping[str, str] | None,
        wait_for: str | None,
    ) -> FetchResult:
        try:
            result = self._fetch_browser(url, headers, wait_for)
        except FetchError as exc:
            if exc.reason == "browser_unavailable":
                raise plain_error from exc  # the plain failure is the one worth reporting
            raise
        result.warnings.append(
            f"plain fetch blocked ({_block_label(plain_error)}); rendered with browser"
        )
        return result
