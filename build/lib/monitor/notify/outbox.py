"""The outbox: messages are queued in the caller's transaction and delivered later by the sender.

A message is identified by a stable Message-ID derived from its dedupe key, so a message queued
twice (a retried run) is stored once, and a message delivered twice (the crash window between the
SMTP server accepting it and us marking it sent) carries the same Message-ID both times.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import OutboxMessage


def message_id_for(dedupe_key: str, domain: str = "clausewatch.local") -> str:
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


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
) -> OutboxMessage | None:
    """Queue a message unless one with the same dedupe key exists; returns the new row or None."""
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if existing is not None:
        return None
    message = OutboxMessage(
        message_id=message_id_for(dedupe_key, domain),
        kind=kind,
        recipient=recipient,
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


def pending(session: Session, now: datetime, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    )


def backlog(session: Session) -> int:
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )
