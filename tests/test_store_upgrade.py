"""In-place schema upgrades: a version-1 store (before notification channels) opens as the current
version with its rows intact and the new columns filled with their defaults."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text

from monitor.store import OutboxMessage, Store, Subscriber
from monitor.store.schema import SCHEMA_VERSION, FeedItem


def _make_v1(url: str) -> None:
    """The store as version 1 wrote it: without the columns and the table added since."""
    Store(url).dispose()
    engine = create_engine(url)
    with engine.begin() as db:
        for table, column in (
            ("outbox", "channel"),
            ("outbox", "destination"),
            ("outbox", "failed_at"),
            ("outbox", "failure_notified"),
            ("subscribers", "notify_urls"),
        ):
            db.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        db.execute(text("DROP TABLE feed_items"))
        db.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
        db.execute(
            text(
                "INSERT INTO subscribers (email, plan, services, categories, min_exposure, token, "
                "created_at, active) VALUES ('a@example.com', 'watcher', '[]', '[]', 'low', 't', "
                "'2026-01-05 06:00:00', TRUE)"
            )
        )
        db.execute(
            text(
                "INSERT INTO outbox (message_id, kind, recipient, subject, body_text, headers, "
                "created_at, attempts, next_attempt_at, dedupe_key) VALUES ('<1@x>', 'alert', "
                "'a@example.com', 's', 'b', '{}', '2026-01-05 06:00:00', 0, "
                "'2026-01-05 06:00:00', 'k')"
            )
        )
    engine.dispose()


def test_version_1_store_upgrades_in_place(tmp_path: Path, database_url: str) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _make_v1(url)
    store = Store(url)
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
    again = Store(url)  # a second open changes nothing
    with again.session() as s:
        assert s.scalars(select(Subscriber)).one().notify_urls == ["https://hooks.example.org/x"]
        assert s.scalars(select(OutboxMessage)).one().failed_at == datetime(2026, 1, 5, 7, 0)
    again.dispose()
