"""The capture pipeline end to end against a local HTTP server: archive, versions, failures."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import LOOPBACK_TOML, Reply, database_toml
from pages import terms_page
from sqlalchemy import func, select

from monitor.capture.archive import Archive, sha256_bytes
from monitor.capture.declarations import load_declarations, write_declaration
from monitor.config import load_settings
from monitor.errors import ArchiveError
from monitor.ops.checker import Checker, rebuild
from monitor.store import Capture, Change, Snapshot, Store, Version


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 6, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def project(tmp_path: Path, http_server, database_url: str):  # type: ignore[no-untyped-def]
    (tmp_path / "declarations").mkdir()
    (tmp_path / "clausewatch.toml").write_text(
        database_toml(database_url)
        + '[fetch]\nper_host_delay = 0.0\nbrowser = "never"\nretries = 1\nbackoff = 0.01\n'
        f"read_timeout = 1.0\nconnect_timeout = 1.0\nmax_bytes = 300000\n{LOOPBACK_TOML}"
    )
    settings = load_settings(tmp_path / "clausewatch.toml", {}, tmp_path)
    return Project(tmp_path, settings, http_server)


class Project:
    def __init__(self, root: Path, settings, server) -> None:  # type: ignore[no-untyped-def]
        self.root = root
        self.settings = settings
        self.server = server
        self.store = Store(settings.database_url)
        self.clock = Clock()

    def declare(self, service: str = "Acme", path: str = "/terms", **extra: object) -> None:
        decl = {"fetch": self.server.url(path), "select": ["article.legal"], "remove": ["nav"]}
        decl.update(extra)
        write_declaration(self.root / "declarations", service, service, {"Terms of Service": decl})

    def check(self):  # type: ignore[no-untyped-def]
        services, problems = load_declarations(self.root / "declarations")
        assert not [p for p in problems if p.severity == "error"]
        checker = Checker(self.settings, self.store, clock=self.clock)
        try:
            summary = checker.run(services)
        finally:
            checker.close()
        self.clock.advance(hours=24)
        return summary.outcomes[0]

    def count(self, model) -> int:  # type: ignore[no-untyped-def]
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    def archive_files(self) -> list[Path]:
        return sorted(p for p in self.settings.snapshots_dir.rglob("*") if p.is_file())


def test_first_pass_archives_snapshot_sidecar_and_version(project: Project) -> None:
    project.server.routes["/terms"] = Reply(200, {"Content-Type": "text/html"}, terms_page())
    project.declare()
    outcome = project.check()
    assert outcome.outcome == "new", outcome.message
    raw = [p for p in project.archive_files() if p.suffix == ".html"]
    assert len(raw) == 1
    assert raw[0].relative_to(project.settings.snapshots_dir).parts[:2] == (
        "Acme",
        "Terms of Service",
    )
    sidecar = json.loads(raw[0].with_name(raw[0].name + ".json").read_text())
    assert sidecar["sha256"] == sha256_bytes(raw[0].read_bytes())
    assert sidecar["status"] == 200 and sidecar["fetcher"] == "http"
    assert sidecar["declaration"]["select"] == ["article.legal"]
    with project.store.session() as s:
        version = s.scalars(select(Version)).one()
        assert "Usage Limits" in version.text and "Home" not in version.text  # nav removed
        assert version.snapshot_ids


def test_conditional_get_304_is_unchanged_and_archives_nothing(project: Project) -> None:
    project.server.routes["/terms"] = lambda req: (
        Reply(304, {"ETag": '"v1"'})
        if req.headers.get("if-none-match") == '"v1"'
        else Reply(200, {"ETag": '"v1"'}, terms_page())
    )
    project.declare()
    assert project.check().outcome == "new"
    files = project.archive_files()
    assert project.check().outcome == "unchanged"
    assert project.archive_files()[: len(files)] == files
    assert not [p for p in project.archive_files() if p.suffix == ".html" and p not in files]
    with project.store.session() as s:
        outcomes = [c.outcome for c in s.scalars(select(Capture).order_by(Capture.id))]
    assert outcomes == ["new", "not_modified"]


def test_identical_bytes_record_a_verification_not_a_file(project: Project) -> None:
    project.server.routes["/terms"] = terms_page()
    project.declare()
    project.check()
    assert project.check().outcome == "unchanged"
    assert project.count(Snapshot) == 1
    log = project.settings.snapshots_dir / "Acme" / "Terms of Service" / "checks.jsonl"
    assert json.loads(log.read_text().splitlines()[-1])["outcome"] == "verified"


def test_changed_page_records_new_version_and_changes(project: Project) -> None:
    project.server.routes["/terms"] = terms_page(notice_days=30)
    project.declare()
    project.check()
    project.server.routes["/terms"] = terms_page(notice_days=7)
    outcome = project.check()
    assert outcome.outcome == "changed"
    assert outcome.changes >= 1
    assert project.count(Version) == 2 and project.count(Snapshot) == 2
    with project.store.session() as s:
        changes = s.scalars(select(Change)).all()
        assert any("7 days" in (c.after or {}).get("text", "") for c in changes)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(500, body="oops"), "server_error"),
        (Reply(404, body="<h1>Not found</h1>"), "not_found"),
        (Reply(200, body="<html><body><article class='legal'></article></body></html>"), None),
        (
            Reply(
                200,
                body="<html><head><title>Just a moment...</title></head><body>"
                "<article class='legal'>Checking your browser before accessing the site."
                "</article></body></html>",
            ),
            None,
        ),
        (
            Reply(200, body="<html><body><main>no article here</main></body></html>"),
            "selector_not_found",
        ),
    ],
    ids=["500", "404", "empty", "bot-wall", "selector-gone"],
)
def test_failures_are_recorded_and_lose_nothing(
    project: Project, reply: Reply, reason: str | None
) -> None:
    project.server.routes["/terms"] = terms_page()
    project.declare()
    assert project.check().outcome == "new"
    before = {p: p.read_bytes() for p in project.archive_files() if p.name != "checks.jsonl"}
    project.server.routes["/terms"] = reply
    outcome = project.check()
    assert outcome.outcome == "failed"
    assert outcome.message and "\n" not in outcome.message
    if reason:
        assert outcome.reason == reason
    for path, data in before.items():  # evidence already archived is untouched
        assert path.read_bytes() == data
    with project.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 1
        assert s.scalars(select(Change)).all() == []
        failed = s.scalars(select(Capture).where(Capture.outcome == "failed")).one()
        assert failed.reason == outcome.reason


def test_timeout_redirect_loop_and_oversized_body(project: Project) -> None:
    project.server.routes["/slow"] = Reply(200, body=terms_page(), delay=2.5)
    project.server.routes["/loop"] = Reply(302, {"Location": "/loop"})
    project.server.routes["/big"] = Reply(200, body="<p>" + "x" * 400_000 + "</p>")
    for name, path in (("Slow", "/slow"), ("Loop", "/loop"), ("Big", "/big")):
        project.declare(name, path)
    services, _ = load_declarations(project.root / "declarations")
    checker = Checker(project.settings, project.store, clock=project.clock)
    try:
        outcomes = {o.service_id: o for o in checker.run(services).outcomes}
    finally:
        checker.close()
    assert {o.outcome for o in outcomes.values()} == {"failed"}
    assert outcomes["Loop"].reason == "redirect_loop"
    assert outcomes["Big"].reason == "too_large"
    assert outcomes["Slow"].reason == "timeout"
    assert project.server.url("/slow") in outcomes["Slow"].message


def test_non_utf8_page_is_decoded(project: Project) -> None:
    page = terms_page("Caf\u00e9 Cr\u00e8me").encode("cp1252")
    project.server.routes["/terms"] = Reply(
        200, {"Content-Type": "text/html; charset=windows-1252"}, page
    )
    project.declare()
    assert project.check().outcome == "new"
    with project.store.session() as s:
        assert "Caf\u00e9 Cr\u00e8me" in s.scalars(select(Version)).one().text


def test_archive_refuses_path_escape_and_never_overwrites(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    when = datetime(2026, 1, 1)
    with pytest.raises(ArchiveError, match="cannot be used"):
        archive.write_snapshot("../evil", "Terms", when, b"x", "text/html", {})
    with pytest.raises(ArchiveError):
        archive.write_snapshot("Acme", "..", when, b"x", "text/html", {})
    first = archive.write_snapshot("Acme", "Terms", when, b"one", "text/html", {})
    second = archive.write_snapshot("Acme", "Terms", when, b"two", "text/html", {})
    assert first.relative_path != second.relative_path
    assert archive.read(first.relative_path, first.sha256) == b"one"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_full_disk_is_a_clear_failure_and_keeps_earlier_evidence(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.server.routes["/terms"] = terms_page()
    project.declare()
    project.check()
    before = project.archive_files()
    project.server.routes["/terms"] = terms_page(notice_days=7)

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_space)
    outcome = project.check()
    assert outcome.outcome == "failed"
    assert "No space left on device" in outcome.message
    assert str(project.settings.snapshots_dir) in outcome.message
    assert [p for p in project.archive_files() if p.name != "checks.jsonl"] == [
        p for p in before if p.name != "checks.jsonl"
    ]
    assert not list(project.settings.snapshots_dir.rglob(".tmp-*"))


def test_rebuild_records_technical_upgrade_without_changes(project: Project) -> None:
    project.server.routes["/terms"] = terms_page()
    project.declare()
    project.check()
    # the declaration now also removes the title: a re-extraction, not a change
    project.declare(remove=["nav", "h1"])
    services, _ = load_declarations(project.root / "declarations")
    outcomes = rebuild(project.settings, project.store, services, clock=project.clock)
    assert [o.outcome for o in outcomes] == ["upgraded"]
    with project.store.session() as s:
        versions = s.scalars(select(Version).order_by(Version.id)).all()
        assert [v.technical_upgrade for v in versions] == [False, True]
        assert s.scalars(select(Change)).all() == []
    # rebuilding again changes nothing
    assert [o.outcome for o in rebuild(project.settings, project.store, services)] == ["unchanged"]


def test_unchanged_check_outside_a_run_leaves_no_unreferenced_file(project: Project) -> None:
    """A check whose states were not preloaded (the daemon's per-service runs overlap, and one
    run's end clears them) must not write the unchanged capture ahead: the store would keep
    referring to the previous snapshot and the new file would be evidence of nothing."""
    from monitor.ops.daemon import archive_report

    project.server.routes["/terms"] = Reply(200, body=terms_page())  # no validators: a full GET
    project.declare()
    assert project.check().outcome == "new"
    services, _ = load_declarations(project.root / "declarations")
    checker = Checker(project.settings, project.store, clock=project.clock)
    try:
        for _ in range(2):
            project.clock.advance(hours=24)
            outcome = checker.check_document(services["Acme"], "Terms of Service")
            assert outcome.outcome == "unchanged"
    finally:
        checker.close()
    report = archive_report(project.settings, project.store)
    assert report["unindexed"] == [] and report["missing_file"] == []
    assert project.count(Snapshot) == 1
