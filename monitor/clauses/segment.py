"""Split a Markdown version into clauses that are exact slices of the text.

A clause is a paragraph, a list item, or, when a paragraph is long, one of its sentences. Headings
are not clauses; they form each clause's heading path (the stack of enclosing headings, section
numbers kept). Every clause satisfies ``text[c.start:c.end] == c.text``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from monitor.models import Clause

__all__ = ["segment", "split_sentences", "clean_heading", "clear_cache", "heading_at"]

# A paragraph longer than this is split into sentences (CLAUDETTE-style units classify better).
LONG_PARAGRAPH = 400
# Sentence pieces shorter than this are merged with the following piece.
MIN_SENTENCE = 40

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BOLD_LINE = re.compile(r"^ {0,3}(?:\*\*|__)(?P<t>[^*_\n].{0,118}?)(?:\*\*|__)[ \t]*:?[ \t]*$")
_LIST_MARKER = re.compile(
    r"^[ \t]*(?:[-*+•]|\(?[0-9]{1,3}(?:\\?\.[0-9]{1,3})*\\?[.)]|\(?(?:[a-zA-Z]|[ivxIVX]{1,5})[.)]"
    r"|\((?:[a-zA-Z]|[ivxIVX]{1,5}|[0-9]{1,3})\))[ \t]+"
)
_BULLET = re.compile(r"^[ \t]*[-*+•][ \t]+")
_THEMATIC = re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}")
# Sentence boundary: end punctuation (optionally closing quote/paren/emphasis), whitespace,
# then something that can start a sentence.
_SENT_END = re.compile(r"(?<=[.!?;])[\"'”’)\]*_]*\s+(?=[\"'“‘(\[*_]*[A-Z0-9(])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|inc|ltd|llc|co|corp|no|nos|art|arts|sec|secs|para|mr|mrs|ms|dr|st|vs|"
    r"u\.s|u\.k|e\.u|approx|incl|cf|jr|sr|p|pp|v|s|seq|et al|fig)\.)$|\b[A-Z]\.$|\b\d+\.$",
    re.IGNORECASE,
)
_HEAD_CLEAN = re.compile(r"\[\]\([^)]*\)|[*_`]+|\\(?=[.\-#()\[\]*_])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def clean_heading(raw: str) -> str:
    """Heading text without Markdown decoration: '**10\\. Liability**[](#x)' -> '10. Liability'."""
    text = _HEAD_CLEAN.sub("", raw)
    text = _LINK.sub(r"\1", text)
    return " ".join(text.split()).strip(" :")


def heading_at(lines: Sequence[str], i: int, starts_paragraph: bool) -> tuple[int, str, int] | None:
    """The Markdown heading at line `i` of `lines` (line ends allowed): (level, clean title,
    number of lines it takes), or None. ATX ("## Title") or setext ("Title" over a line of "="
    or "-", levels 1 and 2); a setext title is one line that starts a paragraph
    (`starts_paragraph`), at most 200 characters and not a bullet (a "-" under a list item is a
    rule). The one definition of a heading for the segmenter and the differ's blocks."""
    raw = lines[i].rstrip("\r\n")
    m = _ATX.match(raw)
    if m:
        return len(m.group(1)), clean_heading(m.group(2)), 1
    stripped = raw.strip()
    if (
        starts_paragraph
        and stripped
        and i + 1 < len(lines)
        and _SETEXT.match(lines[i + 1].rstrip("\r\n"))
        and len(stripped) <= 200
        and not _BULLET.match(raw)
        and not _SETEXT.match(raw)
    ):
        return (1 if lines[i + 1].strip().startswith("=") else 2), clean_heading(stripped), 2
    return None


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) inside ``text``; abbreviations do not end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        cut = m.start()
        piece = text[start:cut]
        if _ABBREV.search(piece[-12:]):
            continue
        if len(piece.strip()) < MIN_SENTENCE:
            continue
        spans.append((start, cut))
        start = m.end()
    if start < len(text):
        if spans and len(text[start:].strip()) < MIN_SENTENCE:
            spans[-1] = (spans[-1][0], len(text))
        else:
            spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        piece = text[s:e]
        ls = len(piece) - len(piece.lstrip())
        rs = len(piece.rstrip())
        if rs > ls:
            out.append((offset + s + ls, offset + s + rs))
    return out


