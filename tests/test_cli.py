"""The command line: init, validate, check, history, show, rebuild; exit codes and JSON shapes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import database_toml
from pages import terms_page

from monitor.capture.declarations import write_declaration
from monitor.cli import main


def run(root: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(root / "clausewatch.toml"), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, http_server) -> Path:  # type: ignore[no-untyped-def]
    return make_project(tmp_path, http_server)


def make_project(tmp_path: Path, http_server, database_url: str = "") -> Path:  # type: ignore[no-untyped-def]
    """`clausewatch init` with fast fetch settings and one declared document on `http_server`
    (`database_url`: the `database_url` fixture; "" keeps the default SQLite file)."""
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    config = tmp_path / "clausewatch.toml"
    text = config.read_text()
    for key, value in (
        ("per_host_delay", "0.0"),
        ("browser", '"never"'),
        ("retries", "0"),
        ("allow_private", '["127.0.0.1", "::1"]'),  # the loopback test server
    ):
        text = re.sub(rf"(?m)^#?\s*{key} = .*$", f"{key} = {value}", text, count=1)
    config.write_text(database_toml(database_url) + text)
    http_server.routes["/terms"] = terms_page()
    write_declaration(
        tmp_path / "declarations",
        "Acme",
        "Acme Studio",
        {"Terms of Service": {"fetch": http_server.url("/terms"), "select": "article.legal"}},
    )
    return tmp_path


def two_versions(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    """Check the project's document twice, the second time with shorter credits, notice, jobs."""
    http_server.routes["/terms"] = terms_page()
    assert run(project, "check")[0] == 0
    http_server.routes["/terms"] = terms_page(notice_days=7, credit_days=30, concurrency=2)
    assert run(project, "check")[0] == 0


def test_init_writes_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "clausewatch.toml").exists() and (tmp_path / "declarations").is_dir()
    again = runner.invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 2
    assert "clausewatch.toml" in again.stderr


def test_validate_ok_and_errors_name_file_and_key(project: Path) -> None:
    code, out, _ = run(project, "validate")
    assert code == 0 and out.startswith("ok: 1 services")
    (project / "declarations" / "Broken.json").write_text(
        json.dumps(
            {"name": "Broken", "terms": {"Terms of Service": {"fetch": "ftp://x", "slect": "main"}}}
        )
    )
    code, out, _ = run(project, "validate")
    assert code == 2
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert any("Broken.json" in line and "slect" in line for line in lines)
    assert any("Broken.json" in line and "fetch" in line for line in lines)
    # check reports the invalid file in one line per problem, skips it, checks the others: exit 1
    code, out, err = run(project, "check", "--json")
    assert code == 1
    assert any("Broken.json" in line and "slect" in line for line in err.splitlines())
    assert "Traceback" not in err and "validate" in err
    assert json.loads(out)["counts"]["new"] == 1  # the valid service was still checked
    # a retired service with an empty `terms`, named on the command line: reported, exit 1
    (project / "declarations" / "Broken.json").write_text(
        json.dumps({"name": "Broken", "terms": {}})
    )
    code, _, err = run(project, "check", "Broken")
    assert code == 1 and "Broken.json: terms:" in err


