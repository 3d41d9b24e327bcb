"""Import an Open Terms Archive versions repository (a git clone) as version history.

Every `<Service>/<Terms type>.md` blob of every commit becomes a version captured at the commit
date; "Apply technical or declaration upgrade" commits (and maintenance commits such as link fixes)
become technical upgrades. Extraction and change detection run over the whole history, and nothing
imported ever alerts anyone. Re-running adds only commits not imported yet.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from monitor.archive import is_safe_component
from monitor.errors import ClauseWatchError
from monitor.recording import ensure_document, latest_version, record_version
from monitor.store import Document, Store, Version

REAL_CHANGE_PREFIXES = ("First record of", "Record new changes of")
BATCH = 250  # commits per transaction: a crash loses at most one batch, and a re-run redoes it


class ImportError_(ClauseWatchError):
    """The path is not a readable Open Terms Archive versions repository."""


@dataclass(frozen=True)
class FileChange:
    commit: str
    committed_at: datetime  # naive UTC
    subject: str
    path: str
    blob: str

    @property
    def service_id(self) -> str:
        return PurePosixPath(self.path).parts[0]

    @property
    def terms_type(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def technical(self) -> bool:
        return not self.subject.startswith(REAL_CHANGE_PREFIXES)


@dataclass
class ImportStats:
    commits: int = 0
    versions: int = 0
    technical_upgrades: int = 0
    skipped_known: int = 0
    changes: int = 0
    substantive: int = 0
    flapping: int = 0
    documents: set[tuple[str, str]] = field(default_factory=set)


def _git(repo: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["git", "-c", "core.quotePath=false", "-C", str(repo), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def list_file_changes(repo: Path, services: set[str] | None = None) -> list[FileChange]:
    """Added or modified document files, oldest commit first."""
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        raise ImportError_(f"{repo}: not a git repository (clone the versions repository first)")
    proc = _git(
        repo,
        "log",
        "--reverse",
        "--no-merges",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--format=%x00%H%x09%cI%x09%s",
    )
    out, errout = proc.communicate()
    if proc.returncode != 0:
        raise ImportError_(f"{repo}: git log failed: {errout.decode(errors='replace').strip()}")
    changes: list[FileChange] = []
    for chunk in out.decode("utf-8", errors="replace").split("\0")[1:]:
        header, _, raw = chunk.partition("\n")
        commit, date, subject = (header.split("\t", 2) + ["", ""])[:3]
        when = datetime.fromisoformat(date).astimezone(UTC).replace(tzinfo=None)
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            fields = meta.split()
            status, blob = fields[4], fields[3]
            parts = PurePosixPath(path).parts
            if status[0] not in "AMT" or len(parts) != 2 or not path.endswith(".md"):
                continue  # deletions, READMEs and anything that is not <Service>/<Type>.md
            if services is not None and parts[0] not in services:
                continue
            if not (is_safe_component(parts[0]) and is_safe_component(PurePosixPath(path).stem)):
                continue
            changes.append(FileChange(commit, when, subject, path, blob))
    return changes


def read_blobs(repo: Path, blobs: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(blob id, text) pairs through one `git cat-file --batch` process, streamed.

    The ids are written from a thread: writing them all before reading would fill both pipes and
    deadlock once the output outgrows the pipe buffer.
    """
    wanted = list(blobs)
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:
        try:
            for blob in wanted:
                stdin.write(blob.encode() + b"\n")
        except BrokenPipeError:  # the reader stopped early; nothing more to send
            pass
        finally:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for blob in wanted:
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                raise ImportError_(f"{repo}: git object {blob} is missing")
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after each object
            yield blob, data.decode("utf-8", errors="replace")
    finally:
        proc.stdout.close()
        proc.wait()
        writer.join(timeout=5)


def import_repository(
    store: Store,
    repo: Path,
    *,
    services: Iterable[str] | None = None,
    clock: Callable[[], datetime],
    progress: Callable[[int, int], None] | None = None,
) -> ImportStats:
    wanted = set(services) if services else None
    file_changes = list_file_changes(repo, wanted)
    stats = ImportStats()
    known = _known_refs(store)
    todo = [fc for fc in file_changes if (fc.service_id, fc.terms_type, fc.commit) not in known]
    stats.skipped_known = len(file_changes) - len(todo)
    stats.commits = len({fc.commit for fc in todo})
    # blobs arrive in the order of `todo`; only the current batch's texts are held in memory
    blob_stream = read_blobs(repo, [fc.blob for fc in todo])
    docs: dict[tuple[str, str], int] = {}
    previous: dict[int, Version | None] = {}
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        texts = dict(next(blob_stream) for _ in batch)
        with store.session() as s:
            for fc in batch:
                key = (fc.service_id, fc.terms_type)
                if key not in docs:
                    docs[key] = ensure_document(
                        s, fc.service_id, fc.service_id, fc.terms_type, None, clock()
                    ).id
                doc = s.get_one(Document, docs[key])
                if doc.id not in previous:
                    previous[doc.id] = latest_version(s, doc.id)
                prev = previous[doc.id]
                text = texts[fc.blob]
                if prev is not None and prev.text == text:
                    continue  # a commit that did not change this file's content
                technical = fc.technical and prev is not None
                recorded = record_version(
                    s,
                    doc,
                    text,
                    captured_at=fc.committed_at,
                    recorded_at=clock(),
                    url=None,
                    snapshot_ids=[],
                    origin="import",
                    technical_upgrade=technical,
                    alertable=False,
                    source_ref=fc.commit,
                    previous=prev,
                )
                previous[doc.id] = recorded.version
                stats.versions += 1
                stats.technical_upgrades += technical
                stats.changes += len(recorded.changes)
                stats.substantive += len(recorded.substantive)
                stats.flapping += any(c.kind == "flapping" for c in recorded.changes)
                stats.documents.add(key)
            # finished batches need not stay in the identity map; `previous` keeps what it needs
            s.expunge_all()
        if progress:
            progress(min(start + BATCH, len(todo)), len(todo))
    return stats


def _known_refs(store: Store) -> set[tuple[str, str, str]]:
    with store.session() as s:
        rows = s.execute(
            select(Document.service_id, Document.terms_type, Version.source_ref)
            .join(Version, Version.document_id == Document.id)
            .where(Version.origin == "import")
        ).all()
    return {(a, b, c) for a, b, c in rows if c}
