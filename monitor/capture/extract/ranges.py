"""DOM Range in lxml: boundary markers, and copying or deleting the content between two of them.

OTA range selectors (`startBefore`/`startAfter` + `endBefore`/`endAfter`) mean "the content
between two boundary points", which may sit at different depths. lxml has no Range, so a marker
element is inserted at each point and the content between two markers is cut out of the tree the
way DOM Range.cloneContents() and deleteContents() do it. `_drop` (remove an element, keep its
tail text) is the tree edit everything here rests on; the pipeline uses it for script/style too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from monitor.errors import ExtractError, FailureReason

MARK = "cw-mark"  # boundary-point marker; never rendered


@dataclass
class _Range:
    start: str
    start_inclusive: bool  # startBefore: the start element is part of the range
    end: str
    end_inclusive: bool  # endAfter: the end element is part of the range

    def describe(self) -> str:
        s = "startBefore" if self.start_inclusive else "startAfter"
        e = "endAfter" if self.end_inclusive else "endBefore"
        return f"{{{s}: {self.start!r}, {e}: {self.end!r}}}"


def _marker(root: etree._Element, key: str) -> etree._Element:
    return root.makeelement(MARK, {"k": key})


def _insert_markers(
    root: etree._Element, start: etree._Element, end: etree._Element, rng: _Range, key: str
) -> tuple[etree._Element, etree._Element]:
    return (
        _place(root, start, before=rng.start_inclusive, key=key + "s"),
        _place(root, end, before=not rng.end_inclusive, key=key + "e"),
    )


def _place(root: etree._Element, el: etree._Element, *, before: bool, key: str) -> etree._Element:
    """Insert a marker right before el's start tag or right after its end tag."""
    mark = _marker(root, key)
    if el.getparent() is None:  # the root itself: the point is inside it, at its edge
        if before:
            el.insert(0, mark)
            mark.tail, el.text = el.text, None
        else:
            el.append(mark)
        return mark
    if before:
        el.addprevious(mark)
    else:
        el.addnext(mark)
        # lxml keeps el's tail text attached to el; that text comes after el's end tag.
        mark.tail, el.tail = el.tail, None
    return mark


