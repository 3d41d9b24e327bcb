"""`import-ota`: a small Open Terms Archive versions repository built here, imported as history."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.store import Change, OutboxMessage, Store, Version

TERMS = """# Acme Terms of Service

## 4. Credits

Purchased credits are valid for {days} days from the date of purchase and expire afterwards. Unused
credits do not roll over and are not refunded.

## 11. Changes to These Terms

We may update these Terms. We will give you at least {notice} days' notice by email before a
material change takes effect, and continued use after that date means you accept the new Terms.

## 15. Disputes

Any dispute will be resolved by binding individual arbitration administered by the American
Arbitration Association. You waive any right to a jury trial and to take part in a class action.
"""


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="OTA bot",
        GIT_AUTHOR_EMAIL="bot@example.org",
        GIT_COMMITTER_NAME="OTA bot",
        GIT_COMMITTER_EMAIL="bot@example.org",
    )
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def commit(repo: Path, text: str, subject: str, date: str) -> None:
    path = repo / "Acme" / "Terms of Service.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", subject, date=date)


def build_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "versions"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("versions\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Initial commit", date="2024-01-01T00:00:00Z")
    v1 = TERMS.format(days=90, notice=30)
    commit(repo, v1, "First record of Acme Terms of Service", "2024-02-01T10:00:00Z")
    commit(
        repo,
        v1.replace("## 4. Credits", "## 4.  Credits"),  # markup-only re-extraction
        "Apply technical or declaration upgrade on Acme Terms of Service",
        "2024-03-01T10:00:00Z",
    )
    commit(
        repo,
        v1.replace("4.  Credits", "4. Credits").replace("Unused\ncredits", "Unused\n credits"),
        "Record new changes of Acme Terms of Service",
        "2024-04-01T10:00:00Z",
    )
    commit(
        repo,
        TERMS.format(days=30, notice=7),
        "Record new changes of Acme Terms of Service",
        "2024-05-01T10:00:00Z",
    )
    return repo


def test_import_history_without_alerts_and_incrementally(tmp_path: Path) -> None:
    repo = build_repo(tmp_path)
    runner = CliRunner()
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n')
    result = runner.invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["versions"] == 4 and stats["technical_upgrades"] == 1
    store = Store(f"sqlite:///{tmp_path}/data/clausewatch.sqlite3")
    with store.session() as s:
        versions = s.scalars(select(Version).order_by(Version.captured_at)).all()
        assert [v.captured_at.month for v in versions] == [2, 3, 4, 5]
        assert [v.technical_upgrade for v in versions] == [False, True, False, False]
        assert all(v.origin == "import" and v.source_ref for v in versions)
        changes = s.scalars(select(Change)).all()
        assert not [c for c in changes if c.to_version_id == versions[1].id]  # upgrade: no change
        assert all(c.editorial for c in changes if c.to_version_id == versions[2].id)
        substantive = [c for c in changes if not c.editorial]
        assert substantive and not any(c.alertable for c in changes)
        deltas = {d["name"]: d for c in substantive for d in c.fact_deltas}
        assert deltas["credit_validity"]["old"] == 90 and deltas["credit_validity"]["new"] == 30
        assert deltas["notice_period"]["direction"] == "less_favourable"
        assert s.scalars(select(OutboxMessage)).all() == []  # nobody is alerted
    # a second run adds only what is new
    again = runner.invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert json.loads(again.stdout)["versions"] == 0
    commit(
        repo,
        TERMS.format(days=60, notice=7),
        "Record new changes of Acme Terms of Service",
        "2024-06-01T10:00:00Z",
    )
    third = runner.invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert json.loads(third.stdout)["versions"] == 1
    # the history is readable with the usual commands
    changes = runner.invoke(main, ["--config", str(config), "changes", "--json"])
    rows = json.loads(changes.stdout)
    assert rows[0]["to_captured_at"].startswith("2024-06-01")
    assert {
        "service",
        "terms_type",
        "kind",
        "categories",
        "editorial",
        "exposure",
        "reasons",
        "fact_deltas",
        "before",
        "after",
    } <= set(rows[0])
    since = runner.invoke(
        main, ["--config", str(config), "changes", "--since", "2024-06-01", "--json"]
    )
    since_rows = json.loads(since.stdout)
    assert since_rows and all(r["to_captured_at"].startswith("2024-06-01") for r in since_rows)
    diff = runner.invoke(
        main,
        [
            "--config",
            str(config),
            "diff",
            "Acme",
            "Terms of Service",
            "--from",
            "2024-04-15",
            "--to",
            "2024-05-15",
        ],
    )
    assert diff.exit_code == 0, diff.output
    assert "90 days" in diff.stdout and "30 days" in diff.stdout
    assert (
        "not a legal determination" in diff.stdout.lower() or "legal advice" in diff.stdout.lower()
    )


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "import-ota", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a git repository" in result.stderr


def test_worker_processes_and_reused_analyses_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions analysed in worker processes, or not analysed again when a history returns to an
    earlier pair of texts, give the same store as versions each analysed by record_version."""
    from monitor import ota_import
    from monitor.pipeline import utc_now
    from monitor.store import Provision

    repo = build_repo(tmp_path)
    states = [(60, 7), (45, 7), (60, 7), (45, 7), (30, 14), (60, 7), (45, 7), (45, 10)]
    for i, (days, notice) in enumerate(states, start=1):
        commit(
            repo,
            TERMS.format(days=days, notice=notice),
            "Record new changes of Acme Terms of Service",
            f"2024-06-{i:02d}T10:00:00Z",
        )

    def dump(name: str, workers: int) -> list[object]:
        store = Store(f"sqlite:///{tmp_path}/{name}.sqlite3")
        ota_import.import_repository(store, repo, clock=utc_now, workers=workers)
        with store.session() as s:
            versions = s.scalars(select(Version).order_by(Version.id)).all()
            changes = s.scalars(select(Change).order_by(Change.id)).all()
            provisions = s.scalars(select(Provision).order_by(Provision.id)).all()
            return [
                [(v.sha256, v.normalised_sha256, v.technical_upgrade, v.doctype_ok) for v in versions],
                [
                    (c.from_version_id, c.to_version_id, c.kind, c.categories, c.editorial,
                     c.editorial_kind, c.exposure, c.reasons, c.fact_deltas, c.before, c.after,
                     c.diff, c.extra)
                    for c in changes
                ],
                [
                    (p.category, p.anchor, p.text, p.facts, p.first_version_id, p.last_version_id,
                     p.active)
                    for p in provisions
                ],
            ]  # fmt: skip

    in_process = dump("in-process", 0)
    assert len(in_process[0]) == 12 and in_process[1]
    assert any(c[2] == "flapping" for c in in_process[1])
    assert in_process == dump("workers", 2)
    with monkeypatch.context() as m:  # every version analysed by record_version itself
        m.setattr(ota_import, "analyse_chunk", lambda _t, _p, items: [None] * len(items))
        assert in_process == dump("reference", 0)
