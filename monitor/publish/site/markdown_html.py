"""A version's Markdown as safe HTML for the site: every character escaped, a strict subset rendered.

The subset is what ClauseWatch's extractor writes and Open Terms Archive versions use: ATX and
setext headings, paragraphs (a line break inside a paragraph stays a line break, as the extractor
writes one for each <br>), bullet and numbered lists nested by indentation, block quotes, fenced
code, thematic breaks, GitHub pipe tables, **strong**, _emphasis_, ~~strikethrough~~, `code`,
backslash escapes, [links](url) and <autolinks>.

Safety: the source is never copied into the output unescaped; the only tags are the ones written
here, with fixed attribute names. Links keep http, https and mailto URLs only (any other link shows
its text without a link). Images are not loaded (the site makes no external request): their alt
text is shown, linked to the image when its URL is allowed.

Highlights: callers pass non-overlapping ranges of the source (e.g. the provisions found in a
version). Each is wrapped in <mark> wherever its characters are shown, split at element boundaries
so the HTML stays well formed, and its anchors (empty elements with an id) are placed before the
first character of it that is shown.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["Highlight", "render_markdown"]


@dataclass(frozen=True)
class Highlight:
    start: int  # offsets in the Markdown source, end excluded
    end: int
    css_class: str = ""  # "" draws no <mark>: the anchors only
    title: str = ""
    anchors: tuple[str, ...] = ()  # element ids placed where the range starts


@dataclass(frozen=True)
class _Line:
    text: str
    offset: int  # source offset of text[0]


_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_QUOTE = re.compile(r"^ {0,3}> ?")
_ITEM = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)")
_DELIM_CELL = re.compile(r"^[ \t]*(:?)-+(:?)[ \t]*$")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>\"'`]+)>", re.IGNORECASE)
_SAFE_URL = re.compile(r"^(?:https?://|mailto:)[^\s\"'<>`\x00-\x1f\x7f]+$", re.IGNORECASE)
_REL = "nofollow noopener noreferrer"


def _blank(text: str) -> bool:
    return not text.strip()


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) or mailto and has no character that could break out; else None."""
    url = url.strip()
    return url if _SAFE_URL.match(url) else None


