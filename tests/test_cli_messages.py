"""Messages keep what matters: a fetch error its cause."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from test_cli import make_project, run

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
