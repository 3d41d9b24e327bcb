"""Captures that are not the document, and faults that must not look healthy (issue 14).

A check end to end (Checker, real SQLite, the archive on disk, a loopback server): a redirect to
another host, a 200 carrying only the first part of the page, an archive that cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import LOOPBACK_TOML, LocalHTTPServer, Reply
from pages import terms_page
from sqlalchemy import select
from test_pipeline import Project

from monitor.capture.declarations import load_declarations
from monitor.config import ServiceOverride, load_settings
from monitor.ops.checker import Checker
from monitor.store import Capture, Change, Document, Snapshot, Version


class AlertLog:
    """The checker's on_changes hook: which versions would have alerted."""

    def __init__(self) -> None:
        self.versions: list[int] = []

    def __call__(self, session: Any, doc: Any, version: Any, changes: Any, run_id: Any) -> None:
        self.versions.append(version.id)


class FaultProject(Project):
    def __init__(self, root: Path, settings: Any, server: LocalHTTPServer) -> None:
        super().__init__(root, settings, server)
        self.alerts = AlertLog()

    def check(self):  # type: ignore[no-untyped-def]
        services, problems = load_declarations(self.root / "declarations")
        assert not [p for p in problems if p.severity == "error"]
        checker = Checker(self.settings, self.store, clock=self.clock, on_changes=self.alerts)
        try:
            summary = checker.run(services)
        finally:
            checker.close()
        self.clock.advance(hours=24)
        return summary.outcomes[0]

    def captures(self) -> list[Capture]:
        with self.store.session() as s:
            rows = list(s.scalars(select(Capture).order_by(Capture.id)))
            s.expunge_all()
        return rows

    def document(self) -> Document:
        with self.store.session() as s:
            doc = s.scalars(select(Document)).one()
            s.expunge(doc)
        return doc


@pytest.fixture
def project(tmp_path: Path, http_server: LocalHTTPServer) -> FaultProject:
    (tmp_path / "declarations").mkdir()
    (tmp_path / "clausewatch.toml").write_text(
        '[fetch]\nper_host_delay = 0.0\nbrowser = "never"\nretries = 0\n'
        f"read_timeout = 2.0\nconnect_timeout = 2.0\n{LOOPBACK_TOML}"
    )
    settings = load_settings(tmp_path / "clausewatch.toml", {}, tmp_path)
    return FaultProject(tmp_path, settings, http_server)


def truncated(page: str, share: float = 0.4) -> str:
    """The first `share` of the page's bytes, as a server cut off mid-page would send them."""
    return page[: int(len(page) * share)]


# ---------------------------------------------------------------- refused addresses


def test_a_refused_address_is_a_failed_capture_with_nothing_archived(
    project: FaultProject, make_http_server: Any
) -> None:
    internal = make_http_server(host="127.0.0.2")  # loopback, but not on the tests' allow-list
    internal.routes["/admin"] = terms_page("Router Admin")
    project.server.routes["/terms"] = Reply(302, {"Location": internal.url("/admin")})
    project.declare()
    outcome = project.check()
    assert outcome.outcome == "failed" and outcome.reason == "address_refused"
    assert "127.0.0.2 is a loopback address" in outcome.message
    assert internal.requests == []
    assert project.count(Snapshot) == 0 and project.count(Version) == 0
    assert project.archive_files() == []
    assert project.captures()[-1].reason == "address_refused"
    assert project.document().consecutive_failures == 1


# ---------------------------------------------------------------- another host


def test_a_redirect_to_another_host_is_a_failed_capture(project: FaultProject) -> None:
    server = project.server
    server.routes["/terms"] = Reply(302, {"Location": f"http://localhost:{server.port}/elsewhere"})
    server.routes["/elsewhere"] = terms_page("Other Company")
    project.declare()
    outcome = project.check()
    assert outcome.outcome == "failed" and outcome.reason == "other_host"
    assert "localhost" in outcome.message and "127.0.0.1" in outcome.message
    assert "allowed_hosts" in outcome.message
    assert project.count(Version) == 0 and project.alerts.versions == []
    assert project.document().consecutive_failures == 1


def test_allowed_hosts_accepts_the_redirect(project: FaultProject) -> None:
    server = project.server
    server.routes["/terms"] = Reply(302, {"Location": f"http://localhost:{server.port}/elsewhere"})
    server.routes["/elsewhere"] = terms_page()
    project.settings.services["Acme"] = ServiceOverride(allowed_hosts=["localhost"])
    project.declare()
    assert project.check().outcome == "new"


# ---------------------------------------------------------------- suspicious captures