class _Renderer:
    def __init__(self, highlights: Sequence[Highlight], heading_offset: int) -> None:
        self.hl = sorted((h for h in highlights if h.end >= h.start), key=lambda h: h.start)
        self.starts = [h.start for h in self.hl]
        self.next_anchor = 0  # highlights before this index have had their anchors written
        self.heading_offset = heading_offset

    # ------------------------------------------------------------ text and highlights

    def _anchors_upto(self, pos: int) -> str:
        out: list[str] = []
        while self.next_anchor < len(self.hl) and self.hl[self.next_anchor].start <= pos:
            out.extend(f'<span id="{escape(a)}"></span>' for a in self.hl[self.next_anchor].anchors)
            self.next_anchor += 1
        return "".join(out)

    def remaining_anchors(self) -> str:
        return self._anchors_upto(10**18)

    def text(self, s: str, p: list[int], i: int, j: int) -> str:
        """s[i:j] escaped, with <mark> around the characters inside a highlight (positions p)."""
        out: list[str] = []
        k = i
        while k < j:
            pos = p[k]
            idx = bisect_right(self.starts, pos) - 1
            inside = idx >= 0 and pos < self.hl[idx].end
            limit = (
                self.hl[idx].end
                if inside
                else (self.starts[idx + 1] if idx + 1 < len(self.starts) else 10**18)
            )
            stop = max(k + 1, bisect_left(p, limit, k, j))  # p increases inside a block
            out.append(self._anchors_upto(pos))
            chunk = escape(s[k:stop])
            h = self.hl[idx] if inside else None
            if h is not None and h.css_class:
                title = f' title="{escape(h.title)}"' if h.title else ""
                chunk = f'<mark class="{escape(h.css_class)}"{title}>{chunk}</mark>'
            out.append(chunk)
            k = stop
        return "".join(out)

    # ------------------------------------------------------------ blocks

    def blocks(self, lines: list[_Line], tight: bool = False) -> str:
        out: list[str] = []
        i, n = 0, len(lines)
        while i < n:
            t = lines[i].text
            if _blank(t):
                i += 1
            elif _FENCE.match(t):
                i = self._fence(lines, i, out)
            elif m := _ATX.match(t):
                start = len(t) - len(t.lstrip(" ")) + len(m.group(1))
                body = m.group(2) or ""
                off = t.find(body, start) if body else start
                out.append(self._heading(len(m.group(1)), [_Line(body, lines[i].offset + off)]))
                i += 1
            elif _HR.match(t):
                out.append("<hr>")
                i += 1
            elif _QUOTE.match(t):
                i = self._quote(lines, i, out)
            elif _ITEM.match(t):
                i = self._list(lines, i, out)
            elif self._table_start(lines, i):
                i = self._table(lines, i, out)
            else:
                i = self._paragraph(lines, i, out, tight)
        return "\n".join(out)

    def _interrupts(self, lines: list[_Line], i: int) -> bool:
        """Does line i start a block that ends a paragraph?"""
        t = lines[i].text
        if _ATX.match(t) or _FENCE.match(t) or _HR.match(t) or _QUOTE.match(t):
            return True
        m = _ITEM.match(t)
        if m and t[m.end() :].strip():
            marker = m.group(2)
            return not marker[0].isdigit() or marker[:-1] == "1"
        return self._table_start(lines, i)

    def _paragraph(self, lines: list[_Line], i: int, out: list[str], tight: bool) -> int:
        para = [lines[i]]
        i += 1
        while i < len(lines) and not _blank(lines[i].text):
            if _SETEXT.match(lines[i].text):
                level = 1 if lines[i].text.strip()[0] == "=" else 2
                out.append(self._heading(level, para))
                return i + 1
            if self._interrupts(lines, i):
                break
            para.append(lines[i])
            i += 1
        body = self.inline_lines(para)
        out.append(body if tight else f"<p>{body}</p>")
        return i

    def _heading(self, level: int, lines: list[_Line]) -> str:
        tag = f"h{min(6, level + self.heading_offset)}"
        return f"<{tag}>{self.inline_lines(lines)}</{tag}>"

    def _fence(self, lines: list[_Line], i: int, out: list[str]) -> int:
        m = _FENCE.match(lines[i].text)
        assert m is not None
        indent, fence = len(m.group(1)), m.group(2)
        body: list[_Line] = []
        i += 1
        while i < len(lines):
            t = lines[i].text
            if t.strip().startswith(fence[0] * len(fence)) and not t.strip().strip(fence[0]):
                i += 1
                break
            cut = min(indent, _indent(t))
            body.append(_Line(t[cut:], lines[i].offset + cut))
            i += 1
        s, p = _join(body)
        out.append(f"<pre><code>{self.text(s, p, 0, len(s))}</code></pre>")
        return i

    def _quote(self, lines: list[_Line], i: int, out: list[str]) -> int:
        inner: list[_Line] = []
        while i < len(lines):
            t = lines[i].text
            m = _QUOTE.match(t)
            if m:
                inner.append(_Line(t[m.end() :], lines[i].offset + m.end()))
            elif inner and not _blank(inner[-1].text) and not _blank(t):
                if self._interrupts(lines, i):
                    break
                inner.append(lines[i])  # a lazy continuation of the quoted paragraph
            else:
                break
            i += 1
        out.append(f"<blockquote>\n{self.blocks(inner)}\n</blockquote>")
        return i

    def _list(self, lines: list[_Line], i: int, out: list[str]) -> int:
        first = _ITEM.match(lines[i].text)
        assert first is not None
        ordered = first.group(2)[0].isdigit()
        kind = first.group(2)[-1]  # "-", "*", "+", "." or ")"
        start = int(first.group(2)[:-1]) if ordered else 1
        items: list[list[_Line]] = []
        tight = True
        n = len(lines)
        while i < n:
            m = _ITEM.match(lines[i].text)
            if not _same_list(m, kind, ordered):
                break
            assert m is not None
            t, off = lines[i].text, lines[i].offset
            width = m.end()
            if not t[width:].strip() or len(m.group(3)) > 4:
                width = len(m.group(1)) + len(m.group(2)) + 1
            item = [_Line(t[width:], off + width)]
            i += 1
            while i < n:
                t, off = lines[i].text, lines[i].offset
                if _blank(t):
                    item.append(_Line("", off))
                elif _indent(t) >= width:
                    item.append(_Line(t[width:], off + width))
                elif _ITEM.match(t):
                    break  # the next item, of this list or of another one
                elif not _blank(item[-1].text) and not self._interrupts(lines, i):
                    lead = _indent(t)
                    item.append(_Line(t[lead:], off + lead))  # lazy continuation
                else:
                    break
                i += 1
            trailing = 0
            while item and _blank(item[-1].text):
                item.pop()
                trailing += 1
            if any(_blank(x.text) for x in item):
                tight = False
            items.append(item)
            sibling = i < n and _same_list(_ITEM.match(lines[i].text), kind, ordered)
            if trailing and sibling:
                tight = False  # a blank line between two items
        tag = "ol" if ordered else "ul"
        attr = f' start="{start}"' if ordered and start != 1 else ""
        body = "\n".join(f"<li>{self.blocks(item, tight)}</li>" for item in items)
        out.append(f"<{tag}{attr}>\n{body}\n</{tag}>")
        return i

    # ------------------------------------------------------------ tables

    @staticmethod
    def _cells(line: _Line) -> list[_Line]:
        """The cells of a table row, split on unescaped pipes, trimmed, with their offsets."""
        t = line.text
        bounds: list[int] = []
        k = 0
        while k < len(t):
            if t[k] == "\\":
                k += 2
                continue
            if t[k] == "|":
                bounds.append(k)
            k += 1
        lead = _indent(t)
        stripped_end = len(t.rstrip())
        edges = [-1, *bounds, stripped_end]
        if bounds and not t[lead : bounds[0]].strip():
            edges = edges[1:]  # a leading pipe
        if bounds and not t[bounds[-1] + 1 : stripped_end].strip():
            edges = edges[:-1]  # a trailing pipe
        cells = []
        for a, b in zip(edges, edges[1:], strict=False):
            raw = t[a + 1 : b]
            left = len(raw) - len(raw.lstrip())
            cells.append(_Line(raw.strip(), line.offset + a + 1 + left))
        return cells

    def _table_start(self, lines: list[_Line], i: int) -> bool:
        if i + 1 >= len(lines) or "|" not in lines[i].text or "|" not in lines[i + 1].text:
            return False
        delim = self._cells(lines[i + 1])
        if not delim or not all(_DELIM_CELL.match(c.text) for c in delim):
            return False
        return len(self._cells(lines[i])) == len(delim)

    def _table(self, lines: list[_Line], i: int, out: list[str]) -> int:
        header = self._cells(lines[i])
        aligns = []
        for c in self._cells(lines[i + 1]):
            m = _DELIM_CELL.match(c.text)
            assert m is not None
            left, right = bool(m.group(1)), bool(m.group(2))
            aligns.append(
                ' class="al-center"'
                if left and right
                else ' class="al-right"'
                if right
                else ' class="al-left"'
                if left
                else ""
            )
        width = len(header)
        head = "".join(
            f'<th scope="col"{aligns[k]}>{self.inline_lines([c])}</th>'
            for k, c in enumerate(header)
        )
        rows: list[str] = []
        i += 2
        while i < len(lines) and "|" in lines[i].text and not _blank(lines[i].text):
            if _QUOTE.match(lines[i].text) or _FENCE.match(lines[i].text):
                break
            cells = self._cells(lines[i])[:width]
            cells += [_Line("", lines[i].offset + len(lines[i].text))] * (width - len(cells))
            rows.append(
                "<tr>"
                + "".join(
                    f"<td{aligns[k]}>{self.inline_lines([c])}</td>" for k, c in enumerate(cells)
                )
                + "</tr>"
            )
            i += 1
        body = f"\n<tbody>\n{chr(10).join(rows)}\n</tbody>" if rows else ""
        out.append(
            f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>{body}\n</table></div>'
        )
        return i

    # ------------------------------------------------------------ inline

    def inline_lines(self, lines: list[_Line]) -> str:
        trimmed = []
        for line in lines:
            lead = len(line.text) - len(line.text.lstrip())
            trimmed.append(_Line(line.text.strip(), line.offset + lead))
        s, p = _join(trimmed)
        return self.inline(s, p, 0, len(s))

    def inline(self, s: str, p: list[int], a: int, b: int, in_link: bool = False) -> str:
        out: list[str] = []
        k = text_start = a

        def flush(upto: int) -> None:
            if text_start < upto:
                out.append(self.text(s, p, text_start, upto))

        while k < b:
            c = s[k]
            if c == "\\" and k + 1 < b and s[k + 1] in _PUNCT:
                flush(k)
                out.append(self.text(s, p, k + 1, k + 2))
                k = text_start = k + 2
            elif c == "\n":
                flush(k)
                out.append("<br>\n")
                k = text_start = k + 1
            elif c == "`":
                run = _run(s, k, b, "`")
                close = _code_close(s, k + run, b, run)
                if close < 0:
                    k += run
                    continue
                flush(k)
                i, j = k + run, close
                if j - i >= 2 and s[i] == " " and s[j - 1] == " " and s[i:j].strip():
                    i, j = i + 1, j - 1
                out.append(f"<code>{self.text(s, p, i, j)}</code>")
                k = text_start = close + run
            elif c == "!" and k + 1 < b and s[k + 1] == "[" and (link := _link(s, k + 1, b)):
                flush(k)
                la, lb, url, end = link
                alt = self.inline(s, p, la, lb, in_link=True)
                shown = f'<span class="image">[image: {alt}]</span>'
                href = safe_url(url)
                if href and not in_link:
                    shown = f'<a href="{escape(href)}" rel="{_REL}">{shown}</a>'
                out.append(shown)
                k = text_start = end
            elif c == "[" and not in_link and (link := _link(s, k, b)):
                flush(k)
                la, lb, url, end = link
                href = safe_url(url)
                label = self.inline(s, p, la, lb, in_link=True) if lb > la else escape(url)
                out.append(f'<a href="{escape(href)}" rel="{_REL}">{label}</a>' if href else label)
                k = text_start = end
            elif c == "<" and not in_link and (m := _AUTOLINK.match(s, k, b)):
                flush(k)
                inner = self.text(s, p, k + 1, m.end() - 1)
                out.append(f'<a href="{escape(m.group(1))}" rel="{_REL}">{inner}</a>')
                k = text_start = m.end()
            elif c in "*_~":
                n = _run(s, k, b, c)
                tags = _EMPHASIS.get((c, n), ())
                close = -1
                if tags and _opens(s, k, n, c):
                    close = _closer(s, k + n, b, c, n)
                if close < 0:
                    k += n
                    continue
                flush(k)
                opening = "".join(f"<{t}>" for t in tags)
                closing = "".join(f"</{t}>" for t in reversed(tags))
                out.append(opening + self.inline(s, p, k + n, close, in_link) + closing)
                k = text_start = close + n
            else:
                k += 1
        flush(b)
        return "".join(out)


