"""`--json` on validate, diff and site build: stable shapes (docs/json.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pages import terms_page
from test_cli import make_project, run, two_versions

CHANGE_KEYS = {
    "id",
    "service",
    "terms_type",
    "from_captured_at",
    "to_captured_at",
    "detected_at",
    "kind",
    "categories",
    "editorial",
    "editorial_kind",
    "exposure",
    "unfair",
    "reasons",
    "fact_deltas",
    "heading_path",
    "before",
    "after",
    "alertable",
    "from_version_sha256",
    "to_version_sha256",
}


@pytest.fixture
def project(tmp_path: Path, http_server: Any, database_url: str) -> Path:
    return make_project(tmp_path, http_server, database_url)


def test_validate_takes_json(project: Path) -> None:
    code, out, _ = run(project, "validate", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True and data["errors"] == 0 and data["problems"] == []
    assert (data["services"], data["documents"]) == (1, 1)
    assert data["config"] == str(project / "clausewatch.toml")
    (project / "declarations" / "Broken.json").write_text(
        json.dumps({"name": "Broken", "terms": {"Terms of Service": {"slect": "main"}}})
    )
    code, out, _ = run(project, "validate", "--json")
    assert code == 2
    data = json.loads(out)
    assert data["ok"] is False and data["errors"] >= 1
    problem = next(p for p in data["problems"] if "slect" in p["key"])
    assert problem["severity"] == "error" and problem["file"].endswith("Broken.json")
    assert set(problem) == {"severity", "file", "key", "message"}
    # a configuration problem has the same shape
    (project / "clausewatch.toml").write_text('[fetch]\nread_timeout = "abc"\n')
    code, out, _ = run(project, "validate", "--json")
    data = json.loads(out)
    assert code == 2 and data["problems"][0]["key"] == "fetch.read_timeout"
    assert data["problems"][0]["file"].endswith("clausewatch.toml")


def test_diff_takes_json_always_a_list_of_change_events(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    two_versions(project, http_server)
    code, out, _ = run(project, "diff", "Acme", "Terms of Service", "--json")
    assert code == 0
    events = json.loads(out)
    assert isinstance(events, list) and events
    assert all(set(e) == CHANGE_KEYS for e in events)
    assert all(e["id"] is not None for e in events)  # stored events
    assert run(project, "diff", "Acme", "Terms of Service", "--format", "json")[1] == out
    # three versions: --from the first --to the last has no stored events; still the same shape
    http_server.routes["/terms"] = terms_page(notice_days=14, credit_days=30, concurrency=2)
    assert run(project, "check")[0] == 0
    history = json.loads(run(project, "history", "Acme", "--json")[1])[0]["versions"]
    first, last = history[-1]["captured_at"], history[0]["captured_at"]
    code, out, _ = run(
        project, "diff", "Acme", "Terms of Service", "--from", first, "--to", last, "--json"
    )
    assert code == 0
    computed = json.loads(out)
    assert isinstance(computed, list) and computed
    assert all(set(e) == CHANGE_KEYS for e in computed)
    assert all(e["id"] is None and e["detected_at"] is None for e in computed)
    assert {e["from_version_sha256"] for e in computed} == {history[-1]["sha256"]}
    assert {e["to_version_sha256"] for e in computed} == {history[0]["sha256"]}


def test_site_build_takes_json(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    two_versions(project, http_server)
    code, out, _ = run(project, "site", "build", str(project / "site"), "--json")
    assert code == 0
    data = json.loads(out)  # progress went to stderr, not into the JSON
    assert data["output_dir"] == str(project / "site")
    assert Path(data["index"]).is_file() and data["pages"] >= 1 and data["changes"] >= 1
    assert data["files"] >= data["pages"] and data["generated_at"].endswith("Z")
