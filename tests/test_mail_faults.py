"""Mail faults against a real SMTP server (aiosmtpd) that refuses recipients or hangs up: one bad
address never holds back the others, a permanent refusal is recorded once and told to the
operators once, transient trouble backs off, Message-IDs survive a database restore unique, and
`send --due-only` exits 1 while anything stays queued."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alerting_helpers import Project, SMTPSink, make_project
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.notify.alerts import report_undeliverable
from monitor.notify.mailer import GIVE_UP_AFTER, Mailer
from monitor.notify.outbox import enqueue
from monitor.store import OutboxMessage, Store

OPS = "ops@example.com"
BAD = "gone@example.com"


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
def project(tmp_path: Path, sink: SMTPSink) -> Project:
    return make_project(tmp_path, "http://127.0.0.1:1/", {}, smtp_port=sink.port, operators=[OPS])


def _queue(project: Project, recipients: list[str], now: datetime, prefix: str = "t") -> None:
    with project.store.session() as s:
        for i, rcpt in enumerate(recipients):
            enqueue(
                s,
                kind="alert",
                recipient=rcpt,
                subject=f"alert {i}",
                body_text=f"body {i}\n",
                body_html=None,
                dedupe_key=f"{prefix}:{i}",
                now=now,
            )


def _rows(project: Project) -> dict[str, OutboxMessage]:
    with project.store.session() as s:
        return {r.recipient: r for r in s.scalars(select(OutboxMessage)).all()}


def _send(project: Project, *args: str) -> object:
    return CliRunner().invoke(main, ["--config", str(project.config), "send", *args])


def test_refused_recipient_does_not_stop_the_batch(project: Project, sink: SMTPSink) -> None:
    """A 550 for one address: the good ones are delivered in the same run, the bad one is failed
    with the server's answer and never retried, and the operators hear of it once."""
    sink.handler.refuse[BAD] = "550 5.1.1 <gone@example.com>: mailbox unavailable"
    _queue(project, [BAD, "a@example.com", "b@example.com"], datetime(2026, 1, 5))
    first = _send(project)
    assert first.exit_code == 1, first.output  # something could not be delivered
    assert "1 refused for good" in first.output
    delivered = sorted(m.rcpt_tos[0] for m in sink.messages)
    assert delivered == sorted([OPS, "a@example.com", "b@example.com"])
    rows = _rows(project)
    assert rows[BAD].failed_at is not None and rows[BAD].sent_at is None
    assert "550 5.1.1" in (rows[BAD].last_error or "")
    notice = next(m for m in sink.messages if m.rcpt_tos == [OPS]).message
    assert BAD in str(notice["Subject"]) and "550 5.1.1" in notice.get_content()
    tries = sink.handler.rcpt_attempts.count(BAD)
    for _ in range(3):  # later runs: no retry of the refused address, no second notice
        again = _send(project)
        assert again.exit_code == 0, again.output
    assert sink.handler.rcpt_attempts.count(BAD) == tries == 1
    assert [m.rcpt_tos for m in sink.messages].count([OPS]) == 1


def test_refused_operator_address_is_not_reported_to_itself(
    project: Project, sink: SMTPSink
) -> None:
    """The notice to an operator whose address is refused is failed and logged, not re-reported
    (which would queue a new notice to the same address every round)."""
    sink.handler.refuse[OPS] = "550 5.1.1 no such operator"
    sink.handler.refuse[BAD] = "550 5.1.1 no such user"
    _queue(project, [BAD], datetime(2026, 1, 5))
    for _ in range(3):
        _send(project)
    with project.store.session() as s:
        kinds = [r.kind for r in s.scalars(select(OutboxMessage)).all()]
    assert kinds == ["alert", "operator"]


def test_transient_refusal_backs_off_and_others_go(project: Project, sink: SMTPSink) -> None:
    clock = Clock()
    sink.handler.refuse[BAD] = "452 4.2.2 mailbox full, try later"
    _queue(project, [BAD, "a@example.com"], clock.now)
    mailer = Mailer(project.settings.smtp, project.store, clock=clock, retry_base=60)
    report = mailer.deliver()
    assert (report.sent, report.undeliverable, report.remaining) == (1, 0, 1)
    row = _rows(project)[BAD]
    assert row.failed_at is None and row.attempts == 1 and "452 4.2.2" in (row.last_error or "")
    assert row.next_attempt_at == clock.now + timedelta(seconds=60)
    assert mailer.deliver().failed == 0  # not due yet: no new attempt
    del sink.handler.refuse[BAD]
    clock.now += timedelta(seconds=61)
    assert mailer.deliver().sent == 1
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted([BAD, "a@example.com"])


