"""A run that analyses in worker processes, with its snapshots, extraction and analysis done
outside the write lock, stores exactly what a run analysing in its own process stores: versions,
provisions (with their first and last versions) and change events, first pass and changed pass;
and so does a changed pass that reads the previous versions' clauses from the clause cache."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import Project, make_project, terms_page
from sqlalchemy import select

from monitor.capture.archive import sha256_text
from monitor.changes.clause_cache import ClauseCache
from monitor.clauses import extract_provisions, known_clauses
from monitor.config import Settings
from monitor.demo.localserver import PageServer
from monitor.ops.checker import CLAUSE_CACHE, Checker
from monitor.store import Change, Document, Provision, Snapshot, Store, Version

NAMES = {"Framecast": "/f", "Parley": "/p", "Quillstack": "/q", "Lumenor": "/l"}


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        for name, path in NAMES.items():
            srv.put(path, terms_page(name).encode())
        yield srv


def _dump(project: Project) -> dict[str, Any]:
    """The store's contents by document, without ids or clocks (threads finish in any order)."""
    out: dict[str, Any] = {}
    with project.store.session() as s:
        for doc in s.scalars(select(Document).order_by(Document.service_id)):
            versions = s.scalars(
                select(Version).where(Version.document_id == doc.id).order_by(Version.id)
            ).all()
            rank = {v.id: i for i, v in enumerate(versions)}
            snapshots = s.scalars(
                select(Snapshot).where(Snapshot.document_id == doc.id).order_by(Snapshot.id)
            ).all()
            provisions = s.scalars(
                select(Provision).where(Provision.document_id == doc.id).order_by(Provision.id)
            ).all()
            changes = s.scalars(
                select(Change).where(Change.document_id == doc.id).order_by(Change.id)
            ).all()
            out[doc.service_id] = {
                "versions": [
                    (v.text, v.sha256, v.normalised_sha256, v.doctype_ok, v.doctype_reason,
                     len(v.snapshot_ids), v.technical_upgrade) for v in versions
                ],
                "snapshots": [(x.sha256, x.size, x.status, x.source_index) for x in snapshots],
                "provisions": [
                    (p.category, p.anchor, p.heading_path, p.text, p.facts, p.confidence,
                     p.unfair, p.exposure, p.reasons, rank[p.first_version_id],
                     rank[p.last_version_id], p.active) for p in provisions
                ],
                "changes": [
                    (c.from_version_id and rank[c.from_version_id], rank[c.to_version_id], c.kind,
                     c.categories, c.editorial, c.exposure, c.reasons, c.fact_deltas, c.before,
                     c.after, c.diff, c.alertable) for c in changes
                ],
            }  # fmt: skip
    return out


def _check(project: Project, workers: int) -> Any:
    checker = project.checker(on_changes=None)
    checker.analysis_workers = workers
    try:
        return checker.run(project.services())
    finally:
        checker.close()


def test_worker_processes_store_what_the_checking_process_stores(
    tmp_path: Path, server: PageServer
) -> None:
    here = make_project(tmp_path / "here", server.base_url, NAMES)
    pooled = make_project(tmp_path / "pooled", server.base_url, NAMES)
    uncached = make_project(tmp_path / "uncached", server.base_url, NAMES)
    runs = ((here, 0), (pooled, 2), (uncached, 0))
    for project, workers in runs:
        summary = _check(project, workers)
        assert summary.count("new") == len(NAMES), summary.outcomes
    cache = uncached.settings.data_dir / CLAUSE_CACHE
    assert len(list(cache.rglob("*.json.z"))) == len(NAMES)  # one entry per recorded text
    shutil.rmtree(cache)  # this one classifies the previous versions again
    for name in ("Framecast", "Quillstack"):  # two documents change their terms
        server.put(NAMES[name], terms_page(name, jobs="three", expiry="thirty days").encode())
    for project, workers in runs:
        summary = _check(project, workers)
        assert summary.count("changed") == 2 and summary.count("unchanged") == 2
    expected = _dump(here)
    assert all(len(doc["provisions"]) > 5 for doc in expected.values())
    assert [len(expected[n]["versions"]) for n in sorted(NAMES)] == [2, 1, 1, 2]
    assert any(c[3] for c in expected["Framecast"]["changes"])  # categorised events
    assert _dump(pooled) == expected
    assert _dump(uncached) == expected


def test_clause_cache_gives_back_what_extract_provisions_gives(tmp_path: Path) -> None:
    text = _markdown(terms_page("Parley", jobs="three"))
    clauses = extract_provisions(text, "Terms of Service")
    assert clauses and any(cc.facts for cc in clauses)
    cache = ClauseCache(tmp_path)
    sha = sha256_text(text)
    assert cache.get(text, sha, "Terms of Service") is None
    cache.put(sha, "Terms of Service", clauses)
    assert cache.get(text, sha, "Terms of Service") == clauses
    assert cache.get(text, sha, "Privacy Policy") is None  # another type classifies apart
    (entry,) = tmp_path.rglob("*.json.z")
    entry.write_bytes(b"not zlib")  # a damaged entry is a miss, never an error
    assert cache.get(text, sha, "Terms of Service") is None


