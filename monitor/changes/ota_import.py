"""Import an Open Terms Archive versions repository (a git clone) as version history.

Every `<Service>/<Terms type>.md` blob of every commit becomes a version captured at the commit
date. OTA's commit subjects say what a commit records (`subject_kind`): a first record or new
changes ("First record of", "Record new changes of"; before mid-2023 "Start tracking", "Update"), or
a re-extraction of an unchanged page ("Apply technical or declaration upgrade on"; before mid-2023
"Refilter"), stored as a technical upgrade. A subject of neither kind is compared like a change and
counted in the report. Each text passes the capture check of live captures
(`monitor.capture.check`): an error page or an empty capture in a history is counted, with its
reason, and never becomes a version. Extraction and change detection run over the whole history,
and nothing imported ever alerts anyone. Re-running adds only commits not imported yet.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import multiprocessing
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from sqlalchemy import select

from monitor.capture.archive import is_safe_component
from monitor.capture.check import TITLE_PAGE_WORDS, check_capture, content_loss
from monitor.changes import unconfirmed
from monitor.changes.history_writer import HistoryWriter, StoredVersion
from monitor.changes.recording import ensure_document, latest_version
from monitor.changes.version_analysis import VersionAnalysis, analyse_text
from monitor.errors import CaptureRejected, ClauseWatchError
from monitor.store import Document, Store, Version

# OTA's commit subjects (its engine's git data mapper), current and from before mid-2023
CHANGE_PREFIXES = ("First record of", "Record new changes of", "Start tracking", "Update")
TECHNICAL_PREFIXES = ("Apply technical or declaration upgrade on", "Refilter")
SubjectKind = Literal["change", "technical", "unknown"]
BATCH = 250  # versions per transaction: a crash loses at most one batch, and a re-run redoes it
CHUNK = 32  # versions of one document analysed together (one task for a worker process)
AHEAD = 8  # chunks queued per worker process ahead of the one being written
PARALLEL_MIN_VERSIONS = 200  # smaller imports are analysed in-process (no workers to start)


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
        return subject_kind(self.subject) == "technical"


def subject_kind(subject: str) -> SubjectKind:
    """What an OTA commit subject says its version is: a change at the source, a technical
    upgrade (re-extraction of an unchanged page), or neither ("unknown": compared like a change)."""
    if subject.startswith(TECHNICAL_PREFIXES):
        return "technical"
    if subject.startswith(CHANGE_PREFIXES):
        return "change"
    return "unknown"


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
    # versions whose commit subject follows no known OTA convention (compared like changes)
    unknown_subjects: int = 0
    # texts the capture check refused (never versions): counts by reason, and each one named
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: list[str] = field(default_factory=list)


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
    workers: int | None = None,
) -> ImportStats:
    """Import the repository's history. `workers`: processes analysing versions (clauses, document
    type, change events) while this one writes the store; None picks one per CPU for imports of
    `PARALLEL_MIN_VERSIONS` or more, 0 analyses in this process. The result does not depend on it.
    Workers are spawned (not forked): a script calling this needs the usual
    `if __name__ == "__main__":` guard.
    """
    wanted = set(services) if services else None
    file_changes = list_file_changes(repo, wanted)
    stats = ImportStats()
    known = _known_refs(store)
    todo = [fc for fc in file_changes if (fc.service_id, fc.terms_type, fc.commit) not in known]
    stats.skipped_known = len(file_changes) - len(todo)
    stats.commits = len({fc.commit for fc in todo})
    # One document at a time, its commits oldest first: a document's history depends on nothing
    # but its own earlier versions, so its provisions and previous version stay in memory instead
    # of being read back for every version. Documents keep the order of their first commit.
    by_doc: dict[tuple[str, str], list[FileChange]] = {}
    for fc in todo:
        by_doc.setdefault((fc.service_id, fc.terms_type), []).append(fc)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(todo) >= PARALLEL_MIN_VERSIONS else 0
    latest_texts = _latest_texts(store, by_doc)
    done = 0
    analysed = _analysed(repo, by_doc, latest_texts, workers)
    for key, items in itertools.groupby(analysed, key=lambda item: item[0]):
        with store.session() as s:
            doc = ensure_document(s, key[0], key[0], key[1], None, clock())
            writer = HistoryWriter(s, doc)
            # versions that lost most of the last kept one, waiting for the next to judge them
            held: Held = []
            for n, (_, fc, text, analysis, refusal) in enumerate(items, 1):
                previous = writer.previous
                if previous is not None and previous.text == text:
                    # the commit left the text unchanged, or came back to it after held ones
                    _drop_held(stats, held)
                elif refusal is not None:
                    # an error page or a broken capture in the history: never a version
                    stats.rejected[refusal.partition(":")[0]] += 1
                    stats.refused.append(f"{fc.path} at {fc.commit[:10]}: {refusal}")
                elif fc.technical and not held:
                    _write(writer, stats, key, fc, text, analysis, clock)
                else:
                    why = _loss(previous, text, analysis)
                    if why and not fc.technical and len(held) < unconfirmed.MAX_UNCONFIRMED:
                        held.append((fc, text, analysis, why))
                    else:
                        if why is None:
                            _drop_held(stats, held)
                        for h_fc, h_text, h_analysis, _ in held:
                            _write(writer, stats, key, h_fc, h_text, h_analysis, clock)
                        held.clear()
                        _write(writer, stats, key, fc, text, analysis, clock)
                if n % BATCH == 0:
                    # a crash loses at most one batch of this document, and a re-run redoes it
                    writer.flush()
                    s.commit()
                done += 1
                if progress and (done % BATCH == 0 or done == len(todo)):
                    progress(done, len(todo))
            for h_fc, h_text, h_analysis, _ in held:  # the history ends in that state: it stays
                _write(writer, stats, key, h_fc, h_text, h_analysis, clock)
            writer.flush()  # committed with the document's last batch
    return stats


Held = list[tuple[FileChange, str, VersionAnalysis | None, str]]  # (.., text, analysis, loss)


def _write(
    writer: HistoryWriter,
    stats: ImportStats,
    key: tuple[str, str],
    fc: FileChange,
    text: str,
    analysis: VersionAnalysis | None,
    clock: Callable[[], datetime],
) -> None:
    technical = fc.technical and writer.previous is not None
    stats.unknown_subjects += subject_kind(fc.subject) == "unknown"
    written = writer.add(
        text,
        captured_at=fc.committed_at,
        recorded_at=clock(),
        technical_upgrade=technical,
        source_ref=fc.commit,
        analysis=analysis,
    )
    stats.versions += 1
    stats.technical_upgrades += technical
    stats.changes += written.changes
    stats.substantive += written.substantive
    stats.flapping += written.flapping_reported
    stats.documents.add(key)


def _loss(
    previous: StoredVersion | None, text: str, analysis: VersionAnalysis | None
) -> str | None:
    """`content_loss` from the last kept version to `text`: the worker's when it compared the
    same two texts (the usual case), else counted here (after a held or refused text)."""
    if previous is None:
        return None
    if analysis is not None and analysis.events_against == previous.sha256:
        return analysis.content_loss
    return content_loss(previous.text, text)


def _drop_held(stats: ImportStats, held: Held) -> None:
    """The text came back: the held versions were a broken capture, never repeated."""
    for fc, _, _, why in held:
        stats.rejected["suspicious"] += 1
        stats.refused.append(
            f"{fc.path} at {fc.commit[:10]}: suspicious: {why}; the next version brings the"
            " text back (a broken capture, not confirmed)"
        )
    held.clear()


# (document key, file change, text, its analysis or None, the capture check's refusal or None)
Analysed = tuple[tuple[str, str], FileChange, str, VersionAnalysis | None, str | None]
Checked = tuple[VersionAnalysis | None, str | None]  # a worker's result for one file change
# A version's analysis is determined by its blob and, when it is compared, the previous blob:
# histories that go back and forth repeat these pairs (a quarter of the GenAI bundle's versions).
PairKey = tuple[str, str | None]
_STORED = "stored"  # the previous text is the document's latest stored version (a re-run)


def _plan(group: list[FileChange], stored: bool) -> list[PairKey | None]:
    """Each file change's pair key, None when its blob is the previous one (no new version)."""
    keys: list[PairKey | None] = []
    previous = _STORED if stored else None
    for fc in group:
        if previous == fc.blob:
            keys.append(None)
            continue
        compare = previous is not None and not fc.technical
        keys.append((fc.blob, previous if compare else None))
        previous = fc.blob
    return keys


