"""`make demo` echoes commands that work when pasted: shell-quoted, with the --config it used."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pages import terms_page
from test_cli import make_project, run

import monitor
from monitor.demo import run as demo


@pytest.fixture
def project(tmp_path: Path, http_server: Any) -> Path:
    return make_project(tmp_path, http_server)


def test_demo_echoes_commands_that_work_when_pasted(
    project: Path,
    http_server: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http_server.routes["/terms"] = terms_page()
    assert run(project, "check")[0] == 0
    monkeypatch.chdir(project.parent)
    config = project / "clausewatch.toml"
    assert demo.run_cli(config, "history", "Acme", "Terms of Service") == 0
    printed = capsys.readouterr().out
    echoed = printed.strip().splitlines()[0]
    assert echoed.startswith("$ ")
    words = shlex.split(echoed[2:])
    assert Path(words[0]).name == "clausewatch"
    assert words[1:] == [
        "--config",
        str(config.relative_to(project.parent)),
        "history",
        "Acme",
        "Terms of Service",
    ]
    # pasted into a shell in the same folder, it gives the same output (with this checkout's code)
    env = {k: v for k, v in os.environ.items() if k != "CLAUSEWATCH_CONFIG"}
    checkout = str(Path(monitor.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join([checkout, *filter(None, [env.get("PYTHONPATH")])])
    pasted = subprocess.run(
        [sys.executable, "-m", "monitor", *words[1:]],
        cwd=project.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert pasted.returncode == 0, pasted.stderr
    assert "Terms of Service" in pasted.stdout


def test_demo_echoes_a_redirect_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = demo.command_line(
        tmp_path / "clausewatch.toml", "diff", "Framecast", "Terms of Service",
        stdout=tmp_path / "my summary.md",
    )  # fmt: skip
    assert shlex.split(line)[1:] == [
        "--config", "clausewatch.toml", "diff", "Framecast", "Terms of Service", ">",
        "my summary.md",
    ]  # fmt: skip
    assert line.endswith("> 'my summary.md'")
