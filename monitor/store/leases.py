"""Several workers sharing one store: document leases, worker heartbeats and cluster-wide locks.

Each declared document has one `document_leases` row saying when it is next due. A worker claims
due rows with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL: workers never wait for each other's
rows) followed by an update guarded by the same condition (so SQLite, which ignores FOR UPDATE,
never hands one row to two workers either). A claim lasts `lease_seconds` and the owner's
heartbeat renews it; a worker that dies stops renewing, its claims expire, and the next worker to
claim one takes it over. Before checking a taken-over document the new owner asks whether the dead
one had finished the check (a capture recorded since its claim): if so the lease is only moved on,
so a document is checked once per cycle even when its worker dies between the check and the
release.

`cluster_lock(store, name)` serialises work that must happen once across all workers (composing
alert batches, delivering the outbox, the weekly digest): a PostgreSQL advisory lock held on a
connection of its own, or, on SQLite (one machine), a file lock beside the database file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from monitor.store.db import Store
from monitor.store.locks import FileLock, LockHeld
from monitor.store.schema import Capture, Document, Lease, WorkerRow

log = logging.getLogger(__name__)

LEASE_SECONDS = 300.0  # a claim's life without a heartbeat; heartbeats come every third of it


@dataclass(frozen=True)
class Claim:
    service_id: str
    terms_type: str
    due_at: datetime
    previous_owner: str | None  # set when this claim took over an expired one
    previous_claim: datetime | None


# ---------------------------------------------------------------- workers


def register_worker(store: Store, worker_id: str, host: str, pid: int, now: datetime) -> None:
    with store.session() as s:
        s.merge(
            WorkerRow(id=worker_id, host=host, pid=pid, started_at=now, heartbeat_at=now, checks=0)
        )


def heartbeat(store: Store, worker_id: str, now: datetime, lease_seconds: float) -> int:
    """Say we are alive and renew our claims; returns how many claims we hold."""
    with store.session() as s:
        s.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker_id)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        renewed = s.execute(
            update(Lease)
            .where(Lease.owner == worker_id)
            .values(lease_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return int(renewed.rowcount or 0)  # type: ignore[attr-defined]


def retire_worker(store: Store, worker_id: str, now: datetime) -> None:
    """A clean stop: our unfinished claims go back to the pool, due as they were."""
    with store.session() as s:
        s.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker_id)
            .values(stopped_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        s.execute(
            update(Lease)
            .where(Lease.owner == worker_id)
            .values(owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


# ---------------------------------------------------------------- leases


def seed_leases(store: Store, due: Iterable[tuple[str, str, datetime]]) -> int:
    """Add a lease for each (service, terms type, first due time) that has none; several workers
    may seed at once (existing rows are left alone). Returns how many rows were offered."""
    rows = [{"service_id": s, "terms_type": t, "due_at": d, "takeovers": 0} for s, t, d in due]
    insert = pg_insert if store.engine.dialect.name == "postgresql" else sqlite_insert
    with store.session() as s:
        for start in range(0, len(rows), 1000):
            stmt = insert(Lease).values(rows[start : start + 1000])
            s.execute(stmt.on_conflict_do_nothing(index_elements=["service_id", "terms_type"]))
    return len(rows)


def _free(now: datetime) -> Any:
    return and_(Lease.due_at <= now, or_(Lease.owner.is_(None), Lease.lease_until < now))


def claim(
    store: Store, worker_id: str, now: datetime, limit: int, lease_seconds: float = LEASE_SECONDS
) -> list[Claim]:
    """Claim up to `limit` due documents (oldest due first) for `lease_seconds`."""
    until = now + timedelta(seconds=lease_seconds)
    claims: list[Claim] = []
    try:
        with store.session() as s:
            rows = s.execute(
                select(
                    Lease.service_id, Lease.terms_type, Lease.due_at, Lease.owner, Lease.claimed_at
                )
                .where(_free(now))
                .order_by(Lease.due_at, Lease.service_id, Lease.terms_type)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for sid, tt, due_at, owner, claimed_at in rows:
                took = s.execute(
                    update(Lease)
                    .where(Lease.service_id == sid, Lease.terms_type == tt, _free(now))
                    .values(
                        owner=worker_id,
                        claimed_at=now,
                        lease_until=until,
                        takeovers=Lease.takeovers + (1 if owner else 0),
                    )
                    .execution_options(synchronize_session=False)
                )
                if took.rowcount == 1:  # type: ignore[attr-defined]
                    claims.append(Claim(sid, tt, due_at, owner, claimed_at if owner else None))
    except OperationalError as exc:  # SQLite: another worker holds the write lock; next round
        log.info("claiming documents deferred: %s", str(exc).splitlines()[0])
        return []
    return claims


def finished_before_takeover(session: Session, c: Claim) -> datetime | None:
    """When the previous owner of a taken-over claim recorded its check before it died (None:
    it did not)."""
    if c.previous_owner is None or c.previous_claim is None:
        return None
    recorded: datetime | None = session.scalar(
        select(func.max(Capture.checked_at)).where(
            Capture.document_id == Document.id,
            Document.service_id == c.service_id,
            Document.terms_type == c.terms_type,
            Capture.checked_at >= c.previous_claim,
        )
    )
    return recorded


def finish(
    store: Store,
    worker_id: str,
    service_id: str,
    terms_type: str,
    next_due: datetime,
    now: datetime,
    *,
    checked: bool = True,
    checked_at: datetime | None = None,
) -> bool:
    """Release our claim, due again at `next_due`; False if it was no longer ours. `checked`:
    we checked it (counted as ours, the lease's `checked_at` = now); `checked_at` alone: the check
    was recorded then by a worker that died before releasing the claim."""
    stamp = checked_at if checked_at is not None else (now if checked else None)
    with store.session() as s:
        # every transaction of a worker locks its `workers` row before its leases: one order,
        # so the heartbeat thread and the check threads never deadlock
        s.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker_id)
            .values(checks=WorkerRow.checks + (1 if checked else 0))
            .execution_options(synchronize_session=False)
        )
        done = s.execute(
            update(Lease)
            .where(
                Lease.service_id == service_id,
                Lease.terms_type == terms_type,
                Lease.owner == worker_id,
            )
            .values(
                owner=None,
                lease_until=None,
                due_at=next_due,
                **({"checked_at": stamp} if stamp is not None else {}),
            )
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1  # type: ignore[attr-defined]


# ---------------------------------------------------------------- cluster-wide locks


def advisory_key(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"clausewatch:{name}".encode()).digest()[:8], "big", signed=True
    )


@contextlib.contextmanager
def cluster_lock(store: Store, name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the store-wide lock `name` for the block; yields False (without waiting) when
    `wait=False` and another worker holds it."""
    if store.engine.dialect.name == "postgresql":
        key = advisory_key(name)
        with store.engine.connect() as conn:
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                got = True
            else:
                got = bool(
                    conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
                )
            conn.commit()  # the session-level lock outlives this transaction
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    database = store.engine.url.database
    if store.engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True  # one process owns an in-memory database
        return
    lock = FileLock(Path(database).parent / f"{name}.lock")
    try:
        lock.acquire(timeout=600.0 if wait else 0.0)
    except LockHeld:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


# ---------------------------------------------------------------- status


def workers_status(
    store: Store, now: datetime, *, stale_after: float = LEASE_SECONDS
) -> dict[str, Any]:
    """Every worker seen (alive = heartbeat within `stale_after` s and not stopped) and its
    claims, and the leases in numbers; for `status --json`."""

    def iso(dt: datetime | None) -> str | None:
        return None if dt is None else dt.isoformat(timespec="seconds") + "Z"

    with store.session() as s:
        claims: dict[str, list[dict[str, Any]]] = {}
        for lease in s.scalars(
            select(Lease)
            .where(Lease.owner.is_not(None))
            .order_by(Lease.service_id, Lease.terms_type)
        ):
            claims.setdefault(lease.owner or "", []).append(
                {
                    "service": lease.service_id,
                    "terms_type": lease.terms_type,
                    "claimed_at": iso(lease.claimed_at),
                    "lease_until": iso(lease.lease_until),
                    "expired": lease.lease_until is not None and lease.lease_until < now,
                }
            )
        workers = [
            {
                "id": w.id,
                "host": w.host,
                "pid": w.pid,
                "started_at": iso(w.started_at),
                "heartbeat_at": iso(w.heartbeat_at),
                "stopped_at": iso(w.stopped_at),
                "alive": w.stopped_at is None
                and w.heartbeat_at >= now - timedelta(seconds=stale_after),
                "checks": w.checks,
                "claims": claims.get(w.id, []),
            }
            for w in s.scalars(select(WorkerRow).order_by(WorkerRow.started_at, WorkerRow.id))
        ]

        def count(*where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(Lease).where(*where)) or 0)

        leases = {
            "documents": count(),
            "due": count(Lease.due_at <= now),
            "claimed": count(Lease.owner.is_not(None)),
            "expired": count(Lease.owner.is_not(None), Lease.lease_until < now),
            "taken_over": int(s.scalar(select(func.coalesce(func.sum(Lease.takeovers), 0))) or 0),
        }
    return {"workers": workers, "leases": leases}
