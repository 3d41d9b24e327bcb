"""The daemon: APScheduler (3.x, UTC) jobs for document checks, the outbox, the weekly digest and
housekeeping; one daemon per store; graceful shutdown on SIGTERM/SIGINT; `status`.

Jobs:
- ``check:<service>:<terms type>``: one per document on its cron schedule (settings.schedule_for)
  with a random jitter; ``max_instances=1``, ``coalesce=True`` and a per-document file lock, so
  missed runs collapse into one and a document is never checked twice at once. Documents never
  checked, or not checked since their previous scheduled time, get a one-off catch-up check
  spread over the first ``startup_spread`` seconds.
- ``outbox``: compose unfinished alert batches, then deliver due messages (every minute).
- ``digest``: Monday 08:00 UTC, `monitor.notify.digest.queue_weekly_digests(settings, store, now)`; a week
  missed while the daemon was down is queued once after a restart.
- ``verify``: Sunday 03:00 UTC, `monitor.ops.verify.verify_evidence`; operators hear of problems
  once a week.
- ``housekeeping``: unfinished alert batches; reports archive leftovers (prunes nothing evidential).
"""

from __future__ import annotations

import logging
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor as APSThreadPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from monitor.capture.declarations import ServiceDeclaration
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.notify.alerts import (
    STALE_RUN,
    checker_hooks,
    compose_pending,
    report_verification,
    unfinished_batches,
)
from monitor.notify.digest import queue_weekly_digests
from monitor.notify.mailer import RETRY_BASE, Mailer
from monitor.notify.outbox import summary as outbox_summary
from monitor.ops.checker import Checker
from monitor.ops.verify import capture_files, verify_evidence
from monitor.store import Document, Run, Snapshot, Store, safe_url
from monitor.store.locks import OUTBOX_LOCK, DaemonLock, DocumentLocks, FileLock, LockHeld, probe
from monitor.store.runs import interrupted_runs, is_dead, mark_interrupted
from monitor.store.schema import Meta

log = logging.getLogger("clausewatch.daemon")

DIGEST_META_KEY = "daemon.digest_slot"
_DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else _naive(dt).isoformat(timespec="seconds") + "Z"


# ---------------------------------------------------------------- logging


class _UTCFormatter(logging.Formatter):
    """UTC timestamps, and every record on one line: journald and grep see one event per line,
    so tracebacks and multi-line messages are folded with a visible separator."""

    converter = staticmethod(time.gmtime)  # type: ignore[assignment]

    def format(self, record: logging.LogRecord) -> str:
        return " | ".join(part for part in super().format(record).splitlines() if part.strip())


