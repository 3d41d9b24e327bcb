"""Delivery of the outbox: e-mail over SMTP, the other channels through `notify.channels`.

A message is marked sent only after the server accepted it (`sendmail` returned, the webhook
answered 2xx, Apprise reported success). Failures leave it queued with `attempts`, `last_error`
and an exponential backoff in `next_attempt_at`; an outage delays messages and loses none, and a
restarted process resumes where the last one stopped. A message refused for good (an SMTP 5xx
answer to its recipient or content; a webhook or Apprise 4xx) is marked failed with the answer
(`failed_at`) and never retried, and the batch goes on; `alerts.report_undeliverable` tells the
operators once. A server that hangs up costs the message in flight one attempt; the rest of the
batch goes over a new connection.

The one window that can duplicate: the server accepted a message and the process died before the
row was marked sent. The next attempt sends it again with the same Message-ID (e-mail header, or
the webhook's `X-ClauseWatch-Message-ID` and `Idempotency-Key`), which receivers use to drop the
duplicate.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select

from monitor.clock import Clock
from monitor.config import SmtpSettings
from monitor.errors import DeliveryError
from monitor.notify.channels import ChannelResult, deliver
from monitor.notify.outbox import backlog, unsent
from monitor.store import OutboxMessage, Store
from monitor.store.locks import FileLock, LockHeld

log = logging.getLogger("clausewatch.mailer")

RETRY_BASE = 60.0  # seconds before the first retry; doubles each attempt
RETRY_MAX = 6 * 3600.0  # never wait longer than this between attempts
BATCH = 100
MAX_RECONNECTS = 3  # new SMTP connections a round opens after the server hung up
# A message its receiver keeps deferring (4xx: mailbox full, greylisting that never clears; a
# webhook answering 503) is given up after this long, as mail servers do after a few days, and
# the operators are told. An unreachable server fails no message: that is an outage to fix.
GIVE_UP_AFTER = timedelta(days=5)
# CRLF line ends; headers folded at 250 (RFC 5322 allows 998) so List-Unsubscribe URLs stay
# plain ASCII instead of being RFC 2047-encoded by a fold at 78.
SMTP_POLICY = SMTP.clone(max_line_length=250)


class SMTPClient(Protocol):
    def sendmail(self, from_addr: str, to_addrs: list[str], msg: bytes) -> Any: ...

    def quit(self) -> Any: ...


def retry_delay(attempts: int, base: float = RETRY_BASE) -> timedelta:
    """Wait after the `attempts`-th failed attempt: base, 2*base, 4*base, ... capped."""
    seconds = min(RETRY_MAX, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=seconds)


def _given_up(error: str) -> str:
    days = GIVE_UP_AFTER.days
    return f"given up after {days} days of temporary refusals; last answer: {error}"


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """An authenticated SMTP connection per the settings. Raises DeliveryError."""
    parts = urlsplit(smtp.url)
    host = parts.hostname or "127.0.0.1"
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    try:
        client: smtplib.SMTP
        if secure:
            client = smtplib.SMTP_SSL(
                host, port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=smtp.timeout)
        client.ehlo()
        if smtp.starttls and not secure:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.username:
            if not smtp.password:
                client.close()
                raise DeliveryError(
                    f"{smtp.url}: smtp.username is set but CLAUSEWATCH_SMTP_PASSWORD is not"
                )
            client.login(smtp.username, smtp.password)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"{smtp.url}: cannot connect: {_describe(exc)}") from exc
    return client


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return f"{exc.__class__.__name__}: {exc}".strip()


def is_permanent(exc: BaseException) -> bool:
    """Whether the SMTP server refused this message for good: a 5xx answer to its recipient
    (RCPT) or to its content (DATA). A refused sender is the configuration's problem and affects
    every message, so it is retried like an outage rather than failing each message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def build_email(message: OutboxMessage, from_addr: str) -> EmailMessage:
    """The RFC 5322 message for an outbox row: text, or multipart/alternative text + HTML."""
    email = EmailMessage()
    email["From"] = Address(display_name="ClauseWatch", addr_spec=from_addr)
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    email["Message-ID"] = message.message_id or make_msgid(domain="clausewatch.local")
    for name, value in (message.headers or {}).items():
        if name.lower() in {"from", "to", "subject", "date", "message-id"}:
            continue
        email[name] = str(value).replace("\r", " ").replace("\n", " ")
    # quoted-printable: SMTP lines stay under 1000 octets whatever the document text looks like
    email.set_content(message.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if message.body_html:
        email.add_alternative(
            message.body_html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
    return email


ChannelSender = Callable[[str, str, str, str, str], ChannelResult]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # failed attempts, including those refused for good
    errors: list[str] = field(default_factory=list)
    remaining: int = 0  # unsent messages left in the outbox (due later or failed for now)
    undeliverable: int = 0  # of `failed`: refused for good, never retried

    @property
    def ok(self) -> bool:
        return self.failed == 0


class Mailer:
    """Delivers due outbox messages: e-mail over one SMTP connection per batch, the other
    channels one request each (a destination that failed is not tried again in the same round)."""

    def __init__(
        self,
        smtp: SmtpSettings,
        store: Store,
        *,
        clock: Clock,
        connector: Callable[[SmtpSettings], SMTPClient] = connect,
        retry_base: float = RETRY_BASE,
        should_stop: Callable[[], bool] = lambda: False,
        channel_sender: ChannelSender = deliver,
    ) -> None:
        self.smtp = smtp
        self.store = store
        self.clock = clock
        self.connector = connector
        self.retry_base = retry_base
        self.should_stop = should_stop
        self.channel_sender = channel_sender

    def _due(self, include_deferred: bool, after_id: int) -> list[tuple[int, str]]:
        now = self.clock()
        with self.store.session() as s:
            query = (
                select(OutboxMessage.id, OutboxMessage.channel)
                .where(unsent(), OutboxMessage.id > after_id)
                .order_by(OutboxMessage.id)
                .limit(BATCH)
            )
            if not include_deferred:
                query = query.where(OutboxMessage.next_attempt_at <= now)
            return [(row_id, channel or "email") for row_id, channel in s.execute(query).all()]

    def deliver(self, *, include_deferred: bool = False) -> DeliveryReport:
        """Send every due message (every unsent one with include_deferred). Never raises on SMTP
        or channel trouble: it is recorded on the messages."""
        report = DeliveryReport()
        last_id = 0
        smtp_down = False
        failed_destinations: set[str] = set()
        while not self.should_stop():
            due = self._due(include_deferred, last_id)
            if not due:
                break
            last_id = due[-1][0]
            for row_id, channel in due:
                if channel == "email" or self.should_stop():
                    continue
                self._send_channel(row_id, report, failed_destinations)
            emails = [row_id for row_id, channel in due if channel == "email"]
            if emails and not smtp_down and not self.should_stop():
                # the SMTP server is unreachable: the rest of the e-mail waits for the next round
                smtp_down = not self._deliver_batch(emails, report)
        with self.store.session() as s:
            report.remaining = backlog(s)
        return report

    def _send_channel(self, row_id: int, report: DeliveryReport, failed: set[str]) -> None:
        """Send one webhook or Apprise message and record the outcome."""
        with self.store.session() as s:
            row = s.get(OutboxMessage, row_id)
            if row is None or row.sent_at is not None or row.failed_at is not None:
                return
            channel, destination = row.channel, row.destination or ""
            title, body, mid, shown = row.subject, row.body_text, row.message_id, row.recipient
            created = row.created_at
        if destination in failed:  # this receiver failed a moment ago: try it next round
            return
        result = self.channel_sender(channel, destination, title, body, mid)
        if result.ok:
            # Accepted. A crash before this commit re-sends with the same message id.
            with self.store.session() as s:
                done = s.get_one(OutboxMessage, row_id)
                done.attempts += 1
                done.sent_at = self.clock()
                done.last_error = None
            report.sent += 1
            log.info("sent %s to %s", mid, shown)
            return
        report.failed += 1
        report.errors.append(f"{mid} to {shown}: {result.error}")
        if result.permanent or (result.answered and self._deferred_too_long(created)):
            report.undeliverable += 1
            error = result.error if result.permanent else _given_up(result.error)
            log.error("%s to %s refused for good: %s", mid, shown, error)
            self._record_permanent(row_id, error)
            return
        log.warning("delivery of %s to %s failed: %s", mid, shown, result.error)
        failed.add(destination)
        self._record_failure([row_id], result.error)

    def _deliver_batch(self, ids: list[int], report: DeliveryReport) -> bool:
        """Send `ids` over one connection, opening a new one after a hang-up (at most
        MAX_RECONNECTS times a round). False when the server cannot be reached: the rest waits."""
        pending = list(ids)
        reconnects = 0
        while pending:
            try:
                client = self.connector(self.smtp)
            except DeliveryError as exc:
                log.warning("SMTP unavailable: %s; %d message(s) stay queued", exc, len(pending))
                self._record_failure(pending, str(exc))
                report.failed += len(pending)
                report.errors.append(str(exc))
                return False
            try:
                while pending and not self.should_stop():
                    row_id = pending.pop(0)
                    if not self._send_one(client, row_id, report):
                        break  # the connection is gone
                else:
                    return True
            finally:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()
            reconnects += 1
            if reconnects > MAX_RECONNECTS:
                log.warning("SMTP server keeps hanging up; %d message(s) wait", len(pending))
                return False
        return True

    def _send_one(self, client: SMTPClient, row_id: int, report: DeliveryReport) -> bool:
        """Send one message; False when the connection is gone (open a new one for the rest).

        A 5xx refusal of the recipient or of the message is final for this message only: it is
        marked failed with the server's answer (the operators are told once) and the batch goes
        on. Anything else (4xx, a hang-up, a timeout) is retried with backoff."""
        with self.store.session() as s:
            row = s.get(OutboxMessage, row_id)
            if row is None or row.sent_at is not None or row.failed_at is not None:
                return True
            email = build_email(row, self.smtp.from_addr)
            recipient, mid, created = row.recipient, row.message_id, row.created_at
        try:
            client.sendmail(self.smtp.from_addr, [recipient], email.as_bytes(policy=SMTP_POLICY))
        except (smtplib.SMTPException, OSError) as exc:
            error = _describe(exc)
            report.failed += 1
            report.errors.append(f"{mid} to {recipient}: {error}")
            if is_permanent(exc):
                log.error("%s to %s refused for good: %s", mid, recipient, error)
                report.undeliverable += 1
                self._record_permanent(row_id, error)
                return True
            if isinstance(exc, smtplib.SMTPServerDisconnected):
                error = f"connection lost: {error}"
            elif self._deferred_too_long(created):
                # the server answered for this message, again: give it up like a bounce
                log.error("%s to %s given up: %s", mid, recipient, error)
                report.undeliverable += 1
                self._record_permanent(row_id, _given_up(error))
                return isinstance(exc, smtplib.SMTPRecipientsRefused) or (
                    isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421
                )
            log.warning("delivery of %s to %s failed: %s", mid, recipient, error)
            self._record_failure([row_id], error)
            # smtplib answered a refusal with RSET, so the session is usable; after a hang-up,
            # a 421 (the server is closing), a timeout or a socket error it is not
            if isinstance(exc, smtplib.SMTPResponseException):
                return exc.smtp_code != 421
            return isinstance(exc, smtplib.SMTPRecipientsRefused)
        # Accepted by the server. A crash before this commit re-sends with the same Message-ID.
        with self.store.session() as s:
            row = s.get_one(OutboxMessage, row_id)
            row.attempts += 1
            row.sent_at = self.clock()
            row.last_error = None
        report.sent += 1
        log.info("sent %s to %s", mid, recipient)
        return True

    def _deferred_too_long(self, created: datetime) -> bool:
        return self.clock() - created >= GIVE_UP_AFTER

    def _record_permanent(self, row_id: int, error: str) -> None:
        with self.store.session() as s:
            row = s.get_one(OutboxMessage, row_id)
            row.attempts += 1
            row.last_error = error[:2000]
            row.failed_at = self.clock()

    def _record_failure(self, ids: list[int], error: str) -> None:
        now = self.clock()
        with self.store.session() as s:
            for row_id in ids:
                row = s.get(OutboxMessage, row_id)
                if row is None or row.sent_at is not None:
                    continue
                row.attempts += 1
                row.last_error = error[:2000]
                row.next_attempt_at = now + retry_delay(row.attempts, self.retry_base)


def deliver_outbox(
    smtp: SmtpSettings,
    store: Store,
    *,
    clock: Clock,
    include_deferred: bool = False,
    retry_base: float = RETRY_BASE,
    should_stop: Callable[[], bool] = lambda: False,
    lock_path: Path | None = None,
) -> DeliveryReport:
    """Deliver the outbox once. With `lock_path`, only one sender runs at a time (else DeliveryError)."""
    mailer = Mailer(smtp, store, clock=clock, retry_base=retry_base, should_stop=should_stop)
    if lock_path is None:
        return mailer.deliver(include_deferred=include_deferred)

    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=30.0)
    except LockHeld as exc:
        raise DeliveryError(f"another sender is delivering the outbox ({exc})") from exc
    try:
        return mailer.deliver(include_deferred=include_deferred)
    finally:
        lock.release()
