"""A version's text as blocks: paragraphs, list items, table rows and headings, each with its
offsets, heading path and normalised words. The differ aligns blocks; a version's normalised hash
is read from them. Pure; the normalisations of block texts and the last few texts split are
cached (successive versions of a document share most blocks).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from itertools import accumulate

from monitor.changes.editorial import normalise, normalise_many
from monitor.clauses.segment import heading_at

__all__ = ["Block", "blocks_of", "clear_cache", "normalised_hash", "split_blocks"]

_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\S")
_TABLE_RE = re.compile(r"^[ \t]*\|")
_RULE_RE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")


@dataclass
class Block:
    """A span text[start:end] of a version (surrounding whitespace excluded)."""

    index: int
    start: int
    end: int
    text: str
    heading_path: tuple[str, ...]
    is_heading: bool
    norm: str = ""
    _tokens: frozenset[str] | None = field(default=None, repr=False)

    @property
    def tokens(self) -> frozenset[str]:
        if self._tokens is None:
            self._tokens = frozenset(self.norm.split())
        return self._tokens


def split_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown text in document order, each with offsets and its heading path.

    A blank line or a horizontal rule ends a block; headings (ATX or setext, read as the segmenter
    reads them: `monitor.clauses.segment.heading_at`), list items and table rows each start their
    own block. A heading's path is the path of the headings above it (not itself).
    """
    spans: list[tuple[int, int, tuple[str, ...], bool]] = []
    path: list[tuple[int, str]] = []
    cur_start, cur_end = -1, -1
    cur_path: tuple[str, ...] = ()
    lines = text.splitlines(keepends=True)
    offsets = [0, *accumulate(map(len, lines))]
    n = len(lines)
    i = 0
    while i < n:
        line_start = offsets[i]
        body = lines[i].rstrip("\r\n")
        is_table = bool(_TABLE_RE.match(body))
        heading = None
        # cheap test first: only a "#" line or a line over "=" / "-" can be a heading
        if not is_table and (
            body.lstrip(" ").startswith("#")
            or (i + 1 < n and lines[i + 1].lstrip(" ")[:1] in ("=", "-"))
        ):
            heading = heading_at(lines, i, cur_start < 0)
        if heading is None and (not body.strip() or (not is_table and _RULE_RE.match(body))):
            if cur_start >= 0:
                spans.append((cur_start, cur_end, cur_path, False))
                cur_start = -1
            i += 1
            continue
        s = line_start + len(body) - len(body.lstrip())
        if (heading or is_table or _ITEM_RE.match(body)) and cur_start >= 0:
            spans.append((cur_start, cur_end, cur_path, False))
            cur_start = -1
        if heading:
            level, title, taken = heading
            last = lines[i + taken - 1].rstrip("\r\n")
            e = offsets[i + taken - 1] + len(last.rstrip())
            while path and path[-1][0] >= level:
                path.pop()
            spans.append((s, e, tuple(t for _, t in path), True))
            path.append((level, title))
            i += taken
            continue
        e = line_start + len(body.rstrip())
        if cur_start < 0:
            cur_start, cur_path = s, tuple(t for _, t in path)
        cur_end = e
        if is_table:
            spans.append((cur_start, cur_end, cur_path, False))
            cur_start = -1
        i += 1
    if cur_start >= 0:
        spans.append((cur_start, cur_end, cur_path, False))
    texts = [text[s:e] for s, e, _, _ in spans]
    norms = normalise_many(texts) if _has_context_chars(text) else _normalise_blocks(texts)
    return [Block(i, s, e, texts[i], p, h, norms[i]) for i, (s, e, p, h) in enumerate(spans)]


# Successive versions of a document share most blocks, so block normalisations are cached by text.
# `normalise_many` normalises each text independently, except that control characters are kept or
# dropped depending on whether the whole batch is ASCII: texts holding them skip the cache.
_CONTEXT_CHARS = tuple(map(chr, (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)))


def _has_context_chars(text: str) -> bool:
    # one C-level scan per character: about 3x faster than a character-class regex here
    return any(ch in text for ch in _CONTEXT_CHARS)


_NORM_CACHE: dict[str, str] = {}
_NORM_CACHE_MAX = 65_536


def clear_cache() -> None:
    """Forget the normalised blocks kept from earlier texts (results are unchanged)."""
    _NORM_CACHE.clear()


def _normalise_blocks(texts: list[str]) -> list[str]:
    cache = _NORM_CACHE
    norms: dict[str, str] = {}
    missing: list[str] = []
    for t in dict.fromkeys(texts):
        n = cache.get(t)
        if n is None:
            missing.append(t)
        else:
            norms[t] = n
    if missing:
        if len(cache) + len(missing) > _NORM_CACHE_MAX:
            cache.clear()
        for t, n in zip(missing, normalise_many(missing), strict=True):
            norms[t] = cache[t] = n
    return [norms[t] for t in texts]


# the last few texts split (each diff's new version is the next diff's old one); their blocks are
# shared with the caller: read them, never change them
_recent_blocks: list[tuple[str, list[Block]]] = []


def blocks_of(text: str) -> list[Block]:
    """`split_blocks(text)`, kept for the last few texts (shared: not to be changed)."""
    for known, blocks in _recent_blocks:
        if known is text or known == text:
            return blocks
    blocks = split_blocks(text)
    _recent_blocks.insert(0, (text, blocks))
    del _recent_blocks[4:]
    return blocks


def normalised_hash(text: str) -> str:
    """sha256 (hex) of the normalised text: equal for versions that differ only editorially in
    whitespace, invisible characters, case, punctuation, link targets or markup.

    Read from the text's blocks, whose normalisations are cached by block text and shared with
    the differ: successive versions repeat most blocks, so a version costs its new blocks only.
    Their words are the whole text's, and so is the hash (checked on the 2,806 texts of the GenAI
    bundle), unless Markdown spans two blocks (a link target broken across a blank line), which
    is read per block.
    """
    if _has_context_chars(text):  # block normalisations depend on the whole text then
        normalised = normalise(text)
    else:
        normalised = " ".join(block.norm for block in blocks_of(text) if block.norm)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
