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


def visible_words(text: str) -> list[str]:
    """The words a reader sees in a Markdown text, in order and case-folded: link targets, HTML
    tags and Markdown syntax dropped, entities decoded."""
    text = _TAG.sub(" ", _LINK_TARGET.sub("] ", html.unescape(text)))
    return _WORD.findall(text.casefold())


def markup_only(old: str, new: str) -> bool:
    """True when two different texts show the same words in the same order."""
    return old != new and visible_words(old) == visible_words(new)
