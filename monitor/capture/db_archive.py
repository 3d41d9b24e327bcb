"""The evidence archive in the store (`archive = "database"`): what every worker can read.

Raw capture bytes go into `snapshot_blobs`, addressed by their sha256: the same bytes are stored
once (a second write of them is a no-op), a row is never updated, and every read recomputes the
sha256 and refuses bytes that do not match it. A snapshot's path is `sha256:<hex>`. The metadata
the folder archive keeps in JSON sidecars lives in the `snapshots` row (URL, final URL, status,
MIME type, fetcher, size); verifications are the `captures` rows with outcome `verified`.
A check writes the bytes in its own transaction, so they are committed with the capture that
cites them (the folder archive keeps a file even when the check then fails). `open_archive` picks
the archive the settings name; the database archive also reads captures the folder still holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.capture.archive import Archive, ArchivedSnapshot, sha256_bytes
from monitor.config import Settings
from monitor.errors import ArchiveError
from monitor.store import Store
from monitor.store.schema import SnapshotBlob

PREFIX = "sha256:"


class DatabaseArchive:
    """The same calls as `Archive`, on the store; paths of the folder archive (captures made
    before the switch) are read from `folder`."""

    def __init__(self, store: Store, folder: Archive | None = None) -> None:
        self.store = store
        self.folder = folder

    def write_snapshot(
        self,
        service_id: str,
        terms_type: str,
        captured_at: datetime,
        content: bytes,
        mime_type: str,
        metadata: dict[str, Any],
        session: Session | None = None,
    ) -> ArchivedSnapshot:
        """Store the bytes unless the same bytes are stored; in the caller's `session` when
        given (the check's transaction: SQLite has one writer at a time)."""
        digest = sha256_bytes(content)
        insert = pg_insert if self.store.engine.dialect.name == "postgresql" else sqlite_insert
        row = {
            "sha256": digest,
            "content": content,
            "size": len(content),
            "mime_type": mime_type.split(";")[0].strip().lower()[:100],
            "created_at": captured_at.astimezone(UTC).replace(tzinfo=None)
            if captured_at.tzinfo
            else captured_at,
        }
        stmt = insert(SnapshotBlob).values(row).on_conflict_do_nothing()  # written once
        try:
            if session is not None:
                session.execute(stmt)
            else:
                with self.store.session() as s:
                    s.execute(stmt)
        except SQLAlchemyError as exc:
            raise ArchiveError(
                f"cannot store snapshot of {service_id}/{terms_type} in the database: {exc}"
            ) from exc
        return ArchivedSnapshot(PREFIX + digest, digest, len(content))

    def record_verification(
        self, service_id: str, terms_type: str, checked_at: datetime, entry: dict[str, Any]
    ) -> None:
        """Nothing to add: the check's `captures` row (outcome `verified`) is the record."""

    def read(self, relative_path: str, expected_sha256: str | None = None) -> bytes:
        if not relative_path.startswith(PREFIX):
            if self.folder is not None:
                return self.folder.read(relative_path, expected_sha256)
            raise ArchiveError(f"snapshot {relative_path!r} is not in the database archive")
        key = relative_path.removeprefix(PREFIX)
        with self.store.session() as s:
            content = s.scalar(select(SnapshotBlob.content).where(SnapshotBlob.sha256 == key))
        if content is None:
            raise ArchiveError(f"snapshot {relative_path} is missing from the database archive")
        actual = sha256_bytes(bytes(content))
        if actual != key or (expected_sha256 and actual != expected_sha256):
            raise ArchiveError(
                f"snapshot {relative_path} does not match its recorded sha256 (tampered?)"
            )
        return bytes(content)

    def intact(self, relative_path: str, sha256: str) -> bool:
        """Whether the stored capture still exists and hashes to `sha256` (as `Archive.intact`)."""
        try:
            return sha256_bytes(self.read(relative_path)) == sha256
        except ArchiveError:
            return False

    def intact_since_archived(
        self, relative_path: str, sha256: str, size: int, captured_at: datetime
    ) -> bool:
        """`intact`: stored bytes have no modification time to vouch for them, so they are read
        and hashed (the folder archive's quick path has no equivalent here)."""
        if not relative_path.startswith(PREFIX) and self.folder is not None:
            return self.folder.intact_since_archived(relative_path, sha256, size, captured_at)
        return self.intact(relative_path, sha256)


def open_archive(settings: Settings, store: Store) -> Archive | DatabaseArchive:
    """The archive the settings name (the database one also reads the folder's captures)."""
    folder = Archive(settings.snapshots_dir)
    return DatabaseArchive(store, folder) if settings.archive == "database" else folder
