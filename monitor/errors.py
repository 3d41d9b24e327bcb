"""One error family. Library code raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class ClauseWatchError(Exception):
    """Base of every error ClauseWatch raises on purpose. str(error) is a one-line message."""


class ConfigError(ClauseWatchError):
    """The configuration file or environment is invalid (names the file and key)."""


class DeclarationError(ClauseWatchError):
    """A declaration is invalid (names the file and key)."""


class FetchError(ClauseWatchError):
    """A document could not be fetched. `transient` says whether a retry may help."""

    def __init__(
        self, message: str, *, url: str = "", transient: bool = False, reason: str = ""
    ) -> None:
        super().__init__(message)
        self.url = url
        self.transient = transient
        # short machine-readable reason: not_found, blocked, timeout, server_error, too_large, ...
        self.reason = reason or "fetch_failed"


class ExtractError(ClauseWatchError):
    """A capture could not be turned into a version (selector no longer matches, empty text, ...)."""

    def __init__(self, message: str, *, reason: str = "extract_failed") -> None:
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