_EMPHASIS: dict[tuple[str, int], tuple[str, ...]] = {
    ("*", 1): ("em",),
    ("_", 1): ("em",),
    ("*", 2): ("strong",),
    ("_", 2): ("strong",),
    ("*", 3): ("strong", "em"),
    ("_", 3): ("strong", "em"),
    ("~", 2): ("del",),
}


def _same_list(m: re.Match[str] | None, kind: str, ordered: bool) -> bool:
    return m is not None and m.group(2)[-1] == kind and m.group(2)[0].isdigit() == ordered


def _join(lines: list[_Line]) -> tuple[str, list[int]]:
    """The lines joined with newlines, and the source offset of every character."""
    parts: list[str] = []
    positions: list[int] = []
    for k, line in enumerate(lines):
        if k:
            previous = lines[k - 1]
            parts.append("\n")  # stands for the line end after the previous line's text
            positions.append(min(previous.offset + len(previous.text), line.offset - 1))
        parts.append(line.text)
        positions.extend(range(line.offset, line.offset + len(line.text)))
    return "".join(parts), positions


def _run(s: str, k: int, b: int, c: str) -> int:
    n = 0
    while k + n < b and s[k + n] == c:
        n += 1
    return n


def _code_close(s: str, k: int, b: int, run: int) -> int:
    """Start of the closing backtick run of exactly `run` backticks, or -1."""
    while k < b:
        if s[k] == "`":
            n = _run(s, k, b, "`")
            if n == run:
                return k
            k += n
        else:
            k += 1
    return -1


