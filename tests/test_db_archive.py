"""The evidence archive in the database (`archive = "database"`, capture/db_archive.py): bytes
written once by their sha256, checked on every read, readable by every worker; on both stores."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import LOOPBACK_TOML, database_toml
from pages import terms_page
from sqlalchemy import func, select, update

from monitor.capture.archive import Archive, sha256_bytes
from monitor.capture.db_archive import DatabaseArchive
from monitor.capture.declarations import load_declarations, write_declaration
from monitor.config import load_settings
from monitor.errors import ArchiveError
from monitor.ops.checker import Checker, rebuild
from monitor.ops.daemon import archive_report
from monitor.ops.verify import verify_evidence
from monitor.store import Snapshot, Store
from monitor.store.schema import SnapshotBlob

WHEN = datetime(2026, 11, 30, 6, 0)


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Store:
    return Store(database_url or f"sqlite:///{tmp_path / 'store.sqlite3'}")


def test_written_once_and_checked_on_read(store: Store, tmp_path: Path) -> None:
    archive = DatabaseArchive(store, Archive(tmp_path / "snapshots"))
    first = archive.write_snapshot("Acme", "Terms", WHEN, b"<p>terms</p>", "text/html", {})
    again = archive.write_snapshot("Acme", "Terms", WHEN, b"<p>terms</p>", "text/html", {})
    assert first == again and first.relative_path == "sha256:" + sha256_bytes(b"<p>terms</p>")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SnapshotBlob)) == 1
    assert archive.read(first.relative_path, first.sha256) == b"<p>terms</p>"
    with pytest.raises(ArchiveError, match="does not match its recorded sha256"):
        archive.read(first.relative_path, "0" * 64)
    with store.session() as s:  # bytes changed behind our back
        s.execute(update(SnapshotBlob).values(content=b"<p>other</p>"))
    with pytest.raises(ArchiveError, match="tampered"):
        archive.read(first.relative_path)
    with pytest.raises(ArchiveError, match="missing from the database archive"):
        archive.read("sha256:" + "1" * 64)
    # a capture made before the switch is still read from the folder
    folder = Archive(tmp_path / "snapshots").write_snapshot(
        "Acme", "Terms", WHEN, b"old", "text/html", {}
    )
    assert archive.read(folder.relative_path, folder.sha256) == b"old"


def test_checks_and_rebuild_use_the_database_archive(
    tmp_path: Path,
    http_server,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "clausewatch.toml").write_text(
        database_toml(database_url) + 'archive = "database"\n'
        '[fetch]\nper_host_delay = 0.0\nbrowser = "never"\nretries = 0\n' + LOOPBACK_TOML
    )
    settings = load_settings(tmp_path / "clausewatch.toml", {}, tmp_path)
    assert settings.archive == "database"
    store = Store(settings.database_url)
    http_server.routes["/terms"] = terms_page()
    decl = {"fetch": http_server.url("/terms"), "select": ["article.legal"], "remove": ["nav"]}
    write_declaration(tmp_path / "declarations", "Acme", "Acme", {"Terms of Service": decl})
    services, _ = load_declarations(tmp_path / "declarations")
    checker = Checker(settings, store)
    try:
        assert checker.run(services).outcomes[0].outcome == "new"
    finally:
        checker.close()
    with store.session() as s:
        snap = s.scalars(select(Snapshot)).one()
        assert snap.path == "sha256:" + snap.sha256
    files = [p for p in settings.snapshots_dir.rglob("*") if p.is_file()]
    assert files == []  # nothing on disk
    decl["remove"] = ["nav", "h1"]  # a re-extraction reads the bytes back from the database
    write_declaration(tmp_path / "declarations", "Acme", "Acme", {"Terms of Service": decl})
    services, _ = load_declarations(tmp_path / "declarations")
    assert [o.outcome for o in rebuild(settings, store, services)] == ["upgraded"]
    assert archive_report(settings, store)["missing_file"] == []
    # `verify` checks the stored bytes too: clean, then one blob altered behind our back
    assert verify_evidence(store, settings.snapshots_dir).problems == []
    with store.session() as s:
        s.execute(update(SnapshotBlob).values(content=b"<p>other</p>"))
    (problem,) = verify_evidence(store, settings.snapshots_dir).problems
    assert (problem.kind, problem.path) == ("sha256_mismatch", snap.path)
    store.dispose()


def test_an_unknown_archive_kind_is_a_clear_error(tmp_path: Path) -> None:
    from monitor.errors import ConfigError

    (tmp_path / "clausewatch.toml").write_text('archive = "s3"\n')
    with pytest.raises(ConfigError, match="archive"):
        load_settings(tmp_path / "clausewatch.toml", {}, tmp_path)
