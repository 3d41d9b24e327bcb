"""One document's check, end to end, and the run over many documents; `rebuild`.

fetch -> archive raw bytes (always, before anything can fail) -> extract -> validate the capture ->
record a version only when the text changed -> provisions, changes (recording.py).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import ENGINE_VERSION
from monitor.capture.archive import Archive, ArchivedSnapshot, sha256_bytes
from monitor.capture.db_archive import DatabaseArchive, open_archive
from monitor.capture.declarations import ServiceDeclaration, SourceDocument, TermsDeclaration
from monitor.capture.fetch import Fetcher
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.errors import (
    ArchiveError,
    ClauseWatchError,
    ExtractError,
    FailureReason,
    FetchError,
)
from monitor.models import FetchResult
from monitor.store import Capture, Document, Run, Snapshot, Store
from monitor.store.queries import (
    DocumentState,
    NotModified,
    document_states,
    latest_snapshots,
    record_not_modified,
)
from monitor.store.runs import start_run

if TYPE_CHECKING:
    from monitor.changes.recording import ChangeHook
    from monitor.changes.version_analysis import VersionAnalysis

# Extraction, capture validation and the change analysis (monitor.capture.extract and .check,
# monitor.changes.recording and the clause model behind them) are imported where a text is extracted or recorded: an unchanged pass
# of 304s needs neither, and importing them would be most of its start-up.

log = logging.getLogger(__name__)

# Verified 304s written per statement: bounds what a crash mid-run can lose from the store (the
# archive's checks.jsonl has every one of them already).
NOT_MODIFIED_BATCH = 100
# A run analyses texts in worker processes (one per core but the checking process's) when the
# machine has more than two cores and at least this many documents have no version yet: starting
# a worker (imports, the clause model) costs about a second of CPU, and each holds its own model
# and caches (~85 MiB). On two shared cores a worker gained nothing and cost 14 % more CPU and
# ~120 MiB more in all (first pass of 100 synthetic pages, 3 paired runs; benchmarks/RESULTS.md).
POOL_MIN_DOCUMENTS = 32
POOL_MIN_CORES = 3
# the folder of the data directory that keeps recorded texts' classified clauses (clause_cache.py)
CLAUSE_CACHE = "clause-cache"


@dataclass
class DocumentOutcome:
    service_id: str
    terms_type: str
    outcome: str  # new | changed | unchanged | held | failed
    message: str = ""
    reason: str | None = None
    version_id: int | None = None
    changes: int = 0
    substantive: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: int
    outcomes: list[DocumentOutcome]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def failed(self) -> bool:
        return any(o.outcome == "failed" for o in self.outcomes)


@dataclass
class Capturing:
    """What one pass over a document's sources produced before any database write."""

    results: list[FetchResult]
    markdown: str | None = None
    failure: ClauseWatchError | None = None
    warnings: list[str] = field(default_factory=list)
    # done before the write lock (`Checker._prepare`): each source's snapshot written ahead (None:
    # left to `_archive`), the extraction's outcome, the text's analysis
    archived: list[ArchivedSnapshot | None] | None = None
    extract_error: ExtractError | None = None
    analysis: VersionAnalysis | None = None


