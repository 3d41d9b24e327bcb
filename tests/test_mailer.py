"""SMTP delivery against a real local server (aiosmtpd): MIME structure, headers, Message-ID,
backoff while the server is down, nothing lost and nothing sent twice once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alerting_helpers import Project, SMTPSink, make_project, parts, terms_page
from click.testing import CliRunner
from markupsafe import escape
from sqlalchemy import select

from monitor.clauses.taxonomy import load_taxonomy
from monitor.cli import main
from monitor.clock import utc_now
from monitor.demo.localserver import PageServer
from monitor.notify.mailer import Mailer, deliver_outbox, retry_delay
from monitor.notify.outbox import enqueue
from monitor.store import OutboxMessage


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 6, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sink() -> Iterator[SMTPSink]:
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        srv.put("/f", terms_page("Framecast").encode())
        yield srv


@pytest.fixture
def project(tmp_path: Path, server: PageServer, sink: SMTPSink, database_url: str) -> Project:
    return make_project(
        tmp_path,
        server.base_url,
        {"Framecast": "/f"},
        smtp_port=sink.port,
        database_url=database_url,
    )


def _queue(project: Project, n: int, now: datetime) -> None:
    with project.store.session() as s:
        for i in range(n):
            enqueue(
                s,
                kind="operator",
                recipient=f"r{i}@example.com",
                subject=f"message {i}",
                body_text=f"body {i}\n",
                body_html=None,
                dedupe_key=f"test:{i}",
                now=now,
            )


def test_alert_email_over_smtp(project: Project, server: PageServer, sink: SMTPSink) -> None:
    project.subscribe("all@example.com")
    project.check()
    server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
    project.check()
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed, report.remaining) == (1, 0, 0)
    (received,) = sink.messages
    assert received.rcpt_tos == ["all@example.com"]
    assert received.mail_from == "alerts@clausewatch.test"
    msg = received.message
    assert msg.get_content_type() == "multipart/alternative"
    with project.store.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.sent_at is not None and row.attempts == 1
        assert msg["Message-ID"] == row.message_id
    assert str(msg["Subject"]).startswith("[ClauseWatch] High: Framecast changed ")
    assert "<https://watch.example.org/unsubscribe?token=" in str(msg["List-Unsubscribe"])
    assert str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    head = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"List-Unsubscribe: <mailto:" in head and b"=?utf-8?" not in head  # plain ASCII
    bodies = parts(msg)
    assert set(bodies) == {"text/plain", "text/html"}
    disclaimer = load_taxonomy().disclaimer
    assert " ".join(disclaimer.split()) in " ".join(bodies["text/plain"].split())
    assert str(escape(disclaimer)) in bodies["text/html"]
    assert "unsubscribe?token=" in bodies["text/plain"]


def test_outage_delays_and_loses_nothing(project: Project, sink: SMTPSink) -> None:
    clock = Clock()
    _queue(project, 3, clock.now)
    sink.stop()
    mailer = Mailer(project.settings.smtp, project.store, clock=clock, retry_base=60)
    report = mailer.deliver()
    assert (report.sent, report.failed, report.remaining) == (0, 3, 3)
    with project.store.session() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert all(r.attempts == 1 and r.last_error and r.sent_at is None for r in rows)
        assert all(r.next_attempt_at == clock.now + timedelta(seconds=60) for r in rows)
    assert mailer.deliver().sent == 0  # backoff: not due yet, no new attempt
    clock.now += timedelta(seconds=61)
    assert mailer.deliver().failed == 3  # still down: the second attempt waits twice as long
    with project.store.session() as s:
        assert {r.attempts for r in s.scalars(select(OutboxMessage))} == {2}
    sink.start()  # back up on the same port
    clock.now += timedelta(seconds=121)
    report = mailer.deliver()
    assert (report.sent, report.failed, report.remaining) == (3, 0, 0)
    assert mailer.deliver(include_deferred=True).sent == 0  # nothing is sent twice
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        "r0@example.com",
        "r1@example.com",
        "r2@example.com",
    ]
    assert len({m.message["Message-ID"] for m in sink.messages}) == 3


def test_rejected_message_stays_queued(project: Project, sink: SMTPSink) -> None:
    clock = Clock()
    _queue(project, 1, clock.now)
    sink.handler.reject = True
    report = Mailer(project.settings.smtp, project.store, clock=clock).deliver()
    assert report.failed == 1 and "451" in report.errors[0]
    sink.handler.reject = False
    clock.now += timedelta(hours=1)
    assert Mailer(project.settings.smtp, project.store, clock=clock).deliver().sent == 1
    assert len(sink.messages) == 1


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(50, 60) == timedelta(hours=6)


def test_cli_send_exit_codes(project: Project, sink: SMTPSink) -> None:
    _queue(project, 2, datetime(2026, 1, 5))
    runner = CliRunner()
    sink.stop()
    down = runner.invoke(main, ["--config", str(project.config), "send"])
    assert down.exit_code == 1, down.output
    assert "2 still queued" in down.output
    sink.start()
    up = runner.invoke(main, ["--config", str(project.config), "send"])  # ignores the backoff
    assert up.exit_code == 0, up.output
    assert "2 sent" in up.output
    assert len(sink.messages) == 2


def test_demo_entry_point(project: Project, server: PageServer, tmp_path: Path) -> None:
    from monitor.demo.alerts import DEMO_ADDRESS, run_demo_alerts

    project.check()
    server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
    project.check()  # the demo subscribes after the check: the run's changes are backfilled
    result = run_demo_alerts(project.config, None, tmp_path / "alert.eml")
    assert result["sent"] == 1 and result["subscriber"] == DEMO_ADDRESS
    import email

    msg = email.message_from_bytes((tmp_path / "alert.eml").read_bytes())
    assert msg["To"] == DEMO_ADDRESS and msg.get_content_type() == "multipart/alternative"
