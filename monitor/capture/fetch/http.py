"""Plain HTTP fetching with requests.

Conditional GET, bounded redirects, a streamed size cap, retries with exponential backoff on
transient failures, charset and MIME detection. Every failure is a `FetchError` (in practice an
`HTTPFetchError`, which also carries the HTTP status) with a one-line message naming the URL.
"""

from __future__ import annotations

import codecs
import email.utils
import http.client
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from charset_normalizer import from_bytes

from monitor.capture.fetch.connections import Deadline, deadline, mount_guard
from monitor.capture.fetch.guard import AddressGuard, AddressRefused
from monitor.capture.fetch.politeness import HostPacer
from monitor.errors import FailureReason, FetchError
from monitor.models import FetchResult

# Response headers worth keeping with a capture (evidence and the next conditional GET).
KEPT_HEADERS = frozenset(
    {
        "etag",
        "last-modified",
        "content-type",
        "content-length",
        "content-language",
        "content-encoding",
        "cache-control",
        "date",
        "server",
        "location",
        "retry-after",
    }
)
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
MAX_RETRY_AFTER = 60.0  # never let a server park a worker for longer than this
CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 2048
GENERIC_MIME = frozenset({"", "application/octet-stream", "binary/octet-stream", "unknown/unknown"})
_SUFFIX_MIME = (
    (".pdf", "application/pdf"),
    (".md", "text/markdown"),
    (".markdown", "text/markdown"),
    (".txt", "text/plain"),
    (".html", "text/html"),
    (".htm", "text/html"),
)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([a-z0-9_.:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Candidates for statistical detection: the legacy encodings still found on the web.
WEB_ENCODINGS = (
    "utf_8", "utf_16", "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "cp1258", "cp874", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15", "koi8_r",
    "koi8_u", "shift_jis", "euc_jp", "iso2022_jp", "gb18030", "big5", "euc_kr",
)  # fmt: skip

# Indirection so tests can observe backoff without sleeping.
_sleep: Callable[[float], None] = time.sleep


class FetchOptions(Protocol):
    """What the fetchers read from the settings (monitor.config.FetchSettings satisfies it)."""

    @property
    def user_agent(self) -> str: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def accept_language(self) -> str: ...
    @property
    def per_host_delay(self) -> float: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def max_redirects(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def max_workers(self) -> int: ...
    @property
    def browser(self) -> str: ...
    @property
    def chromium_path(self) -> str | None: ...
    @property
    def deadline(self) -> float: ...
    @property
    def allow_private(self) -> Sequence[str]: ...


class HTTPFetchError(FetchError):
    """A FetchError that also knows the HTTP status (if any) and a server-requested delay."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        transient: bool,
        reason: FailureReason,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url, transient=transient, reason=reason)
        self.status = status
        self.retry_after = retry_after


# ---------------------------------------------------------------- public API


def make_session(opts: FetchOptions) -> requests.Session:
    """A requests session that identifies itself, caps redirects and refuses non-public addresses
    (except `opts.allow_private`) on every connection, redirects included."""
    session = requests.Session()
    mount_guard(session, AddressGuard.from_entries(opts.allow_private))
    # Library code never reads the environment (proxies, .netrc): see docs/ARCHITECTURE.md.
    session.trust_env = False
    session.max_redirects = opts.max_redirects
    session.headers.update(
        {"User-Agent": opts.user_agent, "Accept-Language": opts.accept_language, "Accept": ACCEPT}
    )
    return session


def check_url(url: str) -> None:
    """Only absolute http(s) URLs are fetched (no file:, ftp:, data: ...)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise HTTPFetchError(
            f"{url}: only absolute http:// and https:// URLs can be fetched",
            url=url,
            transient=False,
            reason=FailureReason.INVALID_URL,
        )


def fetch_http(
    session: requests.Session,
    url: str,
    opts: FetchOptions,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: Mapping[str, str] | None = None,
    pacer: HostPacer | None = None,
) -> FetchResult:
    """GET `url`, retrying transient failures up to `opts.retries` extra times.

    With `etag` / `last_modified` the request is conditional and a 304 gives
    `FetchResult(not_modified=True, content=b"")`. Each attempt waits for its turn with `pacer`
    (if given) until the response headers arrive; the body is read after the host's slot is
    released, so a slow body never holds up other documents on that host. The whole call, retries
    included, ends at `opts.deadline`.
    """
    check_url(url)
    request_headers = _request_headers(etag, last_modified, headers)
    attempts = max(0, opts.retries) + 1
    with deadline(opts.deadline) as watch:
        for attempt in range(attempts):
            try:
                return _fetch_once(session, url, opts, request_headers, pacer)
            except HTTPFetchError as exc:
                if watch.expired:
                    raise _past_deadline(url, watch) from exc
                if not exc.transient or attempt == attempts - 1:
                    raise
                delay = exc.retry_after
                _sleep(delay if delay is not None else opts.backoff * 2**attempt)
                if watch.expired:
                    raise _past_deadline(url, watch) from exc
    raise AssertionError("unreachable")  # the loop always returns or raises


def _past_deadline(url: str, watch: Deadline) -> HTTPFetchError:
    return HTTPFetchError(
        f"{url}: no complete answer within the {watch.seconds:g} s fetch deadline",
        url=url,
        transient=True,
        reason=FailureReason.DEADLINE,
    )


def status_error(
    url: str, status: int, phrase: str = "", *, retry_after: float | None = None
) -> HTTPFetchError:
    """The FetchError for an HTTP error status; `transient` says whether retrying may help."""
    if status in (404, 410):
        reason, transient = FailureReason.NOT_FOUND, False
    elif status in (401, 403, 406, 451):
        reason, transient = FailureReason.BLOCKED, False
    elif status == 429:
        reason, transient = FailureReason.RATE_LIMITED, True
    elif status == 408:
        reason, transient = FailureReason.TIMEOUT, True
    elif 500 <= status < 600:
        reason, transient = FailureReason.SERVER_ERROR, True
    else:
        reason, transient = FailureReason.HTTP_ERROR, False
    phrase = phrase or _default_phrase(status)
    return HTTPFetchError(
        f"{url}: HTTP {status} {phrase}".rstrip(),
        url=url,
        transient=transient,
        reason=reason,
        status=status,
        retry_after=retry_after,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def detect_mime(content_type: str | None, content: bytes, url: str) -> str:
    """MIME type from Content-Type, else from the bytes (PDF magic, HTML) or the URL suffix."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if content[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"  # unambiguous magic beats a wrong or generic header
    path = urlsplit(url).path.lower()
    if declared == "text/x-markdown" or (
        declared == "text/plain" and path.endswith((".md", ".markdown"))
    ):
        return "text/markdown"
    if declared not in GENERIC_MIME:
        return declared
    for suffix, mime in _SUFFIX_MIME:
        if path.endswith(suffix):
            return mime
    head = content[:SNIFF_BYTES].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<head" in head:
        return "text/html"
    return declared or "application/octet-stream"


def is_textual(mime: str) -> bool:
    return mime.startswith("text/") or mime.endswith(("+xml", "+json", "/xml", "/json"))


def detect_charset(content_type: str | None, content: bytes) -> str | None:
    """Python codec name for decoding `content`.

    Order: byte-order mark, Content-Type charset, <meta charset> / XML declaration in the first
    2 KB, then statistical detection. A declared charset is only used if the bytes decode with it.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    declared = [_header_charset(content_type), *_sniffed_charsets(content[:SNIFF_BYTES])]
    for label in declared:
        usable = _usable_charset(label, content) if label else None
        if usable:
            return usable
    return _detected_charset(content)


# ---------------------------------------------------------------- one attempt


def _request_headers(
    etag: str | None, last_modified: str | None, extra: Mapping[str, str] | None
) -> dict[str, str]:
    headers = dict(extra or {})
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _fetch_once(
    session: requests.Session,
    url: str,
    opts: FetchOptions,
    headers: dict[str, str],
    pacer: HostPacer | None,
) -> FetchResult:
    try:
        with pacer.slot(url) if pacer else nullcontext():
            response = session.get(
                url,
                headers=headers,
                timeout=(opts.connect_timeout, opts.read_timeout),
                stream=True,  # so an oversized body is cut off instead of read into memory
                allow_redirects=True,
            )
    except requests.RequestException as exc:
        raise _error_from_exception(url, exc, opts) from exc
    with response:
        status = response.status_code
        if status == 304:
            return _result(url, response, b"", not_modified=True)
        if status >= 400:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise status_error(url, status, response.reason or "", retry_after=retry_after)
        content = _read_capped(response, url, opts)
        return _result(url, response, content)


def _read_capped(response: requests.Response, url: str, opts: FetchOptions) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > opts.max_bytes:
        raise _too_large(url, opts.max_bytes, f"Content-Length {declared}")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_SIZE):
            body += chunk
            if len(body) > opts.max_bytes:
                raise _too_large(url, opts.max_bytes, "body kept growing")
    except requests.RequestException as exc:
        raise _error_from_exception(url, exc, opts) from exc
    return bytes(body)


def _too_large(url: str, limit: int, detail: str) -> HTTPFetchError:
    return HTTPFetchError(
        f"{url}: response larger than the {limit}-byte limit ({detail})",
        url=url,
        transient=False,
        reason=FailureReason.TOO_LARGE,
    )


def _result(
    url: str, response: requests.Response, content: bytes, *, not_modified: bool = False
) -> FetchResult:
    content_type = response.headers.get("content-type")
    mime = detect_mime(content_type, content, response.url)
    charset = detect_charset(content_type, content) if content and is_textual(mime) else None
    return FetchResult(
        requested_url=url,
        final_url=response.url,
        status=response.status_code,
        headers=_kept_headers(response),
        content=content,
        mime_type=mime,
        fetcher="http",
        not_modified=not_modified,
        charset=charset,
    )


def _kept_headers(response: requests.Response) -> dict[str, str]:
    kept = {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
    if response.history and "location" not in kept:
        # the final answer has no Location; keep where the last redirect pointed
        location = response.history[-1].headers.get("location")
        if location:
            kept["location"] = location
    return kept


# ---------------------------------------------------------------- errors


def _error_from_exception(url: str, exc: BaseException, opts: FetchOptions) -> HTTPFetchError:
    """Classify a requests/urllib3 failure into a reason and a transient flag."""
    chain = list(_exception_chain(exc))

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    detail = _one_line(exc)
    refused = next((e for e in chain if isinstance(e, AddressRefused)), None)
    if refused is not None:
        reason, transient = FailureReason.ADDRESS_REFUSED, False
        detail = str(refused)
    elif has(requests.TooManyRedirects):
        reason, transient = FailureReason.REDIRECT_LOOP, False
        detail = f"more than {opts.max_redirects} redirects"
    elif has(requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
        reason, transient = FailureReason.INVALID_URL, False
    elif has(requests.exceptions.SSLError):
        reason, transient = FailureReason.TLS_ERROR, False
    elif has(requests.ConnectTimeout):
        reason, transient = FailureReason.TIMEOUT, True
        detail = f"no connection within {opts.connect_timeout:g} s"
    elif has(requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        reason, transient = FailureReason.TIMEOUT, True
        detail = f"no data for {opts.read_timeout:g} s (read timeout)"
    elif has(
        ConnectionResetError,
        ConnectionAbortedError,
        BrokenPipeError,
        http.client.RemoteDisconnected,
        http.client.IncompleteRead,
        requests.exceptions.ChunkedEncodingError,
    ):
        reason, transient = FailureReason.CONNECTION_RESET, True
        detail = f"connection reset by the server ({detail})"
    elif has(requests.ConnectionError):
        reason, transient = FailureReason.CONNECTION_ERROR, True
    else:
        reason, transient = FailureReason.FETCH_FAILED, False
    return HTTPFetchError(f"{url}: {detail}", url=url, transient=transient, reason=reason)


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and everything it wraps (requests nests urllib3 errors in args and .reason)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested.extend(current.args)
        stack.extend(e for e in nested if isinstance(e, BaseException))


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """The error on one line, at most about `limit` characters, always ending with its cause.

    requests wraps the cause ("[Errno 111] Connection refused") deep inside pool and URL details;
    a long message is cut in the middle, never before the innermost exception's message.
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    inner, seen = exc, {id(exc)}
    while True:  # the innermost exception: follow causes, urllib3's .reason, wrapped args
        nested = [inner.__cause__, getattr(inner, "reason", None), *inner.args, inner.__context__]
        deeper = next(
            (e for e in nested if isinstance(e, BaseException) and id(e) not in seen), None
        )
        if deeper is None:
            break
        seen.add(id(deeper))
        inner = deeper
    cause = " ".join(str(inner).split())
    if cause and cause not in text:
        text = f"{text} ({cause})"
    if len(text) <= limit:
        return text
    tail = text[text.rfind(cause) :] if cause else ""
    if len(tail) > limit // 2:
        tail = tail[: limit // 2 - 3] + "..."
    return text[: max(limit - len(tail) - 5, 20)] + " ... " + tail


def _default_phrase(status: int) -> str:
    try:
        return http.client.responses[status]
    except KeyError:
        return ""


# ---------------------------------------------------------------- charsets


def _header_charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _sniffed_charsets(head: bytes) -> list[str]:
    found = [
        m.group(1).decode("ascii")
        for m in (_META_CHARSET.search(head), _XML_ENCODING.search(head))
        if m
    ]
    return found


def _detected_charset(content: bytes) -> str | None:
    """Statistical guess, limited to encodings web pages use (else DOS code pages win ties)."""
    matches = list(from_bytes(content, cp_isolation=list(WEB_ENCODINGS)))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        # windows-1252 is the web's default fallback (WHATWG); prefer it on a near tie
        near_tie = match.chaos <= best.chaos and match.coherence >= best.coherence - 0.05
        if match.encoding == "cp1252" and near_tie:
            return "cp1252"
    detected = codecs.lookup(best.encoding).name
    return "utf-8" if detected == "ascii" else detected


def _usable_charset(label: str, content: bytes) -> str | None:
    """Python codec name for a declared label, if the content actually decodes with it."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in ("iso8859-1", "ascii") and _decodes(content, "cp1252"):
        # Browsers read these labels as windows-1252 (WHATWG Encoding), whose extra characters
        # (curly quotes, dashes) pages labelled latin-1 routinely contain.
        return "cp1252"
    return name if _decodes(content, name) else None


def _decodes(content: bytes, codec: str) -> bool:
    try:
        content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