class Checker:
    """Runs checks against one store/archive with one fetcher; thread-safe across documents."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        fetcher: Fetcher | None = None,
        clock: Clock = utc_now,
        on_changes: ChangeHook | None = None,
        on_failure: Callable[[Session, Document, DocumentOutcome], None] | None = None,
        on_recovery: Callable[[Session, Document], None] | None = None,
        on_run_finished: Callable[[int], None] | None = None,
        analysis_workers: int | None = None,
    ) -> None:
        """`analysis_workers`: processes that analyse new texts during a run (None: the
        settings' `analysis_workers`, whose own None is automatic: one per core but this
        process's, on `POOL_MIN_CORES` cores or more, when the run has at least
        `POOL_MIN_DOCUMENTS` documents without a version); 0: none."""
        self.settings = settings
        self.store = store
        self.archive = open_archive(settings, store)
        self.fetcher = fetcher or Fetcher(settings.fetch)
        self.clock = clock
        self.on_changes = on_changes
        self.on_failure = on_failure
        self.on_recovery = on_recovery
        self.on_run_finished = on_run_finished
        # SQLite has one writer; serialising our own writes avoids lock contention between threads.
        self._write_lock = threading.Lock()
        # During a run: every document's state, loaded at once, and the verified 304s of healthy
        # documents waiting to be written together (see _not_modified).
        self._states: dict[tuple[str, str], DocumentState] | None = None
        self._pending: list[NotModified] = []
        self.analysis_workers = (
            analysis_workers if analysis_workers is not None else settings.analysis_workers
        )
        self._pool: Executor | None = None
        self._runs_lock = threading.Lock()
        self._active_runs = 0
        # Extraction and analysis in this process, one thread at a time: they hold the GIL anyway,
        # and it keeps one page's parse tree and the clause model's caches in memory, not eight
        self._cpu_lock = threading.Lock()

    def close(self) -> None:
        self.fetcher.close()

    # ------------------------------------------------------------------ runs

    def run(
        self,
        services: dict[str, ServiceDeclaration],
        only: Iterable[str] | None = None,
        *,
        progress: Callable[[DocumentOutcome], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> RunSummary:
        wanted = set(only) if only else None
        jobs = [
            (svc, terms_type)
            for sid, svc in sorted(services.items())
            if wanted is None or sid in wanted
            for terms_type in sorted(svc.terms)
        ]
        run_id = self._start_run("check")
        outcomes: list[DocumentOutcome] = []

        def work(job: tuple[ServiceDeclaration, str]) -> DocumentOutcome | None:
            if should_stop():
                return None
            try:
                outcome = self.check_document(job[0], job[1], run_id=run_id)
            except ClauseWatchError as exc:  # e.g. the store itself failed: report, keep going
                outcome = DocumentOutcome(job[0].service_id, job[1], "failed", str(exc), "error")
            except Exception as exc:  # a bug must not stop the other documents' checks
                log.exception("internal error checking %s / %s", job[0].service_id, job[1])
                outcome = DocumentOutcome(
                    job[0].service_id,
                    job[1],
                    "failed",
                    f"internal error: {exc.__class__.__name__}: {exc}",
                    "internal_error",
                )
            if progress:
                progress(outcome)
            return outcome

        workers = max(1, min(self.settings.fetch.max_workers, len(jobs) or 1))
        with self._write_lock, self.store.session() as s:
            states = document_states(s, {svc.service_id for svc, _ in jobs})
        # The daemon's runs overlap (one per service): states and the analysis pool are shared
        # and dropped only when the last run ends, so one run's end never pulls them from another.
        with self._runs_lock:
            self._active_runs += 1
            self._states = {**self._states, **states} if self._states else states
            if self._pool is None:
                self._pool = self._analysis_pool(jobs)
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
                for result in pool.map(work, jobs):
                    if result is not None:
                        outcomes.append(result)
        finally:
            analysis_pool = None
            with self._runs_lock:
                self._active_runs -= 1
                if self._active_runs == 0:
                    self._states = None
                    analysis_pool, self._pool = self._pool, None
            if analysis_pool is not None:
                analysis_pool.shutdown(cancel_futures=True)
            self._flush_not_modified()
            self._sync_archive()
        self._finish_run(run_id, outcomes)
        if self.on_run_finished is not None:
            self.on_run_finished(run_id)
        return RunSummary(run_id, outcomes)

    def _state(self, service_id: str, terms_type: str) -> DocumentState | None:
        """The document's state preloaded by the run, or None (a new document, or outside one)."""
        states = self._states
        return states.get((service_id, terms_type)) if states else None

    def _analysis_pool(self, jobs: list[tuple[ServiceDeclaration, str]]) -> Executor | None:
        """Worker processes for the run's analyses, or None (analysed in this process)."""
        workers = self.analysis_workers
        if workers is None:
            states = self._states or {}
            new = 0
            for svc, terms_type in jobs:
                state = states.get((svc.service_id, terms_type))
                new += state is None or not state.has_version
            cores = os.cpu_count() or 1
            big = new >= POOL_MIN_DOCUMENTS and cores >= POOL_MIN_CORES
            workers = cores - 1 if big else 0
        if workers <= 0:
            return None
        import multiprocessing  # here: a pass without a pool does not import it (~15 ms)
        from concurrent.futures import ProcessPoolExecutor

        # spawned, not forked: a fork would copy this process's threads' locks mid-use
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def _sync_archive(self) -> None:
        """fsync the folders of snapshots written ahead (`_prepare`) but never recorded."""
        if isinstance(self.archive, Archive):
            try:
                self.archive.sync()
            except ArchiveError as exc:
                log.error("%s", exc)

    def _start_run(self, kind: str) -> int:
        with self._write_lock, self.store.session() as s:
            return start_run(s, kind, self.clock()).id  # also marks runs that died mid-way

    def _finish_run(self, run_id: int, outcomes: list[DocumentOutcome]) -> None:
        stats: dict[str, Any] = {}
        for o in outcomes:
            stats[o.outcome] = stats.get(o.outcome, 0) + 1
        with self._write_lock, self.store.session() as s:
            run = s.get(Run, run_id)
            if run is not None:
                run.finished_at = self.clock()
                run.stats = stats

    # ------------------------------------------------------------------ one document

    def check_document(
        self, service: ServiceDeclaration, terms_type: str, *, run_id: int | None = None
    ) -> DocumentOutcome:
        checked_at = self.clock()
        decl = service.terms_at(terms_type, checked_at)
        state = self._state(service.service_id, terms_type)
        if state is not None and state.url == decl.sources[0].fetch:
            quick = self._not_modified(service, terms_type, decl, state, checked_at, run_id)
            if quick is not None:
                return quick
        from monitor.changes.recording import ensure_document

        with self._write_lock, self.store.session() as s:
            doc = ensure_document(
                s, service.service_id, service.name, terms_type, decl.sources[0].fetch, checked_at
            )
            doc_id, etag, last_modified = doc.id, doc.etag, doc.last_modified
        conditional = len(decl.sources) == 1
        capturing = self._capture(
            service.service_id,
            decl,
            etag=etag if conditional else None,
            last_modified=last_modified if conditional else None,
        )
        return self._record_fetched(
            service, terms_type, decl, doc_id, capturing, checked_at, run_id
        )

    def _not_modified(
        self,
        service: ServiceDeclaration,
        terms_type: str,
        decl: TermsDeclaration,
        state: DocumentState,
        checked_at: datetime,
        run_id: int | None,
    ) -> DocumentOutcome | None:
        """The daily common case without a session of its own: a healthy document whose stored
        version and intact evidence a 304 confirms. Its capture row and clocks join a batch
        written in one statement each; anything else (None) takes the one-document path, with
        the same decisions `_record` makes."""
        conditional = len(decl.sources) == 1
        if not (state.healthy and state.has_version and conditional):
            return None
        capturing = self._capture(
            service.service_id, decl, etag=state.etag, last_modified=state.last_modified
        )
        if capturing.failure is not None or not all(r.not_modified for r in capturing.results):
            return self._record_fetched(
                service, terms_type, decl, state.id, capturing, checked_at, run_id
            )
        snap = state.snapshots.get(0)
        if snap is None or not self.archive.intact_since_archived(
            snap.path, snap.sha256, snap.size, snap.captured_at
        ):
            return self._record_fetched(
                service, terms_type, decl, state.id, capturing, checked_at, run_id
            )
        try:
            self.archive.record_verification(
                service.service_id, terms_type, checked_at, {"outcome": "not_modified"}
            )
        except ArchiveError:
            return self._record_fetched(
                service, terms_type, decl, state.id, capturing, checked_at, run_id
            )
        outcome = DocumentOutcome(service.service_id, terms_type, "unchanged")
        outcome.warnings = capturing.warnings
        with self._write_lock:
            self._pending.append(NotModified(state.id, run_id, checked_at, capturing.warnings))
            full = len(self._pending) >= NOT_MODIFIED_BATCH
        if full:
            self._flush_not_modified()
        return outcome

    def _flush_not_modified(self) -> None:
        with self._write_lock:
            pending, self._pending = self._pending, []
            if pending:
                with self.store.session() as s:
                    record_not_modified(s, pending)

    def _record_fetched(
        self,
        service: ServiceDeclaration,
        terms_type: str,
        decl: TermsDeclaration,
        doc_id: int,
        capturing: Capturing,
        checked_at: datetime,
        run_id: int | None,
    ) -> DocumentOutcome:
        """Record what a pass over the sources produced, in the document's own transaction."""
        self._prepare(service, terms_type, decl, doc_id, capturing, checked_at)
        try:
            with self._write_lock, self.store.session() as s:
                doc = s.get_one(Document, doc_id)
                return self._record(s, service, decl, doc, capturing, checked_at, run_id)
        except ClauseWatchError as exc:
            # The transaction rolled back: record the failure in a fresh one, so that a check
            # that could not be recorded still leaves its capture row and failure count.
            with self._write_lock, self.store.session() as s:
                doc = s.get_one(Document, doc_id)
                doc.last_checked_at = checked_at
                outcome = DocumentOutcome(service.service_id, terms_type, "failed")
                outcome.warnings = capturing.warnings
                return self._fail(s, doc, exc, outcome, checked_at, run_id, [])

    def _prepare(
        self,
        service: ServiceDeclaration,
        terms_type: str,
        decl: TermsDeclaration,
        doc_id: int,
        capturing: Capturing,
        checked_at: datetime,
    ) -> None:
        """Outside the write lock, what a full capture needs whatever `_record` then decides:
        write the snapshots that differ from each source's latest (file archive: their folders
        are fsynced together just before `_archive` records one), extract the text, and analyse it when it differs from
        the document's latest version (in the run's worker processes, when it has them). What
        cannot be done here is left to `_record`, which does it as before."""
        if (
            capturing.failure is not None
            or not capturing.results
            or any(r.not_modified for r in capturing.results)
        ):
            return
        state = self._state(service.service_id, terms_type)
        if isinstance(self.archive, Archive):
            if state is not None:
                known = state.snapshots
            else:  # not preloaded (e.g. the daemon's runs overlap): a write ahead of an
                # unchanged capture would leave a file the store never refers to
                with self.store.session() as s:
                    known = latest_snapshots(s, doc_id).get(doc_id, {})
            archived: list[ArchivedSnapshot | None] = []
            for index, (source, result) in enumerate(
                zip(decl.sources, capturing.results, strict=True)
            ):
                last = known.get(index)
                if last is not None and last.sha256 == sha256_bytes(result.content):
                    archived.append(None)  # maybe the same evidence: `_archive` decides
                    continue
                try:
                    archived.append(
                        self.archive.write_snapshot(
                            service.service_id,
                            terms_type,
                            checked_at,
                            result.content,
                            result.mime_type,
                            snapshot_metadata(
                                service, terms_type, source, result, checked_at, index
                            ),
                            defer_sync=True,
                        )
                    )
                except ArchiveError:
                    return  # `_archive` tries again and reports it
            capturing.archived = archived
        warnings = len(capturing.warnings)
        try:
            with self._cpu_lock:
                capturing.markdown = self._extract(
                    decl, capturing, self.settings.service(service.service_id).allowed_hosts
                )
        except ExtractError as exc:
            capturing.extract_error = exc
            return
        except ClauseWatchError:
            del capturing.warnings[warnings:]  # `_record` extracts again and reports it
            return
        from monitor.changes.clause_cache import ClauseCache
        from monitor.changes.recording import latest_version
        from monitor.changes.version_analysis import analyse_for_check

        cache = ClauseCache(self.settings.data_dir / CLAUSE_CACHE)
        previous_text = previous_clauses = previous_sha256 = None
        if state is None or state.has_version:
            with self.store.session() as s:  # a read: WAL lets it run beside the writer
                previous = latest_version(s, doc_id)
                if previous is not None:
                    previous_text, previous_sha256 = previous.text, previous.sha256
                    previous_clauses = cache.get(previous.text, previous.sha256, terms_type)
        if previous_text == capturing.markdown:
            return  # the same text: nothing to analyse
        job = functools.partial(
            analyse_for_check,
            capturing.markdown,
            terms_type,
            previous_text,
            previous_clauses=previous_clauses,
            keep_clauses=True,
        )
        pool = self._pool
        if pool is None:
            with self._cpu_lock:
                analysis = job()
        else:
            try:
                analysis = pool.submit(job).result()
            except Exception as exc:  # e.g. a worker died: `record_version` analyses it here
                log.warning(
                    "analysis worker failed for %s / %s: %s", service.service_id, terms_type, exc
                )
                return
        if analysis.clauses is not None:  # for the next check that compares with this text
            cache.put(analysis.sha256, terms_type, analysis.clauses)
            analysis.clauses = None
            if previous_sha256 is not None:  # superseded: only the latest text is read back
                cache.discard(previous_sha256, terms_type)
        capturing.analysis = analysis

    def _capture(
        self,
        service_id: str,
        decl: TermsDeclaration,
        *,
        etag: str | None,
        last_modified: str | None,
    ) -> Capturing:
        override = self.settings.services.get(service_id)
        headers = dict(override.headers) if override else {}
        if override and override.locale:
            headers["Accept-Language"] = override.locale
        capturing = Capturing(results=[])
        for source in decl.sources:
            try:
                result = self.fetcher.fetch(
                    source.fetch,
                    execute_client_scripts=source.execute_client_scripts,
                    etag=etag,
                    last_modified=last_modified,
                    headers=headers or None,
                )
            except FetchError as exc:
                capturing.failure = exc
                return capturing
            capturing.results.append(result)
            capturing.warnings.extend(result.warnings)
        return capturing

    def _extract(
        self, decl: TermsDeclaration, capturing: Capturing, allowed_hosts: list[str]
    ) -> str:
        from monitor.capture.check import check_capture, check_host
        from monitor.capture.extract import combine_versions, extract_version

        parts: list[str] = []
        for source, result in zip(decl.sources, capturing.results, strict=True):
            extracted = extract_version(
                result.content, result.mime_type, source, result.final_url, result.charset
            )
            capturing.warnings.extend(extracted.warnings)
            check_capture(
                result.status, result.final_url, extracted.markdown, raw_html=result.content
            )
            check_host(source.fetch, result.final_url, allowed_hosts)
            parts.append(extracted.markdown)
        return combine_versions(parts) if len(parts) > 1 else parts[0]

    def _record(
        self,
        s: Session,
        service: ServiceDeclaration,
        decl: TermsDeclaration,
        doc: Document,
        capturing: Capturing,
        checked_at: datetime,
        run_id: int | None,
    ) -> DocumentOutcome:
        from monitor.capture.check import content_loss
        from monitor.changes.recording import Recorded, latest_version, record_version

        outcome = DocumentOutcome(service.service_id, doc.terms_type, "unchanged")
        outcome.warnings = capturing.warnings
        doc.last_checked_at = checked_at
        if capturing.failure is not None:
            return self._fail(s, doc, capturing.failure, outcome, checked_at, run_id, [])
        if (
            all(r.not_modified for r in capturing.results)
            and latest_version(s, doc.id)
            and self._evidence_intact(s, doc.id, len(capturing.results))
        ):
            try:
                self.archive.record_verification(
                    service.service_id, doc.terms_type, checked_at, {"outcome": "not_modified"}
                )
            except ArchiveError as exc:
                return self._fail(s, doc, exc, outcome, checked_at, run_id, [])
            s.add(
                Capture(
                    document_id=doc.id,
                    run_id=run_id,
                    checked_at=checked_at,
                    outcome="not_modified",
                    warnings=outcome.warnings,
                )
            )
            return self._succeed(s, doc, outcome)
        if any(r.not_modified for r in capturing.results):
            # a 304 without a stored version (e.g. the database was reset) or without intact
            # archived evidence: fetch unconditionally
            doc.etag = doc.last_modified = None
            capturing = self._capture(service.service_id, decl, etag=None, last_modified=None)
            if capturing.failure is not None:
                return self._fail(s, doc, capturing.failure, outcome, checked_at, run_id, [])
        try:
            snapshot_ids, all_known = self._archive(s, service, doc, decl, capturing, checked_at)
        except ArchiveError as exc:
            return self._fail(s, doc, exc, outcome, checked_at, run_id, [])
        if len(capturing.results) == 1:
            doc.etag = capturing.results[0].headers.get("etag")
            doc.last_modified = capturing.results[0].headers.get("last-modified")
        try:
            if capturing.extract_error is not None:
                raise capturing.extract_error
            markdown = capturing.markdown
            if markdown is None:
                markdown = self._extract(
                    decl, capturing, self.settings.service(service.service_id).allowed_hosts
                )
        except ExtractError as exc:
            return self._fail(s, doc, exc, outcome, checked_at, run_id, snapshot_ids)
        previous = latest_version(s, doc.id)
        if previous is not None and previous.text == markdown:
            if all_known:
                try:
                    self.archive.record_verification(
                        service.service_id,
                        doc.terms_type,
                        checked_at,
                        {"outcome": "verified", "snapshot_ids": snapshot_ids},
                    )
                except ArchiveError as exc:
                    return self._fail(s, doc, exc, outcome, checked_at, run_id, snapshot_ids)
            s.add(
                Capture(
                    document_id=doc.id,
                    run_id=run_id,
                    checked_at=checked_at,
                    outcome="verified" if all_known else "unchanged",
                    snapshot_ids=snapshot_ids,
                    version_id=previous.id,
                    warnings=outcome.warnings,
                )
            )
            return self._succeed(s, doc, outcome)
        suspicion = content_loss(previous.text, markdown) if previous is not None else None
        if suspicion and not self._confirms_held(s, doc, decl, markdown, snapshot_ids):
            outcome.outcome, outcome.reason = "held", FailureReason.SUSPICIOUS
            doc.etag = doc.last_modified = None  # a 304 must not stand in for the confirmation
            outcome.message = (
                f"{capturing.results[0].final_url}: held as suspicious: {suspicion}; archived as"
                " evidence, recorded as a version only if the next capture confirms it"
            )
            s.add(
                Capture(
                    document_id=doc.id,
                    run_id=run_id,
                    checked_at=checked_at,
                    outcome="held",
                    reason=FailureReason.SUSPICIOUS,
                    message=outcome.message,
                    snapshot_ids=snapshot_ids,
                    warnings=outcome.warnings,
                )
            )
            return outcome
        # the clause model serves one thread at a time (`_prepare` analyses beside the writer)
        with self._cpu_lock:
            recorded: Recorded = record_version(
                s,
                doc,
                markdown,
                captured_at=checked_at,
                recorded_at=self.clock(),
                url=capturing.results[0].final_url,
                snapshot_ids=snapshot_ids,
                previous=previous,
                analysis=capturing.analysis,
                on_changes=self.on_changes,
                # the alert hook resolves the run from the capture row written below; passing the id
                # here changed how the daemon batches a run interrupted by a crash (see docs/daemon.md)
                run_id=None,
            )
        outcome.outcome = "new" if previous is None else "changed"
        outcome.version_id = recorded.version.id
        outcome.changes = len(recorded.changes)
        outcome.substantive = len(recorded.substantive)
        s.add(
            Capture(
                document_id=doc.id,
                run_id=run_id,
                checked_at=checked_at,
                outcome=outcome.outcome,
                snapshot_ids=snapshot_ids,
                version_id=recorded.version.id,
                warnings=outcome.warnings,
            )
        )
        return self._succeed(s, doc, outcome)

    def _evidence_intact(self, s: Session, doc_id: int, sources: int) -> bool:
        """Whether each source's latest archived capture is still on disk, unaltered: a 304 or
        an identical capture is recorded as verified only against intact evidence."""
        for index in range(sources):
            last = s.scalars(
                select(Snapshot)
                .where(Snapshot.document_id == doc_id, Snapshot.source_index == index)
                .order_by(Snapshot.id.desc())
                .limit(1)
            ).first()
            if last is None:
                return False
            if not self.archive.intact_since_archived(
                last.path, last.sha256, last.size, last.captured_at
            ):
                log.warning("archived capture %s is missing or edited: fetching anew", last.path)
                return False
        return True

    def _confirms_held(
        self,
        s: Session,
        doc: Document,
        decl: TermsDeclaration,
        markdown: str,
        snapshot_ids: list[int],
    ) -> bool:
        """Does this capture repeat the one held as suspicious by the last successful check?"""
        last = s.scalars(
            select(Capture)
            .where(Capture.document_id == doc.id, Capture.outcome != "failed")
            .order_by(Capture.id.desc())
            .limit(1)
        ).first()
        if last is None or last.outcome != "held" or not last.snapshot_ids:
            return False
        if list(last.snapshot_ids) == snapshot_ids:
            return True  # the very same bytes
        try:
            return _reextract(s, self.archive, decl, list(last.snapshot_ids)) == markdown
        except ClauseWatchError:
            return False  # the held evidence cannot be read back: hold this one instead

    def _archive(
        self,
        s: Session,
        service: ServiceDeclaration,
        doc: Document,
        decl: TermsDeclaration,
        capturing: Capturing,
        checked_at: datetime,
    ) -> tuple[list[int], bool]:
        """Write each source's raw bytes unless identical to that source's previous capture."""
        ids: list[int] = []
        all_known = True
        for index, (source, result) in enumerate(zip(decl.sources, capturing.results, strict=True)):
            digest = sha256_bytes(result.content)
            last = s.scalars(
                select(Snapshot)
                .where(Snapshot.document_id == doc.id, Snapshot.source_index == index)
                .order_by(Snapshot.id.desc())
                .limit(1)
            ).first()
            if (
                last is not None
                and last.sha256 == digest
                and self.archive.intact_since_archived(
                    last.path, last.sha256, last.size, last.captured_at
                )
            ):
                ids.append(last.id)
                continue
            all_known = False
            ahead = capturing.archived[index] if capturing.archived is not None else None
            if ahead is not None and isinstance(self.archive, Archive):
                # evidence first: the folder entry is durable before the store refers to it;
                # one sync covers every snapshot written ahead since the last one
                self.archive.sync()
            archived = ahead or self.archive.write_snapshot(
                service.service_id,
                doc.terms_type,
                checked_at,
                result.content,
                result.mime_type,
                snapshot_metadata(service, doc.terms_type, source, result, checked_at, index),
                session=s,
            )
            snap = Snapshot(
                document_id=doc.id,
                captured_at=checked_at,
                sha256=archived.sha256,
                path=archived.relative_path,
                url=result.requested_url,
                final_url=result.final_url,
                status=result.status,
                mime_type=result.mime_type,
                fetcher=result.fetcher,
                size=archived.size,
                source_index=index,
            )
            s.add(snap)
            s.flush()
            ids.append(snap.id)
        return ids, all_known

    def _fail(
        self,
        s: Session,
        doc: Document,
        error: ClauseWatchError,
        outcome: DocumentOutcome,
        checked_at: datetime,
        run_id: int | None,
        snapshot_ids: list[int],
    ) -> DocumentOutcome:
        reason = getattr(error, "reason", None) or error.__class__.__name__
        outcome.outcome, outcome.message, outcome.reason = "failed", str(error), reason
        doc.consecutive_failures += 1
        doc.last_error, doc.last_error_reason = str(error), reason
        s.add(
            Capture(
                document_id=doc.id,
                run_id=run_id,
                checked_at=checked_at,
                outcome="failed",
                reason=reason,
                message=str(error),
                snapshot_ids=snapshot_ids,
                warnings=outcome.warnings,
            )
        )
        if self.on_failure is not None:
            self.on_failure(s, doc, outcome)
        return outcome

    def _succeed(self, s: Session, doc: Document, outcome: DocumentOutcome) -> DocumentOutcome:
        recovered = doc.consecutive_failures > 0
        doc.consecutive_failures = 0
        doc.last_error = doc.last_error_reason = None
        doc.last_success_at = doc.last_checked_at
        if recovered and self.on_recovery is not None:
            self.on_recovery(s, doc)
        return outcome


