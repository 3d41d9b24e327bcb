"""Several workers sharing one store (monitor/ops/workers.py, monitor/store/leases.py): documents
divided by leases, a dead worker's claims taken over, each check, alert, message and digest once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import Project, SMTPSink, make_project, terms_page
from click.testing import CliRunner
from conftest import LocalHTTPServer, Reply
from sqlalchemy import func, select

from monitor.cli import main
from monitor.clock import utc_now
from monitor.ops.daemon import DIGEST_META_KEY
from monitor.ops.workers import Worker, WorkerOptions
from monitor.store import Capture, Document, OutboxMessage, Subscriber
from monitor.store.leases import claim, cluster_lock, workers_status
from monitor.store.schema import AlertItem, Lease, Meta

SERVICES = {f"Svc{i}": f"/d{i}" for i in range(6)}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 6, 0, 0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **kw: float) -> None:
        with self._lock:
            self.now += timedelta(**kw)


@pytest.fixture
def sink() -> Any:
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def project(
    tmp_path: Path, http_server: LocalHTTPServer, sink: SMTPSink, database_url: str
) -> Project:
    for sid, path in SERVICES.items():
        http_server.routes[path] = terms_page(sid)
    project = make_project(
        tmp_path,
        http_server.url(""),
        SERVICES,
        smtp_port=sink.port,
        database_url=database_url,
    )
    project.subscribe("watcher@example.com")
    return project


def _worker(project: Project, clock: Clock, name: str, **options: Any) -> Worker:
    opts = WorkerOptions(batch=2, lease_seconds=60, interval=3600, outbox_interval=0, **options)
    worker = Worker(
        project.settings, project.store, project.services(), opts, clock=clock, name=name
    )
    worker.start()
    return worker


def _captures(project: Project) -> Counter[str]:
    with project.store.session() as s:
        rows = s.execute(
            select(Document.service_id).join(Capture, Capture.document_id == Document.id)
        ).all()
    return Counter(sid for (sid,) in rows)


def _drain(*workers: Worker) -> None:
    """Rounds in turn until no worker finds anything due."""
    while sum(w.round() for w in workers):
        pass


def test_workers_divide_the_documents_and_check_each_once(project: Project) -> None:
    clock = Clock()
    a, b = _worker(project, clock, "a"), _worker(project, clock, "b")
    _drain(a, b)
    assert _captures(project) == {sid: 1 for sid in SERVICES}
    status = workers_status(project.store, clock())
    checks = {w["id"]: w["checks"] for w in status["workers"]}
    assert checks["a"] > 0 and checks["b"] > 0 and checks["a"] + checks["b"] == len(SERVICES)
    assert status["leases"] == {
        "documents": 6,
        "due": 0,
        "claimed": 0,
        "expired": 0,
        "taken_over": 0,
    }
    _drain(a, b)  # nothing is due before the next cycle
    assert sum(_captures(project).values()) == len(SERVICES)
    clock.advance(hours=1, seconds=1)  # the next cycle: each document once more
    _drain(b, a)
    assert _captures(project) == {sid: 2 for sid in SERVICES}


def test_skip_locked_claims_never_wait_or_overlap(project: Project) -> None:
    """Two claims at the same moment, the first still uncommitted: the second skips its rows."""
    if project.store.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    clock = Clock()
    _worker(project, clock, "a")
    with project.store.session() as s:  # a worker's claim transaction, held open
        held = s.scalars(
            select(Lease).order_by(Lease.service_id).limit(3).with_for_update(skip_locked=True)
        ).all()
        others = claim(project.store, "b", clock(), 10)
        assert {c.service_id for c in others}.isdisjoint({lease.service_id for lease in held})
        assert len(others) == 3


def test_a_dead_workers_claims_are_taken_over_once(project: Project) -> None:
    clock = Clock()
    dead = _worker(project, clock, "dead")
    # it claimed two documents and died before checking them...
    lost = claim(project.store, "dead", clock(), 2, lease_seconds=60)
    # ...and two more, whose checks it recorded before dying without releasing the claims
    recorded = claim(project.store, "dead", clock(), 2, lease_seconds=60)
    dead.checker.run(
        {c.service_id: project.services()[c.service_id] for c in recorded},
    )
    survivor = _worker(project, clock, "survivor")
    _drain(survivor)  # the claims are still live: only the two free documents
    assert sum(_captures(project).values()) == 4
    clock.advance(seconds=61)  # the dead worker's heartbeat stopped: its leases expire
    _drain(survivor)
    assert _captures(project) == {sid: 1 for sid in SERVICES}  # nothing lost, nothing doubled
    status = workers_status(project.store, clock(), stale_after=60)
    alive = {w["id"]: w["alive"] for w in status["workers"]}
    assert alive == {"dead": False, "survivor": True}
    assert status["leases"]["taken_over"] == len(lost) + len(recorded)


class Died(BaseException):
    """A worker's process ending mid-run (nothing after it runs, nothing is handed back)."""


