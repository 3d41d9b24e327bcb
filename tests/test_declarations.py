"""Open Terms Archive declarations: loading, history, inheritance and validation with file + key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.capture.declarations import (
    KNOWN_FILTERS,
    RangeSelector,
    ServiceDeclaration,
    SourceDocument,
    load_declarations,
    parse_service_file,
    validate_declarations,
    write_declaration,
)
from monitor.errors import DeclarationError, NotFound
from monitor.paths import safe_component

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "ota-genai-declarations"
REAL_DECLARATIONS = REAL / "declarations"
FIXTURES = Path(__file__).parent / "fixtures" / "declarations"


def _write(folder: Path, filename: str, body: Any) -> Path:
    path = folder / filename
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def _simple(**extra: Any) -> dict[str, Any]:
    return {"fetch": "https://example.test/terms", "select": ["main"], **extra}


def _service(terms: dict[str, Any], name: str = "Example") -> dict[str, Any]:
    return {"name": name, "terms": terms}


def _errors(folder: Path) -> list[str]:
    return [str(p) for p in validate_declarations(folder) if p.severity == "error"]


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, ServiceDeclaration], list[Any]]:
    if not REAL_DECLARATIONS.is_dir():
        pytest.skip("shared OTA declarations are not available")
    return load_declarations(REAL_DECLARATIONS)


def test_every_real_declaration_loads(real: tuple[dict[str, ServiceDeclaration], list]) -> None:
    services, problems = real
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == []
    stems = {p.name[: -len(".json")] for p in REAL_DECLARATIONS.glob("*.json")}
    expected = {s for s in stems if not s.endswith(".history")}
    assert set(services) == expected
    # The only warnings expected are OTA custom filters we do not run.
    assert all("removeTrackingIDs" in p.message for p in problems)


def test_real_unicode_ids_and_history(real: tuple[dict[str, ServiceDeclaration], list]) -> None:
    services, _ = real
    assert "DALL·E" in services
    assert "Claude.ai" in services
    chatgpt = services["ChatGPT"]
    assert chatgpt.history, "ChatGPT has a history file"
    # A date far in the past picks the oldest history entry, today picks the current decl.
    old = chatgpt.terms_at("Terms of Service", datetime(2000, 1, 1, tzinfo=UTC))
    assert old is chatgpt.history["Terms of Service"][0][1]
    now = chatgpt.terms_at("Terms of Service", datetime(2100, 1, 1, tzinfo=UTC))
    assert now is chatgpt.terms["Terms of Service"]


def test_real_range_selectors_parse(real: tuple[dict[str, ServiceDeclaration], list]) -> None:
    services, _ = real
    selectors = [
        sel
        for service in services.values()
        for terms in service.terms.values()
        for source in terms.sources
        for sel in source.select
    ]
    assert any(isinstance(s, RangeSelector) for s in selectors)


# ---------------------------------------------------------------- parsing


def test_single_source_document(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "Example.json",
        _service(
            {
                "Terms of Service": _simple(
                    remove=".ads", filter=["removeQueryParams"], executeClientScripts=False
                ),
                "Privacy Policy": {"fetch": "https://example.test/privacy.pdf"},
            }
        ),
    )
    service = parse_service_file(tmp_path / "Example.json")
    tos = service.terms["Terms of Service"]
    assert not tos.combined
    assert tos.sources == [
        SourceDocument(
            fetch="https://example.test/terms",
            select=["main"],
            remove=[".ads"],
            filters=["removeQueryParams"],
            execute_client_scripts=False,
        )
    ]
    pdf = service.terms["Privacy Policy"].sources[0]
    assert pdf.select == [] and pdf.execute_client_scripts is None  # whole body, key absent


def test_range_selector_and_filter_object(tmp_path: Path) -> None:
    terms = {
        "fetch": "https://example.test/t",
        "select": [{"startAfter": "h1", "endBefore": "footer"}, "article"],
        "filter": [{"removeQueryParams": ["utm_source"]}],
    }
    _write(tmp_path, "Example.json", _service({"Terms of Service": terms}))
    source = parse_service_file(tmp_path / "Example.json").terms["Terms of Service"].sources[0]
    assert source.select == [RangeSelector(start_after="h1", end_before="footer"), "article"]
    assert source.filters == [{"removeQueryParams": ["utm_source"]}]
    assert validate_declarations(tmp_path) == []


def test_combine_inherits_terms_level_keys(tmp_path: Path) -> None:
    terms = {
        "select": ["main"],
        "remove": [".nav"],
        "executeClientScripts": True,
        "combine": [
            {"fetch": "https://example.test/a"},
            {
                "fetch": "https://example.test/b",
                "select": "#content",
                "executeClientScripts": False,
            },
        ],
    }
    _write(tmp_path, "Example.json", _service({"Terms of Service": terms}))
    service = parse_service_file(tmp_path / "Example.json")
    decl = service.terms["Terms of Service"]
    assert decl.combined
    a, b = decl.sources
    assert (a.select, a.remove, a.execute_client_scripts) == (["main"], [".nav"], True)
    assert (b.select, b.remove, b.execute_client_scripts) == (["#content"], [".nav"], False)
    # The snapshot is the raw declaration as written, not the merged view.
    assert service.declaration_snapshot("Terms of Service") == terms


def test_history_selection_by_date(tmp_path: Path) -> None:
    _write(tmp_path, "Example.json", _service({"Terms of Service": _simple()}))
    history = {
        "Terms of Service": [
            {"fetch": "https://example.test/v1", "validUntil": "2023-01-01T00:00:00Z"},
            {"fetch": "https://example.test/v2", "validUntil": "2024-06-01T12:00:00Z"},
        ],
        "Retired Policy": [
            {"fetch": "https://example.test/old", "validUntil": "2022-01-01T00:00Z"}
        ],
    }
    _write(tmp_path, "Example.history.json", history)
    service = parse_service_file(tmp_path / "Example.json")

    def url_at(when: datetime, terms_type: str = "Terms of Service") -> str:
        return service.terms_at(terms_type, when).sources[0].fetch

    assert url_at(datetime(2022, 5, 1, tzinfo=UTC)) == "https://example.test/v1"
    assert url_at(datetime(2023, 1, 1, tzinfo=UTC)) == "https://example.test/v2"  # boundary
    assert url_at(datetime(2024, 6, 1, 11, 59)) == "https://example.test/v2"  # naive = UTC
    assert url_at(datetime(2024, 6, 1, 12, 0, tzinfo=UTC)) == "https://example.test/terms"
    assert url_at(datetime(2021, 1, 1, tzinfo=UTC), "Retired Policy") == "https://example.test/old"
    with pytest.raises(NotFound):
        service.terms_at("Retired Policy", datetime(2025, 1, 1, tzinfo=UTC))
    # History entries keep their raw form without validUntil.
    assert service.history["Terms of Service"][0][1].to_json() == {
        "fetch": "https://example.test/v1"
    }


def test_filters_js_and_other_files_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "Example.json", _service({"Terms of Service": _simple()}))
    (tmp_path / "Example.filters.js").write_text("throw new Error('never run')\n")
    (tmp_path / "README.md").write_text("notes\n")
    services, problems = load_declarations(tmp_path)
    assert list(services) == ["Example"] and problems == []


def test_write_declaration_round_trip(tmp_path: Path) -> None:
    terms = {"Terms of Service": _simple()}
    path = write_declaration(tmp_path / "decls", "DALL·E", "DALL·E", terms)
    assert path.name == "DALL·E.json"
    service = parse_service_file(path)
    assert service.service_id == "DALL·E" and service.name == "DALL·E"
    assert service.declaration_snapshot("Terms of Service") == terms["Terms of Service"]
    # Writing a parsed declaration back gives the same file content.
    write_declaration(tmp_path / "copy", "DALL·E", "DALL·E", service.terms)
    assert (tmp_path / "copy" / "DALL·E.json").read_text() == path.read_text()
    with pytest.raises(DeclarationError):
        write_declaration(tmp_path, "../evil", "Evil", terms)


@pytest.mark.parametrize(
    "name, ok",
    [
        ("Claude.ai", True),
        ("DALL·E", True),
        ("Le Chat", True),
        ("Terms of Service", True),
        ("", False),
        (".", False),
        ("..", False),
        (".hidden", False),
        ("a/b", False),
        ("a\\b", False),
        ("a\x00b", False),
        ("a\nb", False),
        ("x" * 150, True),
        ("x" * 151, False),
    ],
)
def test_safe_component(name: str, ok: bool) -> None:
    assert safe_component(name) is ok


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "terms, key, fragment",
    [
        (_simple(selector="main"), "terms.Terms of Service.selector", "unknown key"),
        (
            _simple(select=["main", {"startBefore": "h1", "endAfter": "p", "middle": "x"}]),
            "terms.Terms of Service.select[1].middle",
            "unknown range selector key",
        ),
        (
            _simple(select=["main", {"startBefore": "h1", "startAfter": "h2", "endAfter": "p"}]),
            "terms.Terms of Service.select[1]",
            "exactly one",
        ),
        (
            _simple(select=[{"startBefore": "h1[", "endAfter": "p"}]),
            "terms.Terms of Service.select[0].startBefore",
            "invalid CSS selector",
        ),
        (_simple(select=["main", "div >> p"]), "terms.Terms of Service.select[1]", "invalid CSS"),
        (_simple(select=[""]), "terms.Terms of Service.select[0]", "empty selector"),
        (_simple(select=[]), "terms.Terms of Service.select", "empty selector list"),
        (_simple(select=[3]), "terms.Terms of Service.select[0]", "got number"),
        (_simple(fetch="ftp://example.test/x"), "terms.Terms of Service.fetch", "http(s) URL"),
        (_simple(fetch="not a url"), "terms.Terms of Service.fetch", "http(s) URL"),
        ({"select": "main"}, "terms.Terms of Service.fetch", "missing"),
        (
            _simple(executeClientScripts="yes"),
            "terms.Terms of Service.executeClientScripts",
            "bool",
        ),
        (_simple(filter="removeQueryParams"), "terms.Terms of Service.filter", "array"),
        (
            {"combine": [{"fetch": "https://example.test/a", "combine": []}]},
            "terms.Terms of Service.combine[0].combine",
            "unknown key",
        ),
        ({"combine": [{"select": "main"}]}, "terms.Terms of Service.combine[0].fetch", "missing"),
        ({"combine": []}, "terms.Terms of Service.combine", "non-empty array"),
        ("https://example.test", "terms.Terms of Service", "expected an object"),
    ],
)
def test_validation_error_names_file_and_key(
    tmp_path: Path, terms: Any, key: str, fragment: str
) -> None:
    path = _write(tmp_path, "Example.json", _service({"Terms of Service": terms}))
    errors = _errors(tmp_path)
    assert errors, "expected an error"
    assert any(e.startswith(f"{path}: {key}: ") and fragment in e for e in errors), errors
    services, _ = load_declarations(tmp_path)
    assert services == {}  # invalid files are left out
    with pytest.raises(DeclarationError) as exc:
        parse_service_file(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_unknown_top_level_key_and_missing_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "Example.json", {"terms": {"ToS": _simple()}, "url": "x"})
    errors = _errors(tmp_path)
    assert f"{path}: url: unknown key (allowed: name, terms)" in errors
    assert f"{path}: name: expected the service name as a string, missing" in errors
    _write(tmp_path, "Example.json", {"name": "  ", "terms": {"ToS": _simple()}})
    assert _errors(tmp_path) == [f"{path}: name: empty service name"]


def test_bad_json_reports_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Broken.json", '{\n  "name": "Broken",\n  "terms": {,}\n}\n')
    _write(tmp_path, "Good.json", _service({"Terms of Service": _simple()}))
    services, problems = load_declarations(tmp_path)
    assert list(services) == ["Good"]  # one bad file never hides the others
    assert [str(p) for p in problems] == [
        f"{path}: line 3 column 13: invalid JSON: Expecting property name enclosed in double quotes"
    ]


def test_unsafe_service_id_and_terms_type(tmp_path: Path) -> None:
    path = _write(tmp_path, "..evil.json", _service({"Terms of Service": _simple()}))
    errors = _errors(tmp_path)
    assert any(e.startswith(f"{path}: (service id): ") for e in errors)
    # A service id like "../evil" cannot be a file name, but write_declaration refuses it too.
    with pytest.raises(DeclarationError, match="not a safe"):
        write_declaration(tmp_path, "../evil", "Evil", {})
    path.unlink()
    path = _write(tmp_path, "Example.json", _service({"../escape": _simple()}))
    assert any(e.startswith(f"{path}: terms.../escape: ") for e in _errors(tmp_path))


def test_unknown_filter_is_a_warning(tmp_path: Path) -> None:
    assert "removeTrackingIDs" not in KNOWN_FILTERS
    path = _write(
        tmp_path,
        "Example.json",
        _service({"Terms of Service": _simple(filter=["removeQueryParams", "removeTrackingIDs"])}),
    )
    services, problems = load_declarations(tmp_path)
    assert "Example" in services  # a warning does not drop the service
    assert [(str(p), p.severity) for p in problems] == [
        (
            f"{path}: terms.Terms of Service.filter[1]: unknown filter 'removeTrackingIDs' "
            "will be skipped",
            "warning",
        )
    ]


@pytest.mark.parametrize(
    "history, key, fragment",
    [
        (
            {
                "ToS": [
                    {"fetch": "https://example.test/2", "validUntil": "2024-01-01T00:00:00Z"},
                    {"fetch": "https://example.test/1", "validUntil": "2023-01-01T00:00:00Z"},
                ]
            },
            "ToS[1].validUntil",
            "not sorted",
        ),
        (
            {"ToS": [{"fetch": "https://example.test/1", "validUntil": "yesterday"}]},
            "ToS[0].validUntil",
            "timestamp",
        ),
        ({"ToS": [{"fetch": "https://example.test/1"}]}, "ToS[0].validUntil", "missing"),
        (
            {"ToS": [{"fetch": "https://example.test/1", "validUntil": 2023}]},
            "ToS[0].validUntil",
            "string",
        ),
        (
            {"ToS": [{"fetch": "https://e.test/1", "validUntil": "2023-01-01", "x": 1}]},
            "ToS[0].x",
            "unknown key",
        ),
        ({"ToS": {}}, "ToS", "array"),
    ],
)
def test_history_errors(tmp_path: Path, history: Any, key: str, fragment: str) -> None:
    _write(tmp_path, "Example.json", _service({"ToS": _simple()}))
    path = _write(tmp_path, "Example.history.json", history)
    errors = _errors(tmp_path)
    assert any(e.startswith(f"{path}: {key}: ") and fragment in e for e in errors), errors
    assert load_declarations(tmp_path)[0] == {}  # a bad history drops the service


def test_orphan_history_is_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, "Gone.history.json", {"ToS": []})
    problems = validate_declarations(tmp_path)
    assert [(p.file, p.severity) for p in problems] == [(path, "warning")]


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match="does not exist"):
        load_declarations(tmp_path / "nope")


def test_fixture_folder_loads() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("no fixtures")
    services, problems = load_declarations(FIXTURES)
    assert services and [p for p in problems if p.severity == "error"] == []
