"""In-place schema upgrades: a version-1 store (before notification channels) opens as the current
version with its rows intact and the new columns filled with their defaults."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from monitor.store import OutboxMessage, Store, Subscriber
from monitor.store.schema import SCHEMA_VERSION, FeedItem


def _make_v1(path: Path) -> None:
    """The store as version 1 wrote it: without the columns and the table added since."""
    Store(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:
        for table, column in (
            ("outbox", "channel"),
            ("outbox", "destination"),
            ("outbox", "failed_at"),
            ("outbox", "failure_notified"),
            ("subscribers", "notify_urls"),
        ):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("DROP TABLE feed_items")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        db.execute(
            "INSERT INTO subscribers (email, plan, services, categories, min_exposure, token, "
            "created_at, active) VALUES ('a@example.com', 'watcher', '[]', '[]', 'low', 't', "
            "'2026-01-05 06:00:00', 1)"
        )
        db.execute(
            "INSERT INTO outbox (message_id, kind, recipient, subject, body_text, headers, "
            "created_at, attempts, next_attempt_at, dedupe_key) VALUES ('<1@x>', 'alert', "
            "'a@example.com', 's', 'b', '{}', '2026-01-05 06:00:00', 0, '2026-01-05 06:00:00', 'k')"
        )


def test_version_1_store_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _make_v1(path)
    store = Store(f"sqlite:///{path}")
    assert store.schema_version() == SCHEMA_VERSION == 2
    with store.session() as s:
        msg = s.scalars(select(OutboxMessage)).one()
        assert (msg.channel, msg.destination, msg.failed_at, msg.failure_notified) == (
            "email",
            None,
            None,
            False,
        )
        sub = s.scalars(select(Subscriber)).one()
        assert sub.notify_urls == []
        assert s.scalars(select(FeedItem)).all() == []
        sub.notify_urls = ["https://hooks.example.org/x"]
        msg.failed_at = datetime(2026, 1, 5, 7, 0)
    store.dispose()
    again = Store(f"sqlite:///{path}")  # a second open changes nothing
    with again.session() as s:
        assert s.scalars(select(Subscriber)).one().notify_urls == ["https://hooks.example.org/x"]
        assert s.scalars(select(OutboxMessage)).one().failed_at == datetime(2026, 1, 5, 7, 0)
    again.dispose()
