"""Alerts: one e-mail per (run, subscriber), filters, editorial silence, escaping, unfinished
batches composed after a crash, operator failure/recovery notices without a storm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alerting_helpers import Project, make_project, terms_page
from sqlalchemy import select

from monitor.clock import utc_now
from monitor.demo.localserver import PageServer
from monitor.notify.alerts import checker_hooks, compose_pending, unfinished_batches
from monitor.store import OutboxMessage
from monitor.store.schema import AlertItem

HOSTILE = (
    "<p>13. Reviews. Text such as &lt;script&gt;alert('pwned')&lt;/script&gt; and "
    "&lt;img src=x onerror=alert(1)&gt; that users post is shown to moderators as plain text.</p>"
)


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        srv.put("/f", terms_page("Framecast").encode())
        srv.put("/p", terms_page("Parley").encode())
        yield srv


@pytest.fixture
def project(tmp_path: Path, server: PageServer, database_url: str) -> Project:
    return make_project(
        tmp_path,
        server.base_url,
        {"Framecast": "/f", "Parley": "/p"},
        operators=["ops@example.com"],
        failure_threshold=2,
        database_url=database_url,
    )


def _messages(project: Project, kind: str = "alert") -> list[OutboxMessage]:
    with project.store.session() as s:
        return list(
            s.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            ).all()
        )


def _change_both(server: PageServer) -> None:
    server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
    # a 20 % trim of the concurrency limit: medium, not high (a cut of a quarter or more is high)
    server.put("/p", terms_page("Parley", jobs="eight", extra=HOSTILE).encode())


def test_one_email_per_run_and_subscriber(project: Project, server: PageServer) -> None:
    project.subscribe("all@example.com")
    project.subscribe("credits@example.com", categories=["credit_expiry"])
    project.subscribe("parley@example.com", services=["Parley"], min_exposure="high")
    project.subscribe("free@example.com", plan="free", services=["Framecast"])
    project.check()
    assert _messages(project) == []  # first capture: nothing to compare
    _change_both(server)
    summary = project.check()
    msgs = {m.recipient: m for m in _messages(project)}
    # free plan: digest only; Parley only, high exposure: Parley's changes are not high
    assert sorted(msgs) == ["all@example.com", "credits@example.com"]
    everything = msgs["all@example.com"]
    assert everything.dedupe_key.startswith(f"alert:{summary.run_id}:")
    assert everything.subject.startswith("[ClauseWatch] High: Framecast, Parley changed ")
    # both of Framecast's changes are high (10 -> 2 concurrent jobs, 12 months -> 30 days of
    # credit validity); the subject names the first categories, the body all of them
    assert "Concurrency limit" in everything.subject
    assert "Credit and balance expiry" in everything.body_text
    assert "Framecast / Terms of Service" in everything.body_text
    assert "Parley / Terms of Service" in everything.body_text
    credits = msgs["credits@example.com"]
    assert "Parley" not in credits.subject and "Parley / Terms" not in credits.body_text
    # headers, unsubscribe link, disclaimer
    for m in msgs.values():
        assert m.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert (
            "<mailto:alerts@clausewatch.test?subject=unsubscribe%20"
            in m.headers["List-Unsubscribe"]
        )
        assert "https://watch.example.org/unsubscribe?token=" in m.headers["List-Unsubscribe"]
        assert "https://watch.example.org/unsubscribe?token=" in m.body_text
        assert "unsubscribe?token=" in (m.body_html or "")
        assert "not a legal determination" in m.body_text.lower() or "legal" in m.body_text
    # the same run never yields a second message
    with project.store.session() as s:
        assert compose_pending(s, project.settings, utc_now(), stale_after=None) == []
    assert len(_messages(project)) == 2


def test_hostile_document_text_is_escaped_in_html(project: Project, server: PageServer) -> None:
    project.subscribe("all@example.com")
    project.check()
    _change_both(server)
    project.check()
    (msg,) = _messages(project)
    html = msg.body_html or ""
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "<script>alert('pwned')</script>" in msg.body_text  # plain text shows it verbatim


def test_filter_that_matches_nothing(project: Project, server: PageServer) -> None:
    project.subscribe("arb@example.com", categories=["arbitration"])
    project.check()
    _change_both(server)
    project.check()
    assert _messages(project) == []
    with project.store.session() as s:
        assert unfinished_batches(s) == 0


def test_editorial_changes_never_alert(project: Project, server: PageServer) -> None:
    project.subscribe("all@example.com")
    project.check()
    server.put("/f", terms_page("Framecast", updated="March 9, 2026").encode())
    project.check()
    assert _messages(project) == []


def test_unfinished_batches_are_composed_once(project: Project, server: PageServer) -> None:
    project.subscribe("all@example.com")
    project.check()
    _change_both(server)
    hooks = checker_hooks(project.settings, project.store)
    hooks.pop("on_run_finished")  # the process "dies" after recording, before composing
    summary = project.check(**hooks)
    assert _messages(project) == []
    with project.store.session() as s:
        assert unfinished_batches(s) > 0
        items = s.scalars(select(AlertItem)).all()
        assert all(i.outbox_id is None for i in items)
        composed = compose_pending(s, project.settings, utc_now(), stale_after=None)
    assert len(composed) == 1
    (msg,) = _messages(project)
    assert msg.dedupe_key == f"alert:{summary.run_id}:1"
    with project.store.session() as s:
        assert unfinished_batches(s) == 0
        assert compose_pending(s, project.settings, utc_now(), stale_after=None) == []


def test_operators_hear_once_on_failure_and_once_on_recovery(
    project: Project, server: PageServer
) -> None:
    project.check()
    good = server.pages["/f"]
    del server.pages["/f"]  # 404
    for _ in range(4):
        project.check()
    ops = _messages(project, "operator")
    assert len(ops) == 1
    assert ops[0].subject.startswith("[ClauseWatch] Failing: Framecast / Terms of Service")
    assert "not found" in ops[0].body_text
    server.pages["/f"] = good
    project.check()
    project.check()
    ops = _messages(project, "operator")
    assert [m.subject.split(":")[0] for m in ops] == [
        "[ClauseWatch] Failing",
        "[ClauseWatch] Recovered",
    ]


def test_two_composers_racing_for_one_batch_queue_one_message(
    project: Project, server: PageServer
) -> None:
    """The run's own hook and the minute job can read the same unlinked items; one message."""
    from monitor.notify.alerts import _compose_batch
    from monitor.store import Subscriber

    project.subscribe("all@example.com")
    project.check()
    _change_both(server)
    hooks = checker_hooks(project.settings, project.store)
    hooks.pop("on_run_finished")
    summary = project.check(**hooks)
    with project.store.session() as late:
        # the late composer has read the batch while it was still unlinked ...
        batch = list(late.scalars(select(AlertItem).order_by(AlertItem.id)).all())
        sub = late.scalars(select(Subscriber)).one()
        assert batch and all(i.outbox_id is None for i in batch)
        # ... when the other composer finishes first
        with project.store.session() as first:
            assert len(compose_pending(first, project.settings, utc_now(), stale_after=None)) == 1
        assert _compose_batch(late, project.settings, sub, summary.run_id, batch, utc_now()) is None
    (msg,) = _messages(project)
    assert msg.dedupe_key == f"alert:{summary.run_id}:1"
    with project.store.session() as s:
        assert {i.outbox_id for i in s.scalars(select(AlertItem))} == {msg.id}
