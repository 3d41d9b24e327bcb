"""The README's "Using it" block runs top to bottom, as written (in the style of sqlite-utils).

A home folder is prepared with what the block assumes: an Open Terms Archive declaration of
Framecast in `~/ota-declarations/` (its page served on loopback), Framecast's history as an OTA
versions repository in `~/genai-versions/` (two versions from 2025) and `contract.txt`. Then every
line of the block runs in bash, in order, from an empty project folder. Commands that run until
stopped (`daemon`, `serve`) get a few seconds and are stopped with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LOOPBACK_TOML

from monitor.capture.declarations import parse_service_file, write_declaration
from monitor.capture.extract import extract_version
from monitor.demo.localserver import PageServer
from monitor.demo.run import REMOVE, SELECT, page

ROOT = Path(__file__).resolve().parents[1]
LONG_RUNNING = {"clausewatch daemon": 8, "clausewatch worker": 8, "clausewatch serve": 20}
MAY_EXIT_1 = {"clausewatch send"}  # documented: exit 1 while messages stay queued (no SMTP here)

pytestmark = pytest.mark.slow


def usage_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^## Using it\n.*?^```sh\n(.*?)^```", readme, flags=re.S | re.M)
    assert block, "README has no 'Using it' shell block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def git(repo: Path, *args: str, date: str = "2025-01-01T00:00:00Z") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    env |= {"GIT_AUTHOR_NAME": "OTA", "GIT_AUTHOR_EMAIL": "ota@example.org"}
    env |= {"GIT_COMMITTER_NAME": "OTA", "GIT_COMMITTER_EMAIL": "ota@example.org"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def prepare_home(home: Path, server: PageServer) -> None:
    """~/ota-declarations/Framecast.json, ~/genai-versions (its OTA history), nothing else."""
    server.put("/terms", page("framecast_terms_v1.html"))
    declarations = home / "ota-declarations"
    declarations.mkdir(parents=True)
    url = server.base_url + "/terms"
    terms = {"fetch": url, "select": SELECT, "remove": REMOVE}
    write_declaration(declarations, "Framecast", "Framecast", {"Terms of Service": terms})
    source = parse_service_file(declarations / "Framecast.json").terms["Terms of Service"]
    text = extract_version(page("framecast_terms_v1.html"), "text/html", source.sources[0], url)
    current = text.markdown
    earlier = current.replace("5 ", "3 ", 1)  # an older version that differed in one number
    repo = home / "genai-versions"
    (repo / "Framecast").mkdir(parents=True)
    git(repo, "init", "-q")
    for subject, body, date in (
        ("First record of Framecast Terms of Service", earlier, "2025-01-15T06:00:00Z"),
        ("Record new changes of Framecast Terms of Service", current, "2025-06-01T06:00:00Z"),
    ):
        (repo / "Framecast" / "Terms of Service.md").write_text(body, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", subject, date=date)


def test_readme_usage_runs_top_to_bottom(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    project.mkdir()
    (project / "contract.txt").write_text(
        "We may terminate your account at any time without notice.\n"
        "Credits expire 12 months after purchase and are non-refundable.\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env |= {"HOME": str(home), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}
    with PageServer() as server:
        prepare_home(home, server)
        for line in usage_lines():
            command = line.split(" # ")[0].strip()
            limit = next((t for cmd, t in LONG_RUNNING.items() if cmd in command), None)
            argv = ["timeout", "-s", "TERM", str(limit), "bash", "-c", command] if limit else None
            run = subprocess.run(
                argv or ["bash", "-c", command],
                cwd=project, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            output = run.stdout + run.stderr
            assert "Traceback" not in output, f"{command}\n{output[-3000:]}"
            allowed = {0, 1} if command in MAY_EXIT_1 else {0}
            if limit:
                allowed |= {124, 143}  # stopped by timeout's SIGTERM: ran until stopped
            assert run.returncode in allowed, f"{command}: exit {run.returncode}\n{output[-3000:]}"
            if command == "clausewatch init":  # the page server is on loopback: allow it
                config = project / "clausewatch.toml"
                text = config.read_text(encoding="utf-8")
                config.write_text(text.replace("allow_private = []", LOOPBACK_TOML), "utf-8")
    # what the block promised happened
    assert (project / "clausewatch.toml").is_file()
    assert list((project / "snapshots").rglob("*.json")), "check archived nothing"
    history = subprocess.run(
        ["clausewatch", "history", "Framecast", "--json"],
        cwd=project, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Terms of Service" in history.stdout and json.loads(history.stdout)
    site = next(project.rglob("site/index.html"), None)
    assert site is not None, "site build wrote no index.html"
