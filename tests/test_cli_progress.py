"""Progress of long commands off a terminal: plain lines on stderr, never on stdout."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pages import terms_page
from test_cli import make_project, run

import monitor
from monitor.cli import main


@pytest.fixture
def project(tmp_path: Path, http_server: Any) -> Path:
    return make_project(tmp_path, http_server)


def test_check_prints_plain_progress_to_stderr_only(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    http_server.routes["/terms"] = terms_page()
    code, out, err = run(project, "check", "--json")
    assert code == 0
    json.loads(out)  # stdout is only the JSON
    assert "check: 1/1 documents, 0 failed" in err


def test_check_progress_in_a_real_pipe(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    http_server.routes["/terms"] = "<html><body><p>gone</p></body></html>"
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(project / "clausewatch.toml")]
        + ["check", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(monitor.__file__).parents[1],  # this checkout's code, wherever pytest runs
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["counts"]["failed"] == 1
    assert "check: 1/1 documents, 1 failed" in proc.stderr


def test_import_ota_prints_plain_progress(tmp_path: Path) -> None:
    from test_ota_import import build_repo

    repo = build_repo(tmp_path)
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "import-ota", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert "import-ota: 4/4 versions" in result.stderr


def test_site_build_reports_progress(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    http_server.routes["/terms"] = terms_page()
    assert run(project, "check")[0] == 0
    code, _, err = run(project, "site", "build")
    assert code == 0 and "site build: done" in err


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_every_n_items_and_every_interval() -> None:
    from monitor.cli import ProgressLines

    sink, clock = io.StringIO(), FakeClock()

    def lines() -> list[str]:
        return sink.getvalue().splitlines()

    progress = ProgressLines(
        "check", "documents", 200, count_failures=True, stream=sink, clock=clock
    )
    for i in range(40):
        progress.advance(failed=i in (3, 10, 30))
    assert lines() == [
        "check: 20/200 documents, 2 failed (0 s)",
        "check: 40/200 documents, 3 failed (0 s)",
    ]
    # slow items: the ticker repeats the state once `interval` passed without a line
    progress.interval = 0.2
    progress.start()
    clock.now = 30.0
    deadline = time.monotonic() + 5
    while len(lines()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lines()[2:] == ["check: 40/200 documents, 3 failed (30 s)"]
    progress.finish()
    assert len(lines()) == 3  # that state was just printed: no repeated last line
    # update-driven (import-ota): a line when the interval has passed, and at the end
    sink = io.StringIO()
    versions = ProgressLines("import-ota", "versions", stream=sink, clock=clock, interval=10)
    versions.update(100, 1000)
    clock.now += 11
    versions.update(200, 1000)
    versions.update(1000, 1000)
    versions.finish()
    assert lines() == [
        "import-ota: 200/1000 versions (11 s)",
        "import-ota: 1000/1000 versions (11 s)",
    ]
