"""`import-ota` on a history written with OTA's commit subjects from before mid-2023 ("Start
tracking", "Update", "Refilter"), with an unknown subject and an error page among the commits."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from monitor.changes.ota_import import subject_kind
from monitor.cli import main
from monitor.store import Change, Store, Version

TERMS = """# Acme Terms of Service

## 4. Credits

Purchased credits are valid for {days} days from the date of purchase and expire afterwards. Unused
credits do not roll over and are not refunded.

## 11. Changes to These Terms

We may update these Terms. We will give you at least 30 days' notice by email before a material
change takes effect, and continued use after that date means you accept the new Terms.

## 15. Disputes

Any dispute will be resolved by binding individual arbitration administered by the American
Arbitration Association. You waive any right to a jury trial and to take part in a class action.
"""
ERROR_PAGE = "# Page not found\n\nSorry, the page you are looking for does not exist.\n"


def _commit(repo: Path, text: str, subject: str, date: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="OTA bot",
        GIT_AUTHOR_EMAIL="bot@example.org",
        GIT_COMMITTER_NAME="OTA bot",
        GIT_COMMITTER_EMAIL="bot@example.org",
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
    )
    path = repo / "Acme" / "Terms of Service.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    for args in (["add", "-A"], ["commit", "-q", "-m", subject]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def test_subject_conventions_old_and_new() -> None:
    assert subject_kind("Start tracking Acme Terms of Service") == "change"
    assert subject_kind("Update Acme Terms of Service") == "change"
    assert subject_kind("First record of Acme Terms of Service") == "change"
    assert subject_kind("Record new changes of Acme Terms of Service") == "change"
    assert subject_kind("Refilter Acme Terms of Service") == "technical"
    assert subject_kind("Apply technical or declaration upgrade on Acme Terms of Service") == (
        "technical"
    )
    assert subject_kind("Fix links") == "unknown"


def test_old_style_history_is_compared_and_error_pages_are_refused(tmp_path: Path) -> None:
    repo = tmp_path / "versions"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _commit(
        repo, TERMS.format(days=90), "Start tracking Acme Terms of Service", "2022-02-01T10:00Z"
    )
    _commit(  # markup only: a re-extraction
        repo,
        TERMS.format(days=90).replace("## 4. Credits", "## 4.  Credits"),
        "Refilter Acme Terms of Service",
        "2022-03-01T10:00:00Z",
    )
    _commit(repo, TERMS.format(days=30), "Update Acme Terms of Service", "2022-04-01T10:00:00Z")
    _commit(repo, ERROR_PAGE, "Update Acme Terms of Service", "2022-05-01T10:00:00Z")
    _commit(repo, TERMS.format(days=30), "Update Acme Terms of Service", "2022-05-02T10:00:00Z")
    _commit(repo, TERMS.format(days=14), "Tidy Acme Terms of Service", "2022-06-01T10:00:00Z")
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["versions"] == 4 and stats["technical_upgrades"] == 1
    assert stats["unknown_subjects"] == 1
    assert set(stats["refused"]) == {"error_page"} and len(stats["refused_texts"]) == 1
    assert "Acme/Terms of Service.md" in stats["refused_texts"][0]
    store = Store(f"sqlite:///{tmp_path}/data/clausewatch.sqlite3")
    with store.session() as s:
        versions = s.scalars(select(Version).order_by(Version.captured_at)).all()
        assert [v.captured_at.month for v in versions] == [2, 3, 4, 6]
        assert [v.technical_upgrade for v in versions] == [False, True, False, False]
        changes = s.scalars(select(Change)).all()
        by_version = {v.id: [c for c in changes if c.to_version_id == v.id] for v in versions}
        # "Update" and the unknown subject were compared: the credit validity moved twice
        deltas = [
            (d["old"], d["new"])
            for v in versions
            for c in by_version[v.id]
            for d in c.fact_deltas
            if d["name"] == "credit_validity"
        ]
        assert deltas == [(90, 30), (30, 14)]
        assert by_version[versions[1].id] == []  # the refilter: no change
        # the error page and the return from it left no trace among the changes
        assert not any("not found" in json.dumps(c.diff).lower() for c in changes)
