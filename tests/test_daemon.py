"""The daemon as a real subprocess against a local HTTP server and a local SMTP server: alerts end to
end, one daemon per store, status, SIGTERM in bounded time, SMTP down then up, SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import Project, SMTPSink, make_project, terms_page
from conftest import LocalHTTPServer, Reply
from sqlalchemy import select

from monitor.ops.daemon import archive_report, cron_trigger, is_overdue, last_digest_slot
from monitor.store import Document, OutboxMessage

pytestmark = pytest.mark.slow
PY = sys.executable


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or predicate}")


class DaemonProc:
    def __init__(self, project: Project, *args: str) -> None:
        self.log = project.root / f"daemon-{time.monotonic_ns()}.log"
        self._fh = self.log.open("wb")
        self.proc = subprocess.Popen(
            [PY, "-m", "monitor", "--config", str(project.config), "daemon", *args],
            cwd=project.root,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")},
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._fh.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._fh.close()


FAST = ["--interval", "1", "--startup-spread", "0.5", "--outbox-interval", "0.3"]
FAST += ["--retry-base", "0.3", "--shutdown-timeout", "3"]


@pytest.fixture
def sink() -> Iterator[SMTPSink]:
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def procs() -> Iterator[list[DaemonProc]]:
    started: list[DaemonProc] = []
    yield started
    for p in started:
        p.kill()


def _project(
    tmp_path: Path, web: LocalHTTPServer, sink: SMTPSink, database_url: str = ""
) -> Project:
    web.routes["/a"] = terms_page("Alpha")
    web.routes["/b"] = terms_page("Bravo")
    project = make_project(
        tmp_path,
        web.url(""),
        {"Alpha": "/a", "Bravo": "/b"},
        smtp_port=sink.port,
        database_url=database_url,
    )
    project.subscribe("watcher@example.com")
    return project


def _checked(project: Project) -> dict[str, Any]:
    with project.store.session() as s:
        return {d.service_id: d.last_checked_at for d in s.scalars(select(Document)).all()}


def _cli_json(project: Project, *args: str) -> Any:
    out = subprocess.run(
        [PY, "-m", "monitor", "--config", str(project.config), *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_daemon_end_to_end(
    tmp_path: Path,
    http_server: LocalHTTPServer,
    sink: SMTPSink,
    procs: list[DaemonProc],
    database_url: str,
) -> None:
    project = _project(tmp_path, http_server, sink, database_url)
    daemon = DaemonProc(project, *FAST)
    procs.append(daemon)
    wait_for(lambda: len([v for v in _checked(project).values() if v]) == 2, what="first checks")
    # a second daemon for the same store is refused with a clear message
    second = subprocess.run(
        [PY, "-m", "monitor", "--config", str(project.config), "daemon", *FAST],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1
    assert "already running for this store" in second.stderr
    assert f"pid {daemon.proc.pid}" in second.stderr
    status = _cli_json(project, "status", "--json")
    assert status["daemon"] == {
        "running": True,
        "pid": daemon.proc.pid,
        "lock_file": str(project.settings.data_dir / "daemon.lock"),
    }
    assert {d["service"] for d in status["documents"]} == {"Alpha", "Bravo"}
    assert all(d["last_checked_at"] and d["next_run_at"] for d in status["documents"])
    # a change is checked, alerted and delivered by the running daemon
    http_server.routes["/a"] = terms_page("Alpha", jobs="two", expiry="thirty days")
    (received,) = wait_for(lambda: sink.messages, what="the alert e-mail")
    assert received.rcpt_tos == ["watcher@example.com"]
    assert str(received.message["Subject"]).startswith("[ClauseWatch] High: Alpha changed")
    code, took = daemon.stop(signal.SIGTERM)
    assert code == 0 and took < 10, daemon.output()
    log = daemon.output()
    assert "SIGTERM received" in log and "daemon stopped cleanly" in log
    stray = [line for line in log.splitlines() if line.strip() and not line[:4].isdigit()]
    assert not stray, log  # one line per event, each starting with its timestamp
    status = _cli_json(project, "status", "--json")
    assert status["daemon"]["running"] is False and status["outbox"]["backlog"] == 0
    time.sleep(1.5)
    assert len(sink.messages) == 1  # nothing sent twice


def test_smtp_down_then_up(
    tmp_path: Path, http_server: LocalHTTPServer, sink: SMTPSink, procs: list[DaemonProc]
) -> None:
    project = _project(tmp_path, http_server, sink)
    project.check()
    sink.stop()
    http_server.routes["/b"] = terms_page("Bravo", jobs="two", expiry="thirty days")
    daemon = DaemonProc(project, *FAST)
    procs.append(daemon)

    def failed_attempts() -> int:
        with project.store.session() as s:
            rows = s.scalars(select(OutboxMessage)).all()
            return sum(r.attempts for r in rows if r.sent_at is None)

    wait_for(lambda: failed_attempts() >= 2, what="failed delivery attempts")
    sink.start()
    wait_for(lambda: sink.messages, what="delivery after the outage")
    time.sleep(1.5)
    code, _ = daemon.stop()
    assert code == 0
    assert len(sink.messages) == 1
    with project.store.session() as s:
        (row,) = s.scalars(select(OutboxMessage)).all()
        assert row.sent_at is not None and row.attempts >= 3


def test_sigkill_mid_run_then_restart(
    tmp_path: Path,
    http_server: LocalHTTPServer,
    sink: SMTPSink,
    procs: list[DaemonProc],
    database_url: str,
) -> None:
    project = _project(tmp_path, http_server, sink, database_url)
    project.check()
    http_server.routes["/a"] = terms_page("Alpha", jobs="two", expiry="thirty days")
    slow = terms_page("Bravo", jobs="three", expiry="ninety days")
    http_server.routes["/b"] = Reply(200, {"Content-Type": "text/html"}, slow, delay=30)
    hits_before = len(http_server.hits("/b"))
    first = DaemonProc(project, *FAST)
    procs.append(first)
    wait_for(lambda: len(http_server.hits("/b")) > hits_before, what="Bravo's slow fetch")
    wait_for(lambda: sink.messages, what="Alpha's alert")

    def alpha_marked_sent() -> bool:
        with project.store.session() as s:
            return any(m.sent_at for m in s.scalars(select(OutboxMessage)).all())

    # kill mid-run, not inside the documented window between the SMTP server accepting a message
    # and the outbox row being marked sent (that window re-sends with the same Message-ID)
    wait_for(alpha_marked_sent, what="Alpha's alert marked sent")
    first.kill()  # SIGKILL while Bravo is being fetched
    assert first.proc.returncode == -signal.SIGKILL
    http_server.routes["/b"] = slow  # fast again
    second = DaemonProc(project, *FAST)
    procs.append(second)
    wait_for(lambda: len(sink.messages) >= 2, what="Bravo's alert after the restart")
    time.sleep(1.5)
    code, _ = second.stop()
    assert code == 0, second.output()
    subjects = sorted(str(m.message["Subject"]) for m in sink.messages)
    assert len(subjects) == 2, subjects
    assert "Alpha changed" in subjects[0] and "Bravo changed" in subjects[1]
    assert len({m.message["Message-ID"] for m in sink.messages}) == 2
    report = archive_report(project.settings, project.store)
    assert report["files"]
    assert report["missing_sidecar"] == [] and report["missing_file"] == []
    assert report["unindexed"] == []
    temp = [p for p in project.settings.snapshots_dir.rglob(".tmp-*")]
    assert temp == []


def test_sigterm_during_a_slow_fetch_exits_in_bounded_time(
    tmp_path: Path, http_server: LocalHTTPServer, sink: SMTPSink, procs: list[DaemonProc]
) -> None:
    project = _project(tmp_path, http_server, sink)
    http_server.routes["/a"] = Reply(200, {}, terms_page("Alpha"), delay=30)
    daemon = DaemonProc(project, *FAST)
    procs.append(daemon)
    wait_for(lambda: http_server.hits("/a"), what="the slow fetch")
    code, took = daemon.stop(signal.SIGTERM)
    assert code == 0
    assert took < 8, daemon.output()
    with project.store.session() as s:  # the abandoned check left no half-written rows
        doc = s.scalars(select(Document).where(Document.service_id == "Alpha")).first()
        assert doc is None or doc.last_checked_at is None or doc.consecutive_failures >= 0


# ---------------------------------------------------------------- schedule arithmetic


def test_schedule_helpers(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from monitor.config import ServiceOverride, Settings
    from monitor.ops.daemon import DaemonOptions

    settings = Settings(root=tmp_path, services={"Weekly": ServiceOverride(schedule="0 6 * * 1")})
    options = DaemonOptions()
    now = datetime(2026, 1, 7, 12, 0)  # a Wednesday
    assert is_overdue(settings, "Daily", None, now, options)
    assert is_overdue(settings, "Daily", datetime(2026, 1, 6, 7, 0), now, options)
    assert not is_overdue(settings, "Daily", datetime(2026, 1, 7, 6, 2), now, options)
    assert not is_overdue(settings, "Weekly", datetime(2026, 1, 5, 6, 1), now, options)
    # standard cron: 1 = Monday (APScheduler 3 alone would read it as Tuesday)
    nxt = cron_trigger("0 6 * * 1").get_next_fire_time(None, datetime(2026, 1, 7, tzinfo=UTC))
    assert nxt is not None and nxt.weekday() == 0
    assert last_digest_slot(now) == datetime(2026, 1, 5, 8, 0)
    assert last_digest_slot(datetime(2026, 1, 5, 7, 59)) == datetime(2025, 12, 29, 8, 0)


def test_log_records_stay_one_line_each() -> None:
    """Tracebacks, multi-line messages and library warnings are folded into one timestamped line
    (journald and the end-to-end test read one event per line)."""
    import io
    import logging
    import threading
    import warnings

    from monitor.ops.daemon import configure_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, threading.excepthook, sys.unraisablehook)
    stream = io.StringIO()
    try:
        configure_logging(logging.INFO, stream)
        log = logging.getLogger("clausewatch.test")
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            log.exception("check crashed")
        log.info("two\nlines")
        warnings.warn("a library warning", UserWarning, stacklevel=1)
        worker = threading.Thread(target=lambda: 1 / 0, name="stray")
        worker.start()
        worker.join()
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        threading.excepthook, sys.unraisablehook = saved[2], saved[3]
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert all(line[:4].isdigit() for line in lines), lines
    assert "check crashed | Traceback" in lines[0] and "ValueError: boom | second line" in lines[0]
    assert "a library warning" in lines[2]
    assert "uncaught exception in thread stray" in lines[3] and "ZeroDivisionError" in lines[3]
