"""Names given on the command line: an unknown service, document type, category or subscriber
exits 2 and says which of them is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pages import terms_page
from test_cli import make_project, run

from monitor.capture.declarations import write_declaration


@pytest.fixture
def project(tmp_path: Path, http_server: Any) -> Path:
    return make_project(tmp_path, http_server)


@pytest.mark.parametrize(
    "args",
    [
        ("history", "Nope"),
        ("history", "Acme", "No Such Type"),
        ("show", "Nope", "Terms of Service"),
        ("show", "Acme", "No Such Type"),
        ("clauses", "Acme", "No Such Type"),
        ("diff", "Nope", "Terms of Service"),
        ("diff", "Acme", "No Such Type", "--json"),
        ("compare", "no_such_category"),
        ("changes", "--service", "Nope"),
        ("unsubscribe", "nobody@example.com"),
        ("check", "Nope"),
    ],
    ids=" ".join,
)
def test_unknown_names_on_the_command_line_exit_2(
    project: Path,
    http_server: Any,
    args: tuple[str, ...],
) -> None:
    http_server.routes["/terms"] = terms_page()
    assert run(project, "check")[0] == 0
    code, out, err = run(project, *args)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert out == ""


def test_history_of_an_unknown_type_blames_the_type_not_the_service(
    project: Path, http_server: Any
) -> None:
    write_declaration(
        project / "declarations",
        "Acme",
        "Acme Studio",
        {
            "Terms of Service": {"fetch": http_server.url("/terms"), "select": "article.legal"},
            "Privacy Policy": {"fetch": http_server.url("/privacy"), "select": "article.legal"},
        },
    )
    http_server.routes["/terms"] = terms_page()
    http_server.routes["/privacy"] = terms_page()
    assert run(project, "check")[0] == 0
    code, _, err = run(project, "history", "Acme", "No Such Type")
    assert code == 2
    assert "no documents for service" not in err
    assert "'Acme' has no document type 'No Such Type'" in err
    assert "Privacy Policy, Terms of Service" in err
    code, _, err = run(project, "show", "Acme", "No Such Type")
    assert code == 2 and "Privacy Policy, Terms of Service" in err
    code, _, err = run(project, "history", "Nope")
    assert code == 2 and "no service 'Nope'" in err and "Acme" in err
