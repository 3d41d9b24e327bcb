"""The outbox: messages are queued in the caller's transaction and delivered later by the sender.

A message is queued once per dedupe key (a retried run stores it once). Its Message-ID is made
when it is queued, from the dedupe key plus a random part, and stored: a message delivered twice
(the crash window between the SMTP server accepting it and us marking it sent) carries the same
Message-ID both times, while a new message after a database restore (run and subscriber ids are
reused, so dedupe keys repeat) gets a new one, and mail stores never drop it as a duplicate.

A message goes out over one channel: "email" to `recipient`, or "webhook" / "apprise" to the URL
in `destination` (then `recipient` holds the masked URL, safe to print). A message refused for good
has `failed_at` and is no longer part of the backlog.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.config import mask_url, notify_channel
from monitor.store import OutboxMessage

CHANNELS = ("email", "webhook", "apprise")


def new_message_id(dedupe_key: str, domain: str = "clausewatch.local") -> str:
    """A fresh Message-ID for a message being queued: unique even when the key repeats."""
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:16]
    return f"<{digest}.{secrets.token_hex(8)}@{domain}>"


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    dedupe_key: str,
    now: datetime,
    headers: dict[str, Any] | None = None,
    domain: str = "clausewatch.local",
    destination: str | None = None,
    message_id: str | None = None,
) -> OutboxMessage | None:
    """Queue a message unless one with the same dedupe key exists; returns the new row or None.

    Without `destination` it is an e-mail to `recipient`; with a notification URL in
    `destination` it goes to that channel and `recipient` is ignored (the masked URL is stored).
    `message_id` is for a body that quotes its own id (a webhook's); else a new one is made.
    """
    channel = "email"
    if destination is not None:
        channel = notify_channel(destination)
        recipient = mask_url(destination)[:320]
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if existing is not None:
        return None
    message = OutboxMessage(
        message_id=message_id or new_message_id(dedupe_key, domain),
        kind=kind,
        recipient=recipient,
        channel=channel,
        destination=destination,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=dict(headers or {}),
        created_at=now,
        attempts=0,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(message)
    session.flush()
    return message


def unsent() -> Any:
    """The condition of a message still to deliver: neither sent nor refused for good."""
    return OutboxMessage.sent_at.is_(None) & OutboxMessage.failed_at.is_(None)


def pending(session: Session, now: datetime, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(unsent(), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    )


def backlog(session: Session) -> int:
    """Messages still to deliver (those refused for good are not counted)."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(unsent())) or 0)


def failed(session: Session) -> int:
    """Messages a receiver refused for good (operators were told; never retried)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.failed_at.is_not(None))
        )
        or 0
    )


def summary(session: Session, now: datetime) -> dict[str, Any]:
    """The outbox part of `clausewatch status --json` (without the alert items)."""

    def count(*where: Any) -> int:
        return int(
            session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
        )

    oldest = session.scalar(
        select(OutboxMessage.created_at).where(unsent()).order_by(OutboxMessage.created_at).limit(1)
    )
    last_error = session.scalar(
        select(OutboxMessage.last_error)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return {
        "backlog": backlog(session),
        "due": count(unsent(), OutboxMessage.next_attempt_at <= now),
        "retrying": count(unsent(), OutboxMessage.attempts > 0),
        "failed": failed(session),
        "oldest_unsent_at": oldest,
        "last_error": last_error,
    }
