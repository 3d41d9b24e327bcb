"""The selected HTML -> Markdown text of a version: deterministic, one trailing newline.

Whitespace collapses the way a browser renders it and invisible characters go (CHAR_MAP), so only
what a reader can see reaches the version, and the same page always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin

from lxml import etree

from monitor.capture.extract.chars import CHAR_MAP
from monitor.capture.extract.decode import _DROP_TAGS
from monitor.capture.extract.ranges import MARK

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
        "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "search", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_BLOCK_TUPLE = tuple(_BLOCK_TAGS)
_VOID_TAGS = frozenset({"br", "img", "input", "wbr", "hr", "area", "source", "track", "embed"})
_SKIP_TAGS = frozenset({*_DROP_TAGS, MARK, "head"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
LIST_INDENT = 4  # a list item's continuation lines (OTA's turndown: 4 spaces after any marker)
_T = TypeVar("_T")


@dataclass
class _Block:
    text: str
    is_list: bool = False


class _Inline:
    """Inline text being assembled, with whitespace collapsed the way a browser renders it."""

    __slots__ = ("parts", "space", "lead")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.space = False  # a collapsed space is pending before the next content
        self.lead = False  # whitespace seen before any content (for emphasis markers)

    def text(self, raw: str) -> None:
        text = raw.translate(CHAR_MAP)
        words = text.split()
        if not words:
            if text:
                self.pending_space()
            return
        # A text that starts a line (its leading space collapses away) can start a Markdown block
        # ("1. ", "- ", "# "): escaped there only, as OTA's turndown escapes a text node's start.
        at_start = (
            not text[0].isspace() or self.space or not self.parts or self.parts[-1].endswith("\n")
        )
        if text[0].isspace():
            self.pending_space()
        tail = " " if text[-1].isspace() else ""  # "1. " before a link is escaped too
        self.add(escape_markdown(" ".join(words) + tail, line_start=at_start)[: -len(tail) or None])
        self.space = text[-1].isspace()

    def pending_space(self) -> None:
        if self.parts:
            self.space = True
        else:
            self.lead = True

    def add(self, piece: str) -> None:
        if self.space and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append(" ")
        self.space = False
        self.parts.append(piece)

    def newline(self) -> None:
        self.parts.append("\n")
        self.space = False

    def value(self) -> str:
        return "".join(self.parts)


_LIST_TAGS = frozenset({"ul", "ol", "menu", "dir"})

# Characters that would read as Markdown syntax anywhere in a text, and at the start of a text
# (where a line may start): OTA's turndown escapes both with a backslash, so a version reads the
# same as OTA's ("1\\. Definitions", "snake\\_case", "\\[1\\]").
_ESCAPE_ANYWHERE = re.compile(r"([\\*`\[\]_])")
_ESCAPE_START = re.compile(r"^(?:(-)|(\+ )|(=+)|(#{1,6} )|(~~~)|(>)|\d+(\. ))")


def escape_markdown(text: str, *, line_start: bool = True) -> str:
    """text with the characters Markdown would read as syntax backslash-escaped."""
    text = _ESCAPE_ANYWHERE.sub(r"\\\1", text)
    if line_start:
        m = _ESCAPE_START.match(text)
        if m:
            group = next(g for g in range(1, 8) if m.group(g) is not None)
            text = text[: m.start(group)] + "\\" + text[m.start(group) :]
    return text


class _ListWalk:
    """A list being rendered: its items so far, and loose text met between them."""

    def __init__(self, ordered: bool, number: int) -> None:
        self.ordered = ordered
        self.number = number
        self.items: list[str] = []
        self.out: list[_Block] = []
        self.loose = _Inline()

    def flush_items(self) -> None:
        if self.items:
            self.out.append(_Block("\n".join(self.items), is_list=True))
            self.items = []

    def flush_loose(self, link: str | None) -> None:
        text = "\n".join(line.strip() for line in self.loose.value().split("\n")).strip("\n")
        self.loose = _Inline()
        if text:
            self.flush_items()
            self.out.append(_Block(_linked(text, link)))


def _holds_items(el: etree._Element) -> bool:
    """True if el wraps <li> elements of the list it sits in (not only those of a nested list)."""
    for child in el:
        if not isinstance(child.tag, str) or child.tag in _LIST_TAGS:
            continue
        if child.tag == "li" or _holds_items(child):
            return True
    return False


_ABSOLUTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _url(href: str, base_url: str) -> str:
    url = href
    # usually made absolute already by absolutise_links; `#section` stays relative, as OTA's
    if not _ABSOLUTE.match(href) and not href.startswith("#"):
        with contextlib.suppress(ValueError):  # malformed: keep it as the page wrote it
            url = urljoin(base_url, href)
    # A space would end a Markdown link destination early; parentheses are escaped (turndown).
    return url.replace(" ", "%20").replace("(", "\\(").replace(")", "\\)")


def _linked(text: str, url: str | None) -> str:
    """text as the text of a link to url (inside a link wrapped around blocks), else unchanged."""
    return f"[{text}]({url})" if url else text


def _is_block(el: etree._Element) -> bool:
    tag = el.tag
    if tag in _BLOCK_TAGS:
        return True
    if tag in _VOID_TAGS or not isinstance(tag, str) or not len(el):
        return False
    # An inline element wrapping blocks (<a><div>..</div></a>) is laid out as a block.
    return next(el.iter(*_BLOCK_TUPLE), None) is not None


class _Renderer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.depth = {"strong": 0, "em": 0, "a": 0}
        self.block_link: str | None = None  # target of a link wrapped around blocks

    # ------------------------------------------------------------ blocks

    def blocks(self, el: etree._Element) -> list[_Block]:
        """The children of el as Markdown blocks."""
        out: list[_Block] = []
        buf = _Inline()
        if el.text:
            buf.text(el.text)
        for child in el:
            if child.tag in _SKIP_TAGS or not isinstance(child.tag, str):
                pass
            elif _is_block(child):
                buf = self._flush(buf, out, self.block_link)
                out.extend(self.block(child))
            else:
                self.inline(child, buf)
            if child.tail:
                buf.text(child.tail)
        self._flush(buf, out, self.block_link)
        return out

    @staticmethod
    def _flush(buf: _Inline, out: list[_Block], link: str | None) -> _Inline:
        lines = [line.strip() for line in buf.value().split("\n")]
        text = "\n".join(lines).strip("\n")
        if text:
            out.append(_Block(_linked(text, link)))
        return _Inline()

    def block(self, el: etree._Element) -> list[_Block]:
        tag = el.tag
        if tag in _HEADINGS:
            return self._heading(el, _HEADINGS[tag])
        if tag in _LIST_TAGS:
            return self._list(el)
        if tag == "table":
            return self._table(el)
        if tag == "blockquote":
            return self._blockquote(el)
        if tag == "pre":
            return self._pre(el)
        if tag == "hr":
            return [_Block("* * *")]
        if tag == "a":
            return self._block_link(el, self.blocks)
        return self.blocks(el)

    def _block_link(self, el: etree._Element, render: Callable[[etree._Element], _T]) -> _T:
        """Render a link wrapped around blocks: the text of each block it holds is linked."""
        href = (el.get("href") or "").strip()
        if self.depth["a"] or not href or href.lower().startswith("javascript:"):
            return render(el)
        self.depth["a"] += 1  # a link inside a link is its text
        outer, self.block_link = self.block_link, _url(href, self.base_url)
        try:
            return render(el)
        finally:
            self.block_link = outer
            self.depth["a"] -= 1

    def _heading(self, el: etree._Element, level: int) -> list[_Block]:
        text = self.inline_text(el)  # bold inside a heading stays bold, as in OTA's versions
        if not text:
            return []
        text = _linked(text, self.block_link)
        if level <= 2:  # setext, as OTA's turndown writes h1 and h2: a line of = or - under it
            return [_Block(text + "\n" + ("=" if level == 1 else "-") * len(text))]
        return [_Block("#" * level + " " + text)]

    def _list(self, el: etree._Element) -> list[_Block]:
        """A list's items; text and blocks placed directly in it (not in an <li>) are kept too.

        A browser shows text and non-<li> blocks inside <ul>/<ol> without a marker, and an <li>
        wrapped in an inline element (<span><li>..</li></span>) as an item of its own: so do we.
        """
        walk = _ListWalk(el.tag == "ol", _int_attr(el, "start", 1))
        self._list_content(el, walk)
        walk.flush_loose(self.block_link)
        walk.flush_items()
        return walk.out

    def _list_content(self, el: etree._Element, walk: _ListWalk) -> None:
        if el.text:
            walk.loose.text(el.text)
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP_TAGS:
                pass
            elif tag == "li":
                walk.flush_loose(self.block_link)
                self._list_item(child, walk)
            elif tag in _LIST_TAGS and walk.items and not walk.loose.parts:
                # A list directly inside a list (invalid but common): nest it under the last item.
                nested = _join_blocks(self.block(child), tight=True)
                if nested:
                    walk.items[-1] += "\n" + _indent(nested, _content_indent(walk.items[-1]))
            elif tag not in _LIST_TAGS and _holds_items(child):
                # A wrapper around items: its items are ours (a link's target goes on them).
                walk.flush_loose(self.block_link)
                self._block_link(child, lambda wrapper: self._list_content(wrapper, walk))
            elif _is_block(child):
                walk.flush_loose(self.block_link)
                walk.flush_items()
                walk.out.extend(self.block(child))
            else:
                self.inline(child, walk.loose)
            if child.tail:
                walk.loose.text(child.tail)

    def _list_item(self, li: etree._Element, walk: _ListWalk) -> None:
        if walk.ordered:
            walk.number = _int_attr(li, "value", walk.number)
        marker = f"{walk.number}.  " if walk.ordered else "*   "
        walk.number += 1
        body = _join_blocks(self.blocks(li))
        if body:
            walk.items.append(_prefix(marker, body))

    def _blockquote(self, el: etree._Element) -> list[_Block]:
        inner = "\n\n".join(b.text for b in self.blocks(el))
        if not inner:
            return []
        return [_Block("\n".join("> " + line if line else ">" for line in inner.split("\n")))]

    def _pre(self, el: etree._Element) -> list[_Block]:
        raw = "".join(_pre_text(el)).translate(CHAR_MAP).replace("\r\n", "\n")
        lines = [line.rstrip() for line in raw.strip("\n").split("\n")]
        code = "\n".join(lines).strip("\n")
        if not code:
            return []
        fence = "```"
        while fence in code:
            fence += "`"
        return [_Block(f"{fence}\n{code}\n{fence}")]

    def _table(self, el: etree._Element) -> list[_Block]:
        """A data table as a GFM table; a table used for page layout as the blocks it holds."""
        out: list[_Block] = []
        trs: list[etree._Element] = []
        header_index: int | None = None
        for part in el:
            if part.tag == "caption":
                out.extend(self.blocks(part))
            elif part.tag in ("thead", "tbody", "tfoot"):
                for tr in part.iterchildren("tr"):
                    if part.tag == "thead" and header_index is None:
                        header_index = len(trs)
                    trs.append(tr)
            elif part.tag == "tr":
                trs.append(part)
        if _is_layout_table(el, trs):
            for tr in trs:
                for cell in tr.iterchildren("td", "th"):
                    out.extend(self.blocks(cell))
            return out
        if header_index is None and trs and _all_header_cells(trs[0]):
            header_index = 0
        rows = [self._row(tr) for tr in trs]
        if header_index is not None and not any(rows[header_index]):
            header_index = None  # a header row emptied by `remove`: an empty header, not row 1
        if header_index is not None:
            header_index -= sum(1 for r in rows[:header_index] if not any(r))
        rows = [r for r in rows if any(r)]
        if not rows:
            return out
        # GFM tables need a header row: without one, an empty one, as OTA's turndown writes
        has_header = header_index is not None and header_index < len(rows)
        header = rows.pop(header_index) if has_header and header_index is not None else []
        width = max(len(r) for r in [header, *rows])
        lines = [_table_line(header, width), "| " + " | ".join(["---"] * width) + " |"]
        lines += [_table_line(r, len(r)) for r in rows]  # a short row stays short, as in OTA's
        out.append(_Block("\n".join(lines)))
        return out

    def _row(self, tr: etree._Element) -> list[str]:
        cells: list[str] = []
        for cell in tr.iterchildren("td", "th"):
            text = " ".join(self.inline_text(cell).split())
            cells.append(text.replace("|", "\\|"))
            cells.extend([""] * (_int_attr(cell, "colspan", 1) - 1))
        return cells

    # ------------------------------------------------------------ inline

    def inline_text(self, el: etree._Element) -> str:
        """el's content as one line of inline Markdown (blocks inside become spaces)."""
        buf = _Inline()
        self.inline_children(el, buf)
        return " ".join(buf.value().split())

    def inline_children(self, el: etree._Element, buf: _Inline) -> None:
        if el.text:
            buf.text(el.text)
        for child in el:
            if child.tag in _SKIP_TAGS or not isinstance(child.tag, str):
                pass
            elif child.tag in _BLOCK_TAGS:
                buf.pending_space()
                self.inline_children(child, buf)
                buf.pending_space()
            else:
                self.inline(child, buf)
            if child.tail:
                buf.text(child.tail)

    def inline(self, el: etree._Element, buf: _Inline) -> None:
        tag = el.tag
        if tag == "br":
            buf.newline()
        elif tag == "img":
            self._image(el, buf)
        elif tag in ("strong", "b"):
            self._wrap(el, buf, "**", "strong")
        elif tag in ("em", "i"):
            self._wrap(el, buf, "_", "em")
        elif tag == "a":
            self._link(el, buf)
        elif tag == "code":
            self._code(el, buf)
        else:
            self.inline_children(el, buf)

    def _sub(self, el: etree._Element, kind: str) -> _Inline:
        self.depth[kind] += 1
        sub = _Inline()
        self.inline_children(el, sub)
        self.depth[kind] -= 1
        return sub

    def _wrap(self, el: etree._Element, buf: _Inline, mark: str, kind: str) -> None:
        if self.depth[kind]:  # <b><b>x</b></b> is just bold
            self.inline_children(el, buf)
            return
        sub = self._sub(el, kind)
        raw = sub.value()
        inner = raw.strip()
        if sub.lead or raw[:1].isspace():
            buf.pending_space()
        if inner:
            buf.add(mark + inner + mark)
        if raw.endswith("\n"):
            buf.newline()
        elif sub.space:
            buf.pending_space()

    def _link(self, el: etree._Element, buf: _Inline) -> None:
        href = (el.get("href") or "").strip()
        if self.depth["a"] or not href or href.lower().startswith("javascript:"):
            self.inline_children(el, buf)  # not a usable link: its text only
            return
        sub = self._sub(el, "a")
        raw = sub.value()
        inner = " ".join(raw.split())
        if sub.lead:
            buf.pending_space()
        if inner:
            buf.add(f"[{inner}]({_url(href, self.base_url)})")
        if raw.rstrip(" ").endswith("\n"):  # a <br> ending the link text still ends the line
            buf.newline()
        elif sub.space:
            buf.pending_space()

    def _image(self, el: etree._Element, buf: _Inline) -> None:
        # As OTA's turndown writes images: the source as the page wrote it, an empty alt kept;
        # inline data (base64 blobs) left out.
        alt = " ".join((el.get("alt") or "").translate(CHAR_MAP).split())
        src = (el.get("src") or "").strip()
        if src and not src.lower().startswith("data:"):
            src = src.replace(" ", "%20").replace("(", "\\(").replace(")", "\\)")
            buf.add(f"![{alt}]({src})")

    def _code(self, el: etree._Element, buf: _Inline) -> None:
        text = " ".join("".join(_pre_text(el)).translate(CHAR_MAP).split())
        if text:
            tick = "``" if "`" in text else "`"
            buf.add(f"{tick}{text}{tick}")


