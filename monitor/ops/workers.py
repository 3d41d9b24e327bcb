"""`clausewatch worker`: one of several processes (on one or several machines) sharing one store.

Where the daemon schedules every document itself, workers divide the documents through leases
(store/leases.py): each round a worker renews its claims, claims a batch of due documents, checks
them (one run, the same Checker as the daemon) and, once that run has returned (every check
recorded, its alert batch composed), moves each lease to the document's next scheduled time. What must happen once for the whole store is done
under a cluster-wide lock by whichever worker gets there first: composing alert batches (so each
alert is composed once), delivering the outbox (so each message is sent once), the weekly digest
(built once per week: the daemon's digest slot in the `meta` table says which week was done).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from monitor.capture.declarations import ServiceDeclaration
from monitor.capture.fetch import Fetcher
from monitor.capture.fetch.politeness import SharedHostPacer
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.notify.alerts import checker_hooks, compose_pending
from monitor.notify.digest import queue_weekly_digests
from monitor.notify.mailer import RETRY_BASE, Mailer
from monitor.ops.checker import Checker
from monitor.ops.daemon import DIGEST_META_KEY, DaemonOptions, last_digest_slot, next_fire
from monitor.store import Document, Store
from monitor.store.host_turns import host_turns
from monitor.store.leases import (
    LEASE_SECONDS,
    Claim,
    claim,
    cluster_lock,
    finish,
    finished_before_takeover,
    heartbeat,
    register_worker,
    retire_worker,
    seed_leases,
)
from monitor.store.schema import Meta

log = logging.getLogger("clausewatch.worker")


@dataclass
class WorkerOptions:
    batch: int = 0  # documents claimed per round (0: twice [fetch] max_workers)
    lease_seconds: float = LEASE_SECONDS
    poll: float = 5.0  # seconds between rounds when nothing was due
    outbox_interval: float = 60.0
    interval: float | None = None  # check every N seconds instead of the cron schedules (tests)
    retry_base: float = RETRY_BASE
    send: bool = True  # compose and deliver the outbox (off: checks only, e.g. the benchmark)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        services: Mapping[str, ServiceDeclaration],
        options: WorkerOptions | None = None,
        *,
        clock: Clock = utc_now,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.services = dict(services)
        self.options = options or WorkerOptions()
        self.clock = clock
        self.id = name or worker_id()
        self.stopping = threading.Event()
        self._schedule = DaemonOptions(interval=self.options.interval)
        hooks = checker_hooks(settings, store, clock=clock)
        compose_run: Callable[[int], None] = hooks["on_run_finished"]

        def on_run_finished(run_id: int) -> None:  # composed under the cluster-wide lock
            with cluster_lock(store, "compose"):
                compose_run(run_id)

        hooks["on_run_finished"] = on_run_finished
        # per-host politeness across workers: each host's turn is shared through the store
        self.host_turns = host_turns(store, connections=settings.fetch.max_workers + 1)
        fetcher = (
            None
            if self.host_turns is None
            else Fetcher(
                settings.fetch,
                pacer=SharedHostPacer(settings.fetch.per_host_delay, self.host_turns),
            )
        )
        self.checker = Checker(settings, store, clock=clock, fetcher=fetcher, **hooks)
        self._last_outbox = 0.0

    # ------------------------------------------------------------ lifecycle

    def documents(self) -> list[tuple[str, str]]:
        return [(sid, tt) for sid, svc in sorted(self.services.items()) for tt in sorted(svc.terms)]

    def start(self) -> None:
        """Register, and give every declared document a lease (due now if never checked or
        overdue, else at its next scheduled time)."""
        now = self.clock()
        register_worker(self.store, self.id, socket.gethostname(), os.getpid(), now)
        with self.store.session() as s:
            last = {
                (d.service_id, d.terms_type): d.last_checked_at
                for d in s.scalars(select(Document)).all()
            }
        due = []
        for sid, tt in self.documents():
            checked = last.get((sid, tt))
            nxt = (
                None if checked is None else next_fire(self.settings, sid, checked, self._schedule)
            )
            due.append((sid, tt, now if nxt is None or nxt <= now else nxt))
        seed_leases(self.store, due)
        log.info("worker %s started: %d documents declared", self.id, len(due))

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> int:
        """Rounds until `stop()`; a clean stop hands unfinished claims back."""
        self.start()
        beats = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        beats.start()
        try:
            while not self.stopping.is_set():
                try:
                    checked = self.round()
                except Exception:  # e.g. the database restarting: claims expire, others go on
                    log.exception("worker round failed; retrying after %.1fs", self.options.poll)
                    checked = 0
                if not checked:
                    self.stopping.wait(self.options.poll)
        finally:
            self.stopping.set()
            beats.join(timeout=10)
            retire_worker(self.store, self.id, self.clock())
            self.checker.close()
            if self.host_turns is not None:
                self.host_turns.close()
            log.info("worker %s stopped", self.id)
        return 0

    def _beat(self) -> None:
        """Renew our claims every third of a lease, also while a long batch is being checked."""
        while not self.stopping.wait(self.options.lease_seconds / 3):
            try:
                heartbeat(self.store, self.id, self.clock(), self.options.lease_seconds)
            except Exception:  # a database blip: the next beat (well within the lease) retries
                log.exception("heartbeat failed")

    # ------------------------------------------------------------ one round

    def round(self) -> int:
        """Heartbeat, claim and check a batch, then the once-for-all duties; returns how many
        documents were checked."""
        now = self.clock()
        heartbeat(self.store, self.id, now, self.options.lease_seconds)
        batch = self.options.batch or 2 * max(1, self.settings.fetch.max_workers)
        claims = claim(self.store, self.id, now, batch, self.options.lease_seconds)
        checked = self.check(claims) if claims else 0
        if self.options.send:
            self.duties()
        return checked

    def check(self, claims: list[Claim]) -> int:
        todo: dict[str, ServiceDeclaration] = {}
        for c in claims:
            service = self.services.get(c.service_id)
            if service is None or c.terms_type not in service.terms:
                log.warning(
                    "%s / %s is not declared here; left for a day", c.service_id, c.terms_type
                )
                self._release(c, self.clock() + timedelta(days=1), checked=False)
                continue
            if c.previous_owner is not None:
                with self.store.session() as s:
                    recorded = finished_before_takeover(s, c)
                log.info(
                    "%s / %s taken over from %s%s",
                    c.service_id,
                    c.terms_type,
                    c.previous_owner,
                    " (its check was recorded: not checked again)" if recorded else "",
                )
                if recorded:
                    self._release(
                        c, self._next_due(c.service_id), checked=False, checked_at=recorded
                    )
                    continue
            single = todo.setdefault(c.service_id, replace(service, terms={}, history={}))
            single.terms[c.terms_type] = service.terms[c.terms_type]
            if c.terms_type in service.history:
                single.history[c.terms_type] = service.history[c.terms_type]
        if not todo:
            return 0
        # The leases are released once the run has returned, not as each outcome comes: the
        # checker writes some checks in batches (unchanged pages) after their outcome, and a
        # lease released before its capture is durable would lose that check if we died then.
        # Dying before the release is safe: the next owner finds the capture and moves on.
        try:
            summary = self.checker.run(todo, should_stop=self.stopping.is_set)
        except Exception:
            for c in claims:  # back to the pool, due as they were (retried, not lost)
                if c.service_id in todo and c.terms_type in todo[c.service_id].terms:
                    self._release(c, c.due_at, checked=False)
            raise
        for o in summary.outcomes:
            self._release_key(o.service_id, o.terms_type, checked=True)
        for o in summary.outcomes:
            if o.outcome == "failed":
                log.warning(
                    "check %s / %s: failed (%s): %s",
                    o.service_id,
                    o.terms_type,
                    o.reason,
                    o.message,
                )
        return len(summary.outcomes)

    def _next_due(self, service_id: str) -> datetime:
        now = self.clock()
        return next_fire(self.settings, service_id, now, self._schedule) or now + timedelta(
            days=365
        )

    def _release(
        self, c: Claim, next_due: datetime, *, checked: bool, checked_at: datetime | None = None
    ) -> None:
        finish(
            self.store,
            self.id,
            c.service_id,
            c.terms_type,
            next_due,
            self.clock(),
            checked=checked,
            checked_at=checked_at,
        )

    def _release_key(self, service_id: str, terms_type: str, *, checked: bool) -> None:
        if not finish(
            self.store,
            self.id,
            service_id,
            terms_type,
            self._next_due(service_id),
            self.clock(),
            checked=checked,
        ):
            log.warning(
                "%s / %s: our claim had expired before the check was recorded",
                service_id,
                terms_type,
            )

    # ------------------------------------------------------------ once for the whole store

    def duties(self) -> None:
        if time.monotonic() - self._last_outbox >= self.options.outbox_interval:
            self._last_outbox = time.monotonic()
            self.compose_and_send()
        self.digest()

    def compose_and_send(self) -> dict[str, Any]:
        """Compose unfinished batches (once, under the lock), then deliver the outbox if no other
        worker is delivering it."""
        with cluster_lock(self.store, "compose"), self.store.session() as s:
            composed = len(compose_pending(s, self.settings, self.clock()))
        with cluster_lock(self.store, "outbox", wait=False) as mine:
            if not mine:
                return {"composed": composed, "sender": False}
            report = Mailer(
                self.settings.smtp,
                self.store,
                clock=self.clock,
                retry_base=self.options.retry_base,
                should_stop=self.stopping.is_set,
            ).deliver()
        if report.sent or report.failed:
            log.info(
                "outbox: %d sent, %d failed, %d waiting",
                report.sent,
                report.failed,
                report.remaining,
            )
        return {"composed": composed, "sender": True, "sent": report.sent, "failed": report.failed}

    def digest(self) -> bool:
        """Queue the weekly digest if this week's slot is not done; True if we queued it."""
        now = self.clock()
        slot = last_digest_slot(now).isoformat()
        with self.store.session() as s:
            row = s.get(Meta, DIGEST_META_KEY)
            if row is not None and row.value >= slot:
                return False
        with cluster_lock(self.store, "digest", wait=False) as mine:
            if not mine:
                return False
            with self.store.session() as s:  # read again: another worker may just have done it
                row = s.get(Meta, DIGEST_META_KEY)
                if row is None:  # first start of this store: nothing was missed
                    s.add(Meta(key=DIGEST_META_KEY, value=slot))
                    return False
                if row.value >= slot:
                    return False
            result = queue_weekly_digests(self.settings, self.store, now)
            with self.store.session() as s:
                s.get_one(Meta, DIGEST_META_KEY).value = slot
        log.info("weekly digest queued: %s", result)
        return True
