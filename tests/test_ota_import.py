"""`import-ota`: a small Open Terms Archive versions repository built here, imported as history."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner
from conftest import database_toml
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


def test_import_history_without_alerts_and_incrementally(tmp_path: Path, database_url: str) -> None:
    repo = build_repo(tmp_path)
    runner = CliRunner()
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n' + database_toml(database_url))
    result = runner.invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["versions"] == 4 and stats["technical_upgrades"] == 1
    store = Store(database_url or f"sqlite:///{tmp_path}/data/clausewatch.sqlite3")
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


def test_import_stores_what_record_version_stores(tmp_path: Path, database_url: str) -> None:
    """The import's bulk writer, analysing in-process or in worker processes and reusing the
    analyses of repeated pairs of texts, stores exactly what record_version (the live path) stores
    when given the same versions one by one: versions, change events (flapping included) and
    provisions with their first and last versions. Into PostgreSQL, it stores what it stores into
    SQLite."""
    from monitor.changes import ota_import
    from monitor.changes.recording import ensure_document, record_version
    from monitor.clock import utc_now
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
    commit(  # a provision leaves the document: its row is deactivated
        repo,
        TERMS.format(days=45, notice=10).split("## 15. Disputes")[0],
        "Record new changes of Acme Terms of Service",
        "2024-07-01T10:00:00Z",
    )
    commit(  # captured before the previous version (OTA commit dates are not always in order);
        # the disputes section stays out, so its provisions stay deactivated
        repo,
        TERMS.format(days=30, notice=10).split("## 15. Disputes")[0],
        "Record new changes of Acme Terms of Service",
        "2024-06-20T10:00:00Z",
    )

    def dump(store: Store) -> list[object]:
        with store.session() as s:
            versions = s.scalars(select(Version).order_by(Version.id)).all()
            changes = s.scalars(select(Change).order_by(Change.id)).all()
            provisions = s.scalars(select(Provision).order_by(Provision.id)).all()
            return [
                [(v.sha256, v.normalised_sha256, v.technical_upgrade, v.doctype_ok, v.origin,
                  v.source_ref, v.captured_at) for v in versions],
                [
                    (c.from_version_id, c.to_version_id, c.kind, c.categories, c.editorial,
                     c.editorial_kind, c.exposure, c.unfair, c.reasons, c.fact_deltas,
                     c.heading_path, c.before, c.after, c.diff, c.alertable, c.extra)
                    for c in changes
                ],
                [
                    (p.category, p.anchor, p.heading_path, p.text, p.facts, p.confidence,
                     p.unfair, p.exposure, p.reasons, p.first_version_id, p.last_version_id,
                     p.first_seen_at, p.last_seen_at, p.active)
                    for p in provisions
                ],
            ]  # fmt: skip

    def imported(name: str, workers: int, url: str = "") -> list[object]:
        store = Store(url or f"sqlite:///{tmp_path}/{name}.sqlite3")
        ota_import.import_repository(store, repo, clock=utc_now, workers=workers)
        return dump(store)

    def recorded_one_by_one() -> list[object]:
        store = Store(f"sqlite:///{tmp_path}/reference.sqlite3")
        changes = ota_import.list_file_changes(repo)
        texts = dict(ota_import.read_blobs(repo, [fc.blob for fc in changes]))
        previous = None
        for fc in changes:
            text = texts[fc.blob]
            if previous is not None and previous.text == text:
                continue
            with store.session() as s:
                doc = ensure_document(
                    s, fc.service_id, fc.service_id, fc.terms_type, None, utc_now()
                )
                previous = record_version(
                    s,
                    doc,
                    text,
                    captured_at=fc.committed_at,
                    recorded_at=utc_now(),
                    url=None,
                    snapshot_ids=[],
                    origin="import",
                    technical_upgrade=fc.technical and previous is not None,
                    alertable=False,
                    source_ref=fc.commit,
                    previous=previous,
                ).version
        return dump(store)

    in_process = imported("in-process", 0)
    if database_url:  # the PostgreSQL half: the same rows as SQLite's
        assert imported("postgresql", 2, database_url) == in_process
        return
    assert len(in_process[0]) == 14 and in_process[1]
    assert sum(c[2] == "flapping" for c in in_process[1]) >= 1
    assert any(not p[-1] for p in in_process[2])  # a deactivated provision
    assert in_process == recorded_one_by_one()
    assert in_process == imported("workers", 2)
