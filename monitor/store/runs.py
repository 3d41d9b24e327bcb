"""Run bookkeeping: who owns a run while it is in progress, and runs that died mid-way.

A run records its owner (pid and host) when it starts. A run without a finish time whose owner is
gone (killed, the machine rebooted) is marked interrupted at the next start of a run or of the
daemon: it gets the time of its last capture (or its start) as finish time and
`stats.interrupted = true`, so `status` shows it instead of a run that never ends.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.schema import Capture, Run

# An unfinished run whose owner cannot be told dead (another host, a pid now held by a process
# that may have reused it, a row from before owners were recorded) is taken for dead after this
# long; a run that really was still going sets its own finish time when it ends.
UNKNOWN_OWNER_STALE = timedelta(hours=24)


# Tells this process from an earlier one that had the same pid (a container's daemon is often
# pid 1 after every restart).
_PROCESS_TOKEN = secrets.token_hex(8)


def run_owner() -> dict[str, Any]:
    """The stats a run starts with: its owner, to tell later whether it is still running."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process": _PROCESS_TOKEN}


def _owner_alive(stats: dict[str, Any]) -> bool | None:
    """True or False when it can be told (a run started on this host), else None."""
    pid, host = stats.get("pid"), stats.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    if pid == os.getpid():
        return stats.get("process") == _PROCESS_TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user holds that pid
        return None
    return None  # a process holds that pid: the owner, or a later process that reused it


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
