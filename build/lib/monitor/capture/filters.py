"""Named filters run on the selected DOM before it becomes Markdown (OTA `filter` key).

Open Terms Archive declarations may name JavaScript functions from a `.filters.js` file; those are
never executed here. Only the filters built into this module run; any other name is skipped with a
warning, so a declaration imported from OTA still works, just with that filter missing.

A filter entry is a name (`"removeQueryParams"`) or OTA's object form with a parameter
(`{"removeQueryParams": ["utm_source", "utm_medium"]}`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from lxml import etree

FilterFunc = Callable[[etree._Element, Any, str], list[str]]

_URL_ATTRS = (("a", "href"), ("area", "href"), ("img", "src"))


def apply_filters(dom_root: etree._Element, filters: Iterable[Any], base_url: str) -> list[str]:
    """Run the named filters in order on dom_root (in place); return warnings."""
    warnings: list[str] = []
    for spec in filters:
        for name, argument in _entries(spec, warnings):
            func = BUILTIN_FILTERS.get(name)
            if func is None:
                warnings.append(f"filter '{name}' is not built in; skipped")
                continue
            warnings.extend(func(dom_root, argument, base_url))
    return warnings


def _entries(spec: Any, warnings: list[str]) -> list[tuple[str, Any]]:
    if isinstance(spec, str):
        return [(spec, None)]
    if isinstance(spec, Mapping):
        return [(str(name), arg) for name, arg in spec.items()]
    warnings.append(f"filter entry {spec!r} is neither a name nor an object; skipped")
    return []


# ---------------------------------------------------------------- removeQueryParams


def remove_query_params(dom_root: etree._Element, argument: Any, base_url: str) -> list[str]:
    """Strip query parameters from link and image URLs (tracking tokens change on every visit).

    No argument: drop the whole query string. A name or a list of names: drop only those
    parameters, keeping the others byte for byte.
    """
    if argument is None or argument is True:
        names: frozenset[str] | None = None
    elif isinstance(argument, str):
        names = frozenset({argument})
    elif isinstance(argument, list) and all(isinstance(a, str) for a in argument):
        names = frozenset(argument)
    else:
        return [
            f"filter 'removeQueryParams': parameter {argument!r} is not a list of names; skipped"
        ]
    for tag, attr in _URL_ATTRS:
        for el in dom_root.iter(tag):
            value = el.get(attr)
            if value:
                el.set(attr, strip_query(value, names))
    return []


def strip_query(url: str, names: frozenset[str] | None) -> str:
    """url without the named query parameters (all of them when names is None)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # malformed URL: leave it as the page wrote it
        return url
    if not parts.query:
        return url
    if names is None:
        query = ""
    else:
        # Compare decoded names, but keep the kept pairs exactly as written (no re-encoding).
        kept = [p for p in parts.query.split("&") if unquote_plus(p.split("=", 1)[0]) not in names]
        query = "&".join(p for p in kept if p)
    return urlunsplit(parts._replace(query=query))


BUILTIN_FILTERS: dict[str, FilterFunc] = {
    "removeQueryParams": remove_query_params,
}
