"""The evidence archive: raw captures on disk, written once, atomically, never rewritten.

Layout (human-browsable):
    <root>/<service id>/<terms type>/<UTC timestamp>[-<n>].<ext>       raw bytes as received
    <root>/<service id>/<terms type>/<UTC timestamp>[-<n>].<ext>.json  metadata sidecar
    <root>/<service id>/<terms type>/checks.jsonl                      append-only verifications
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.errors import ArchiveError
from monitor.paths import safe_component

EXTENSIONS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "text/markdown": "md",
}


@dataclass(frozen=True)
class ArchivedSnapshot:
    relative_path: str  # relative to the archive root, with forward slashes
    sha256: str
    size: int


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """sha256 of a version's text as stored (UTF-8): what excerpts cite."""
    return sha256_bytes(text.encode("utf-8"))


def is_safe_component(name: str) -> bool:
    """A service id or terms type that can be used as one path component, and nothing more."""
    return safe_component(name)


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # folders whose new entries are not yet fsynced (`write_snapshot(..., defer_sync=True)`)
        self._unsynced: set[Path] = set()
        self._unsynced_lock = threading.Lock()

    def document_dir(self, service_id: str, terms_type: str) -> Path:
        for part, label in ((service_id, "service id"), (terms_type, "terms type")):
            if not is_safe_component(part):
                raise ArchiveError(f"{label} {part!r} cannot be used as an archive path")
        path = (self.root / service_id / terms_type).resolve()
        if self.root not in path.parents:
            raise ArchiveError(f"{service_id}/{terms_type} escapes the archive root {self.root}")
        return path

    def write_snapshot(
        self,
        service_id: str,
        terms_type: str,
        captured_at: datetime,
        content: bytes,
        mime_type: str,
        metadata: dict[str, Any],
        session: Any = None,
        *,
        defer_sync: bool = False,
    ) -> ArchivedSnapshot:
        """Write raw bytes and their sidecar. Never replaces an existing file. (`session` is for
        the database archive's sake: files are written at once, whatever the transaction.)

        Both files' contents are fsynced before they get their names, and their folder once
        after both; with `defer_sync`, the folder is fsynced by the next `sync()` instead (a
        run over many documents syncs them together: the first folder's fsync commits the
        file system's journal for all of them)."""
        folder = self.document_dir(service_id, terms_type)
        ext = EXTENSIONS.get(mime_type.split(";")[0].strip().lower(), "bin")
        stamp = captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
        digest = sha256_bytes(content)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_name(folder, stamp, ext)
            sidecar = dict(metadata, sha256=digest, size=len(content), file=target.name)
            _write_new(target, content)
            _write_new(target.with_name(target.name + ".json"), _json_bytes(sidecar))
            os.utime(target, ns=(_stamp_ns(captured_at),) * 2)  # see intact_since_archived
            if defer_sync:
                with self._unsynced_lock:
                    self._unsynced.add(folder)
            else:
                _fsync_dir(folder)
        except OSError as exc:
            raise ArchiveError(
                f"cannot write snapshot under {folder}: {exc.strerror or exc}"
            ) from exc
        return ArchivedSnapshot(target.relative_to(self.root).as_posix(), digest, len(content))

    def sync(self) -> None:
        """fsync the folders of snapshots written with `defer_sync` since the last call."""
        with self._unsynced_lock:
            folders, self._unsynced = self._unsynced, set()
        failed = []
        for folder in sorted(folders):
            try:
                _fsync_dir(folder)
            except OSError as exc:
                failed.append(f"{folder}: {exc.strerror or exc}")
        if failed:
            raise ArchiveError(f"cannot fsync snapshot folders: {'; '.join(failed)}")

    def record_verification(
        self, service_id: str, terms_type: str, checked_at: datetime, entry: dict[str, Any]
    ) -> None:
        """Append 'checked at T, unchanged' to the document's checks log (append-only)."""
        folder = self.document_dir(service_id, terms_type)
        line = json.dumps({"checked_at": checked_at.astimezone(UTC).isoformat(), **entry})
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "checks.jsonl", "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            raise ArchiveError(
                f"cannot append to {folder / 'checks.jsonl'}: {exc.strerror}"
            ) from exc

    def read(self, relative_path: str, expected_sha256: str | None = None) -> bytes:
        path = (self.root / relative_path).resolve()
        if self.root not in path.parents:
            raise ArchiveError(f"snapshot path {relative_path!r} escapes the archive root")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"cannot read snapshot {path}: {exc.strerror}") from exc
        if expected_sha256 and sha256_bytes(data) != expected_sha256:
            raise ArchiveError(f"snapshot {path} does not match its recorded sha256 (tampered?)")
        return data

    def intact(self, relative_path: str, sha256: str) -> bool:
        """Whether the archived file still exists and hashes to `sha256` (an edited or deleted
        file can no longer vouch for a capture)."""
        try:
            return sha256_bytes(self.read(relative_path)) == sha256
        except ArchiveError:
            return False

    def intact_since_archived(
        self, relative_path: str, sha256: str, size: int, captured_at: datetime
    ) -> bool:
        """`intact`, without reading the file when its size and modification time are still the
        ones it was archived with. `write_snapshot` sets a snapshot's mtime to its capture time,
        which no ordinary write, copy or edit leaves in place; a file whose stat differs is hashed
        in full, and stamped when it proves intact (e.g. one archived before stamping), so the
        next check is quick again. What this cannot see is an edit that restores the size and the
        mtime on purpose: `clausewatch verify` hashes every file for that."""
        path = self.root / relative_path
        stamp = _stamp_ns(captured_at)
        try:
            stat = path.stat()
        except OSError:
            return False
        if stat.st_size == size and stat.st_mtime_ns == stamp:
            return True
        if not self.intact(relative_path, sha256):
            return False
        with contextlib.suppress(OSError):  # a read-only archive is hashed again next time
            os.utime(path, ns=(stamp, stamp))
        return True

    def read_metadata(self, relative_path: str) -> dict[str, Any]:
        data = self.read(relative_path + ".json")
        return dict(json.loads(data))


def _stamp_ns(captured_at: datetime) -> int:
    """A capture time (naive = UTC, as stored) as the nanosecond mtime its snapshot is given."""
    moment = captured_at if captured_at.tzinfo else captured_at.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _free_name(folder: Path, stamp: str, ext: str) -> Path:
    candidate = folder / f"{stamp}.{ext}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stamp}-{n}.{ext}"
    return candidate


def _write_new(target: Path, data: bytes) -> None:
    """Temporary file, fsync, then a link that fails if the name exists: no partial, no overwrite.
    The caller fsyncs the folder (`_fsync_dir`), once for the snapshot and its sidecar."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, target)  # atomic and refuses to replace an existing file
    finally:
        os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    """Make the folder's new entries durable (the files' contents are fsynced already)."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _json_bytes(obj: dict[str, Any]) -> bytes:
    return (
        json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    ).encode()
