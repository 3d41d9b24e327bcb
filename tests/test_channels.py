"""Alerts beyond e-mail: a JSON webhook and Apprise URLs, delivered by the outbox against a real
loopback HTTP receiver (http.server on 127.0.0.1) and a real SMTP sink: the documented body,
a retry after 503, a permanent failure on 400 told to operators once, exactly once across two
`send` runs, the global `[notify] urls`, and secrets never printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alerting_helpers import (
    Project,
    SMTPSink,
    WebhookReceiver,
    make_project,
    terms_page,
    write_project,
)
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.clock import utc_now
from monitor.config import load_settings, mask_url
from monitor.demo.localserver import PageServer
from monitor.notify.alerts import compose_pending
from monitor.notify.channels import post_webhook, send_apprise
from monitor.notify.mailer import GIVE_UP_AFTER, Mailer, deliver_outbox
from monitor.store import OutboxMessage, Store

SECRET = "s3cr3t-t0ken-9f8e7d"


class Clock:
    def __init__(self) -> None:
        self.now = utc_now().replace(tzinfo=None)

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
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def project(tmp_path: Path, server: PageServer, sink: SMTPSink, database_url: str) -> Project:
    return make_project(
        tmp_path,
        server.base_url,
        {"Framecast": "/f"},
        smtp_port=sink.port,
        operators=["ops@example.com"],
        database_url=database_url,
    )


def _change(project: Project, server: PageServer) -> None:
    """A first check, then a substantive change of Framecast's terms and a second check."""
    project.check()
    server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
    project.check()


def _outbox(project: Project, channel: str | None = None) -> list[OutboxMessage]:
    with project.store.session() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel:
            query = query.where(OutboxMessage.channel == channel)
        return list(s.scalars(query).all())


