"""A declaration's `select` and `remove` applied to a parsed page: the selected content.

The order is OTA's engine's: every `remove` selector is resolved against the whole page and its
matches are taken out (CSS matches, then range contents); `select` is then resolved against what
is left, so a remove match enclosing a selected element takes it along and `:nth-child()` in a
select counts what remains. The selection is built from the CSS matches in document order and the
range selectors' content (see ranges.py).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from monitor.capture.extract.ranges import (
    MARK,
    _clone_between,
    _delete_between,
    _drop,
    _insert_markers,
    _lift_markers,
    _ordered,
    _Range,
    _self_and_up,
)
from monitor.errors import ExtractError, FailureReason


@lru_cache(maxsize=1024)
def _xpath(selector: str) -> etree.XPath:
    try:
        return etree.XPath(HTMLTranslator().css_to_xpath(selector))
    except (SelectorError, etree.XPathError) as exc:
        raise ExtractError(
            f"invalid CSS selector {selector!r}: {exc}", reason=FailureReason.INVALID_SELECTOR
        ) from exc


def css_select(root: etree._Element, selector: str) -> list[etree._Element]:
    """All elements matching a CSS selector, in document order."""
    result = _xpath(selector)(root)
    return (
        [el for el in result if isinstance(el, etree._Element)] if isinstance(result, list) else []
    )


def _as_range(selector: Any) -> _Range | None:
    """A RangeSelector (dataclass) or an OTA JSON range object as _Range; None for a CSS string."""
    if isinstance(selector, str):
        return None
    if isinstance(selector, dict):
        get = selector.get
        values = [get("startBefore"), get("startAfter"), get("endBefore"), get("endAfter")]
    else:
        values = [getattr(selector, a, None) for a in ("start_before", "start_after")]
        values += [getattr(selector, a, None) for a in ("end_before", "end_after")]
    start_before, start_after, end_before, end_after = (
        v if isinstance(v, str) else "" for v in values
    )
    if bool(start_before) == bool(start_after) or bool(end_before) == bool(end_after):
        raise ExtractError(
            f"range selector {selector!r} needs exactly one start and one end",
            reason=FailureReason.INVALID_SELECTOR,
        )
    return _Range(
        start=start_before or start_after,
        start_inclusive=bool(start_before),
        end=end_before or end_after,
        end_inclusive=bool(end_after),
    )


def _first(root: etree._Element, selector: str) -> etree._Element | None:
    found = css_select(root, selector)
    return found[0] if found else None


def select_content(
    root: etree._Element,
    select: Sequence[Any],
    remove: Sequence[Any],
    warnings: list[str],
) -> etree._Element:
    """The selected content of a page, `remove` matches taken out first, as one element.

    As in OTA's engine, `remove` comes first: every remove selector is resolved against the whole
    page and its matches deleted (CSS matches, then range contents), and only then is `select`
    resolved, against what is left. A remove match that encloses a selected element takes it
    along, so a broad `select` never brings back the navigation or footer a `remove` names.
    """
    _apply_remove(root, remove, warnings)
    css_matches, ranges = _resolve_select(root, select)
    # Markers go in only after every selector has been evaluated: they would shift :nth-child().
    select_marks = {
        i: _insert_markers(root, start, end, rng, f"s{i}")
        for i, (rng, start, end) in ranges.items()
    }
    return _build_selection(root, select, css_matches, select_marks)


def _apply_remove(root: etree._Element, remove: Sequence[Any], warnings: list[str]) -> None:
    """Delete every `remove` match, all selectors resolved against the page as it was."""
    removals, remove_ranges = _resolve_remove(root, remove, warnings)
    remove_marks = [
        (rng, _insert_markers(root, start, end, rng, f"r{i}"))
        for i, (rng, start, end) in enumerate(remove_ranges)
    ]
    for el in removals:
        # A range boundary inside a removed element collapses onto the deletion point.
        _lift_markers(el)
        _drop(el)
    for rng, (start, end) in remove_marks:
        _delete_between(root, start, end, rng, warnings)


def _resolve_select(
    root: etree._Element, select: Sequence[Any]
) -> tuple[
    dict[int, list[etree._Element]], dict[int, tuple[_Range, etree._Element, etree._Element]]
]:
    css_matches: dict[int, list[etree._Element]] = {}
    ranges: dict[int, tuple[_Range, etree._Element, etree._Element]] = {}
    for i, selector in enumerate(select):
        rng = _as_range(selector)
        if rng is None:
            found = css_select(root, selector)
            if not found:
                raise ExtractError(
                    f"select selector {selector!r} matches nothing on the page",
                    reason=FailureReason.SELECTOR_NOT_FOUND,
                )
            css_matches[i] = found
            continue
        start, end = _first(root, rng.start), _first(root, rng.end)
        if start is None or end is None:
            missing = rng.start if start is None else rng.end
            raise ExtractError(
                f"range selector {rng.describe()}: {missing!r} matches nothing on the page",
                reason=FailureReason.SELECTOR_NOT_FOUND,
            )
        ranges[i] = (rng, start, end)
    return css_matches, ranges


def _resolve_remove(
    root: etree._Element, remove: Sequence[Any], warnings: list[str]
) -> tuple[list[etree._Element], list[tuple[_Range, etree._Element, etree._Element]]]:
    removals: list[etree._Element] = []
    ranges: list[tuple[_Range, etree._Element, etree._Element]] = []
    for selector in remove:
        rng = _as_range(selector)
        if rng is None:
            removals.extend(css_select(root, selector))  # matching nothing is fine for remove
            continue
        start, end = _first(root, rng.start), _first(root, rng.end)
        if start is None or end is None:
            # Not fatal: the noise may simply be gone from the page; say so, keep the text.
            warnings.append(f"remove range {rng.describe()} not found on the page; skipped")
            continue
        ranges.append((rng, start, end))
    return removals, ranges


def _build_selection(
    root: etree._Element,
    select: Sequence[Any],
    css_matches: dict[int, list[etree._Element]],
    select_marks: dict[int, tuple[etree._Element, etree._Element]],
) -> etree._Element:
    if not select:
        body = root.find("body")
        selection = body if body is not None else root
        etree.strip_elements(selection, MARK, with_tail=False)
        return selection
    container = root.makeelement("div", {})
    taken: list[etree._Element] = []  # keeps the proxies alive, so their ids stay unique
    taken_ids: set[int] = set()
    for i, selector in enumerate(select):
        if i in select_marks:
            start, end = select_marks[i]
            if not _ordered(root, start, end):
                rng = _as_range(selector)
                described = rng.describe() if rng else repr(selector)
                raise ExtractError(
                    f"range selector {described}: the end comes before the start on the page",
                    reason=FailureReason.INVALID_RANGE,
                )
            _clone_between(start, end, container)
            continue
        for el in css_matches[i]:
            # Skip an element removed as a whole, or already inside an earlier selected element.
            up = _self_and_up(el)
            if up[-1] is not root or any(id(a) in taken_ids for a in up):
                continue
            taken.append(el)
            taken_ids.add(id(el))
            clone = copy.deepcopy(el)
            clone.tail = None
            container.append(clone)
    etree.strip_elements(container, MARK, with_tail=False)
    return container