def test_clause_cache_keeps_only_what_can_be_read_back(tmp_path: Path) -> None:
    """A superseded version's entry is discarded, and entries of older clause code are pruned
    (once per process, on a write), so the cache does not grow with every recorded text."""
    import monitor.changes.clause_cache as clause_cache

    text = _markdown(terms_page("Parley", jobs="three"))
    clauses = extract_provisions(text, "Terms of Service")
    sha = sha256_text(text)
    stale = tmp_path / "0123456789abcdef" / "ab"
    stale.mkdir(parents=True)
    (stale / "old.json.z").write_bytes(b"x")
    cache = ClauseCache(tmp_path)
    clause_cache._pruned = False
    cache.put(sha, "Terms of Service", clauses)
    assert [p.name for p in tmp_path.iterdir()] == [clause_cache.code_fingerprint()]
    cache.discard(sha, "Terms of Service")
    assert cache.get(text, sha, "Terms of Service") is None
    cache.discard(sha, "Terms of Service")  # already gone: no error


def test_clauses_shared_with_the_previous_text_are_taken_from_it() -> None:
    kind = "Terms of Service"
    old = _markdown(terms_page("Parley"))
    new = _markdown(terms_page("Parley", jobs="three", expiry="thirty days"))
    known = known_clauses(old, extract_provisions(old, kind))
    fresh = extract_provisions(new, kind)
    reused = [cc for cc in fresh if (cc.clause.text, cc.clause.heading_path) in known]
    assert 0 < len(reused) < len(fresh)  # most clauses are shared, the changed ones are not
    assert extract_provisions(new, kind, known=known) == fresh


def test_the_check_forgets_its_analysis_caches_and_gives_the_same_analyses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitor.changes import version_analysis as va

    monkeypatch.setattr(va, "CHECK_CACHE_PERIOD", 2)
    monkeypatch.setattr(va, "_checked", 0)
    texts = [_markdown(terms_page(name)) for name in ("Parley", "Lumenor")]
    expected = [va.analyse_text(text, "Terms of Service") for text in texts]
    va.analyse_for_check(texts[0], "Terms of Service")
    assert va.provisions_of.cache_info().currsize > 0
    last = va.analyse_for_check(texts[1], "Terms of Service")  # the second: caches forgotten
    assert va.provisions_of.cache_info().currsize == 0 and not va._NORMALISED
    assert last == expected[1]
    assert va.analyse_for_check(texts[0], "Terms of Service") == expected[0]


def _markdown(html: str) -> str:
    from monitor.capture.declarations import SourceDocument
    from monitor.capture.extract import extract_version

    source = SourceDocument(fetch="http://127.0.0.1/", select=["article.legal"])
    return extract_version(html.encode(), "text/html", source, "http://127.0.0.1/").markdown


def test_overlapping_runs_share_states_and_pool_until_the_last_ends(
    tmp_path: Path, server: PageServer
) -> None:
    """The daemon runs one check per service and they overlap: a run that ends must not take the
    preloaded states or the analysis pool from one still going (nor leave its own pool running)."""
    import threading

    project = make_project(tmp_path, server.base_url, NAMES)
    services = project.services()
    checker = project.checker(on_changes=None)
    checker.analysis_workers = 1
    inside, release = threading.Event(), threading.Event()

    def hold(_outcome: Any) -> None:
        inside.set()
        assert release.wait(30)

    first = threading.Thread(
        target=lambda: checker.run({"Framecast": services["Framecast"]}, progress=hold)
    )
    try:
        first.start()
        assert inside.wait(60)
        pool = checker._pool
        assert pool is not None and checker._states is not None
        summary = checker.run({"Parley": services["Parley"]})
        assert summary.count("new") == 1
        assert checker._pool is pool and checker._states is not None  # the first still runs
    finally:
        release.set()
        first.join(60)
        checker.close()
    assert checker._pool is None and checker._states is None


def test_the_pool_size_comes_from_the_settings_unless_the_caller_gives_one(
    tmp_path: Path,
) -> None:
    settings = dataclasses.replace(Settings(root=tmp_path), analysis_workers=1)
    store = Store(settings.database_url)
    configured, explicit = Checker(settings, store), Checker(settings, store, analysis_workers=0)
    try:
        assert (configured.analysis_workers, explicit.analysis_workers) == (1, 0)
        assert Checker(Settings(root=tmp_path), store).analysis_workers is None  # "auto"
    finally:
        configured.close()
        explicit.close()