def test_refusal_deferred_for_days_is_given_up_and_reported(
    project: Project, sink: SMTPSink
) -> None:
    """A receiver that answers 4xx for days (a mailbox that stays full) is given up after
    GIVE_UP_AFTER like a bounce, with its last answer, and the operators are told once; an
    unreachable server never fails a message however long it lasts."""
    clock = Clock()
    sink.handler.refuse[BAD] = "452 4.2.2 mailbox full, try later"
    _queue(project, [BAD], clock.now)
    mailer = Mailer(project.settings.smtp, project.store, clock=clock, retry_base=60)
    for _ in range(3):  # retried while young
        assert mailer.deliver(include_deferred=True).undeliverable == 0
        clock.now += timedelta(days=1)
    assert _rows(project)[BAD].failed_at is None
    clock.now += GIVE_UP_AFTER
    report = mailer.deliver(include_deferred=True)
    assert (report.undeliverable, report.remaining) == (1, 0)
    row = _rows(project)[BAD]
    assert row.failed_at is not None and row.sent_at is None
    assert "given up after 5 days" in (row.last_error or "") and "452 4.2.2" in row.last_error
    with project.store.session() as s:
        assert report_undeliverable(s, project.settings, clock.now) == 1
        assert report_undeliverable(s, project.settings, clock.now) == 0  # told once

    # an outage is not the message's fault: nothing is failed, it waits for the server
    _queue(project, ["a@example.com"], clock.now, prefix="outage")
    down = Mailer(
        replace(project.settings.smtp, url="smtp://127.0.0.1:1"),
        project.store,
        clock=clock,
    )
    clock.now += 2 * GIVE_UP_AFTER
    assert down.deliver(include_deferred=True).undeliverable == 0
    assert _rows(project)["a@example.com"].failed_at is None


def test_dropped_connection_loses_one_attempt_not_the_batch(
    project: Project, sink: SMTPSink
) -> None:
    """The server hangs up during one message: that message waits for its retry, the messages
    after it go out over a new connection."""
    clock = Clock()
    sink.handler.drop.add(BAD)
    _queue(project, ["a@example.com", BAD, "b@example.com", "c@example.com"], clock.now)
    report = Mailer(project.settings.smtp, project.store, clock=clock).deliver()
    assert (report.sent, report.failed, report.remaining) == (3, 1, 1)
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    row = _rows(project)[BAD]
    assert row.failed_at is None and row.sent_at is None and row.next_attempt_at > clock.now


def test_message_ids_unique_after_database_restore(project: Project, tmp_path: Path) -> None:
    """Restoring a backup reuses run and subscriber ids, so a dedupe key like alert:5:1 comes
    back for a different alert; its Message-ID must not be the one already delivered (mail
    stores would drop the new alert as a duplicate)."""
    db = project.settings.data_dir / "clausewatch.sqlite3"
    project.store.dispose()
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(db, backup)
    _queue(project, ["a@example.com"], datetime(2026, 1, 5), prefix="alert:5")
    before = _rows(project)["a@example.com"].message_id
    project.store.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, db)  # the restore
    project.store = Store(project.settings.database_url)
    assert _rows(project) == {}
    _queue(project, ["a@example.com"], datetime(2026, 1, 12), prefix="alert:5")
    after = _rows(project)["a@example.com"].message_id
    assert before != after


def test_send_due_only_exits_1_while_messages_stay_queued(project: Project, sink: SMTPSink) -> None:
    _queue(project, ["a@example.com"], datetime(2026, 1, 5))
    sink.stop()
    down = _send(project, "--due-only")
    assert down.exit_code == 1 and "1 still queued" in down.output
    deferred = _send(project, "--due-only")  # in its backoff: not tried, still queued
    assert "0 failed, 1 still queued" in deferred.output
    assert deferred.exit_code == 1, deferred.output
    sink.start()
    up = _send(project)
    assert up.exit_code == 0 and "1 sent" in up.output