def snapshot_metadata(
    service: ServiceDeclaration,
    terms_type: str,
    source: SourceDocument,
    result: FetchResult,
    captured_at: datetime,
    index: int,
) -> dict[str, Any]:
    return {
        "service_id": service.service_id,
        "terms_type": terms_type,
        "source_index": index,
        "requested_url": result.requested_url,
        "final_url": result.final_url,
        "status": result.status,
        "headers": result.headers,
        "mime_type": result.mime_type,
        "charset": result.charset,
        "fetcher": result.fetcher,
        "captured_at": captured_at.replace(tzinfo=UTC).isoformat(),
        "declaration": service.declaration_snapshot(terms_type),
        "engine_version": ENGINE_VERSION,
        "warnings": result.warnings,
    }


@dataclass
class RebuildOutcome:
    service_id: str
    terms_type: str
    outcome: str  # upgraded | unchanged | skipped | failed
    message: str = ""


def rebuild(
    settings: Settings,
    store: Store,
    services: dict[str, ServiceDeclaration],
    only: Iterable[str] | None = None,
    *,
    clock: Clock = utc_now,
) -> list[RebuildOutcome]:
    """Re-extract each document's latest capture with today's declarations and code.

    A different result is stored as a technical upgrade: it becomes the new baseline and never
    produces change events or alerts. Provisions are re-derived either way.
    """
    from monitor.changes.recording import latest_version, record_version, update_provisions
    from monitor.changes.version_analysis import provision_entries
    from monitor.clauses import extract_provisions

    archive = open_archive(settings, store)
    wanted = set(only) if only else None
    outcomes: list[RebuildOutcome] = []
    with store.session() as s:
        docs = s.scalars(select(Document).order_by(Document.service_id, Document.terms_type)).all()
        for doc in docs:
            if wanted is not None and doc.service_id not in wanted:
                continue
            service = services.get(doc.service_id)
            latest = latest_version(s, doc.id)
            if service is None or doc.terms_type not in service.terms or latest is None:
                outcomes.append(
                    RebuildOutcome(
                        doc.service_id, doc.terms_type, "skipped", "no declaration or no version"
                    )
                )
                continue
            if not latest.snapshot_ids:
                update_provisions(
                    s,
                    doc,
                    latest,
                    provision_entries(extract_provisions(latest.text, doc.terms_type)),
                )
                outcomes.append(
                    RebuildOutcome(
                        doc.service_id,
                        doc.terms_type,
                        "unchanged",
                        "imported version: provisions re-derived",
                    )
                )
                continue
            decl = service.terms_at(doc.terms_type, latest.captured_at)
            try:
                text = _reextract(s, archive, decl, latest.snapshot_ids)
            except ClauseWatchError as exc:
                outcomes.append(RebuildOutcome(doc.service_id, doc.terms_type, "failed", str(exc)))
                continue
            if text == latest.text:
                update_provisions(
                    s, doc, latest, provision_entries(extract_provisions(text, doc.terms_type))
                )
                outcomes.append(RebuildOutcome(doc.service_id, doc.terms_type, "unchanged"))
                continue
            record_version(
                s,
                doc,
                text,
                captured_at=latest.captured_at,
                recorded_at=clock(),
                url=latest.url,
                snapshot_ids=list(latest.snapshot_ids),
                origin="rebuild",
                technical_upgrade=True,
                alertable=False,
                previous=latest,
            )
            outcomes.append(RebuildOutcome(doc.service_id, doc.terms_type, "upgraded"))
    return outcomes


def _reextract(
    s: Session, archive: Archive | DatabaseArchive, decl: TermsDeclaration, snapshot_ids: list[int]
) -> str:
    if len(snapshot_ids) != len(decl.sources):
        raise ExtractError("declaration sources no longer match the archived captures")
    from monitor.capture.extract import combine_versions, extract_version

    parts = []
    for source, snap_id in zip(decl.sources, snapshot_ids, strict=True):
        snap = s.get_one(Snapshot, snap_id)
        content = archive.read(snap.path, snap.sha256)
        parts.append(extract_version(content, snap.mime_type, source, snap.final_url).markdown)
    return combine_versions(parts) if len(parts) > 1 else parts[0]
