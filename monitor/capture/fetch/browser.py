"""Rendering pages with the system Chromium through Playwright (for `executeClientScripts`).

Playwright's sync API is bound to the thread that started it, so one private worker thread owns
the Playwright driver and the browser; `fetch()` may be called from any thread and is serialised
through that worker. The browser is started on first use, reused across pages (a fresh context
per page, so no cookies leak between documents) and restarted if it crashed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from monitor.capture.fetch.guard import AddressGuard, AddressRefused
from monitor.capture.fetch.http import (
    KEPT_HEADERS,
    FetchOptions,
    HTTPFetchError,
    check_url,
    status_error,
)
from monitor.errors import FailureReason, FetchError
from monitor.models import FetchResult

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Request, Response, Route

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium phones home (updates, sync, safe browsing lists)
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
LAUNCH_TIMEOUT_MS = 30_000

# Playwright error text -> (reason, transient). Checked in order.
_NAVIGATION_ERRORS = (
    ("ERR_TOO_MANY_REDIRECTS", FailureReason.REDIRECT_LOOP, False),
    ("ERR_CONNECTION_RESET", FailureReason.CONNECTION_RESET, True),
    ("ERR_EMPTY_RESPONSE", FailureReason.CONNECTION_RESET, True),
    ("ERR_CONNECTION_CLOSED", FailureReason.CONNECTION_RESET, True),
    ("ERR_TIMED_OUT", FailureReason.TIMEOUT, True),
    ("ERR_CERT", FailureReason.TLS_ERROR, False),
    ("ERR_SSL", FailureReason.TLS_ERROR, False),
    ("net::ERR_", FailureReason.CONNECTION_ERROR, True),
    ("Download is starting", FailureReason.BROWSER_ERROR, False),
)

T = TypeVar("T")


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium binary to drive: the configured path, else the usual system locations."""
    if configured:
        return configured if _is_executable(configured) else None
    for path in CHROMIUM_CANDIDATES:
        if _is_executable(path):
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class BrowserFetcher:
    """One headless Chromium, started lazily, shared by every page; close() (or `with`) stops it."""

    def __init__(self, opts: FetchOptions) -> None:
        self.opts = opts
        self.guard = AddressGuard.from_entries(opts.allow_private)
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        # Everything below is touched only on the worker thread.
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._user_agent: str | None = None
        self.launches = 0  # how many times Chromium was started (for tests and diagnostics)

    def __enter__(self) -> BrowserFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, wait_for: str | None = None, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """Render `url`; wait for network idle (bounded by read_timeout) and `wait_for` if given."""
        check_url(url)
        extra = dict(headers or {})
        return self._run(lambda: self._fetch_on_worker(url, wait_for, extra))

    def close(self) -> None:
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.submit(self._stop_on_worker).result()
            executor.shutdown(wait=True)

    # ------------------------------------------------------------ worker thread

    def _run(self, job: Callable[[], T]) -> T:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="clausewatch-browser")
            future = self._executor.submit(job)
        return future.result()

    def _start_on_worker(self, url: str) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._stop_on_worker()  # a crashed browser: clean up before starting again
        if not playwright_available():
            raise _unavailable(
                url, "the playwright package is not installed (clausewatch[browser])"
            )
        path = find_chromium(self.opts.chromium_path)
        if path is None:
            where = self.opts.chromium_path or ", ".join(CHROMIUM_CANDIDATES) + " or PATH"
            raise _unavailable(url, f"no Chromium executable found at {where}")
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=path,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=LAUNCH_TIMEOUT_MS,
            )
        except Exception as exc:
            playwright.stop()
            raise _unavailable(
                url, f"Chromium at {path} did not start: {_first_line(exc)}"
            ) from exc
        self._playwright, self._browser = playwright, browser
        self._user_agent = self._identifying_user_agent(browser)
        self.launches += 1
        return browser

    def _identifying_user_agent(self, browser: Browser) -> str:
        # Chromium's own UA (so bot walls see a real browser) plus ours (so operators see who we are).
        page = browser.new_page()
        try:
            native = str(page.evaluate("navigator.userAgent"))
        finally:
            page.close()
        return f"{native} {self.opts.user_agent}".strip()

    def _fetch_on_worker(
        self, url: str, wait_for: str | None, headers: dict[str, str]
    ) -> FetchResult:
        from playwright.sync_api import Error as PlaywrightError

        browser = self._start_on_worker(url)
        language = next(
            (v for k, v in headers.items() if k.lower() == "accept-language"),
            self.opts.accept_language,
        )
        # The locale drives navigator.languages for client-side rendering; Chromium then sends
        # only its primary tag as Accept-Language, overriding the extra header.
        context = browser.new_context(
            user_agent=self._user_agent,
            locale=_locale(language),
            extra_http_headers={"Accept-Language": language, **headers},
            service_workers="block",  # a service worker's requests would bypass the route below
        )
        screen = _Screen(self.guard)
        context.route("**/*", screen)
        try:
            page = context.new_page()
            result = self._render(page, url, wait_for)
        except PlaywrightError as exc:
            screen.raise_if_navigation_refused(url)
            raise _navigation_error(url, exc) from exc
        except FetchError:
            screen.raise_if_navigation_refused(url)
            raise
        finally:
            context.close()
        screen.raise_if_navigation_refused(url)
        result.warnings.extend(f"refused a page request: {why}" for why in screen.subresources)
        return result

    def _render(self, page: Page, url: str, wait_for: str | None) -> FetchResult:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        read_ms = self.opts.read_timeout * 1000
        end = time.monotonic() + self.opts.deadline

        def budget(ms: float) -> float:
            # each wait is bounded by its own timeout and by what is left of the fetch deadline
            return max(1.0, min(ms, (end - time.monotonic()) * 1000))

        page.set_default_timeout(budget(read_ms))
        response = page.goto(
            url, wait_until="load", timeout=budget(read_ms + self.opts.connect_timeout * 1000)
        )
        status = response.status if response is not None else 200
        if status >= 400:
            raise status_error(url, status, response.status_text if response is not None else "")
        warnings: list[str] = []
        try:
            page.wait_for_load_state("networkidle", timeout=budget(read_ms))
        except PlaywrightTimeout:
            warnings.append(f"network not idle after {self.opts.read_timeout:g} s; captured anyway")
        if wait_for:
            try:
                page.wait_for_selector(wait_for, state="attached", timeout=budget(read_ms))
            except PlaywrightTimeout as exc:
                raise HTTPFetchError(
                    f"{url}: selector {wait_for!r} did not appear within {self.opts.read_timeout:g} s",
                    url=url,
                    transient=True,
                    reason=FailureReason.SELECTOR_MISSING,
                    status=status,
                ) from exc
        content = page.content().encode("utf-8")
        if len(content) > self.opts.max_bytes:
            raise HTTPFetchError(
                f"{url}: rendered page larger than the {self.opts.max_bytes}-byte limit",
                url=url,
                transient=False,
                reason=FailureReason.TOO_LARGE,
                status=status,
            )
        return FetchResult(
            requested_url=url,
            final_url=page.url,
            status=status,
            headers=_kept_headers(response),
            content=content,
            mime_type="text/html",  # page.content() is the serialised DOM, whatever was served
            fetcher="browser",
            charset="utf-8",
            warnings=warnings,
        )

    def _stop_on_worker(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        # best effort: after a crash the processes may already be gone
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()


class _Screen:
    """The SSRF guard for every request the page makes: refused ones are aborted and noted.

    A refused navigation (the declared URL, a redirect, a script moving the page) fails the
    capture; a refused sub-request (an image, a script's fetch) only leaves a warning, since the
    page never received its answer.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.navigations: list[str] = []
        self.subresources: list[str] = []

    def __call__(self, route: Route, request: Request) -> None:
        why = self._refusal(request.url)
        if why is None:
            route.continue_()
            return
        (self.navigations if request.is_navigation_request() else self.subresources).append(why)
        route.abort("blockedbyclient")

    def _refusal(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
            return None  # data:, blob: and the like never leave the browser
        try:
            port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
            self.guard.check_host(parts.hostname, port)
        except ValueError:
            return None
        except AddressRefused as exc:
            return f"{url}: {exc}"
        return None

    def raise_if_navigation_refused(self, url: str) -> None:
        if self.navigations:
            raise HTTPFetchError(
                f"{url}: {self.navigations[0]}",
                url=url,
                transient=False,
                reason=FailureReason.ADDRESS_REFUSED,
            )


def _kept_headers(response: Response | None) -> dict[str, str]:
    if response is None:
        return {}
    return {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}


def _locale(accept_language: str) -> str | None:
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip()
    return first if first and first != "*" else None


def _unavailable(url: str, why: str) -> FetchError:
    return HTTPFetchError(
        f"{url}: cannot render with a browser: {why}",
        url=url,
        transient=False,
        reason=FailureReason.BROWSER_UNAVAILABLE,
    )


def _navigation_error(url: str, exc: Any) -> HTTPFetchError:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    text = _first_line(exc)
    if isinstance(exc, PlaywrightTimeout):
        return HTTPFetchError(
            f"{url}: browser timed out: {text}",
            url=url,
            transient=True,
            reason=FailureReason.TIMEOUT,
        )
    for marker, reason, transient in _NAVIGATION_ERRORS:
        if marker in text:
            return HTTPFetchError(
                f"{url}: browser: {text}", url=url, transient=transient, reason=reason
            )
    return HTTPFetchError(
        f"{url}: browser failed: {text}",
        url=url,
        transient=True,
        reason=FailureReason.BROWSER_ERROR,
    )


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__
