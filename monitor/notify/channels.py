"""Delivery to the channels beyond e-mail: a generic JSON webhook and every Apprise URL.

One call sends one outbox message and says how it went: delivered, failed for now (retried with
the outbox's backoff) or refused for good (a 4xx answer other than 408/425/429, a URL Apprise
cannot use): the message is then marked failed and operators are told once.

A webhook gets ClauseWatch's JSON body (documented in docs/json.md) with the headers
`X-ClauseWatch-Message-ID` and `Idempotency-Key` carrying the message's stable id, so a receiver
can drop the one duplicate the crash window allows. Apprise URLs (slack://, msteams://,
matrix://, json://, ...) get the message's title and Markdown text through Apprise.

Nothing here prints or logs a destination URL unmasked (`monitor.config.mask_url`), nor the
receiver's answer beyond a short, scrubbed excerpt.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

from monitor import __version__
from monitor.config import WEBHOOK_SCHEMES, apprise_plugin, mask_url

log = logging.getLogger("clausewatch.channels")

TIMEOUT = 15.0  # seconds for a webhook's connection and answer
USER_AGENT = f"ClauseWatch/{__version__} (notification webhook)"
# 4xx answers worth retrying: timeout, too early, too many requests
TRANSIENT_4XX = frozenset({408, 425, 429})
_STATUS_IN_LOG = re.compile(r"error=(\d{3})\b")
ANSWER_EXCERPT = 300


@dataclass(frozen=True)
class ChannelResult:
    ok: bool
    permanent: bool = False  # refused for good: do not retry
    error: str = ""
    answered: bool = False  # the receiver itself answered (not an unreachable one)


def is_permanent_status(status: int) -> bool:
    """A refusal that retrying will not change: 3xx (we do not follow redirects) and most 4xx."""
    return 300 <= status < 500 and status not in TRANSIENT_4XX


def secrets_of(url: str) -> list[str]:
    """Parts of a URL that may be secret (userinfo, path segments, query values), longest first,
    so that they can be scrubbed from a receiver's answer or a library's log line."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = {url}
    netloc = parts.netloc.rpartition("@")
    if netloc[1]:
        found.update(p for p in re.split(r"[:@]", netloc[0]) if p)
    found.update(unquote(seg) for seg in parts.path.split("/") if len(seg) >= 4)
    found.update(v for _k, v in parse_qsl(parts.query) if len(v) >= 4)
    if parts.scheme.lower() not in WEBHOOK_SCHEMES and parts.hostname and len(parts.hostname) >= 8:
        found.add(parts.hostname)  # Apprise URLs often carry a token as their "host"
    return sorted(found, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` with every secret-looking part of `url` replaced by ***."""
    for secret in secrets_of(url):
        text = text.replace(secret, "***")
    return text


def _excerpt(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= ANSWER_EXCERPT else line[: ANSWER_EXCERPT - 1] + "…"


def post_webhook(
    url: str,
    body: str,
    message_id: str,
    *,
    timeout: float = TIMEOUT,
    session: requests.Session | None = None,
) -> ChannelResult:
    """POST the JSON `body` to `url`; 2xx is delivered."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-ClauseWatch-Message-ID": message_id,
        "Idempotency-Key": message_id,
    }
    http = session or requests
    try:
        response = http.post(
            url, data=body.encode("utf-8"), headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.exceptions.InvalidURL as exc:
        return ChannelResult(False, True, f"invalid URL: {exc.__class__.__name__}")
    except requests.RequestException as exc:
        kind = "timed out" if isinstance(exc, requests.Timeout) else "cannot connect"
        return ChannelResult(False, False, f"{kind} ({exc.__class__.__name__})")
    status = response.status_code
    if 200 <= status < 300:
        return ChannelResult(True)
    answer = _excerpt(scrub(response.text or "", url))
    error = f"HTTP {status} {response.reason or ''}".strip() + (f": {answer}" if answer else "")
    if 300 <= status < 400:
        error += " (redirects are not followed; update the URL)"
    return ChannelResult(False, is_permanent_status(status), error, answered=True)


def send_apprise(url: str, title: str, body: str) -> ChannelResult:
    """Notify one Apprise URL; the HTTP status Apprise logs decides permanent or transient."""
    import apprise

    asset = apprise.AppriseAsset(
        app_id="ClauseWatch",
        app_desc="ClauseWatch terms-of-service monitor",
        app_url="https://github.com/clausewatch",
        storage_mode="memory",  # Apprise's optional cache stays in memory, never on disk
    )
    plugin = apprise_plugin(url, asset=asset)
    if plugin is None:
        return ChannelResult(False, True, "not a URL Apprise understands")
    sender = apprise.Apprise(asset=asset)
    sender.add(plugin)
    # Apprise's log lines stay here (they may name the URL): our caller logs a scrubbed summary.
    apprise_log = logging.getLogger("apprise")
    propagate, apprise_log.propagate = apprise_log.propagate, False
    try:
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = bool(
                sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN)
            )
    except Exception as exc:  # noqa: BLE001 - a plugin bug must not stop the outbox
        return ChannelResult(False, False, f"Apprise failed: {exc.__class__.__name__}")
    finally:
        apprise_log.propagate = propagate
    if ok:
        return ChannelResult(True)
    logged = [
        scrub(line.split(" - ", 2)[-1].strip(), url)
        for line in captured.getvalue().splitlines()
        if line.strip()
    ]
    statuses = [int(s) for line in logged for s in _STATUS_IN_LOG.findall(line)]
    permanent = bool(statuses) and all(is_permanent_status(s) for s in statuses)
    error = _excerpt("; ".join(logged[-3:])) or "Apprise could not deliver the notification"
    return ChannelResult(False, permanent, error)


def deliver(
    channel: str, destination: str, title: str, body: str, message_id: str
) -> ChannelResult:
    """Send one message over `channel` ("webhook" or "apprise")."""
    if channel == "webhook":
        return post_webhook(destination, body, message_id)
    if channel == "apprise":
        return send_apprise(destination, title, body)
    return ChannelResult(False, True, f"unknown channel {channel!r}")


__all__ = [
    "ChannelResult",
    "deliver",
    "is_permanent_status",
    "mask_url",
    "post_webhook",
    "scrub",
    "send_apprise",
]