def _analysed(
    repo: Path,
    by_doc: dict[tuple[str, str], list[FileChange]],
    latest_texts: dict[tuple[str, str], str],
    workers: int,
) -> Iterator[Analysed]:
    """(document key, file change, text, analysis, refusal) for every file change, in `by_doc`
    order.

    Texts are read in chunks of `CHUNK` versions of one document; each chunk is analysed here or,
    with workers, in a process pool that runs at most a few chunks ahead of the caller (memory
    stays bounded). The analysis of a version depends only on its text and the previous one, so
    where it runs changes nothing, and a pair of texts seen before in the document is not analysed
    again: its earlier analysis is kept until its last use.
    """
    ordered = [fc for group in by_doc.values() for fc in group]
    blob_stream = read_blobs(repo, [fc.blob for fc in ordered])
    Chunk = tuple[tuple[str, str], list[FileChange], list[str], list[PairKey | None], list[bool]]
    remaining: collections.Counter[PairKey] = collections.Counter()
    kept: dict[PairKey, VersionAnalysis | None] = {}
    refusals: dict[str, str | None] = {}  # by blob: the capture check's verdict, once per blob

    def chunks() -> Iterator[tuple[Chunk, str | None]]:
        for key, group in by_doc.items():
            previous = latest_texts.get(key)
            plan = _plan(group, previous is not None)
            remaining.update(k for k in plan if k is not None)
            first: set[PairKey] = set()
            for start in range(0, len(group), CHUNK):
                part = group[start : start + CHUNK]
                keys = plan[start : start + CHUNK]
                reuse = [k is not None and k in first for k in keys]
                first.update(k for k in keys if k is not None)
                texts = []
                for fc in part:
                    blob, text = next(blob_stream)
                    assert blob == fc.blob
                    texts.append(text)
                yield (key, part, texts, keys, reuse), previous
                previous = texts[-1]

    def emit(chunk: Chunk, done: list[Checked]) -> Iterator[Analysed]:
        key, part, texts, keys, reuse = chunk
        for fc, text, pair, again, (analysis, refusal) in zip(
            part, texts, keys, reuse, done, strict=True
        ):
            if pair is not None and not again:
                refusals[fc.blob] = refusal
            if fc.blob not in refusals:  # not judged by a worker (equal to its previous text)
                refusals[fc.blob] = capture_refusal(text)
            if pair is not None:
                if again:
                    analysis = kept[pair]
                remaining[pair] -= 1
                if remaining[pair] > 0:
                    kept[pair] = analysis
                else:
                    kept.pop(pair, None)
                    del remaining[pair]
            yield key, fc, text, analysis, refusals[fc.blob]

    def items(chunk: Chunk) -> list[tuple[str, bool, bool]]:
        _, part, texts, _, reuse = chunk
        return [(t, fc.technical, r) for fc, t, r in zip(part, texts, reuse, strict=True)]

    if workers <= 0:
        for chunk, previous in chunks():
            yield from emit(chunk, analyse_chunk(chunk[0][1], previous, items(chunk)))
        return
    context = multiprocessing.get_context("spawn")  # no fork of this process's threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: collections.deque[tuple[Chunk, Future[list[Checked]]]]
        pending = collections.deque()
        source = chunks()
        exhausted = False
        while True:
            while not exhausted and len(pending) < AHEAD * workers:
                nxt = next(source, None)
                if nxt is None:
                    exhausted = True
                    break
                chunk, previous = nxt
                future = pool.submit(analyse_chunk, chunk[0][1], previous, items(chunk))
                pending.append((chunk, future))
            if not pending:
                return
            chunk, future = pending.popleft()
            yield from emit(chunk, future.result())