def test_a_worker_dying_before_its_unchanged_checks_are_written_loses_none(
    project: Project, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checker writes the checks of unchanged pages (304s) in a batch after their outcome;
    a worker that dies before that batch is written must not have released those leases as
    checked: the next owner checks them, so each document is checked once in the cycle."""
    for sid, path in SERVICES.items():
        body = terms_page(sid)

        def answer(req: Any, body: str = body) -> Reply:
            if req.headers.get("if-none-match") == '"v1"':
                return Reply(304, {"ETag": '"v1"'})
            return Reply(200, {"ETag": '"v1"', "Content-Type": "text/html"}, body)

        http_server.routes[path] = answer
    clock = Clock()
    _drain(_worker(project, clock, "first"))
    clock.advance(hours=1, seconds=1)  # the next cycle: every page answers 304
    dead = _worker(project, clock, "dead")

    def crash() -> None:
        raise Died

    monkeypatch.setattr(dead.checker, "_flush_not_modified", crash)
    with pytest.raises(Died):
        dead.round()
    assert sum(_captures(project).values()) == len(SERVICES)  # its two checks were not written
    with project.store.session() as s:
        held = s.scalars(select(Lease).where(Lease.owner == "dead")).all()
    assert len(held) == 2  # still its claims, not released as checked
    survivor = _worker(project, clock, "survivor")
    _drain(survivor)
    clock.advance(seconds=61)  # the dead worker's claims expire
    _drain(survivor)
    assert _captures(project) == {sid: 2 for sid in SERVICES}
    # both cycles, plus the dead worker's two requests whose checks it never wrote
    assert len(http_server.requests) == 2 * len(SERVICES) + 2


def test_each_alert_composed_once_and_each_message_sent_once(
    project: Project, http_server: LocalHTTPServer, sink: SMTPSink
) -> None:
    clock = Clock()
    workers = [_worker(project, clock, f"w{i}", send=False) for i in range(3)]
    _drain(*workers)
    for sid, path in SERVICES.items():
        http_server.routes[path] = terms_page(sid, jobs="two", expiry="thirty days")
    clock.advance(hours=1, seconds=1)
    _drain(*workers)
    # all three compose and deliver at once
    reports: list[dict[str, Any]] = []
    threads = [
        threading.Thread(target=lambda w=w: reports.append(w.compose_and_send())) for w in workers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with project.store.session() as s:
        items = s.scalars(select(AlertItem)).all()
        messages = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
        assert items and all(i.outbox_id is not None for i in items)
        assert len({i.change_id for i in items}) == len(items)  # one item per change
        assert all(m.sent_at is not None for m in messages)
    received = Counter(r.message["Message-ID"] for r in sink.messages)
    assert sorted(received) == sorted(m.message_id for m in messages)
    assert set(received.values()) == {1}
    assert sum(1 for r in reports if r["sender"]) >= 1


def test_weekly_digest_built_once(project: Project) -> None:
    clock = Clock()
    workers = [_worker(project, clock, f"w{i}", send=False) for i in range(3)]
    with project.store.session() as s:
        s.merge(Meta(key=DIGEST_META_KEY, value=(clock() - timedelta(days=7)).isoformat()))
        for sub in s.scalars(select(Subscriber)):  # subscribed before the week to digest
            sub.created_at = clock() - timedelta(days=30)
    queued: list[bool] = []
    threads = [threading.Thread(target=lambda w=w: queued.append(w.digest())) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert queued.count(True) == 1
    assert not any(w.digest() for w in workers)  # and not again this week
    with project.store.session() as s:
        digests = s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "digest")
        )
    assert digests == 1  # one subscriber


def test_cluster_lock_excludes_a_second_holder(project: Project) -> None:
    with cluster_lock(project.store, "outbox") as first:
        assert first
        with cluster_lock(project.store, "outbox", wait=False) as second:
            assert not second
    with cluster_lock(project.store, "outbox", wait=False) as again:
        assert again


def test_status_json_shows_workers_and_claims(project: Project) -> None:
    clock = Clock()
    _worker(project, clock, "a")
    claim(project.store, "a", clock(), 2)
    result = CliRunner().invoke(main, ["--config", str(project.config), "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (worker,) = data["workers"]
    assert worker["id"] == "a" and len(worker["claims"]) == 2
    assert {"service", "terms_type", "claimed_at", "lease_until", "expired"} <= set(
        worker["claims"][0]
    )
    assert data["leases"]["claimed"] == 2 and data["leases"]["documents"] == 6


# ---------------------------------------------------------------- real processes

PY = sys.executable


def _start(project: Project, log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PY, "-m", "monitor", "--config", str(project.config), "worker", "--poll", "0.2", *args],
        cwd=project.root,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")},
    )


def test_worker_processes_killed_mid_cycle(project: Project, http_server: LocalHTTPServer) -> None:
    """Two `clausewatch worker` processes; one is SIGKILLed while it checks a slow page; the other
    takes its claims over once they expire: every document checked exactly once."""
    from test_daemon import wait_for

    http_server.routes["/d0"] = Reply(
        200, {"Content-Type": "text/html"}, terms_page("Svc0"), delay=30
    )
    victim = _start(project, project.root / "victim.log", "--batch", "6", "--lease", "3")
    try:
        wait_for(lambda: len(http_server.hits("/d0")) >= 1, timeout=60, what="the slow fetch")
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    http_server.routes["/d0"] = terms_page("Svc0")
    survivor = _start(project, project.root / "survivor.log", "--lease", "3")
    try:
        wait_for(lambda: len(_captures(project)) == len(SERVICES), timeout=90, what="all checks")
        wait_for(
            lambda: workers_status(project.store, utc_now())["leases"]["claimed"] == 0,
            timeout=30,
            what="claims released",
        )
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(30)
    assert _captures(project) == {sid: 1 for sid in SERVICES}
    assert workers_status(project.store, utc_now())["leases"]["taken_over"] >= 1  # the slow one
    assert "taken over from" in (project.root / "survivor.log").read_text()
    assert survivor.returncode == 0, (project.root / "survivor.log").read_text()