def _drop(el: etree._Element) -> None:
    """Remove el and its content, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _lift_markers(el: etree._Element) -> None:
    """Move the range markers inside el to just before el, so deleting el keeps them.

    Content between a boundary point and a deleted region collapses onto the deletion point,
    exactly as a DOM Range boundary moves when the nodes around it are deleted.
    """
    for mark in list(el.iter(MARK)):
        _drop(mark)
        mark.tail = None
        el.addprevious(mark)


def _self_and_up(el: etree._Element) -> list[etree._Element]:
    return [el, *el.iterancestors()]


def _ordered(root: etree._Element, start: etree._Element, end: etree._Element) -> bool:
    """True if the start marker comes before the end marker in document order."""
    for mark in root.iter(MARK):
        if mark is start:
            return True
        if mark is end:
            return False
    return False


def _common_path(
    start: etree._Element, end: etree._Element
) -> tuple[etree._Element, list[etree._Element], list[etree._Element]]:
    """Common ancestor, and the paths from its child down to start and to end."""
    up_start = _self_and_up(start)
    ids = {id(a): k for k, a in enumerate(up_start)}
    path_end = [end]
    node = end.getparent()
    while node is not None and id(node) not in ids:
        path_end.append(node)
        node = node.getparent()
    if node is None:  # unreachable for two markers of one tree
        raise ExtractError(
            "range boundaries are not in one document", reason=FailureReason.INVALID_RANGE
        )
    path_start = up_start[: ids[id(node)]]
    return node, path_start[::-1], path_end[::-1]


def _append_text(container: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(container):
        container[-1].tail = (container[-1].tail or "") + text
    else:
        container.text = (container.text or "") + text


def _copy_with_tail(el: etree._Element) -> etree._Element:
    clone = copy.deepcopy(el)
    clone.tail = el.tail
    return clone


def _shell(el: etree._Element) -> etree._Element:
    """An empty copy of el (tag and attributes): the partially selected ancestors of a boundary."""
    return el.makeelement(el.tag, dict(el.attrib))


def _clone_between(start: etree._Element, end: etree._Element, container: etree._Element) -> None:
    """Append to container a copy of everything between two markers (DOM cloneContents)."""
    common, path_s, path_e = _common_path(start, end)
    top_s, top_e = path_s[0], path_e[0]
    if top_s is start:
        _append_text(container, start.tail)
    else:
        part = _clone_after(top_s, path_s[1:])
        part.tail = top_s.tail
        container.append(part)
    sibling = top_s.getnext()
    while sibling is not None and sibling is not top_e:
        container.append(_copy_with_tail(sibling))
        sibling = sibling.getnext()
    if top_e is not end:
        container.append(_clone_before(top_e, path_e[1:]))


def _clone_after(el: etree._Element, path: list[etree._Element]) -> etree._Element:
    """Copy of el holding only what follows the marker at the end of path."""
    shell = _shell(el)
    child = path[0]
    if len(path) == 1:
        shell.text = child.tail
    else:
        part = _clone_after(child, path[1:])
        part.tail = child.tail
        shell.append(part)
    sibling = child.getnext()
    while sibling is not None:
        shell.append(_copy_with_tail(sibling))
        sibling = sibling.getnext()
    return shell


def _clone_before(el: etree._Element, path: list[etree._Element]) -> etree._Element:
    """Copy of el holding only what precedes the marker at the end of path."""
    shell = _shell(el)
    shell.text = el.text
    child = path[0]
    for sibling in el:
        if sibling is child:
            break
        shell.append(_copy_with_tail(sibling))
    if len(path) > 1:
        shell.append(_clone_before(child, path[1:]))
    return shell


def _delete_between(
    root: etree._Element,
    start: etree._Element,
    end: etree._Element,
    rng: _Range,
    warnings: list[str],
) -> None:
    """Delete everything between two markers in place (DOM deleteContents), then the markers."""
    if not _ordered(root, start, end):
        warnings.append(f"remove range {rng.describe()}: the end comes before the start; skipped")
    else:
        inside = _marks_between(root, start, end)
        for mark in inside:  # other ranges' boundaries survive, collapsed onto the cut
            _drop(mark)
            mark.tail = None
        common, path_s, path_e = _common_path(start, end)
        _delete_range(common, path_s, path_e)
        anchor = start
        for mark in inside:
            anchor.addnext(mark)
            mark.tail, anchor.tail = anchor.tail, None
            anchor = mark
    _drop(start)
    _drop(end)


def _marks_between(
    root: etree._Element, start: etree._Element, end: etree._Element
) -> list[etree._Element]:
    inside: list[etree._Element] = []
    seen_start = False
    for mark in root.iter(MARK):
        if mark is end:
            break
        if seen_start:
            inside.append(mark)
        seen_start = seen_start or mark is start
    return inside


def _delete_range(
    common: etree._Element, path_s: list[etree._Element], path_e: list[etree._Element]
) -> None:
    top_s, top_e = path_s[0], path_e[0]
    if len(path_s) > 1:
        _delete_after(top_s, path_s[1:])
    top_s.tail = None
    sibling = top_s.getnext()
    while sibling is not None and sibling is not top_e:
        following = sibling.getnext()
        common.remove(sibling)  # its tail text lies inside the range too
        sibling = following
    if len(path_e) > 1:
        _delete_before(top_e, path_e[1:])


def _delete_after(el: etree._Element, path: list[etree._Element]) -> None:
    child = path[0]
    if len(path) > 1:
        _delete_after(child, path[1:])
    child.tail = None
    for sibling in list(child.itersiblings()):
        el.remove(sibling)


def _delete_before(el: etree._Element, path: list[etree._Element]) -> None:
    el.text = None
    child = path[0]
    for sibling in list(child.itersiblings(preceding=True)):
        el.remove(sibling)
    if len(path) > 1:
        _delete_before(child, path[1:])
