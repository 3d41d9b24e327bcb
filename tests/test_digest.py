"""Weekly digest e-mails: the right subscribers get the right weeks, each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_site import NOW, Filled, fill_store

from monitor.config import PlanSettings
from monitor.notify.digest import queue_weekly_digests, weeks_due
from monitor.store import OutboxMessage, Subscriber

LONG_AGO = datetime(2026, 10, 1)


def _subscriber(
    filled: Filled,
    email: str,
    *,
    plan: str = "free",
    services: list[str] | None = None,
    categories: list[str] | None = None,
    min_exposure: str = "low",
    created_at: datetime = LONG_AGO,
    active: bool = True,
) -> int:
    with filled.store.session() as s:
        sub = Subscriber(
            email=email,
            plan=plan,
            services=services or [],
            categories=categories or [],
            min_exposure=min_exposure,
            token=f"tok-{email.split('@')[0]}",
            created_at=created_at,
            active=active,
        )
        s.add(sub)
        s.flush()
        return sub.id


def _outbox(filled: Filled) -> list[OutboxMessage]:
    with filled.store.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())


@pytest.fixture
def filled(tmp_path: Path, database_url: str) -> Filled:
    f = fill_store(tmp_path, base_url="https://watch.example.org/cw", database_url=database_url)
    f.settings.plans["alerts-only"] = PlanSettings("alerts-only", weekly_digest=False)
    return f


def test_weeks_due() -> None:
    # never sent: only the previous complete week
    assert weeks_due(NOW, LONG_AGO, None) == ["2026-W47"]
    # subscribed after that week ended: nothing yet
    assert weeks_due(NOW, datetime(2026, 11, 24), None) == []
    # subscribed during that week: that week
    assert weeks_due(NOW, datetime(2026, 11, 20), None) == ["2026-W47"]
    # already sent: nothing
    assert weeks_due(NOW, LONG_AGO, "2026-W47") == []
    # daemon down for three Mondays: the missed weeks, oldest first, capped
    later = NOW + timedelta(days=21)
    assert weeks_due(later, LONG_AGO, "2026-W47") == ["2026-W48", "2026-W49", "2026-W50"]
    assert weeks_due(later, LONG_AGO, "2026-W40", catch_up=2) == ["2026-W49", "2026-W50"]
    # Monday 00:00 exactly: the week that just ended is complete
    assert weeks_due(datetime(2026, 11, 30), LONG_AGO, None) == ["2026-W48"]


def test_right_subscribers_right_content_once(filled: Filled) -> None:
    everyone = _subscriber(filled, "all@example.org")
    claude = _subscriber(filled, "claude@example.org", plan="watcher", services=["Claude.ai"])
    credits = _subscriber(
        filled, "credits@example.org", categories=["credit_expiry"], min_exposure="high"
    )
    _subscriber(filled, "gone@example.org", active=False)
    _subscriber(filled, "alerts@example.org", plan="alerts-only")
    _subscriber(filled, "unknown-plan@example.org", plan="no-such-plan")
    _subscriber(filled, "new@example.org", created_at=NOW - timedelta(hours=1))

    assert queue_weekly_digests(filled.settings, filled.store, NOW) == 3
    assert queue_weekly_digests(filled.settings, filled.store, NOW) == 0  # twice sends once
    assert queue_weekly_digests(filled.settings, filled.store, NOW + timedelta(hours=5)) == 0

    msgs = {m.recipient: m for m in _outbox(filled)}
    assert set(msgs) == {"all@example.org", "claude@example.org", "credits@example.org"}
    for m in msgs.values():
        assert m.kind == "digest"
        assert m.body_html and m.body_text
        assert m.headers["List-Unsubscribe"].startswith("<mailto:")
        assert "not a legal determination" in m.body_text.lower() or "legal" in m.body_text
        assert "https://watch.example.org/cw/digest/2026-W47/" in m.body_text
        assert m.dedupe_key is not None and m.dedupe_key.startswith("digest:2026-W47:")
    ids = filled.ids

    all_msg = msgs["all@example.org"]
    assert all_msg.dedupe_key == f"digest:2026-W47:{everyone}"
    assert "2 changes" in all_msg.subject and "2 high exposure" in all_msg.subject
    fc_change = f"https://watch.example.org/cw/platforms/framecast/terms-of-service/changes/{ids['fc_conc']}/"
    assert fc_change in all_msg.body_text and f'href="{fc_change}"' in all_msg.body_html
    assert "concurrent job limit reduced from 5 jobs to 2 jobs" in all_msg.body_text
    assert f"changes/{ids['fc_edit']}/" not in all_msg.body_text  # editorial: not in digests
    assert "Claude.ai" not in all_msg.body_text  # W46, not the digest's week

    claude_msg = msgs["claude@example.org"]
    assert claude_msg.dedupe_key == f"digest:2026-W47:{claude}"
    assert "nothing changed" in claude_msg.subject
    assert "Nothing changed on your watch list" in claude_msg.body_text

    credit_msg = msgs["credits@example.org"]
    assert credit_msg.dedupe_key == f"digest:2026-W47:{credits}"
    assert "1 change" in credit_msg.subject
    assert f"changes/{ids['fc_cred']}/" in credit_msg.body_text
    assert f"changes/{ids['fc_conc']}/" not in credit_msg.body_text


def test_missed_weeks_are_sent_after_a_restart_once(filled: Filled) -> None:
    everyone = _subscriber(filled, "all@example.org")
    assert queue_weekly_digests(filled.settings, filled.store, NOW - timedelta(days=14)) == 1
    # the daemon was down on the next two Mondays; it restarts on a Thursday
    restart = NOW + timedelta(days=1)
    assert queue_weekly_digests(filled.settings, filled.store, restart) == 2
    assert queue_weekly_digests(filled.settings, filled.store, restart) == 0
    keys = [m.dedupe_key for m in _outbox(filled)]
    assert keys == [f"digest:2026-W{w}:{everyone}" for w in (45, 46, 47)]
    w46 = _outbox(filled)[1]
    # W46 has Claude.ai's notice change; Le Chat's imported history never alerts anyone
    assert "notice period shortened from 30 days to 7 days" in w46.body_text
    assert "Le Chat" not in w46.body_text
    # next Monday: only the week that just ended (W48, with DALL·E's arbitration clause)
    assert queue_weekly_digests(filled.settings, filled.store, datetime(2026, 11, 30, 6)) == 1
    last = _outbox(filled)[-1]
    assert last.dedupe_key == f"digest:2026-W48:{everyone}"
    assert "DALL·E" in last.body_text and "DALL·E" in last.body_html


def test_html_digest_escapes_names(filled: Filled) -> None:
    with filled.store.session() as s:
        from monitor.store import Service

        svc = s.get(Service, "Framecast")
        assert svc is not None
        svc.name = "Frame<b>cast</b> & Co"
    _subscriber(filled, "all@example.org")
    assert queue_weekly_digests(filled.settings, filled.store, NOW) == 1
    msg = _outbox(filled)[0]
    assert msg.body_html is not None
    assert "Frame&lt;b&gt;cast&lt;/b&gt; &amp; Co" in msg.body_html
    assert "Frame<b>cast</b> & Co" in msg.body_text  # plain text is not HTML-escaped