def test_a_truncated_page_is_held_and_the_good_page_returning_records_nothing(
    project: FaultProject,
) -> None:
    good = terms_page()
    project.server.routes["/terms"] = [good, truncated(good), good]
    project.declare()
    assert project.check().outcome == "new"
    held = project.check()
    assert held.outcome == "held", held.message
    assert "lost" in held.message
    assert project.check().outcome == "unchanged"
    assert project.count(Version) == 1 and project.count(Change) == 0
    assert project.alerts.versions == []
    captures = project.captures()
    assert [c.outcome for c in captures] == ["new", "held", "unchanged"]
    assert captures[1].snapshot_ids and captures[1].version_id is None  # kept as evidence
    assert project.count(Snapshot) == 3


def test_a_shrunken_page_confirmed_by_a_second_capture_becomes_a_version_and_alerts(
    project: FaultProject,
) -> None:
    good = terms_page()
    project.server.routes["/terms"] = [good, truncated(good)]
    project.declare()
    project.check()
    assert project.check().outcome == "held"
    confirmed = project.check()
    assert confirmed.outcome == "changed", confirmed.message
    assert project.count(Version) == 2
    assert project.alerts.versions == [confirmed.version_id]
    assert [c.outcome for c in project.captures()] == ["new", "held", "changed"]


def test_confirmation_compares_text_not_bytes(project: FaultProject) -> None:
    short = truncated(terms_page())
    project.server.routes["/terms"] = [terms_page(), short, short + "<!-- served by node 7 -->"]
    project.declare()
    project.check()
    assert project.check().outcome == "held"
    assert project.check().outcome == "changed"  # other bytes, the same text: confirmed
    assert len(project.alerts.versions) == 1


def test_a_second_different_shrunken_page_is_held_again(project: FaultProject) -> None:
    good = terms_page()
    project.server.routes["/terms"] = [good, truncated(good, 0.4), truncated(good, 0.3)]
    project.declare()
    project.check()
    assert project.check().outcome == "held"
    assert project.check().outcome == "held"  # not the same text: nothing confirmed yet
    assert project.count(Version) == 1 and project.alerts.versions == []


def test_an_ordinary_change_is_not_held(project: FaultProject) -> None:
    project.server.routes["/terms"] = [terms_page(notice_days=30), terms_page(notice_days=7)]
    project.declare()
    project.check()
    assert project.check().outcome == "changed"
    assert len(project.alerts.versions) == 1


# ---------------------------------------------------------------- faults that must show


def _unwritable_checks_log(project: FaultProject) -> None:
    # Tests may run as root, for whom permissions do not stop a write: a directory where the
    # append-only checks log should be is a write failure for everyone.
    log = project.settings.snapshots_dir / "Acme" / "Terms of Service" / "checks.jsonl"
    log.unlink(missing_ok=True)
    log.mkdir(parents=True)


def test_unwritable_archive_with_an_unchanged_page_leaves_a_failed_capture(
    project: FaultProject,
) -> None:
    project.server.routes["/terms"] = terms_page()
    project.declare()
    assert project.check().outcome == "new"
    _unwritable_checks_log(project)
    outcome = project.check()
    assert outcome.outcome == "failed"
    assert "checks.jsonl" in outcome.message
    last = project.captures()[-1]
    assert last.outcome == "failed" and last.reason == "ArchiveError"
    assert project.document().consecutive_failures == 1


def test_unwritable_archive_with_a_304_leaves_a_failed_capture(project: FaultProject) -> None:
    project.server.routes["/terms"] = lambda req: (
        Reply(304, {"ETag": '"v1"'})
        if req.headers.get("if-none-match") == '"v1"'
        else Reply(200, {"ETag": '"v1"'}, terms_page())
    )
    project.declare()
    assert project.check().outcome == "new"
    _unwritable_checks_log(project)
    assert project.check().outcome == "failed"
    assert project.captures()[-1].outcome == "failed"
    assert project.document().consecutive_failures == 1


# ---------------------------------------------------------------- the rules themselves


@pytest.mark.parametrize(
    ("declared", "final", "same"),
    [
        ("example.com", "www.example.com", True),
        ("www.example.com", "example.com", True),
        ("example.com", "legal.example.com", True),
        ("help.example.com", "example.com", True),
        ("example.com", "example.org", False),
        ("example.com", "notexample.com", False),
        ("example.com", "example.com.evil.net", False),
        ("127.0.0.1", "localhost", False),
    ],
)
def test_same_site(declared: str, final: str, same: bool) -> None:
    from monitor.capture.check import same_site

    assert same_site(declared, final) is same


def test_losing_the_legal_vocabulary_is_suspicious_even_at_the_same_length() -> None:
    import re

    from pages import terms_markup

    from monitor.capture.check import LEGAL_WORD, content_loss

    previous = re.sub(r"<[^>]+>", "\n", terms_markup())
    # the same length and the same ordinary words, every legal word gone (a marketing page)
    emptied = LEGAL_WORD.sub("offer", previous)
    why = content_loss(previous, emptied)
    assert why is not None and "legal vocabulary" in why, why
    assert content_loss(previous, previous.replace("30 days", "7 days")) is None
