"""Failures that used to pass in silence: a 0-byte database file is refused with one line naming
it (never re-initialised over the history), and a run killed mid-way is marked interrupted, with
a finish time, at the next start, so `status` shows it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alerting_helpers import make_project, terms_page
from click.testing import CliRunner
from conftest import LocalHTTPServer, Reply
from sqlalchemy import select

from monitor.cli import main
from monitor.errors import StoreError
from monitor.store import Run, Store

PY = sys.executable


def test_empty_database_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "clausewatch.sqlite3"
    db.write_bytes(b"")  # truncated by a full disk, a bad copy, a restore that failed
    with pytest.raises(StoreError) as caught:
        Store(f"sqlite:///{db}")
    message = str(caught.value)
    assert str(db) in message and "empty" in message and "\n" not in message
    assert db.stat().st_size == 0  # nothing was written over it


def test_cli_stops_on_an_empty_database(tmp_path: Path) -> None:
    project = make_project(tmp_path, "http://127.0.0.1:1/", {})
    project.store.dispose()
    db = project.settings.data_dir / "clausewatch.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"")
    runner = CliRunner()
    for args in (["check"], ["status"], ["send"], ["subscribe", "a@example.com"]):
        result = runner.invoke(main, ["--config", str(project.config), *args])
        assert result.exit_code != 0, (args, result.output)
        assert f"error: database file {db}" in result.output, (args, result.output)
        assert db.stat().st_size == 0


def test_a_new_store_is_still_created_when_no_file_exists(tmp_path: Path) -> None:
    db = tmp_path / "new" / "clausewatch.sqlite3"
    store = Store(f"sqlite:///{db}")
    assert store.schema_version() > 0 and db.stat().st_size > 0


def test_killed_run_is_marked_interrupted_at_the_next_start(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """SIGKILL during a check (a slow fetch): the run row has no finish time. The next `check`
    marks it interrupted with a finish time, and `status --json` reports it."""
    page = terms_page("Alpha")
    http_server.routes["/a"] = Reply(200, {"Content-Type": "text/html"}, page, delay=30)
    project = make_project(tmp_path, http_server.url(""), {"Alpha": "/a"})
    log = (tmp_path / "check.log").open("wb")
    proc = subprocess.Popen(
        [PY, "-m", "monitor", "--config", str(project.config), "check"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")},
    )
    try:
        deadline = time.monotonic() + 30
        while not http_server.hits("/a") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert http_server.hits("/a"), "the check never fetched"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        log.close()
    with project.store.session() as s:
        (killed,) = s.scalars(select(Run)).all()
        assert killed.finished_at is None
        killed_id = killed.id
    http_server.routes["/a"] = Reply(200, {"Content-Type": "text/html"}, page)
    project.check()
    with project.store.session() as s:
        runs = {r.id: r for r in s.scalars(select(Run)).all()}
    assert runs[killed_id].finished_at is not None
    assert runs[killed_id].stats.get("interrupted") is True
    status = CliRunner().invoke(main, ["--config", str(project.config), "status", "--json"])
    data = json.loads(status.output)
    assert data["interrupted_runs"][0]["id"] == killed_id


def test_run_of_an_earlier_process_with_our_pid_is_interrupted(tmp_path: Path) -> None:
    """A container's daemon is often pid 1 after every restart: a run left by the previous
    incarnation must not pass for one of ours, while our own running runs are left alone."""
    from monitor.store.runs import mark_interrupted, run_owner

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    started = datetime(2026, 1, 5, 6, 0)
    with store.session() as s:
        ours = Run(kind="check", started_at=started, stats=run_owner())
        earlier = Run(kind="check", started_at=started, stats={**run_owner(), "process": "x"})
        s.add_all([ours, earlier])
        s.flush()
        assert mark_interrupted(s, started + timedelta(minutes=5)) == [earlier.id]
        assert ours.finished_at is None and earlier.finished_at == started