def analyse_chunk(
    terms_type: str, previous: str | None, items: list[tuple[str, bool, bool]]
) -> list[Checked]:
    """Analyses and capture-check refusals of consecutive versions of one document ((text,
    technical commit, analysed before) triples), following the import's rules: a text equal to the
    previous one is no version ((None, None)); the first version and technical upgrades are not
    compared with anything. Versions analysed before get (None, None) (the caller has their
    analysis and verdict). A refused text gets its refusal and no analysis. Pure; runs in worker
    processes."""
    out: list[Checked] = []
    counted: unconfirmed.Tally | None = None  # the tally of `previous`, once first needed
    for text, technical, known in items:
        if previous is not None and previous == text:
            out.append((None, None))
            continue
        why = None
        if previous is not None:
            # the content loss from the previous text, counted from the lines that differ
            if counted is None:
                counted = unconfirmed.tally(previous)
            why, counted = unconfirmed.loss(counted, text)
        if known:
            out.append((None, None))
        elif (refusal := capture_refusal(text)) is not None:
            out.append((None, refusal))
        else:
            compare = previous is not None and not technical
            analysis = analyse_text(text, terms_type, previous if compare else None)
            analysis.content_loss = why if compare else None
            out.append((analysis, None))
        # the next text is analysed against this one even when it was refused: that analysis
        # is keyed by the pair of blobs; the writer recomputes the change events of a version that
        # follows a refused text (they must be against the last version it kept)
        previous = text
    return out


