"""Messages keep what matters: a fetch error its cause, a clipped reason its last whole word."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from test_cli import make_project, run, two_versions

from monitor.capture.declarations import write_declaration


@pytest.fixture
def project(tmp_path: Path, http_server: Any) -> Path:
    return make_project(tmp_path, http_server)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_fetch_error_keeps_its_cause(project: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/legal/" + "terms-of-service/" * 12
    write_declaration(
        project / "declarations", "Acme", "Acme", {"Terms of Service": {"fetch": url}}
    )
    code, out, _ = run(project, "check", "--json")
    assert code == 1
    (doc,) = json.loads(out)["documents"]
    assert doc["reason"] == "connection_error"
    assert "Connection refused" in doc["message"]
    assert len(doc["message"]) <= len(url) + 2 + 300


def test_changes_cuts_reasons_at_a_word_with_an_ellipsis(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    two_versions(project, http_server)
    full = {"; ".join(r["reasons"]) for r in json.loads(run(project, "changes", "--json")[1])}
    assert any(len(text) > 120 for text in full)
    code, out, _ = run(project, "changes")
    assert code == 0
    cells: list[str] = []  # the "why" column, wrapped lines joined
    for line in out.splitlines():
        if not line.startswith("\u2502"):
            continue
        parts = [p.strip() for p in line.strip("\u2502").split("\u2502")]
        if parts[0]:
            cells.append(parts[-1])
        else:
            cells[-1] += " " + parts[-1]
    assert len(cells) == len(full)
    for cell in cells:
        (text,) = [t for t in full if t.startswith(cell.rstrip("\u2026"))]
        if len(text) <= 120:
            assert cell == text
            continue
        assert cell.endswith("\u2026") and len(cell) <= 120
        kept = cell[:-1]
        assert not text[len(kept)].isalnum(), f"cut inside a word: {cell!r}"


def test_clip_words() -> None:
    from monitor.cli import clip_words

    assert clip_words("short  text", 20) == "short text"
    assert clip_words("alpha beta gamma delta", 13) == "alpha beta\u2026"
    assert clip_words("alpha beta; gamma", 12) == "alpha beta\u2026"
    assert clip_words("x" * 30, 10) == "x" * 9 + "\u2026"  # one long word: cut it anyway
