"""Per-host turns shared by every worker on one store, so per-host politeness holds across them.

A turn is held while one request to the host is started (until its response headers arrive):
one turn at a time per host across all workers, and the next turn starts no earlier than `delay`
seconds after the previous one ended, whichever worker held it. Counting the delay from the end
of the previous turn (not its start, as the single-process pacer does) makes the spacing hold as
the server sees it however late a loaded worker actually sends its request.

PostgreSQL: a session advisory lock per host, taken on a connection of the gate's own pool and
released by the server if the worker dies; the `host_turns` row says when the host is free again
in Unix seconds on the database server's clock (the workers' clocks need not agree). SQLite
(workers on one machine): a flock per host on a file beside the database that holds that time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.store.db import Store, safe_url
from monitor.store.leases import advisory_key

WAIT_LIMIT = 300.0  # seconds a turn is waited for before the fetch fails (a frozen holder)


class HostTurnUnavailable(StoreError):
    """The shared turn of a host could not be taken (held too long elsewhere, or the store failed)."""


class PostgresHostTurns:
    """Host turns through PostgreSQL: an advisory lock per host plus the `host_turns` row."""

    def __init__(self, store: Store, connections: int, wait_limit: float = WAIT_LIMIT) -> None:
        # A pool of its own: a fetch thread keeps one connection while it waits for or holds a
        # turn, and must not take the connections the checks write with.
        self._url = safe_url(store.url)
        self.engine = create_engine(
            store.engine.url,
            pool_size=max(1, connections),
            max_overflow=max(1, connections),
            pool_pre_ping=True,
        )
        timeout_ms = max(1, int(wait_limit * 1000))

        def limit_waits(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"SET lock_timeout = {timeout_ms}")  # advisory lock waits included
            cur.close()
            dbapi_conn.commit()

        event.listen(self.engine, "connect", limit_waits)
        self.wait_limit = wait_limit

    @contextlib.contextmanager
    def hold(self, host: str, delay: float) -> Iterator[None]:
        key = advisory_key(f"host:{host}")
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as exc:
            raise HostTurnUnavailable(f"database {self._url}: {exc}") from exc
        try:
            wait = self._take(conn, host, key)
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._give_back(conn, host, key, delay)
        finally:
            conn.close()

    def _take(self, conn: Connection, host: str, key: int) -> float:
        try:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            wait = conn.execute(
                text(
                    "SELECT free_at - EXTRACT(EPOCH FROM clock_timestamp()) "
                    "FROM host_turns WHERE host = :h"
                ),
                {"h": host},
            ).scalar()
            conn.commit()  # the session-level lock outlives the transaction
        except SQLAlchemyError as exc:
            conn.invalidate()  # closed: the server drops a lock we may have got
            if "lock timeout" in str(exc):
                raise HostTurnUnavailable(
                    f"{host}: another worker has held this host's turn for over "
                    f"{self.wait_limit:g} s"
                ) from exc
            raise HostTurnUnavailable(f"database {self._url}: {exc}") from exc
        return float(wait or 0.0)

    @staticmethod
    def _give_back(conn: Connection, host: str, key: int, delay: float) -> None:
        try:
            conn.execute(
                text(
                    "INSERT INTO host_turns (host, free_at) "
                    "VALUES (:h, EXTRACT(EPOCH FROM clock_timestamp()) + :d) "
                    "ON CONFLICT (host) DO UPDATE SET free_at = EXCLUDED.free_at"
                ),
                {"h": host, "d": float(delay)},
            )
            conn.commit()  # before the unlock, which takes effect at once: the next holder
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})  # must see it
            conn.commit()
        except SQLAlchemyError:
            # never hand a connection that may still hold the lock back to the pool: closing it
            # releases the lock (the next turn then starts without this turn's delay)
            conn.invalidate()
            raise

    def close(self) -> None:
        self.engine.dispose()


class FileHostTurns:
    """Host turns between processes on one machine: `<folder>/<hash>.turn`, flocked while held,
    holding the Unix time at which the host is free again."""

    POLL = 0.01  # seconds between tries while another process holds the turn

    def __init__(self, folder: Path, wait_limit: float = WAIT_LIMIT) -> None:
        self.folder = folder
        self.wait_limit = wait_limit

    @contextlib.contextmanager
    def hold(self, host: str, delay: float) -> Iterator[None]:
        name = hashlib.sha256(host.encode()).hexdigest()[:24]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / f"{name}.turn", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise HostTurnUnavailable(f"{self.folder}: {exc}") from exc
        try:
            self._lock(fd, host)
            try:
                wait = _read_time(fd) - time.time()
                if wait > 0:
                    time.sleep(wait)
                yield
            finally:
                stamp = f"{time.time() + float(delay):.6f}\n".encode("ascii")
                os.ftruncate(fd, 0)
                os.pwrite(fd, stamp, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _lock(self, fd: int, host: str) -> None:
        deadline = time.monotonic() + self.wait_limit
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise HostTurnUnavailable(
                        f"{host}: another worker has held this host's turn for over "
                        f"{self.wait_limit:g} s"
                    ) from None
                time.sleep(self.POLL)

    def close(self) -> None:
        pass


def _read_time(fd: int) -> float:
    try:
        return float(os.pread(fd, 64, 0).decode("ascii").strip() or 0.0)
    except (OSError, ValueError, UnicodeDecodeError):  # a torn or foreign file: no wait
        return 0.0


def host_turns(store: Store, connections: int) -> PostgresHostTurns | FileHostTurns | None:
    """The shared host turns for workers on `store`; None for an in-memory database (one process)."""
    dialect = store.engine.dialect.name
    if dialect == "postgresql":
        return PostgresHostTurns(store, connections)
    database = store.engine.url.database
    if dialect == "sqlite" and database and database != ":memory:":
        return FileHostTurns(Path(database).parent / "host-turns")
    return None