def _pre_text(el: etree._Element) -> list[str]:
    """The text of a <pre>, line breaks included (text_content() loses <br>)."""
    out = [el.text or ""]
    for child in el:
        if child.tag == "br":
            out.append("\n")
        elif isinstance(child.tag, str) and child.tag not in _SKIP_TAGS:
            out.extend(_pre_text(child))
        out.append(child.tail or "")
    return out


def _int_attr(el: etree._Element, name: str, default: int) -> int:
    value = el.get(name)
    if value is None:  # the common case; raising ValueError for it would cost more than a render
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


def _join_blocks(blocks: list[_Block], *, tight: bool = False) -> str:
    """Blocks of one list item: a nested list follows its text line directly."""
    out = ""
    for k, block in enumerate(blocks):
        if k:
            close = tight or block.is_list or blocks[k - 1].is_list
            out += "\n" if close else "\n\n"
        out += block.text
    return out


def _content_indent(item: str) -> int:
    """Nested content of a list item is indented by 4, whatever the marker's width (turndown)."""
    return LIST_INDENT


def _indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else "" for line in text.split("\n"))


def _prefix(marker: str, body: str) -> str:
    first, _, rest = body.partition("\n")
    out = f"{marker}{first}"
    return out + "\n" + _indent(rest, LIST_INDENT) if rest else out


