"""Locks that die with the process: `fcntl.flock` on a file that holds the owner's pid.

The kernel releases a flock when its process exits, however it exits (SIGKILL included), so a
stale lock file never blocks a restart. The file itself is left in place (deleting it would race
with the next owner); only its content (the pid) changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import ClauseWatchError

DAEMON_LOCK = "daemon.lock"
OUTBOX_LOCK = "outbox.lock"


class LockHeld(ClauseWatchError):
    """Another process holds the lock."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class FileLock:
    """An exclusive, non-blocking flock on `path` (created if needed) that records our pid."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float = 0.0) -> None:
        """Take the lock, retrying for `timeout` seconds; raises LockHeld with the owner's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    pid = _read_pid(self.path)
                    owner = f"pid {pid}" if pid else "another process"
                    raise LockHeld(f"{self.path} is held by {owner}", pid) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass(frozen=True)
class LockState:
    held: bool
    pid: int | None
    path: Path


def probe(path: Path) -> LockState:
    """Is the lock at `path` held by a live process? (A shared probe; never blocks the owner long.)"""
    if not path.exists():
        return LockState(False, None, path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return LockState(False, None, path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return LockState(True, _read_pid(path), path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return LockState(False, None, path)
    finally:
        os.close(fd)


class DaemonLock(FileLock):
    """One daemon per store: `<data_dir>/daemon.lock`."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir / DAEMON_LOCK)

    def acquire(self, timeout: float = 0.5) -> None:
        try:
            super().acquire(timeout)
        except LockHeld as exc:
            who = f"pid {exc.pid}" if exc.pid else "another process"
            raise LockHeld(
                f"another ClauseWatch daemon ({who}) is already running for this store "
                f"(lock {self.path}); stop it first or use `clausewatch status`",
                exc.pid,
            ) from None


class DocumentLocks:
    """Per-document locks (`<data_dir>/locks/<hash>.lock`): never two checks of one document."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "locks"

    def lock_for(self, service_id: str, terms_type: str) -> FileLock:
        key = hashlib.sha256(f"{service_id}\0{terms_type}".encode()).hexdigest()[:24]
        return FileLock(self.folder / f"{key}.lock")
