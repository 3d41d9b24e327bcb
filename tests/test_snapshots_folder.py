"""The top-level snapshots/ folder: documented, tracked only for its README, and the default
archive of a project created with `clausewatch init` (in this repository: this very folder)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from monitor.capture.archive import Archive
from monitor.cli import main
from monitor.config import load_settings
from monitor.ops.daemon import archive_report
from monitor.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_snapshots_readme_describes_the_layout() -> None:
    text = (ROOT / "snapshots" / "README.md").read_text(encoding="utf-8")
    for needle in ("<service id>/", "<terms type>/", ".html.json", "sha256", "never rewritten"):
        assert needle in text, needle


def test_gitignore_keeps_only_the_readme() -> None:
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/snapshots/*" in lines and "!/snapshots/README.md" in lines
    assert lines.index("/snapshots/*") < lines.index("!/snapshots/README.md")


def test_init_archives_into_snapshots_beside_the_config(tmp_path: Path) -> None:
    """`clausewatch init` in a checkout: the archive is the folder holding the README."""
    (tmp_path / "snapshots").mkdir()
    shutil.copy(ROOT / "snapshots" / "README.md", tmp_path / "snapshots" / "README.md")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "clausewatch.toml", {}, tmp_path)
    assert settings.snapshots_dir == tmp_path / "snapshots"

    snap = Archive(settings.snapshots_dir).write_snapshot(
        "Framecast",
        "Terms of Service",
        datetime(2026, 1, 5, 6, 0, 3, tzinfo=UTC),
        b"<html>terms</html>",
        "text/html",
        {"service_id": "Framecast"},
    )
    assert snap.relative_path == "Framecast/Terms of Service/2026-01-05T06-00-03Z.html"
    assert (settings.snapshots_dir / (snap.relative_path + ".json")).is_file()
    store = Store(settings.database_url)
    try:
        report = archive_report(settings, store)
    finally:
        store.dispose()
    # the README is not a capture: only the snapshot is listed (unindexed: no check recorded it)
    assert report["files"] == [snap.relative_path]
    assert report["missing_sidecar"] == []