_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
# matches when the text holds at least TITLE_PAGE_WORDS words (runs of \w), stopping there
_LONG = re.compile(rf"\W*(?:\w+\W+){{{TITLE_PAGE_WORDS - 1}}}\w")


def capture_refusal(text: str) -> str | None:
    """The capture check's reason for refusing `text` as a version ("error_page: ..."), or None.

    A page of `TITLE_PAGE_WORDS` words or more (link targets aside) can be refused only for its
    HTTP status, which an imported text does not have: finding its `TITLE_PAGE_WORDS`-th word
    skips the check's slower count of every word, which thousands of long imported versions
    would pay."""
    if _LONG.match(_LINK_TARGET.sub("]", text)):
        return None
    try:
        check_capture(200, "imported version", text)
    except CaptureRejected as exc:
        return f"{exc.reason}: {str(exc).partition('): ')[2] or exc}"
    return None


def _latest_texts(
    store: Store, by_doc: dict[tuple[str, str], list[FileChange]]
) -> dict[tuple[str, str], str]:
    """Text of the latest stored version of each document already in the store (a re-run)."""
    out: dict[tuple[str, str], str] = {}
    with store.session() as s:
        for service_id, terms_type, doc_id in s.execute(
            select(Document.service_id, Document.terms_type, Document.id)
        ).all():
            key = (service_id, terms_type)
            if key in by_doc:
                latest = latest_version(s, doc_id)
                if latest is not None:
                    out[key] = latest.text
    return out


def _known_refs(store: Store) -> set[tuple[str, str, str]]:
    with store.session() as s:
        rows = s.execute(
            select(Document.service_id, Document.terms_type, Version.source_ref)
            .join(Version, Version.document_id == Document.id)
            .where(Version.origin == "import")
        ).all()
    return {(a, b, c) for a, b, c in rows if c}
