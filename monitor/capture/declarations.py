"""Open Terms Archive (OTA) declarations: load, validate (file + key), history with validUntil.

A declarations folder holds `<service id>.json` and optional `<service id>.history.json`.
OTA's `*.filters.js` files hold custom JavaScript filters; they are never executed here, so a
declaration naming a filter that is not built in gets a warning and the filter is skipped.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from monitor.errors import DeclarationError, NotFound
from monitor.paths import safe_component

KNOWN_FILTERS: frozenset[str] = frozenset({"removeQueryParams"})

SOURCE_KEYS = frozenset({"fetch", "select", "remove", "filter", "executeClientScripts"})
TERMS_KEYS = SOURCE_KEYS | {"combine"}
SERVICE_KEYS = frozenset({"name", "terms"})
RANGE_KEYS = {
    "startBefore": "start_before",
    "startAfter": "start_after",
    "endBefore": "end_before",
    "endAfter": "end_after",
}
HISTORY_SUFFIX = ".history.json"

Severity = Literal["error", "warning"]


# ---------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class RangeSelector:
    """Content between a start and an end element (exactly one start* and one end* is set)."""

    start_before: str | None = None
    start_after: str | None = None
    end_before: str | None = None
    end_after: str | None = None

    def to_json(self) -> dict[str, str]:
        return {
            key: value
            for key, attr in RANGE_KEYS.items()
            if (value := getattr(self, attr)) is not None
        }


Selector = str | RangeSelector
# A filter is a built-in name, or OTA's object form with parameters: {"removeQueryParams": [...]}.
FilterSpec = str | dict[str, Any]


@dataclass
class SourceDocument:
    fetch: str
    select: list[Selector] = field(default_factory=list)  # empty = whole body (e.g. PDFs)
    remove: list[Selector] = field(default_factory=list)
    filters: list[FilterSpec] = field(default_factory=list)
    execute_client_scripts: bool | None = None  # None = key absent

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fetch": self.fetch}
        if self.select:
            out["select"] = [_selector_json(s) for s in self.select]
        if self.remove:
            out["remove"] = [_selector_json(s) for s in self.remove]
        if self.filters:
            out["filter"] = copy.deepcopy(self.filters)
        if self.execute_client_scripts is not None:
            out["executeClientScripts"] = self.execute_client_scripts
        return out


@dataclass
class TermsDeclaration:
    terms_type: str
    sources: list[SourceDocument]
    combined: bool = False
    # The terms decl exactly as written in the file (without validUntil); kept for provenance.
    raw: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The raw JSON of this terms decl (as declared, or rebuilt when built in code)."""
        if self.raw is not None:
            return copy.deepcopy(self.raw)
        if self.combined:
            return {"combine": [s.to_json() for s in self.sources]}
        return self.sources[0].to_json()


@dataclass
class ServiceDeclaration:
    service_id: str
    name: str
    terms: dict[str, TermsDeclaration]
    path: Path
    # terms type -> [(validUntil, decl)] sorted ascending by validUntil
    history: dict[str, list[tuple[datetime, TermsDeclaration]]] = field(default_factory=dict)

    def terms_at(self, terms_type: str, when: datetime) -> TermsDeclaration:
        """The decl in force at `when`: first history entry valid until after it, else current."""
        when = _aware(when)
        for valid_until, decl in self.history.get(terms_type, []):
            if when < valid_until:
                return decl
        if terms_type in self.terms:
            return self.terms[terms_type]
        raise NotFound(f"{self.path}: no '{terms_type}' declaration in force at {when.isoformat()}")

    def declaration_snapshot(self, terms_type: str) -> dict[str, Any]:
        """Raw JSON of the current terms decl, to record in capture metadata."""
        if terms_type not in self.terms:
            raise NotFound(f"{self.path}: no terms type '{terms_type}'")
        return self.terms[terms_type].to_json()


@dataclass(frozen=True)
class Problem:
    file: Path
    key: str  # JSON-pointer-like path, e.g. "terms.Terms of Service.select[1].startBefore"
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


# ---------------------------------------------------------------- helpers


def _selector_json(sel: Selector) -> str | dict[str, str]:
    return sel if isinstance(sel, str) else sel.to_json()


def _aware(when: datetime) -> datetime:
    # Naive datetimes are taken as UTC so comparisons never raise.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(
        type(value), "object"
    )


