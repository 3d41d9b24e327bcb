"""No configuration file, no store yet: say so (exit 2) and create nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_cli import make_project, run

from monitor.cli import main


@pytest.fixture
def project(tmp_path: Path, http_server: Any) -> Path:
    return make_project(tmp_path, http_server)


def db_file(project: Path) -> Path:
    return project / "data" / "clausewatch.sqlite3"


@pytest.mark.parametrize("args", [("history", "Acme"), ("check",), ("validate",)], ids=" ".join)
def test_without_a_config_file_the_error_names_it_and_says_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLAUSEWATCH_CONFIG", raising=False)
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2
    err = result.output  # validate lists its problems on stdout, the others print to stderr
    assert str(tmp_path / "clausewatch.toml") in err
    assert "clausewatch init" in err and "--config" in err
    assert "declarations" not in err
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.mark.parametrize(
    "args",
    [
        ("history", "Acme"),
        ("show", "Acme", "Terms of Service"),
        ("clauses", "Acme", "Terms of Service"),
        ("changes",),
        ("diff", "Acme", "Terms of Service"),
        ("compare", "credit_expiry"),
        ("subscribers",),
        ("unsubscribe", "a@example.com"),
        ("status",),
        ("rebuild",),
        ("site", "build"),
    ],
    ids=" ".join,
)
def test_read_commands_never_create_the_store(project: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(project, *args)
    assert code == 2 and out == ""
    assert f"no store yet at {db_file(project)}" in err and "clausewatch check" in err
    assert not db_file(project).exists()


def test_send_without_a_store_has_nothing_to_send_and_creates_nothing(project: Path) -> None:
    code, out, _ = run(project, "send", "--json")
    assert code == 0 and json.loads(out)["remaining"] == 0
    assert not db_file(project).exists()