def _all_header_cells(tr: etree._Element) -> bool:
    """A first row of <th> cells only is the table's header even without a <thead>."""
    cells = list(tr.iterchildren("td", "th"))
    return bool(cells) and all(cell.tag == "th" for cell in cells)


def _table_line(cells: list[str], width: int) -> str:
    cells = cells + [""] * (width - len(cells))
    return "| " + " | ".join(cells) + " |"


_LAYOUT_INSIDE = ("table", *_HEADINGS)
_CELL_BLOCKS = tuple(_BLOCK_TAGS - {"td", "th", "tr", "tbody", "thead", "tfoot"})


def _is_layout_table(table: etree._Element, rows: list[etree._Element]) -> bool:
    """True for a table that lays a page out rather than holding data in rows and columns.

    Such a table is marked role="presentation", holds a nested table or a heading in a cell, has
    a single column, or is a single row of cells holding blocks (a sidebar beside the text).
    Paragraphs and lists in the cells of a multi-row, multi-column table do not count: data tables
    of real policies hold them ("Purpose | Data | Legal basis" with a list per cell).
    """
    if (table.get("role") or "").strip().lower() in ("presentation", "none"):
        return True
    cells = [list(tr.iterchildren("td", "th")) for tr in rows]
    if not any(cells):
        return False
    if max(len(row) for row in cells) == 1:
        return True
    flat = [cell for row in cells for cell in row]
    if any(next(cell.iter(*_LAYOUT_INSIDE), None) is not None for cell in flat):
        return True
    return len(rows) == 1 and any(next(c.iter(*_CELL_BLOCKS), None) is not None for c in flat)


def html_to_markdown(el: etree._Element, base_url: str = "") -> str:
    """Markdown for an element's content: deterministic, one trailing newline ("" if empty)."""
    blocks = _Renderer(base_url).blocks(el)
    text = "\n\n".join(b.text for b in blocks)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""