def test_validate_names_script_declarations_without_a_browser(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.capture.fetch import browser

    decl = project / "declarations" / "Scripted.json"
    decl.write_text(
        json.dumps(
            {
                "name": "Scripted",
                "terms": {
                    "Privacy Policy": {
                        "fetch": "http://127.0.0.1:9/privacy",
                        "select": "main",
                        "executeClientScripts": True,
                    }
                },
            }
        )
    )
    monkeypatch.setattr(browser, "playwright_available", lambda: False)
    code, out, _ = run(project, "validate")  # the project says browser = "never": nothing to say
    assert code == 0 and "Scripted.json" not in out
    config = project / "clausewatch.toml"
    config.write_text(config.read_text().replace('browser = "never"', 'browser = "auto"'))
    code, out, _ = run(project, "validate")
    assert code == 0  # a warning: the declaration itself is valid
    (line,) = [line for line in out.splitlines() if "Scripted.json" in line]
    assert line.startswith("warning:") and "terms.Privacy Policy.executeClientScripts" in line
    assert "clausewatch[browser]" in line
    # check: a failed capture naming the missing package, never a traceback; the others go on
    code, out, err = run(project, "check", "--json")
    assert code == 1 and "Traceback" not in err
    docs = {d["service_id"]: d for d in json.loads(out)["documents"]}
    scripted = docs["Scripted"]
    assert (scripted["outcome"], scripted["reason"]) == ("failed", "browser_unavailable")
    assert "clausewatch[browser]" in scripted["message"]
    assert docs["Acme"]["outcome"] == "new"


def test_bad_config_is_exit_2_with_one_line(project: Path) -> None:
    (project / "clausewatch.toml").write_text('[fetch]\nread_timeout = "abc"\n')
    code, _, err = run(project, "check")
    assert code == 2
    assert "read_timeout" in err and len(err.strip().splitlines()) == 1


def test_check_history_show_json(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(project, "check", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "held": 0, "failed": 0}
    http_server.routes["/terms"] = terms_page(notice_days=7)
    assert run(project, "check")[0] == 0
    code, out, _ = run(project, "history", "Acme", "--json")
    doc = json.loads(out)[0]
    assert doc["service"] == "Acme" and len(doc["versions"]) == 2
    assert {"captured_at", "sha256", "origin", "technical_upgrade", "snapshots"} <= set(
        doc["versions"][0]
    )
    first = doc["versions"][-1]["captured_at"]
    code, out, _ = run(project, "show", "Acme", "Terms of Service", "--at", first)
    assert code == 0 and "30 days' notice" in out
    code, out, _ = run(project, "show", "Acme", "Terms of Service")
    assert "7 days' notice" in out
    code, _, err = run(project, "show", "Nope", "Terms of Service")
    assert code == 2 and "Nope" in err


def test_check_exit_1_when_a_document_fails(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    http_server.routes["/terms"] = "<html><body><p>gone</p></body></html>"
    code, out, _ = run(project, "check")
    assert code == 1 and "failed" in out


def test_python_dash_m_monitor_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, check=True
    )
    assert "clausewatch" in result.stdout


def test_clauses_and_compare_json(project: Path) -> None:
    assert run(project, "check")[0] == 0
    code, out, _ = run(project, "clauses", "Acme", "Terms of Service", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["published"] is True
    by_category = {p["category"]: p for p in data["provisions"]}
    assert {"credit_expiry", "concurrency_limit", "unilateral_change"} <= set(by_category)
    credit = by_category["credit_expiry"]
    assert any(f["name"] == "credit_validity" and f["value"] == 90 for f in credit["facts"])
    assert credit["excerpt"]["version_sha256"] == data["version"]["sha256"]
    assert credit["provision_id"] is not None and credit["first_seen_at"]
    code, out, _ = run(project, "compare", "credit_expiry", "--json")
    comparison = json.loads(out)
    assert comparison["platforms_with_provision"] == 1 and comparison["platforms_total"] == 1
    assert comparison["fact_ranges"]["credit_validity"]["min"] == 90
    code, _, err = run(project, "compare", "no_such_category")
    assert code == 2 and "no_such_category" in err


def test_marketing_page_declared_as_terms_is_withheld(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    blurb = (
        "<p>Create stunning videos in seconds with our award-winning studio. Join millions of "
        "creators, try the new editor, explore templates, watch the showcase, read customer "
        "stories, compare plans and start your free trial today. Download the app.</p>"
    )
    http_server.routes["/terms"] = (
        "<html><body><article class='legal'><h1>Welcome to Acme Studio</h1>"
        + blurb * 12
        + "</article></body></html>"
    )
    assert run(project, "check")[0] == 0
    code, out, _ = run(project, "clauses", "Acme", "Terms of Service", "--json")
    data = json.loads(out)
    assert data["published"] is False and data["provisions"] == []
    assert data["version"]["document_type_reason"]


def test_subscribe_has_a_default_plan_shown_in_help(project: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(project, "subscribe", "--help")
    assert code == 0 and "default: watcher" in out
    http_server.routes["/terms"] = terms_page()
    assert run(project, "check")[0] == 0
    code, out, err = run(project, "subscribe", "you@example.com", "--service", "Acme")
    assert code == 0, err
    assert "plan watcher" in out
    listed = json.loads(run(project, "subscribers", "--json")[1])
    assert [(s["email"], s["plan"]) for s in listed] == [("you@example.com", "watcher")]