# Selectors made only of type, class and id selectors joined by combinators and commas: valid CSS
# that soupsieve always accepts. Only other selectors pay for importing soupsieve (about 0.2 s
# of compiled patterns) in a pass that may extract nothing.
_PLAIN_SELECTOR = re.compile(
    r"\s*(?:(?:[A-Za-z][A-Za-z0-9-]*|\*)(?:[.#][A-Za-z_][A-Za-z0-9_-]*)*|(?:[.#][A-Za-z_][A-Za-z0-9_-]*)+)"
    r"(?:(?:\s*[>+~,]\s*|\s+)(?:(?:[A-Za-z][A-Za-z0-9-]*|\*)(?:[.#][A-Za-z_][A-Za-z0-9_-]*)*"
    r"|(?:[.#][A-Za-z_][A-Za-z0-9_-]*)+))*\s*"
)


@lru_cache(maxsize=4096)
def _css_error(selector: str) -> str | None:
    """None when soupsieve accepts the selector, else the first line of its complaint."""
    if _PLAIN_SELECTOR.fullmatch(selector):
        return None
    import soupsieve

    try:
        soupsieve.compile(selector)
    except Exception as exc:  # soupsieve raises SelectorSyntaxError, occasionally other errors
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


class _Collector:
    """Problems found in one file; parse helpers return None after recording an error."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message, "error"))

    def warning(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message, "warning"))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _join(key: str, part: str) -> str:
    return f"{key}.{part}" if key else part


# ---------------------------------------------------------------- field parsers


def _parse_url(value: Any, key: str, c: _Collector) -> str | None:
    if not isinstance(value, str):
        c.error(key, f"expected a URL string, got {_type_name(value)}")
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        c.error(key, f"expected an http(s) URL, got {value!r}")
        return None
    if any(ch.isspace() for ch in value):
        c.error(key, f"URL contains whitespace: {value!r}")
        return None
    return value


def _parse_css(value: Any, key: str, c: _Collector) -> str | None:
    if not isinstance(value, str):
        c.error(key, f"expected a CSS selector string, got {_type_name(value)}")
        return None
    if not value.strip():
        c.error(key, "empty selector")
        return None
    problem = _css_error(value)
    if problem is not None:
        c.error(key, f"invalid CSS selector {value!r}: {problem}")
        return None
    return value


def _parse_range(value: dict[str, Any], key: str, c: _Collector) -> RangeSelector | None:
    ok = True
    parsed: dict[str, str] = {}
    for name, item in value.items():
        if name not in RANGE_KEYS:
            c.error(
                _join(key, name), f"unknown range selector key (allowed: {', '.join(RANGE_KEYS)})"
            )
            ok = False
            continue
        css = _parse_css(item, _join(key, name), c)
        if css is None:
            ok = False
        else:
            parsed[RANGE_KEYS[name]] = css
    starts = [k for k in ("startBefore", "startAfter") if k in value]
    ends = [k for k in ("endBefore", "endAfter") if k in value]
    if len(starts) != 1 or len(ends) != 1:
        c.error(
            key,
            "a range selector needs exactly one of startBefore/startAfter and exactly one "
            f"of endBefore/endAfter, got {sorted(value) or 'none'}",
        )
        ok = False
    return RangeSelector(**parsed) if ok else None


def _parse_one_selector(value: Any, key: str, c: _Collector) -> Selector | None:
    if isinstance(value, dict):
        return _parse_range(value, key, c)
    return _parse_css(value, key, c)


def _parse_selectors(value: Any, key: str, c: _Collector) -> list[Selector] | None:
    if not isinstance(value, list):
        one = _parse_one_selector(value, key, c)
        return None if one is None else [one]
    if not value:
        c.error(key, "empty selector list")
        return None
    out: list[Selector] = []
    for i, item in enumerate(value):
        sel = _parse_one_selector(item, f"{key}[{i}]", c)
        if sel is not None:
            out.append(sel)
    return out if len(out) == len(value) else None


def _parse_filters(value: Any, key: str, c: _Collector) -> list[FilterSpec] | None:
    if not isinstance(value, list):
        c.error(key, f"expected an array of filter names, got {_type_name(value)}")
        return None
    out: list[FilterSpec] = []
    for i, item in enumerate(value):
        item_key = f"{key}[{i}]"
        if isinstance(item, str) and item:
            name = item
        elif isinstance(item, dict) and len(item) == 1:
            name = next(iter(item))
        else:
            c.error(item_key, "expected a filter name or an object {name: parameters}")
            return None
        if name not in KNOWN_FILTERS:
            # OTA custom filters live in .filters.js, which is never executed here.
            c.warning(item_key, f"unknown filter '{name}' will be skipped")
        out.append(item)
    return out


def _parse_source_fields(raw: dict[str, Any], key: str, c: _Collector) -> dict[str, Any] | None:
    """Parse the source-document keys present in `raw` into SourceDocument keyword arguments."""
    fields: dict[str, Any] = {}
    ok = True

    def put(name: str, value: Any) -> None:
        nonlocal ok
        if value is None:
            ok = False
        else:
            fields[name] = value

    if "fetch" in raw:
        put("fetch", _parse_url(raw["fetch"], _join(key, "fetch"), c))
    if "select" in raw:
        put("select", _parse_selectors(raw["select"], _join(key, "select"), c))
    if "remove" in raw:
        put("remove", _parse_selectors(raw["remove"], _join(key, "remove"), c))
    if "filter" in raw:
        put("filters", _parse_filters(raw["filter"], _join(key, "filter"), c))
    if "executeClientScripts" in raw:
        value = raw["executeClientScripts"]
        if isinstance(value, bool):
            fields["execute_client_scripts"] = value
        else:
            c.error(
                _join(key, "executeClientScripts"), f"expected a boolean, got {_type_name(value)}"
            )
            ok = False
    return fields if ok else None


def _check_keys(raw: dict[str, Any], allowed: frozenset[str], key: str, c: _Collector) -> bool:
    unknown = [k for k in raw if k not in allowed]
    for k in unknown:
        c.error(_join(key, k), f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return not unknown


def _parse_terms(
    terms_type: str, raw: Any, key: str, c: _Collector, *, history: bool = False
) -> TermsDeclaration | None:
    if not isinstance(raw, dict):
        c.error(key, f"expected an object, got {_type_name(raw)}")
        return None
    allowed = TERMS_KEYS | {"validUntil"} if history else TERMS_KEYS
    ok = _check_keys(raw, allowed, key, c)
    own = {k: v for k, v in raw.items() if k in SOURCE_KEYS}
    inherited = _parse_source_fields(own, key, c)
    if inherited is None:
        ok = False
    if "combine" not in raw:
        if "fetch" not in raw:
            c.error(_join(key, "fetch"), "missing required key (or use 'combine')")
            return None
        if not ok or inherited is None:
            return None
        decl = SourceDocument(**inherited)
        return TermsDeclaration(terms_type, [decl], combined=False, raw=_strip_valid_until(raw))
    sources = _parse_combine(raw["combine"], _join(key, "combine"), inherited or {}, c)
    if sources is None or not ok:
        return None
    return TermsDeclaration(terms_type, sources, combined=True, raw=_strip_valid_until(raw))


def _parse_combine(
    value: Any, key: str, inherited: dict[str, Any], c: _Collector
) -> list[SourceDocument] | None:
    if not isinstance(value, list) or not value:
        c.error(key, f"expected a non-empty array of source documents, got {_type_name(value)}")
        return None
    sources: list[SourceDocument] = []
    for i, item in enumerate(value):
        item_key = f"{key}[{i}]"
        if not isinstance(item, dict):
            c.error(item_key, f"expected an object, got {_type_name(item)}")
            continue
        keys_ok = _check_keys(item, SOURCE_KEYS, item_key, c)
        own = _parse_source_fields(item, item_key, c)
        if own is None or not keys_ok:
            continue
        merged = {**inherited, **own}  # keys at the terms level apply unless the source sets them
        if "fetch" not in merged:
            c.error(_join(item_key, "fetch"), "missing required key")
            continue
        sources.append(SourceDocument(**merged))
    return sources if len(sources) == len(value) else None


def _strip_valid_until(raw: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in raw.items() if k != "validUntil"})


def _parse_timestamp(value: Any, key: str, c: _Collector) -> datetime | None:
    if not isinstance(value, str):
        c.error(key, f"expected an ISO-8601 timestamp string, got {_type_name(value)}")
        return None
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        c.error(key, f"invalid ISO-8601 timestamp {value!r}")
        return None


# ---------------------------------------------------------------- files


def _read_json(path: Path, c: _Collector) -> Any:
    """The parsed JSON, or None after recording an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        c.error("(file)", f"cannot read: {exc}")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        c.error(f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}")
        return None


