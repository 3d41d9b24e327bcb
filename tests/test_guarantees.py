"""The guarantees docs/daemon.md states ("What is guaranteed"), one test each, named after the
statement's tag, against a real SMTP server (aiosmtpd), local HTTP servers and real files; the
first test checks that the list in the doc and the tests here match."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import Project, SMTPSink, make_project, terms_page
from click.testing import CliRunner
from conftest import LocalHTTPServer, Reply
from sqlalchemy import select

from monitor.cli import main
from monitor.clock import utc_now
from monitor.notify.alerts import checker_hooks
from monitor.notify.mailer import Mailer, connect
from monitor.notify.outbox import enqueue
from monitor.ops.daemon import Daemon, DaemonOptions
from monitor.store import OutboxMessage, Run, Snapshot, Store, Version

DOC = Path(__file__).resolve().parents[1] / "docs" / "daemon.md"
OPS = "ops@example.com"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def stated_guarantees() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## What is guaranteed", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- \*\*\[([a-z-]+)\]\*\*", section, flags=re.M)


def test_every_stated_guarantee_has_a_test() -> None:
    stated = stated_guarantees()
    tested = {
        name.removeprefix("test_guarantee_").replace("_", "-")
        for name in globals()
        if name.startswith("test_guarantee_")
    }
    assert len(stated) >= 8 and len(set(stated)) == len(stated)
    assert set(stated) == tested


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def sink() -> Iterator[SMTPSink]:
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def project(tmp_path: Path, http_server: LocalHTTPServer, sink: SMTPSink) -> Project:
    http_server.routes["/f"] = Reply(200, HTML, terms_page("Framecast"))
    http_server.routes["/p"] = Reply(200, HTML, terms_page("Parley"))
    return make_project(
        tmp_path,
        http_server.url(""),
        {"Framecast": "/f", "Parley": "/p"},
        smtp_port=sink.port,
        operators=[OPS],
        failure_threshold=2,
    )


def _send(project: Project) -> Any:
    return CliRunner().invoke(main, ["--config", str(project.config), "send"])


def _to(sink: SMTPSink, rcpt: str) -> list[Any]:
    return [m.message for m in sink.messages if m.rcpt_tos == [rcpt]]


def _queue(project: Project, rcpt: str, key: str) -> None:
    with project.store.session() as s:
        enqueue(
            s,
            kind="alert",
            recipient=rcpt,
            subject="subject",
            body_text="body\n",
            body_html=None,
            dedupe_key=key,
            now=utc_now(),
        )


def _change(http_server: LocalHTTPServer, service: str = "Framecast", path: str = "/f") -> None:
    http_server.routes[path] = Reply(200, HTML, terms_page(service, jobs="two", expiry="30 days"))


def _check_without_compose(project: Project) -> None:
    """A check whose process dies after recording its changes, before composing the alerts."""
    hooks = checker_hooks(project.settings, project.store)
    hooks.pop("on_run_finished")
    project.check(**hooks)


# ---------------------------------------------------------------- the guarantees


def test_guarantee_no_alert_lost(
    project: Project, http_server: LocalHTTPServer, sink: SMTPSink
) -> None:
    project.subscribe("legal@example.com")
    project.check()
    _change(http_server)
    _check_without_compose(project)
    sink.stop()  # and the mail server is down
    assert _send(project).exit_code == 1
    sink.start()
    for _ in range(2):
        _send(project)
    (alert,) = _to(sink, "legal@example.com")
    assert "Framecast changed" in str(alert["Subject"])


class Crash(BaseException):
    """The process dying at a given point (not an error the mailer would handle)."""


def test_guarantee_one_duplicate_per_crash(project: Project, sink: SMTPSink) -> None:
    _queue(project, "a@example.com", "k:a")
    _queue(project, "b@example.com", "k:b")

    class Client:
        def __init__(self, real: Any, after: bool) -> None:
            self.real, self.after = real, after

        def sendmail(self, sender: str, rcpts: list[str], msg: bytes) -> Any:
            if self.after:  # the server accepts, then the process dies before marking it sent
                self.real.sendmail(sender, rcpts, msg)
            raise Crash("killed")

        def quit(self) -> Any:
            return self.real.quit()

    smtp = project.settings.smtp
    for after in (True, False):  # a crash inside the window, then one outside it
        crashing = Mailer(
            smtp, project.store, clock=utc_now, connector=lambda s, a=after: Client(connect(s), a)
        )
        with pytest.raises(Crash):
            crashing.deliver()
    mailer = Mailer(smtp, project.store, clock=utc_now)
    assert mailer.deliver(include_deferred=True).sent == 2
    assert mailer.deliver(include_deferred=True).sent == 0
    a = _to(sink, "a@example.com")
    assert len(a) == 2 and len({m["Message-ID"] for m in a}) == 1  # one duplicate, same id
    assert len(_to(sink, "b@example.com")) == 1


def test_guarantee_unique_message_ids(project: Project, tmp_path: Path) -> None:
    other = Store(f"sqlite:///{tmp_path / 'restored.sqlite3'}")  # a store restored from backup
    ids = []
    for store in (project.store, other):
        with store.session() as s:
            message = enqueue(
                s,
                kind="alert",
                recipient="a@example.com",
                subject="s",
                body_text="b\n",
                body_html=None,
                dedupe_key="alert:5:1",
                now=utc_now(),
            )
            assert message is not None
            ids.append(message.message_id)
    assert ids[0] != ids[1]


def test_guarantee_refused_told_once(project: Project, sink: SMTPSink) -> None:
    sink.handler.refuse["gone@example.com"] = "550 5.1.1 mailbox unavailable"
    _queue(project, "gone@example.com", "k:1")
    _queue(project, "here@example.com", "k:2")
    first = _send(project)
    assert "1 refused for good" in first.output
    assert len(_to(sink, "here@example.com")) == 1
    for _ in range(2):
        _send(project)
    assert sink.handler.rcpt_attempts.count("gone@example.com") == 1
    (notice,) = _to(sink, OPS)
    assert "550 5.1.1" in notice.get_content()


def test_guarantee_failing_told_once(
    project: Project, http_server: LocalHTTPServer, sink: SMTPSink
) -> None:
    project.check()
    http_server.routes["/f"] = Reply(404, HTML, "gone")
    for _ in range(4):
        project.check()
    http_server.routes["/f"] = Reply(200, HTML, terms_page("Framecast"))
    for _ in range(2):
        project.check()
    _send(project)
    subjects = sorted(str(m["Subject"]) for m in _to(sink, OPS))
    assert len(subjects) == 2
    assert subjects[0].startswith("[ClauseWatch] Failing: Framecast")
    assert subjects[1].startswith("[ClauseWatch] Recovered: Framecast")


def test_guarantee_bad_text_held(
    project: Project, http_server: LocalHTTPServer, sink: SMTPSink
) -> None:
    project.subscribe("framecast@example.com", services=["Framecast"])
    project.subscribe("parley@example.com", services=["Parley"])
    project.check()
    _change(http_server)
    _change(http_server, "Parley", "/p")
    _check_without_compose(project)
    with project.store.session() as s:
        version = s.scalars(select(Version).order_by(Version.id.desc())).first()
        assert version is not None
        good, version_id = version.text, version.id
        version.text = good + " edited"
        held = "framecast@example.com" if version.document_id == 1 else "parley@example.com"
    other = ({"framecast@example.com", "parley@example.com"} - {held}).pop()
    for _ in range(2):
        _send(project)
    assert len(_to(sink, other)) == 1 and _to(sink, held) == []
    assert len(_to(sink, OPS)) == 1
    with project.store.session() as s:
        s.get_one(Version, version_id).text = good
    _send(project)
    assert len(_to(sink, held)) == 1


def test_guarantee_evidence_weekly(project: Project) -> None:
    project.check()
    clock_now = [datetime(2026, 1, 4, 3, 0)]
    daemon = Daemon(
        project.settings,
        project.store,
        project.services(),
        DaemonOptions(),
        clock=lambda: clock_now[0],
    )
    with project.store.session() as s:
        path = s.scalars(select(Snapshot.path)).first()
    assert path is not None
    (project.settings.snapshots_dir / path).write_bytes(b"edited")
    daemon.verify_job()
    daemon.verify_job()
    clock_now[0] += timedelta(days=7)
    daemon.verify_job()
    daemon.checker.close()
    with project.store.session() as s:
        notices = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "operator")).all()
    assert len(notices) == 2 and all(path in n.body_text for n in notices)


def test_guarantee_interrupted_runs(project: Project) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs: the run's owner was killed
    with project.store.session() as s:
        run = Run(
            kind="check",
            started_at=datetime(2026, 1, 5, 6, 0),
            stats={"pid": gone.pid, "host": socket.gethostname()},
        )
        s.add(run)
        s.flush()
        run_id = run.id
    daemon = Daemon(project.settings, project.store, project.services(), DaemonOptions())
    daemon.housekeeping(startup=True)  # what the daemon does at start
    daemon.checker.close()
    with project.store.session() as s:
        marked = s.get_one(Run, run_id)
        assert marked.finished_at == datetime(2026, 1, 5, 6, 0) and marked.stats["interrupted"]
    status = CliRunner().invoke(main, ["--config", str(project.config), "status", "--json"])
    data = json.loads(status.output)
    assert [r["id"] for r in data["interrupted_runs"]] == [run_id]
    assert data["last_run"]["interrupted"] is True
