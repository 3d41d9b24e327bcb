"""Evidence verification on real files: `clausewatch verify` finds edited, deleted and extra
snapshot files, sidecars that disagree and stored texts that fail their sha256 (exit 1); `check`
never records "verified" against an edited file; the daemon's weekly job tells the operators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import Project, make_project, terms_page
from click.testing import CliRunner
from conftest import LocalHTTPServer, Reply
from sqlalchemy import select

from monitor.cli import main
from monitor.demo.localserver import PageServer
from monitor.ops.daemon import Daemon, DaemonOptions
from monitor.store import Capture, OutboxMessage, Snapshot, Version

OPS = "ops@example.com"


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        srv.put("/f", terms_page("Framecast").encode())
        srv.put("/p", terms_page("Parley").encode())
        yield srv


@pytest.fixture
def project(tmp_path: Path, server: PageServer) -> Project:
    p = make_project(
        tmp_path, server.base_url, {"Framecast": "/f", "Parley": "/p"}, operators=[OPS]
    )
    p.check()
    return p


def _verify(project: Project) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["--config", str(project.config), "verify", "--json"])
    return result.exit_code, json.loads(result.output)


def _snapshots(project: Project) -> dict[str, Path]:
    with project.store.session() as s:
        rows = s.scalars(select(Snapshot).order_by(Snapshot.id)).all()
        return {r.path.split("/")[0]: project.settings.snapshots_dir / r.path for r in rows}


def _kinds(report: dict[str, Any]) -> dict[str, str]:
    return {p["kind"]: p["path"] for p in report["problems"]}


def test_verify_clean_archive(project: Project) -> None:
    code, report = _verify(project)
    assert code == 0 and report["ok"] is True and report["problems"] == []
    assert report["snapshots"] == 2 and report["versions"] == 2


def test_verify_finds_every_kind_of_damage(project: Project) -> None:
    snaps = _snapshots(project)
    edited, deleted = snaps["Framecast"], snaps["Parley"]
    edited.write_bytes(edited.read_bytes() + b"<!-- edited -->")
    deleted.unlink()
    extra = edited.parent / "2020-01-01T00-00-00Z.html"
    extra.write_bytes(b"<html>not in the store</html>")
    sidecar = Path(str(edited) + ".json")
    meta = json.loads(sidecar.read_text())
    meta["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(meta))
    with project.store.session() as s:
        v = s.scalars(select(Version).order_by(Version.id)).first()
        assert v is not None
        v.text += " tampered"
    code, report = _verify(project)
    assert code == 1 and report["ok"] is False
    kinds = _kinds(report)
    root = project.settings.snapshots_dir
    assert kinds["sha256_mismatch"] == edited.relative_to(root).as_posix()
    assert kinds["missing_file"] == deleted.relative_to(root).as_posix()
    assert kinds["unindexed"] == extra.relative_to(root).as_posix()
    assert kinds["sidecar_mismatch"] == edited.relative_to(root).as_posix()
    assert kinds["missing_sidecar"] == extra.relative_to(root).as_posix()
    assert "version_mismatch" in kinds
    text = CliRunner().invoke(main, ["--config", str(project.config), "verify"])
    assert text.exit_code == 1
    assert edited.relative_to(root).as_posix() in text.output


@pytest.mark.parametrize("etag", [False, True], ids=["200", "304"])
def test_check_does_not_verify_against_an_edited_file(
    tmp_path: Path, http_server: LocalHTTPServer, etag: bool
) -> None:
    """The page is unchanged but the archived copy was edited: the check must not record
    "verified" (nor trust a 304: the evidence no longer says what was captured); it archives
    the genuine bytes anew and keeps the edited file."""
    page = terms_page("Framecast")
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if etag:
        headers["ETag"] = '"v1"'
        http_server.routes["/f"] = lambda req: (
            Reply(304, headers)
            if req.headers.get("if-none-match") == '"v1"'
            else Reply(200, headers, page)
        )
    else:
        http_server.routes["/f"] = Reply(200, headers, page)
    project = make_project(tmp_path, http_server.url(""), {"Framecast": "/f"})
    project.check()
    (edited,) = _snapshots(project).values()
    edited.write_bytes(edited.read_bytes().replace(b"ten concurrent", b"nine concurrent"))
    project.check()
    with project.store.session() as s:
        outcomes = [c.outcome for c in s.scalars(select(Capture).order_by(Capture.id)).all()]
        snaps = s.scalars(select(Snapshot).order_by(Snapshot.id)).all()
        assert [r.sha256 for r in snaps] == [snaps[0].sha256] * 2
    assert outcomes == ["new", "unchanged"]
    assert len(snaps) == 2  # a fresh copy of the genuine bytes; the edited file is kept
    assert edited.exists() and b"nine concurrent" in edited.read_bytes()
    checks = edited.parent / "checks.jsonl"
    assert not checks.exists() or checks.read_text() == ""
    assert _verify(project)[0] == 1  # the edited file is still reported


def test_daemon_weekly_verify_tells_operators(project: Project) -> None:
    daemon = Daemon(project.settings, project.store, project.services(), DaemonOptions())
    daemon._schedule()
    job = daemon.scheduler.get_job("verify")
    assert job is not None and "day_of_week='sun'" in str(job.trigger)  # weekly
    daemon.verify_job()  # clean: nothing queued
    with project.store.session() as s:
        assert s.scalars(select(OutboxMessage)).all() == []
    edited = _snapshots(project)["Framecast"]
    edited.write_bytes(b"edited")
    daemon.verify_job()
    daemon.verify_job()  # the same week: told once
    with project.store.session() as s:
        notices = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "operator")).all()
    assert len(notices) == 1 and notices[0].recipient == OPS
    root = project.settings.snapshots_dir
    assert edited.relative_to(root).as_posix() in notices[0].body_text
    daemon.checker.close()
