"""Continuity across a change of source or extractor: is a new text the same document in other
markup?

When the text of a document changes only because it was extracted differently (the first live
capture after an imported history, a new engine version, a declaration change), two extractions of
the same page differ in Markdown style: heading and bullet markers, emphasis, escapes, link
targets, whitespace. `markup_only` compares what a reader sees, the words in order, so that such a
difference is recorded as a technical upgrade and never alerts; any word added, removed or changed
is still a change.
"""

from __future__ import annotations

import html
import re

_LINK_TARGET = re.compile(r"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# letters and digits: `_`, `*`, `#`, `|`, `-`, `\` are Markdown syntax, not words
_WORD = re.compile(r"[^\W_]+")
# The placeholder a CDN writes where it hides an e-mail address from scrapers ("[email
# protected]"): one extractor decodes the protection, another (Open Terms Archive's) keeps the
# placeholder, so across a change of extractor the placeholder stands for whichever address the
# other text shows there. Addresses are one word each so that they can be matched against it.
_HIDDEN_EMAIL = re.compile(r"\\?\[email[\s\u00a0]+protected\\?\]", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HIDDEN = "\x00hidden-email"  # a token no text can produce
# An ordered-list marker ("2.  ", "3) "): Markdown syntax, and a renderer shows only the first
# item's number, counting on from it; extractors differ in what they write for the others (Open
# Terms Archive's writes "1." for items a browser numbers on). A number meant as text at the
# start of a line is escaped ("2\. Definitions") and stays a word.
_LIST_MARKER = re.compile(r"^([ \t>*+-]*)\d{1,9}[.)](?=[ \t]|$)", re.M)


def visible_words(text: str) -> list[str]:
    """The words a reader sees in a Markdown text, in order and case-folded: link targets, HTML
    tags and Markdown syntax (list markers included) dropped, entities decoded, e-mail addresses
    (decoded or hidden) one word."""
    text = _LIST_MARKER.sub(r"\1", text)
    text = _TAG.sub(" ", _LINK_TARGET.sub("] ", html.unescape(text)))
    words: list[str] = []
    for i, part in enumerate(_split_emails(text)):
        words.extend(_WORD.findall(part.casefold()) if i % 2 == 0 else [part.casefold()])
    return words


def _split_emails(text: str) -> list[str]:
    """Text, address or placeholder, text, ... (addresses and placeholders at odd positions)."""
    parts: list[str] = []
    last = 0
    for match in re.finditer(f"{_HIDDEN_EMAIL.pattern}|{_EMAIL.pattern}", text, re.IGNORECASE):
        parts += [
            text[last : match.start()],
            HIDDEN if _HIDDEN_EMAIL.fullmatch(match[0]) else match[0],
        ]
        last = match.end()
    parts.append(text[last:])
    return parts


def markup_only(old: str, new: str) -> bool:
    """True when two different texts show the same words in the same order."""
    if old == new:
        return False
    a, b = visible_words(old), visible_words(new)
    return len(a) == len(b) and all(
        x == y or _hidden_match(x, y) for x, y in zip(a, b, strict=True)
    )


def _hidden_match(x: str, y: str) -> bool:
    """A hidden-address placeholder on one side, an address on the other."""
    return (x == HIDDEN and "@" in y) or (y == HIDDEN and "@" in x)