def _send(project: Project, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["--config", str(project.config), "send", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


# ---------------------------------------------------------------- the webhook


def test_webhook_gets_the_documented_json_body(
    project: Project, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    url = hooks.url(f"/hooks/{SECRET}")
    project.subscribe("legal@example.com", notify_urls=[url])
    _change(project, server)
    email, hook = _outbox(project)
    assert (email.channel, email.recipient, email.kind) == ("email", "legal@example.com", "alert")
    assert (hook.channel, hook.kind, hook.destination) == ("webhook", "alert", url)
    assert hook.recipient == f"http://127.0.0.1:{hooks.port}/***" and SECRET not in hook.recipient
    assert hook.subject == email.subject and hook.dedupe_key.startswith(email.dedupe_key + ":ch:")

    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed, report.remaining) == (2, 0, 0)
    assert len(sink.messages) == 1
    (got,) = hooks.received()
    assert got.path == f"/hooks/{SECRET}"
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.headers["X-ClauseWatch-Message-ID"] == hook.message_id
    assert got.headers["Idempotency-Key"] == hook.message_id
    body = got.json
    assert body["type"] == "clausewatch.alert" and body["version"] == 1
    assert body["message_id"] == hook.message_id and body["subject"] == email.subject
    assert body["subscriber"] == "legal@example.com" and body["exposure"] == "high"
    assert body["links"]["site"] == "https://watch.example.org/"
    assert body["links"]["unsubscribe"].startswith("https://watch.example.org/unsubscribe?token=")
    (doc,) = body["documents"]
    assert (doc["service_id"], doc["service"], doc["document"]) == (
        "Framecast",
        "Framecast",
        "Terms of Service",
    )
    assert doc["links"]["document"] == server.base_url + "/f"
    assert doc["links"]["page"].startswith("https://watch.example.org/platforms/framecast/")
    assert doc["detected_at"].endswith("Z") and doc["summary"]
    assert {"concurrency_limit", "credit_expiry"} <= set(doc["categories"])
    assert body["change_count"] == len(doc["changes"]) >= 2
    for change in doc["changes"]:
        assert (
            change["id"] and change["summary"] and change["exposure"] in ("low", "medium", "high")
        )
        assert change["url"].startswith(doc["links"]["page"]) and "/changes/" in change["url"]
        assert all(set(c) == {"id", "title"} for c in change["categories"])
    deltas = [d for ch in doc["changes"] for d in ch["fact_deltas"]]
    assert any(d["old"] and d["new"] and d["direction"] for d in deltas)
    assert body["disclaimer"]
    with project.store.session() as s:
        row = s.get_one(OutboxMessage, hook.id)
        assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_webhook_retried_after_a_503(
    project: Project, server: PageServer, hooks: WebhookReceiver
) -> None:
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/hook")])
    _change(project, server)
    clock = Clock()
    hooks.answer((503, "busy, come back later"))
    mailer = Mailer(project.settings.smtp, project.store, clock=clock, retry_base=60)
    report = mailer.deliver()
    assert (report.sent, report.failed, report.undeliverable) == (1, 1, 0)  # the e-mail went out
    (row,) = _outbox(project, "webhook")
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert row.last_error.startswith("HTTP 503") and "busy" in row.last_error
    assert row.next_attempt_at == clock.now + timedelta(seconds=60)
    assert mailer.deliver().sent == 0 and len(hooks.received()) == 1  # backoff: not due yet
    clock.now += timedelta(seconds=61)
    report = mailer.deliver()
    assert (report.sent, report.failed, report.remaining) == (1, 0, 0)
    first, second = hooks.received()
    assert first.body == second.body  # the same message, the same id
    assert first.headers["X-ClauseWatch-Message-ID"] == second.headers["X-ClauseWatch-Message-ID"]
    assert mailer.deliver(include_deferred=True).sent == 0 and len(hooks.received()) == 2


def test_webhook_busy_for_days_is_given_up(
    project: Project, server: PageServer, hooks: WebhookReceiver
) -> None:
    """A receiver that keeps answering 503 is given up after GIVE_UP_AFTER (operators told);
    one that cannot be reached at all stays queued: that is an outage, not this message."""
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/hook")])
    _change(project, server)
    clock = Clock()
    hooks.answer(*[(503, "busy")] * 3)
    mailer = Mailer(project.settings.smtp, project.store, clock=clock, retry_base=60)
    assert mailer.deliver().undeliverable == 0
    clock.now += GIVE_UP_AFTER
    report = mailer.deliver(include_deferred=True)
    assert report.undeliverable == 1
    (row,) = _outbox(project, "webhook")
    assert row.failed_at is not None and "given up after 5 days" in row.last_error
    assert "HTTP 503" in row.last_error


def test_permanent_failure_on_400_tells_operators_once(
    project: Project, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    url = hooks.url(f"/hooks/{SECRET}")
    project.subscribe("legal@example.com", notify_urls=[url])
    _change(project, server)
    # the receiver echoes the URL it was called on: the token must not reach logs or status
    hooks.answer((400, f"unknown hook /hooks/{SECRET}: field 'documents' not allowed"))
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed, report.undeliverable, report.remaining) == (1, 1, 1, 0)
    assert SECRET not in " ".join(report.errors)
    (row,) = _outbox(project, "webhook")
    assert row.failed_at is not None and row.sent_at is None and not row.failure_notified
    assert row.last_error.startswith("HTTP 400") and "not allowed" in row.last_error
    assert SECRET not in row.last_error

    with project.store.session() as s:
        compose_pending(s, project.settings, utc_now())
    with project.store.session() as s:
        compose_pending(s, project.settings, utc_now())  # a second round tells nobody again
    (notice,) = [m for m in _outbox(project) if m.kind == "operator"]
    assert notice.recipient == "ops@example.com" and notice.channel == "email"
    assert (
        notice.subject
        == f"[ClauseWatch] Undeliverable: webhook to http://127.0.0.1:{hooks.port}/***"
    )
    assert "HTTP 400" in notice.body_text and row.message_id in notice.body_text
    assert SECRET not in notice.body_text + notice.subject

    report = deliver_outbox(
        project.settings.smtp, project.store, clock=utc_now, include_deferred=True
    )
    assert (report.sent, report.failed, report.remaining) == (1, 0, 0)  # only the notice
    assert len(hooks.received()) == 1  # refused for good: never retried
    assert [m.rcpt_tos for m in sink.messages] == [["legal@example.com"], ["ops@example.com"]]

    status = CliRunner().invoke(main, ["--config", str(project.config), "status", "--json"])
    outbox = json.loads(status.stdout)["outbox"]
    assert (outbox["backlog"], outbox["due"], outbox["failed"]) == (0, 0, 1)
    assert SECRET not in status.stdout


def test_exactly_once_across_two_send_runs(
    project: Project, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/a"), hooks.url("/b")])
    _change(project, server)
    code, first = _send(project)
    assert code == 0 and (first["sent"], first["failed"], first["remaining"]) == (3, 0, 0)
    code, second = _send(project)
    assert code == 0 and (second["composed"], second["sent"], second["remaining"]) == (0, 0, 0)
    assert sorted(h.path for h in hooks.received()) == ["/a", "/b"]
    assert len(sink.messages) == 1
    # a check that finds nothing new queues nothing
    project.check()
    code, third = _send(project)
    assert (third["sent"], len(hooks.received())) == (0, 2)


def test_send_tells_operators_in_the_same_run(
    project: Project, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/gone")])
    _change(project, server)
    hooks.answer((404, "no such hook"))
    code, first = _send(project)
    assert code == 1 and (first["undeliverable"], first["remaining"]) == (1, 0)
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == ["legal@example.com", "ops@example.com"]
    code, second = _send(project)
    assert code == 0 and second["sent"] == 0 and len(hooks.received()) == 1
    assert len(sink.messages) == 2


def test_unreachable_receiver_stays_queued_and_the_email_still_goes(
    project: Project, server: PageServer, sink: SMTPSink
) -> None:
    from alerting_helpers import _free_port

    project.subscribe("legal@example.com", notify_urls=[f"http://127.0.0.1:{_free_port()}/x"])
    _change(project, server)
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed, report.undeliverable, report.remaining) == (1, 1, 0, 1)
    (row,) = _outbox(project, "webhook")
    assert row.failed_at is None and "cannot connect" in (row.last_error or "")


def test_smtp_outage_does_not_hold_back_webhooks(
    project: Project, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/hook")])
    _change(project, server)
    sink.stop()
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed, report.remaining) == (1, 1, 1)
    assert len(hooks.received()) == 1


@pytest.mark.slow
def test_the_daemon_delivers_to_channels(
    tmp_path: Path, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    """The running daemon: a webhook retried after a 503, another refused with a 400 and the
    operators told once, the e-mail beside them; nothing sent twice."""
    import signal
    import time

    from test_daemon import FAST, DaemonProc, wait_for

    project = make_project(
        tmp_path,
        server.base_url,
        {"Framecast": "/f"},
        smtp_port=sink.port,
        operators=["ops@example.com"],
    )
    project.subscribe("legal@example.com", notify_urls=[hooks.url("/ok"), hooks.url("/bad")])
    project.check()
    hooks.answer_for("/ok", (503, "busy"))
    hooks.answer_for("/bad", (400, "unknown hook"))
    daemon = DaemonProc(project, *FAST)
    try:
        server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
        wait_for(lambda: len(hooks.received("/ok")) == 2, what="the webhook's retry")
        wait_for(lambda: len(sink.messages) == 2, what="the alert and the operators' notice")
        time.sleep(1.5)
        code, _ = daemon.stop(signal.SIGTERM)
        assert code == 0, daemon.output()
    finally:
        daemon.kill()
    assert len(hooks.received("/ok")) == 2 and len(hooks.received("/bad")) == 1
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == ["legal@example.com", "ops@example.com"]
    (notice,) = [m for m in sink.messages if m.rcpt_tos == ["ops@example.com"]]
    assert str(notice.message["Subject"]).startswith("[ClauseWatch] Undeliverable: webhook to")
    log = daemon.output()
    assert "refused for good" in log and "delivery of" in log


# ---------------------------------------------------------------- global channels, Apprise


def test_global_urls_hear_every_change_once_per_run(
    tmp_path: Path, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    """`[notify] urls` with nobody subscribed: an Apprise json:// URL and a plain webhook whose
    token comes from the environment."""
    extra = f'[notify]\nurls = ["json://127.0.0.1:{hooks.port}/apprise", "${{TEAM_HOOK}}"]\n'
    config = write_project(
        tmp_path, server.base_url, {"Framecast": "/f"}, smtp_port=sink.port, extra=extra
    )
    settings = load_settings(config, {"TEAM_HOOK": hooks.url(f"/team/{SECRET}")}, tmp_path)
    project = Project(tmp_path, config, settings, Store(settings.database_url))
    assert project.settings.notify.urls[1] == hooks.url(f"/team/{SECRET}")
    assert SECRET not in repr(project.settings)
    _change(project, server)
    apprise_row, webhook_row = _outbox(project)
    assert (apprise_row.kind, apprise_row.channel) == ("feed", "apprise")
    assert (webhook_row.kind, webhook_row.channel) == ("feed", "webhook")
    assert apprise_row.recipient == f"json://127.0.0.1:{hooks.port}/***"
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert (report.sent, report.failed) == (2, 0)
    (via_apprise,) = hooks.received("/apprise")
    assert via_apprise.json["title"] == apprise_row.subject
    assert "Framecast / Terms of Service" in via_apprise.json["message"]
    (team,) = hooks.received(f"/team/{SECRET}")
    assert team.json["subscriber"] is None and team.json["links"]["unsubscribe"] is None
    assert team.json["documents"][0]["service"] == "Framecast"
    assert sink.messages == []  # nobody subscribed by e-mail
    project.check()  # nothing changed: nothing new
    with project.store.session() as s:
        assert compose_pending(s, project.settings, utc_now(), stale_after=None) == []
    assert len(_outbox(project)) == 2


def test_feed_min_exposure_filters(
    tmp_path: Path, server: PageServer, sink: SMTPSink, hooks: WebhookReceiver
) -> None:
    extra = f'[notify]\nurls = ["{hooks.url("/hook")}"]\nmin_exposure = "high"\n'
    project = make_project(tmp_path, server.base_url, {"Framecast": "/f"}, extra=extra)
    project.check()
    # a low-exposure change only: the contact clause's answer time
    server.put(
        "/f",
        terms_page("Framecast").replace("within thirty days of", "within twenty days of").encode(),
    )
    project.check()
    assert _outbox(project) == []


def test_apprise_answers_decide_permanent_or_transient(hooks: WebhookReceiver) -> None:
    url = hooks.url("/apprise", scheme="json")
    hooks.answer((400, "bad"), (503, "later"))
    refused = send_apprise(url, "title", "body")
    assert not refused.ok and refused.permanent and "400" in refused.error
    busy = send_apprise(url, "title", "body")
    assert not busy.ok and not busy.permanent and "503" in busy.error
    assert send_apprise(url, "title", "body").ok
    assert [h.json["title"] for h in hooks.received()] == ["title"] * 3
    unknown = send_apprise("nope://whatever", "t", "b")
    assert not unknown.ok and unknown.permanent


def test_webhook_answers(hooks: WebhookReceiver) -> None:
    url = hooks.url("/w")
    hooks.answer((429, "slow down"), (302, ""), (410, "gone"), (204, ""))
    assert not post_webhook(url, "{}", "<m@x>").permanent  # 429: retried
    redirected = post_webhook(url, "{}", "<m@x>")
    assert redirected.permanent and "redirects are not followed" in redirected.error
    assert post_webhook(url, "{}", "<m@x>").permanent
    assert post_webhook(url, "{}", "<m@x>").ok


# ---------------------------------------------------------------- subscribing, masking


def test_mask_url_hides_tokens() -> None:
    assert mask_url(f"https://user:pw@hooks.example.org/services/{SECRET}?k=v") == (
        "https://hooks.example.org/***"
    )
    assert mask_url("https://hooks.example.org") == "https://hooks.example.org"
    slack = mask_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert slack.startswith("slack://") and "TIiajkdnlazkcOXrIdevi7FQ" not in slack
    assert (
        mask_url(f"json://user:secret@127.0.0.1:9/x/{SECRET}")
        == "json://user:****@127.0.0.1:9/x/***"
    )
    assert mask_url("ntfy://my-private-topic") == "ntfys://***"
    assert mask_url("nope://a-token") == "nope://***"


def test_subscribe_notify_options(project: Project, hooks: WebhookReceiver) -> None:
    runner = CliRunner()
    base = ["--config", str(project.config)]
    hook = f"https://hooks.example.org/services/{SECRET}"
    slack = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#legal"
    done = runner.invoke(
        main, [*base, "subscribe", "legal@example.com", "--notify", hook, "--notify", slack]
    )
    assert done.exit_code == 0, done.output
    assert "also notifies https://hooks.example.org/***, slack://" in done.stdout
    assert SECRET not in done.output and "TIiajkdnlazkcOXrIdevi7FQ" not in done.output
    listed = runner.invoke(main, [*base, "subscribers", "--json"])
    (sub,) = json.loads(listed.stdout)
    assert sub["notify"][0] == "https://hooks.example.org/***" and len(sub["notify"]) == 2
    assert SECRET not in listed.stdout
    table = runner.invoke(main, [*base, "subscribers"])
    assert "hooks.example.org" in table.stdout and SECRET not in table.stdout

    # re-subscribing without --notify keeps the URLs; --no-notify removes them
    runner.invoke(main, [*base, "subscribe", "legal@example.com", "--min-exposure", "high"])
    assert (
        len(json.loads(runner.invoke(main, [*base, "subscribers", "--json"]).stdout)[0]["notify"])
        == 2
    )
    runner.invoke(main, [*base, "subscribe", "legal@example.com", "--no-notify"])
    assert (
        json.loads(runner.invoke(main, [*base, "subscribers", "--json"]).stdout)[0]["notify"] == []
    )

    bad = runner.invoke(main, [*base, "subscribe", "x@example.com", "--notify", f"nope://{SECRET}"])
    assert bad.exit_code == 2 and "--notify #1 (nope://***)" in bad.output
    assert SECRET not in bad.output
    free = runner.invoke(
        main, [*base, "subscribe", "y@example.com", "--plan", "free", "--notify", hook]
    )
    assert free.exit_code == 2 and "no same-day alerts" in free.output
    both = runner.invoke(
        main, [*base, "subscribe", "z@example.com", "--notify", hook, "--no-notify"]
    )
    assert both.exit_code == 2


def test_no_secret_reaches_the_logs(
    project: Project,
    server: PageServer,
    hooks: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="urllib3")  # as the daemon's logging sets it
    apprise_url = f"json://clausewatch:{SECRET}@127.0.0.1:{hooks.port}/apprise/{SECRET}"
    webhook_url = hooks.url(f"/hook/{SECRET}")
    project.subscribe("legal@example.com", notify_urls=[apprise_url, webhook_url])
    _change(project, server)
    hooks.answer((503, f"try /hook/{SECRET} later"), (400, f"no {SECRET}"))
    report = deliver_outbox(project.settings.smtp, project.store, clock=utc_now)
    assert report.failed == 2 and report.undeliverable == 1
    with project.store.session() as s:
        compose_pending(s, project.settings, utc_now())  # the operators' notice
    deliver_outbox(project.settings.smtp, project.store, clock=utc_now, include_deferred=True)
    rows = _outbox(project)
    # what is shown: every recipient and error, and the e-mails' text (the subscriber's alert and
    # the operators' notice); only the channel messages' destination holds the URL
    shown = [f"{m.recipient} {m.last_error}" for m in rows]
    shown += [f"{m.subject} {m.body_text}" for m in rows if m.channel == "email"]
    assert any(m.kind == "operator" for m in rows)
    assert SECRET not in " ".join(shown)
    assert SECRET not in caplog.text, [
        r.getMessage() for r in caplog.records if SECRET in r.getMessage()
    ]
    assert SECRET not in " ".join(report.errors)