def _is_space(ch: str) -> bool:
    return ch == "" or ch.isspace()


def _is_punct(ch: str) -> bool:
    return ch in _PUNCT or (ch != "" and not ch.isalnum() and not ch.isspace())


def _opens(s: str, k: int, n: int, c: str) -> bool:
    """Can the delimiter run s[k:k+n] open emphasis (left-flanking; "_" not inside a word)?"""
    before = s[k - 1] if k > 0 else ""
    after = s[k + n] if k + n < len(s) else ""
    if _is_space(after):
        return False
    if _is_punct(after) and not (_is_space(before) or _is_punct(before)):
        return False
    return not (c == "_" and before.isalnum())


def _closes(s: str, j: int, m: int, c: str) -> bool:
    before = s[j - 1] if j > 0 else ""
    after = s[j + m] if j + m < len(s) else ""
    if _is_space(before):
        return False
    if _is_punct(before) and not (_is_space(after) or _is_punct(after)):
        return False
    return not (c == "_" and after.isalnum())


def _closer(s: str, start: int, b: int, c: str, n: int) -> int:
    """Start of the n delimiters closing an emphasis opened just before `start`, or -1."""
    j = start
    while j < b:
        ch = s[j]
        if ch == "\\":
            j += 2
        elif ch == "`":
            run = _run(s, j, b, "`")
            close = _code_close(s, j + run, b, run)
            j = close + run if close >= 0 else j + run
        elif ch == c:
            m = _run(s, j, b, c)
            if m >= n and j > start and _closes(s, j, m, c):
                return j + m - n
            j += m
        else:
            j += 1
    return -1