def configure_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """One line per event on stderr, e.g. `2025-01-06T06:00:03Z INFO clausewatch.daemon: ...`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        _UTCFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # library warnings become log lines, not raw stderr text
    # exceptions in stray threads and in finalisers would otherwise print raw tracebacks
    threading.excepthook = lambda args: log.error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=args.exc_value or True,
    )
    sys.unraisablehook = lambda u: log.warning(
        "exception ignored in %r: %s", u.object, u.exc_value if u.exc_value else u.exc_type
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


# ---------------------------------------------------------------- schedules


def _standard_dow(field: str) -> str:
    """Standard cron day-of-week numbers (0 or 7 = Sunday) as names, for APScheduler 3."""

    def name(match: re.Match[str]) -> str:
        n = int(match.group(0))
        return _DOW_NAMES[n] if 0 <= n <= 7 else match.group(0)

    return re.sub(r"(?<![/\d])\d+", name, field)


def cron_trigger(expr: str, jitter: int | None = None) -> CronTrigger:
    """A UTC trigger for a 5-field crontab expression with standard day-of-week numbering."""
    minute, hour, day, month, dow = expr.split()
    try:
        dow_field = _standard_dow(dow)
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=dow_field,
            timezone=UTC,
            jitter=jitter or None,
        )
    except ValueError:  # e.g. a range written across Sunday; fall back to APScheduler's reading
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=dow,
            timezone=UTC,
            jitter=jitter or None,
        )


@dataclass
class DaemonOptions:
    startup_spread: float = 90.0  # seconds over which overdue documents are checked at start
    outbox_interval: float = 60.0
    housekeeping_interval: float = 600.0
    interval: float | None = None  # check every N seconds instead of the cron schedules (tests)
    jitter: int | None = None  # overrides settings.jitter_seconds
    retry_base: float = RETRY_BASE  # outbox retry backoff base, seconds
    shutdown_timeout: float = 30.0  # in-flight work gets this long after SIGTERM, then abandoned
    misfire_grace: int = 6 * 3600  # a run missed by less than this still runs (once, coalesced)


def next_fire(
    settings: Settings, service_id: str, after: datetime, options: DaemonOptions
) -> datetime | None:
    """The next scheduled check strictly after `after` (naive UTC, without jitter)."""
    if options.interval:
        return _naive(after) + timedelta(seconds=options.interval)
    trigger = cron_trigger(settings.schedule_for(service_id))
    start = _aware(after) + timedelta(microseconds=1)
    nxt = trigger.get_next_fire_time(None, start)
    return None if nxt is None else _naive(nxt)


def is_overdue(
    settings: Settings,
    service_id: str,
    last_checked_at: datetime | None,
    now: datetime,
    options: DaemonOptions,
) -> bool:
    """Never checked, or a scheduled time passed since the last check."""
    if last_checked_at is None:
        return True
    due = next_fire(settings, service_id, last_checked_at, options)
    return due is not None and due <= _naive(now)


def last_digest_slot(now: datetime) -> datetime:
    """The most recent Monday 08:00 UTC at or before `now` (naive UTC)."""
    now = _naive(now)
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    return monday if monday <= now else monday - timedelta(days=7)


# ---------------------------------------------------------------- the daemon


class Daemon:
    """Owns the scheduler, the checker and the locks for one store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        services: Mapping[str, ServiceDeclaration],
        options: DaemonOptions | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.services = dict(services)
        self.options = options or DaemonOptions()
        self.clock = clock
        self.stopping = threading.Event()
        self.lock = DaemonLock(settings.data_dir)
        self.doc_locks = DocumentLocks(settings.data_dir)
        self.checker = Checker(settings, store, clock=clock, **checker_hooks(settings, store))
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": APSThreadPool(max(2, settings.fetch.max_workers) + 2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.options.misfire_grace,
            },
        )

    # ------------------------------------------------------------ lifecycle

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if not self.stopping.is_set():
            name = signal.Signals(signum).name if signum else "request"
            log.info("%s received: taking no new work, finishing what is running", name)
        self.stopping.set()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT. Raises LockHeld if another daemon owns the store."""
        self.lock.acquire()
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            log.info(
                "daemon started (pid lock %s, %d documents, store %s)",
                self.lock.path,
                sum(len(s.terms) for s in self.services.values()),
                self._store_label(),
            )
            self.housekeeping(startup=True)
            if not self.stopping.is_set():
                self._schedule()
                self.scheduler.start()
            while not self.stopping.wait(0.5):
                pass
            return self._shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.lock.release()

    def _store_label(self) -> str:
        return safe_url(self.store.url)

    def _shutdown(self) -> int:
        started = time.monotonic()
        done = threading.Event()

        def stop_scheduler() -> None:
            try:
                if self.scheduler.running:
                    self.scheduler.shutdown(wait=True)
            finally:
                done.set()

        threading.Thread(target=stop_scheduler, name="shutdown", daemon=True).start()
        if not done.wait(self.options.shutdown_timeout):
            # Abandon: uncommitted transactions roll back, archive files are written atomically.
            log.warning(
                "in-flight work did not finish within %.0fs; abandoning it (uncommitted work "
                "rolls back)",
                self.options.shutdown_timeout,
            )
            return 0
        try:
            self.checker.close()
        except Exception:  # closing the fetcher must not turn a clean stop into a failure
            log.exception("closing the fetcher failed")
        log.info("daemon stopped cleanly in %.1fs", time.monotonic() - started)
        return 0

    # ------------------------------------------------------------ jobs

    def _trigger(self, service_id: str) -> BaseTrigger:
        jitter = self.options.jitter
        if jitter is None:
            jitter = self.settings.jitter_seconds
        if self.options.interval:
            return IntervalTrigger(
                seconds=self.options.interval, timezone=UTC, jitter=jitter or None
            )
        return cron_trigger(self.settings.schedule_for(service_id), jitter)

    def documents(self) -> list[tuple[str, str]]:
        return [(sid, tt) for sid, svc in sorted(self.services.items()) for tt in sorted(svc.terms)]

    def _schedule(self) -> None:
        now = self.clock()
        with self.store.session() as s:
            last = {
                (d.service_id, d.terms_type): d.last_checked_at
                for d in s.scalars(select(Document)).all()
            }
        overdue: list[tuple[str, str]] = []
        for sid, tt in self.documents():
            self.scheduler.add_job(
                self.check_job,
                self._trigger(sid),
                args=(sid, tt),
                id=f"check:{sid}:{tt}",
                name=f"check {sid} / {tt}",
            )
            if is_overdue(self.settings, sid, last.get((sid, tt)), now, self.options):
                overdue.append((sid, tt))
        spread = max(0.0, self.options.startup_spread)
        start = datetime.now(UTC)
        for i, (sid, tt) in enumerate(overdue):
            offset = (i + random.random()) * spread / len(overdue) if spread else 0.0
            self.scheduler.add_job(
                self.check_job,
                DateTrigger(start + timedelta(seconds=offset), timezone=UTC),
                args=(sid, tt),
                id=f"catchup:{sid}:{tt}",
                name=f"catch-up check {sid} / {tt}",
                misfire_grace_time=None,
            )
        if overdue:
            log.info(
                "%d document(s) never checked or overdue: checking them over the next %.0fs",
                len(overdue),
                spread,
            )
        self.scheduler.add_job(
            self.outbox_job,
            IntervalTrigger(seconds=self.options.outbox_interval, timezone=UTC),
            id="outbox",
            name="outbox sender",
            next_run_time=start + timedelta(seconds=1),
        )
        self.scheduler.add_job(
            self.digest_job,
            CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=UTC),
            id="digest",
            name="weekly digest",
        )
        if self._digest_missed(now):
            self.scheduler.add_job(
                self.digest_job,
                DateTrigger(start + timedelta(seconds=min(30.0, spread + 5)), timezone=UTC),
                id="digest-catchup",
                name="weekly digest (missed while down)",
                misfire_grace_time=None,
            )
        self.scheduler.add_job(
            self.verify_job,
            CronTrigger(day_of_week="sun", hour=3, minute=0, timezone=UTC),
            id="verify",
            name="weekly evidence check",
        )
        self.scheduler.add_job(
            self.housekeeping,
            IntervalTrigger(seconds=self.options.housekeeping_interval, timezone=UTC),
            id="housekeeping",
            name="housekeeping",
        )

    def check_job(self, service_id: str, terms_type: str) -> None:
        if self.stopping.is_set():
            return
        lock = self.doc_locks.lock_for(service_id, terms_type)
        try:
            lock.acquire()
        except LockHeld:
            log.info("%s / %s is already being checked; skipped", service_id, terms_type)
            return
        try:
            service = self.services.get(service_id)
            if service is None or terms_type not in service.terms:
                log.warning("%s / %s is no longer declared; skipped", service_id, terms_type)
                return
            single = replace(
                service,
                terms={terms_type: service.terms[terms_type]},
                history={terms_type: service.history[terms_type]}
                if terms_type in service.history
                else {},
            )
            summary = self.checker.run({service_id: single}, should_stop=self.stopping.is_set)
            for o in summary.outcomes:
                if o.outcome == "failed":
                    log.warning(
                        "check %s / %s: failed (%s): %s",
                        o.service_id,
                        o.terms_type,
                        o.reason,
                        o.message,
                    )
                else:
                    log.info(
                        "check %s / %s: %s (%d changes, %d substantive) run %d",
                        o.service_id,
                        o.terms_type,
                        o.outcome,
                        o.changes,
                        o.substantive,
                        summary.run_id,
                    )
        except Exception:
            log.exception("check %s / %s crashed", service_id, terms_type)
        finally:
            lock.release()

    def outbox_job(self) -> None:
        if self.stopping.is_set():
            return

        try:
            with self.store.session() as s:
                compose_pending(s, self.settings, self.clock())
        except Exception:
            log.exception("composing unfinished alert batches failed")
        lock = FileLock(self.settings.data_dir / OUTBOX_LOCK)
        try:
            lock.acquire()
        except LockHeld:
            log.info("another sender is delivering the outbox; skipped")
            return
        try:
            mailer = Mailer(
                self.settings.smtp,
                self.store,
                clock=self.clock,
                retry_base=self.options.retry_base,
                should_stop=self.stopping.is_set,
            )
            report = mailer.deliver()
            if report.sent or report.failed:
                log.info(
                    "outbox: %d sent, %d failed, %d waiting",
                    report.sent,
                    report.failed,
                    report.remaining,
                )
        except Exception:
            log.exception("outbox delivery crashed")
        finally:
            lock.release()

    def _digest_missed(self, now: datetime) -> bool:
        slot = last_digest_slot(now).isoformat()
        with self.store.session() as s:
            row = s.get(Meta, DIGEST_META_KEY)
            if row is None:  # first start: nothing was missed; remember where we are
                s.add(Meta(key=DIGEST_META_KEY, value=slot))
                return False
            return row.value < slot

    def digest_job(self) -> None:
        if self.stopping.is_set():
            return
        now = self.clock()
        try:
            result = queue_weekly_digests(self.settings, self.store, now)
        except Exception:
            log.exception("weekly digest failed")
            return
        with self.store.session() as s:
            row = s.get(Meta, DIGEST_META_KEY)
            slot = last_digest_slot(now).isoformat()
            if row is None:
                s.add(Meta(key=DIGEST_META_KEY, value=slot))
            else:
                row.value = slot
        log.info("weekly digest queued: %s", result)

    def verify_job(self) -> None:
        """The weekly evidence check; operators hear of its problems once a week."""
        if self.stopping.is_set():
            return
        now = self.clock()
        try:
            result = verify_evidence(self.store, self.settings.snapshots_dir)
            checked = (
                f"{result.snapshots} snapshot(s), {result.files} file(s), "
                f"{result.versions} version(s)"
            )
            if result.ok:
                log.info("evidence check: %s, no problem", checked)
                return
            year, week, _ = now.isocalendar()
            with self.store.session() as s:
                report_verification(
                    s,
                    self.settings,
                    [str(p) for p in result.problems],
                    checked,
                    now,
                    period=f"{year}-W{week:02d}",
                )
        except Exception:
            log.exception("evidence check failed")

    def housekeeping(self, startup: bool = False) -> None:
        """Compose unfinished alert batches; report archive leftovers. Deletes no evidence."""
        try:
            with self.store.session() as s:
                # at start-up no run of ours is in progress: every unfinished batch is composed
                messages = compose_pending(
                    s, self.settings, self.clock(), stale_after=None if startup else STALE_RUN
                )
            if messages:
                log.info("composed %d unfinished alert batch(es)", len(messages))
        except Exception:
            log.exception("composing unfinished alert batches failed")
        if startup:
            try:
                with self.store.session() as s:
                    marked = mark_interrupted(s, self.clock())
                if marked:
                    log.warning(
                        "%d run(s) died mid-way (ids %s); marked interrupted",
                        len(marked),
                        ", ".join(map(str, marked)),
                    )
            except Exception:
                log.exception("marking interrupted runs failed")
            try:
                report = archive_report(self.settings, self.store, remove_temp=True)
                if report["unindexed"] or report["missing_sidecar"] or report["temp_removed"]:
                    log.warning(
                        "archive: %d capture(s) on disk without a database row (kept as evidence), "
                        "%d without a sidecar, %d partial temporary file(s) removed",
                        len(report["unindexed"]),
                        len(report["missing_sidecar"]),
                        report["temp_removed"],
                    )
            except Exception:
                log.exception("archive check failed")


# ---------------------------------------------------------------- archive consistency


def archive_report(
    settings: Settings, store: Store, *, remove_temp: bool = False, min_temp_age: float = 60.0
) -> dict[str, Any]:
    """Raw captures without a DB row or a sidecar, DB rows without a file, and temp leftovers."""
    root = settings.snapshots_dir
    with store.session() as s:
        # `sha256:` paths live in the database archive (capture/db_archive.py), not on disk
        indexed = {p for p in s.scalars(select(Snapshot.path)).all() if not p.startswith("sha256:")}
    temp_removed = 0
    if remove_temp and root.is_dir():
        for path in root.rglob(".tmp-*"):
            if path.is_file() and time.time() - path.stat().st_mtime >= min_temp_age:
                path.unlink(missing_ok=True)
                temp_removed += 1
    files, sidecars = capture_files(root)
    return {
        "files": sorted(files),
        "unindexed": sorted(files - indexed),
        "missing_sidecar": sorted(files - sidecars),
        "missing_file": sorted(indexed - files),
        "temp_removed": temp_removed,
    }


# ---------------------------------------------------------------- status


def daemon_status(
    settings: Settings,
    store: Store,
    services: Mapping[str, ServiceDeclaration],
    now: datetime,
    options: DaemonOptions | None = None,
) -> dict[str, Any]:
    """The `clausewatch status --json` document (shape documented in docs/daemon.md)."""
    options = options or DaemonOptions()
    state = probe(settings.data_dir / "daemon.lock")
    with store.session() as s:
        rows = {(d.service_id, d.terms_type): d for d in s.scalars(select(Document)).all()}
        keys = sorted({(sid, tt) for sid, svc in services.items() for tt in svc.terms} | set(rows))
        documents = []
        for sid, tt in keys:
            doc = rows.get((sid, tt))
            declared = sid in services and tt in services[sid].terms
            last = doc.last_checked_at if doc else None
            overdue = declared and is_overdue(settings, sid, last, now, options)
            documents.append(
                {
                    "service": sid,
                    "terms_type": tt,
                    "declared": declared,
                    "schedule": settings.schedule_for(sid),
                    "last_checked_at": _iso(last),
                    "last_success_at": _iso(doc.last_success_at) if doc else None,
                    "next_run_at": _iso(next_fire(settings, sid, now, options))
                    if declared
                    else None,
                    "overdue": overdue,
                    "consecutive_failures": doc.consecutive_failures if doc else 0,
                    "last_error_reason": doc.last_error_reason if doc else None,
                    "failure_alerted": bool(doc.failure_alerted) if doc else False,
                }
            )
        last_run = s.scalars(select(Run).order_by(Run.id.desc()).limit(1)).first()
        outbox = outbox_summary(s, now)
        outbox["oldest_unsent_at"] = _iso(outbox["oldest_unsent_at"])
        outbox["unfinished_alert_items"] = unfinished_batches(s)
        interrupted = [
            {**r, "started_at": _iso(r["started_at"]), "finished_at": _iso(r["finished_at"])}
            for r in interrupted_runs(s, now)
        ]
        run = (
            {
                "id": last_run.id,
                "kind": last_run.kind,
                "started_at": _iso(last_run.started_at),
                "finished_at": _iso(last_run.finished_at),
                "interrupted": bool((last_run.stats or {}).get("interrupted"))
                or is_dead(last_run, now),
                "stats": dict(last_run.stats or {}),
            }
            if last_run
            else None
        )
    return {
        "daemon": {"running": state.held, "pid": state.pid, "lock_file": str(state.path)},
        "now": _iso(now),
        "documents": documents,
        "outbox": outbox,
        "last_run": run,
        "interrupted_runs": interrupted,
    }