Stack = tuple[tuple[int, str], ...]  # open headings (level, title); bold pseudo-headings are 7
Span = tuple[tuple[str, ...], int, int]  # heading path, start, end


def segment(text: str) -> list[Clause]:
    """Clauses of a Markdown document in order, with heading paths and exact offsets.

    The text is read paragraph by paragraph (runs of non-blank lines): a blank line ends every
    clause, and a paragraph's clauses depend only on its own lines and the headings open before
    it, so each paragraph is segmented once for a given heading stack and cached. Successive
    versions of a document share most paragraphs.
    """
    lines = text.splitlines(keepends=True)
    n = len(lines)
    clauses: list[Clause] = []
    stack: Stack = ()
    pos = 0
    i = 0
    while i < n:
        if not lines[i].rstrip("\r\n").strip():
            pos += len(lines[i])
            i += 1
            continue
        start = pos
        while i < n and lines[i].rstrip("\r\n").strip():
            pos += len(lines[i])
            i += 1
        spans, stack = _segment_paragraph(text[start:pos], stack)
        for path, a, b in spans:
            piece = text[start + a : start + b]
            piece = _SHARED.setdefault(piece, piece)
            clauses.append(Clause(len(clauses), path, piece, start + a, start + b))
    if len(_SHARED) > _SHARED_MAX:
        _SHARED.clear()
    return clauses


# One string object per distinct clause text: successive versions repeat most clauses, and shared
# objects are hashed and compared once, and pickled once per batch of versions sent between
# processes (the history import).
_SHARED: dict[str, str] = {}
_SHARED_MAX = 65_536


def clear_cache() -> None:
    """Forget the memoised paragraphs and shared clause texts (results are unchanged)."""
    _segment_paragraph.cache_clear()
    _SHARED.clear()


@lru_cache(maxsize=32768)
def _segment_paragraph(text: str, stack_in: Stack) -> tuple[tuple[Span, ...], Stack]:
    """Clause spans of `text` (offsets relative to it) and the heading stack after it."""
    lines = text.splitlines(keepends=True)
    n = len(lines)
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line)

    clauses: list[Span] = []
    stack: list[tuple[int, str]] = list(stack_in)
    block: list[int] = []  # line indexes of the current paragraph / list item

    path_now: list[tuple[str, ...]] = [tuple(t for _, t in stack)]  # rebuilt on change

    def heading_path() -> tuple[str, ...]:
        return path_now[0]

    def push_heading(level: int, title: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        if title:
            stack.append((level, title))
        path_now[0] = tuple(t for _, t in stack)

    def flush() -> None:
        if not block:
            return
        first, last = block[0], block[-1]
        b_start = starts[first]
        b_end = starts[last] + len(lines[last].rstrip("\r\n"))
        block.clear()
        chunk = text[b_start:b_end]
        m = _LIST_MARKER.match(chunk)
        skip = m.end() if m else len(chunk) - len(chunk.lstrip())
        s = b_start + skip
        e = b_start + len(chunk.rstrip())
        if e <= s:
            return
        body = text[s:e]
        if not any(ch.isalnum() for ch in body):
            return
        path = heading_path()
        spans = split_sentences(body, s) if len(body) > LONG_PARAGRAPH else [(s, e)]
        for a, b in spans:
            clauses.append((path, a, b))

    i = 0
    while i < n:
        raw = lines[i].rstrip("\r\n")
        stripped = raw.strip()
        if not stripped:
            flush()
            i += 1
            continue
        heading = heading_at(lines, i, not block)
        if heading is not None:
            flush()
            level, title, taken = heading
            push_heading(level, title)
            i += taken
            continue
        if _THEMATIC.match(raw) or _TABLE_SEP.match(raw):
            flush()
            i += 1
            continue
        mb = _BOLD_LINE.match(raw)
        if mb and not block and len(stripped) <= 120 and not stripped.rstrip("*_").endswith(","):
            title = clean_heading(mb.group("t"))
            upper_text = title.isupper() and len(title) > 60
            if title and not upper_text:
                flush()
                push_heading(7, title)
                i += 1
                continue
        if _LIST_MARKER.match(raw) or stripped.startswith("|"):
            flush()  # every list item / table row starts a new clause
        block.append(i)
        i += 1
    flush()
    return tuple(clauses), tuple(stack)