def _link(s: str, k: int, b: int) -> tuple[int, int, str, int] | None:
    """[label](url "title") at s[k] == "[": (label start, label end, url, end) or None."""
    depth, j = 0, k
    while j < b:
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "`":
            run = _run(s, j, b, "`")
            close = _code_close(s, j + run, b, run)
            j = close + run if close >= 0 else j + run
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                break
        j += 1
    else:
        return None
    label_end = j
    j += 1
    if j >= b or s[j] != "(":
        return None
    j += 1
    while j < b and s[j] in " \t":
        j += 1
    if j < b and s[j] == "<":
        close = s.find(">", j + 1, b)
        if close < 0 or "\n" in s[j + 1 : close]:
            return None
        url, j = s[j + 1 : close], close + 1
    else:
        begin, parens = j, 0
        while j < b and not s[j].isspace():
            if s[j] == "(":
                parens += 1
            elif s[j] == ")":
                if parens == 0:
                    break
                parens -= 1
            j += 1
        url = s[begin:j]
    while j < b and s[j] in " \t\n":
        j += 1
    if j < b and s[j] in "\"'(":
        quote = ")" if s[j] == "(" else s[j]
        close = s.find(quote, j + 1, b)
        if close < 0:
            return None
        j = close + 1
        while j < b and s[j] in " \t\n":
            j += 1
    if j >= b or s[j] != ")":
        return None
    url = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", url)
    return k + 1, label_end, url, j + 1


def render_markdown(
    text: str, highlights: Sequence[Highlight] = (), *, heading_offset: int = 0
) -> Markup:
    """`text` (Markdown) as safe HTML; headings shifted down by `heading_offset` levels (max h6).

    Every highlight's anchors are in the output, at the end if none of its characters is shown.
    """
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(_Line(raw.rstrip("\r"), offset))
        offset += len(raw) + 1
    renderer = _Renderer(highlights, heading_offset)
    html = renderer.blocks(lines)
    return Markup(html + renderer.remaining_anchors())
