"""Run bookkeeping: who owns a run while it is in progress, and runs that died mid-way.

A run records its owner (pid and host) when it starts. A run without a finish time whose owner is
gone (killed, the machine rebooted) is marked interrupted at the next start of a run or of the
daemon: it gets the time of its last capture (or its start) as finish time and
`stats.interrupted = true`, so `status` shows it instead of a run that never ends.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.schema import Capture, Run

# An unfinished run whose owner cannot be probed (another host, or a row from before owners were
# recorded) is taken for dead after this long.
UNKNOWN_OWNER_STALE = timedelta(hours=24)


def run_owner() -> dict[str, Any]:
    """The stats a run starts with: its owner, to tell later whether it is still running."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _owner_alive(stats: dict[str, Any]) -> bool | None:
    """True or False for a run started on this host, None when it cannot be told."""
    pid, host = stats.get("pid"), stats.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds that pid: alive
        return True
    return True


def is_dead(run: Run, now: datetime) -> bool:
    """Whether an unfinished run can no longer finish."""
    if run.finished_at is not None:
        return False
    alive = _owner_alive(dict(run.stats or {}))
    if alive is None:
        return run.started_at < now - UNKNOWN_OWNER_STALE
    return not alive


def mark_interrupted(session: Session, now: datetime) -> list[int]:
    """Give every dead unfinished run a finish time (its last capture, else its start) and
    `stats.interrupted`; returns their ids."""
    marked: list[int] = []
    for run in session.scalars(select(Run).where(Run.finished_at.is_(None))).all():
        if not is_dead(run, now):
            continue
        last = session.scalar(select(func.max(Capture.checked_at)).where(Capture.run_id == run.id))
        run.finished_at = last or run.started_at
        run.stats = {**dict(run.stats or {}), "interrupted": True, "noticed_at": now.isoformat()}
        marked.append(run.id)
    if marked:
        session.flush()
    return marked


def start_run(session: Session, kind: str, now: datetime) -> Run:
    """A new run owned by this process; runs that died before it are marked interrupted."""
    mark_interrupted(session, now)
    run = Run(kind=kind, started_at=now, stats=run_owner())
    session.add(run)
    session.flush()
    return run


def interrupted_runs(session: Session, now: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs that died mid-way (marked, or dead and not yet marked), newest first."""
    found: list[dict[str, Any]] = []
    for run in session.scalars(select(Run).order_by(Run.id.desc()).limit(500)).all():
        stats = dict(run.stats or {})
        if stats.get("interrupted") is True or is_dead(run, now):
            found.append(
                {
                    "id": run.id,
                    "kind": run.kind,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                }
            )
            if len(found) >= limit:
                break
    return found