def _service_id(path: Path) -> str:
    # NFC so an id typed by a user matches a file name stored decomposed (macOS).
    return unicodedata.normalize("NFC", path.name[: -len(".json")])


def _parse_service(path: Path, c: _Collector) -> ServiceDeclaration | None:
    service_id = _service_id(path)
    if not safe_component(service_id):
        c.error("(service id)", f"{service_id!r} is not a safe file name component")
    data = _read_json(path, c)
    if data is None:
        return None
    if not isinstance(data, dict):
        c.error("(root)", f"expected an object, got {_type_name(data)}")
        return None
    _check_keys(data, SERVICE_KEYS, "", c)
    name = data.get("name")
    if not isinstance(name, str):
        got = "missing" if name is None else f"got {_type_name(name)}"
        c.error("name", f"expected the service name as a string, {got}")
    elif not name.strip():
        c.error("name", "empty service name")
    terms_raw = data.get("terms")
    terms: dict[str, TermsDeclaration] = {}
    if not isinstance(terms_raw, dict) or not terms_raw:
        c.error("terms", "expected a non-empty object of terms types")
    else:
        for terms_type, raw in terms_raw.items():
            key = f"terms.{terms_type}"
            if not safe_component(terms_type):
                c.error(key, f"terms type {terms_type!r} is not a safe file name component")
                continue
            decl = _parse_terms(terms_type, raw, key, c)
            if decl is not None:
                terms[terms_type] = decl
    history_path = path.with_name(path.name[: -len(".json")] + HISTORY_SUFFIX)
    history = _parse_history(history_path, c.problems) if history_path.exists() else {}
    if c.has_errors or history is None or not isinstance(name, str):
        return None
    return ServiceDeclaration(service_id, name, terms, path, history)


