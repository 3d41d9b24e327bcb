"""Engine, sessions and in-place schema upgrades."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError
from monitor.store.schema import SCHEMA_VERSION, Base, Meta

# New tables are made by create_all; new columns of existing tables by these upgrades.


def _add_columns(s: Session, table: str, columns: dict[str, str]) -> None:
    """ALTER TABLE ... ADD COLUMN for each column the table lacks (safe to run twice)."""
    have = {c["name"] for c in inspect(s.connection()).get_columns(table)}
    for name, ddl in columns.items():
        if name not in have:
            s.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))


def _upgrade_1_to_2(s: Session) -> None:
    """Notification channels: outbox channel, destination and permanent failure; subscribers'
    notify URLs (the feed_items table is new and made by create_all)."""
    timestamp = "TIMESTAMP" if s.get_bind().dialect.name == "postgresql" else "DATETIME"
    _add_columns(
        s,
        "outbox",
        {
            "channel": "VARCHAR(20) DEFAULT 'email' NOT NULL",
            "destination": "TEXT",
            "failed_at": timestamp,
            "failure_notified": "BOOLEAN DEFAULT FALSE NOT NULL",
        },
    )
    _add_columns(s, "subscribers", {"notify_urls": "JSON DEFAULT '[]' NOT NULL"})


# Upgrades from version N to N+1, applied in order inside one transaction each.
# Add a function here (and bump SCHEMA_VERSION) when a table changes.
MIGRATIONS: dict[int, Callable[[Session], None]] = {1: _upgrade_1_to_2}


class Store:
    """Owns the engine; `with store.session() as s:` gives a transaction that commits or rolls back."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///").partition("?")[0])
            # SQLite would silently make a new, empty store over a 0-byte file: the history and
            # the subscribers would vanish without a word
            if path.name != ":memory:" and path.is_file() and path.stat().st_size == 0:
                raise StoreError(
                    f"database file {path} is empty (0 bytes): restore it from a backup, or "
                    "delete it to start a new store"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # a server-side database may restart under a long-running daemon: test pooled
            # connections before use rather than fail the next check
            server = not url.startswith("sqlite")
            self.engine: Engine = create_engine(url, future=True, pool_pre_ping=server)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"database {safe_url(url)}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.upgrade()

    def upgrade(self) -> None:
        try:
            Base.metadata.create_all(self.engine)
            with self.session() as s:
                row = s.get(Meta, "schema_version")
                current = int(row.value) if row else SCHEMA_VERSION
                while current < SCHEMA_VERSION:
                    MIGRATIONS[current](s)
                    current += 1
                if row is None:
                    s.add(Meta(key="schema_version", value=str(current)))
                else:
                    row.value = str(current)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"database {safe_url(self.url)}: {exc.__class__.__name__}: {exc}"
            ) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def schema_version(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(Meta.value).where(Meta.key == "schema_version")) or 0)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
