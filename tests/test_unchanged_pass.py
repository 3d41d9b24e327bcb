"""The unchanged pass's short cuts keep the one-document path's results: verified 304s written
in batches, evidence judged by the stat stamped at archive time, plain selectors validated
without soupsieve."""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import soupsieve
from alerting_helpers import Project, make_project, terms_page
from sqlalchemy import select

from monitor.capture.archive import Archive
from monitor.capture.declarations import _css_error
from monitor.demo.localserver import PageServer
from monitor.store import Capture, Document, Snapshot

NAMES = {"Framecast": "/f", "Parley": "/p", "Quillstack": "/q"}


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        for name, path in NAMES.items():
            srv.put(path, terms_page(name).encode())
        yield srv


@pytest.fixture
def project(tmp_path: Path, server: PageServer) -> Project:
    p = make_project(tmp_path, server.base_url, NAMES)
    p.check()
    return p


def _captures(project: Project, run_id: int) -> dict[str, Capture]:
    with project.store.session() as s:
        rows = s.execute(
            select(Document.service_id, Capture)
            .join(Capture, Capture.document_id == Document.id)
            .where(Capture.run_id == run_id)
        ).all()
        return {service_id: capture for service_id, capture in rows}


def test_unchanged_pass_records_every_304_and_the_clocks(project: Project) -> None:
    summary = project.check()
    assert summary.count("unchanged") == 3
    captures = _captures(project, summary.run_id)
    assert sorted(captures) == sorted(NAMES)
    assert {c.outcome for c in captures.values()} == {"not_modified"}
    assert all(c.snapshot_ids == [] and c.warnings == [] for c in captures.values())
    with project.store.session() as s:
        for doc in s.scalars(select(Document)):
            assert doc.last_checked_at == doc.last_success_at == captures[doc.service_id].checked_at
            assert doc.consecutive_failures == 0 and doc.last_error is None


def test_a_document_with_a_failure_pending_recovers_on_a_304(project: Project) -> None:
    """A pending failure is cleared (and its recovery hooked) by the one-document path."""
    with project.store.session() as s:
        doc = s.scalars(select(Document).where(Document.service_id == "Parley")).one()
        doc.consecutive_failures, doc.last_error, doc.last_error_reason = 2, "boom", "timeout"
    recovered: list[str] = []
    summary = project.check(on_recovery=lambda s, doc: recovered.append(doc.service_id))
    assert summary.count("unchanged") == 3 and recovered == ["Parley"]
    assert _captures(project, summary.run_id)["Parley"].outcome == "not_modified"
    with project.store.session() as s:
        doc = s.scalars(select(Document).where(Document.service_id == "Parley")).one()
        assert (doc.consecutive_failures, doc.last_error, doc.last_error_reason) == (0, None, None)


def test_a_same_size_edit_of_the_evidence_is_not_trusted(project: Project) -> None:
    with project.store.session() as s:
        snap = s.scalars(
            select(Snapshot).join(Document).where(Document.service_id == "Framecast")
        ).one()
        path = project.settings.snapshots_dir / snap.path
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Framecast", b"Framec@st", 1))  # same size, other bytes
    summary = project.check()
    captures = _captures(project, summary.run_id)
    assert captures["Framecast"].outcome == "unchanged"  # fetched anew and archived again
    assert captures["Framecast"].snapshot_ids != [snap.id]
    assert captures["Parley"].outcome == "not_modified"


def test_intact_since_archived_stamps_and_rehashes(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    at = datetime(2026, 5, 1, 12, 30, 15, 123456)
    body = b"<html>terms</html>"
    snap = archive.write_snapshot("Svc", "Terms of Service", at, body, "text/html", {})
    path = tmp_path / snap.relative_path
    stamp = path.stat().st_mtime_ns
    assert stamp == calendar.timegm(at.timetuple()) * 10**9 + 123456000  # naive = UTC
    assert archive.intact_since_archived(snap.relative_path, snap.sha256, snap.size, at)
    os.utime(path, ns=(1, 1))  # touched but not edited: hashed, found intact, stamped again
    assert archive.intact_since_archived(snap.relative_path, snap.sha256, snap.size, at)
    assert path.stat().st_mtime_ns == stamp
    path.write_bytes(b"<html>TERMS</html>")
    assert not archive.intact_since_archived(snap.relative_path, snap.sha256, snap.size, at)
    path.unlink()
    assert not archive.intact_since_archived(snap.relative_path, snap.sha256, snap.size, at)


@pytest.mark.parametrize(
    "selector",
    [
        "article.legal",
        ".cookie-banner",
        "#main > .x",
        "div p, .a ~ b + c",
        "* > *.x",
        "h1.title, h2#sub",
        "",
        ",a",
        "a >",
        "a..b",
        "#1x",
        "a,,b",
        ".-x",
        "a[href]",
        "div:not(.x)",
        "div:has(",
    ],
)
def test_selector_validation_agrees_with_soupsieve(selector: str) -> None:
    try:
        soupsieve.compile(selector)
        accepted = True
    except Exception:
        accepted = False
    assert (_css_error(selector) is None) == accepted


def test_a_run_reads_the_states_of_its_own_services_only(project: Project) -> None:
    """A worker's round of a few documents must not read the whole store's states (a round per
    eight documents over 10,000 made the worker's pass quadratic): the states of the named
    services are those of the full read, and nobody else's."""
    from monitor.store.queries import STATES_BY_SERVICE_MAX, document_states

    with project.store.session() as s:
        every = document_states(s)
        some = document_states(s, {"Parley", "Quillstack", "NotDeclared"})
        many = document_states(s, {f"S{i}" for i in range(STATES_BY_SERVICE_MAX + 1)})
    assert {sid for sid, _ in every} == set(NAMES)
    assert some == {key: state for key, state in every.items() if key[0] != "Framecast"}
    assert all(state.has_version and state.snapshots for state in some.values())
    assert many == every  # too many to name: the one read of every state
    checker = project.checker()
    try:  # a run of one service still takes the quick 304 path
        summary = checker.run(project.services(), only=["Parley"])
    finally:
        checker.close()
    assert summary.count("unchanged") == 1
    assert _captures(project, summary.run_id)["Parley"].outcome == "not_modified"