def _parse_history(
    path: Path, problems: list[Problem]
) -> dict[str, list[tuple[datetime, TermsDeclaration]]] | None:
    c = _Collector(path)
    try:
        data = _read_json(path, c)
        if data is None:
            return None
        if not isinstance(data, dict):
            c.error("(root)", f"expected an object, got {_type_name(data)}")
            return None
        history: dict[str, list[tuple[datetime, TermsDeclaration]]] = {}
        for terms_type, entries in data.items():
            if not safe_component(terms_type):
                c.error(terms_type, f"terms type {terms_type!r} is not a safe file name component")
            elif not isinstance(entries, list) or not entries:
                c.error(terms_type, "expected a non-empty array of past declarations")
            else:
                history[terms_type] = _parse_history_entries(terms_type, entries, c)
        return None if c.has_errors else history
    finally:
        problems.extend(c.problems)


def _parse_history_entries(
    terms_type: str, entries: list[Any], c: _Collector
) -> list[tuple[datetime, TermsDeclaration]]:
    out: list[tuple[datetime, TermsDeclaration]] = []
    previous: datetime | None = None
    for i, entry in enumerate(entries):
        key = f"{terms_type}[{i}]"
        decl = _parse_terms(terms_type, entry, key, c, history=True)
        if not isinstance(entry, dict):
            continue
        vkey = _join(key, "validUntil")
        if "validUntil" not in entry:
            c.error(vkey, "missing required key")
            continue
        when = _parse_timestamp(entry["validUntil"], vkey, c)
        if when is None:
            continue
        if previous is not None and when <= previous:
            c.error(
                vkey,
                f"history not sorted: {entry['validUntil']} is not after the previous "
                "entry's validUntil",
            )
        previous = when
        if decl is not None:
            out.append((when, decl))
    return out


# ---------------------------------------------------------------- public API


def parse_service_file(path: Path) -> ServiceDeclaration:
    """Parse `<service id>.json` and its history; raise DeclarationError on the first error."""
    c = _Collector(path)
    service = _parse_service(path, c)
    errors = [p for p in c.problems if p.severity == "error"]
    if service is None or errors:
        first = str(errors[0]) if errors else f"{path}: (file): invalid declaration"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        raise DeclarationError(first + more)
    return service


def _service_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.glob("*.json") if p.is_file() and not p.name.endswith(HISTORY_SUFFIX)
    )


def load_declarations(folder: Path) -> tuple[dict[str, ServiceDeclaration], list[Problem]]:
    """Every valid service in `folder` plus all problems; invalid files are left out."""
    if not folder.is_dir():
        raise DeclarationError(f"{folder}: declarations folder does not exist")
    services: dict[str, ServiceDeclaration] = {}
    problems: list[Problem] = []
    for path in _service_files(folder):
        c = _Collector(path)
        service = _parse_service(path, c)
        problems.extend(c.problems)
        if service is None:
            continue
        if service.service_id in services:
            problems.append(Problem(path, "(service id)", "duplicate service id", "error"))
            continue
        services[service.service_id] = service
    problems.extend(_orphan_histories(folder))
    return services, problems


def _orphan_histories(folder: Path) -> list[Problem]:
    out = []
    for path in sorted(folder.glob("*" + HISTORY_SUFFIX)):
        if not path.with_name(path.name[: -len(HISTORY_SUFFIX)] + ".json").exists():
            out.append(Problem(path, "(file)", "history file without a declaration", "warning"))
    return out


def validate_declarations(folder: Path) -> list[Problem]:
    """All problems (errors and warnings) in a declarations folder."""
    return load_declarations(folder)[1]


def write_declaration(folder: Path, service_id: str, name: str, terms: dict[str, Any]) -> Path:
    """Write `<folder>/<service_id>.json` atomically; `terms` maps terms type -> raw decl."""
    if not safe_component(service_id):
        raise DeclarationError(f"{service_id!r}: service id is not a safe file name component")
    body = {
        "name": name,
        "terms": {
            t: d.to_json() if isinstance(d, TermsDeclaration) else d for t, d in terms.items()
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{service_id}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
