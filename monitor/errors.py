"""One error family. Library code raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from enum import StrEnum


class FailureReason(StrEnum):
    """Why a capture failed: stored with the capture and the document, explained to operators."""

    description: str

    def __new__(cls, value: str, description: str) -> FailureReason:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # fetch
    NOT_FOUND = "not_found", "the page was not found (HTTP 404/410): it may have moved"
    BLOCKED = "blocked", "the site refused the monitor (HTTP 401/403 or a bot wall)"
    RATE_LIMITED = "rate_limited", "the site rate-limits the monitor (HTTP 429)"
    TIMEOUT = "timeout", "the site did not answer in time"
    DEADLINE = "deadline", "the site answered too slowly: the fetch deadline passed"
    ADDRESS_REFUSED = (
        "address_refused",
        "the address is private, loopback or link-local (cloud metadata) and not in"
        " fetch.allow_private",
    )
    SERVER_ERROR = "server_error", "the site answered with server errors (HTTP 5xx)"
    HTTP_ERROR = "http_error", "the site answered with an HTTP error status"
    CONNECTION_ERROR = "connection_error", "the site could not be reached"
    CONNECTION_RESET = "connection_reset", "the site dropped the connection"
    TLS_ERROR = "tls_error", "the site's TLS certificate could not be verified"
    REDIRECT_LOOP = "redirect_loop", "the site redirects in a loop"
    INVALID_URL = "invalid_url", "the declared URL is invalid"
    TOO_LARGE = "too_large", "the page is larger than the configured limit"
    FETCH_FAILED = "fetch_failed", "the page could not be fetched"
    BROWSER_UNAVAILABLE = (
        "browser_unavailable",
        "the headless browser is not installed or failed to start",
    )
    BROWSER_ERROR = "browser_error", "the headless browser failed to load the page"
    SELECTOR_MISSING = "selector_missing", "the declared selector no longer matches the page"
    # extract
    UNSUPPORTED_TYPE = "unsupported_type", "the page has an unsupported content type"
    INVALID_SELECTOR = "invalid_selector", "the declaration's selector is invalid"
    SELECTOR_NOT_FOUND = "selector_not_found", "the declared selector no longer matches the page"
    INVALID_RANGE = "invalid_range", "the declaration's range selector no longer matches"
    UNREADABLE_PDF = (
        "unreadable_pdf",
        "the PDF has no readable text (scanned, encrypted or damaged)",
    )
    EXTRACT_FAILED = "extract_failed", "the capture could not be turned into text"
    # capture check
    HTTP_STATUS = "http_status", "the site answered with an error status"
    EMPTY = "empty", "the captured page is empty"
    BOT_WALL = "bot_wall", "the site answered with a bot wall or challenge page"
    ERROR_PAGE = "error_page", "the site served an error page instead of the document"
    REDIRECT_STUB = (
        "redirect_stub",
        'the site served a redirect page ("Redirecting…", a meta refresh) instead of the document',
    )
    UNAVAILABLE = (
        "unavailable",
        "the site says the page is not available (removed, or not shown where the monitor runs)",
    )
    LOGIN_WALL = "login_wall", "the page now asks for a login"
    TOO_SHORT = "too_short", "the captured text is too short to be the document"
    SUSPICIOUS = (
        "suspicious",
        "the capture lost most of the previous version; held until a second capture confirms it",
    )
    OTHER_HOST = (
        "other_host",
        "the page ended on another host than declared (a redirect); see services.<id>.allowed_hosts",
    )


def describe_reason(reason: str) -> str:
    """An operator's sentence for a stored reason (unknown ones, such as error class names, as words)."""
    member = FailureReason._value2member_map_.get(reason)
    return member.description if isinstance(member, FailureReason) else reason.replace("_", " ")


class ClauseWatchError(Exception):
    """Base of every error ClauseWatch raises on purpose. str(error) is a one-line message."""


class ConfigError(ClauseWatchError):
    """The configuration file or environment is invalid (names the file and key)."""


class DeclarationError(ClauseWatchError):
    """A declaration is invalid (names the file and key)."""


class FetchError(ClauseWatchError):
    """A document could not be fetched. `transient` says whether a retry may help."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        transient: bool = False,
        reason: FailureReason = FailureReason.FETCH_FAILED,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.transient = transient
        self.reason = reason


class ExtractError(ClauseWatchError):
    """A capture could not be turned into a version (selector no longer matches, empty text, ...)."""

    def __init__(
        self, message: str, *, reason: FailureReason = FailureReason.EXTRACT_FAILED
    ) -> None:
        super().__init__(message)
        self.reason = reason


class CaptureRejected(ExtractError):
    """The capture was fetched but is not trustworthy (error page, bot wall, login page, tiny text)."""


class ArchiveError(ClauseWatchError):
    """The evidence archive could not be written or read (disk full, path escape, tampering)."""


class StoreError(ClauseWatchError):
    """The database could not be used."""


class ExcerptMismatch(ClauseWatchError):
    """An excerpt no longer matches the stored version it claims to quote."""


class NotFound(ClauseWatchError):
    """A service, document, version or subscriber asked for does not exist."""


class DeliveryError(ClauseWatchError):
    """A message could not be delivered (SMTP outage); it stays queued."""
