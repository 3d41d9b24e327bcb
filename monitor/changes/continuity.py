"""Continuity across a change of source or extractor: is a new text the same document in other
markup?

When the text of a document changes only because it was extracted differently (the first live
capture after an imported history, a new engine version, a declaration change), two extractions of
the same page differ in Markdown style: heading and bullet markers, emphasis, escapes, link
targets, whitespace. `markup_only` compares what a reader sees, the words in order, so that such a
difference is recorded as a technical upgrade and never alerts; any letter added, removed or
changed is still a change.

Two converters of the same PDF also flow its text differently: one glues the words at a line's
end ("inor"), splits paragraphs elsewhere, and repeats the page's running header, footer and page
number on every page, where the other writes them once or drops them. So the comparison is of
letters, not words, once whitespace and Markdown syntax are set aside, and lines one text repeats
as page furniture (the same line on many pages, the other text showing it at most once) are set
aside in both.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from itertools import pairwise

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


def visible_words(text: str, *, list_numbers: bool = False) -> list[str]:
    """The words a reader sees in a Markdown text, in order and case-folded: link targets, HTML
    tags and Markdown syntax (list markers included, unless `list_numbers`) dropped, entities
    decoded, e-mail addresses (decoded or hidden) one word."""
    if not list_numbers:
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


# A line repeated this often in one text, and shown at most once in the other, is page furniture
# (a PDF's running header or footer that one converter writes on every page) when it stands beside
# a page number or another such line: a header is a block of lines ("Master Services Agreement",
# "Last updated: ..."), a footer its page number. A line the other text holds about as often
# inside its lines (a table's cells, written as blocks on one side and as a row on the other) is
# text.
FURNITURE_REPEATS = 3
# A page number: "3", "Page 3", "3 of 12", "Page 3 of 12".
_PAGE_NUMBER = re.compile(r"(?:page )?\d{1,4}(?: of \d{1,4})?")


def markup_only(old: str, new: str) -> bool:
    """True when two different texts show the same letters in the same order, once whitespace,
    Markdown syntax and repeated page furniture are set aside."""
    if old == new:
        return False
    # A list's numbers are syntax (a renderer shows only the first and counts on), or text that
    # one converter escaped ("1\\. Services") where the other did not: either reading will do.
    for list_numbers in (False, True):
        a, b = _line_words(old, list_numbers), _line_words(new, list_numbers)
        furniture = _furniture(a, b) | _furniture(b, a)
        a, b = _sans_furniture(a, furniture), _sans_furniture(b, furniture)
        if _same_letters([w for line in a for w in line], [w for line in b for w in line]):
            return True
    return False


def _line_words(text: str, list_numbers: bool) -> list[list[str]]:
    """The visible words of each line (list markers are per line, so this is what
    `visible_words` gives for the whole text, cut at its line ends), blank lines left out."""
    lines = (visible_words(line, list_numbers=list_numbers) for line in text.split("\n"))
    return [words for words in lines if words]


def _furniture(lines: list[list[str]], other: list[list[str]]) -> set[str]:
    """The lines `lines` repeats as page furniture (see FURNITURE_REPEATS)."""
    keys = [" ".join(words) for words in lines]
    counts, other_counts = Counter(keys), Counter(" ".join(words) for words in other)
    text, other_text = f" {' '.join(keys)} ", f" {' '.join(' '.join(w) for w in other)} "
    repeated = {
        k
        for k, n in counts.items()
        if n >= FURNITURE_REPEATS
        and other_counts[k] <= 1
        # the surplus is in whole lines, not inside the other text's lines
        and text.count(f" {k} ") - other_text.count(f" {k} ") >= FURNITURE_REPEATS - 1
        and not _PAGE_NUMBER.fullmatch(k)
    }
    grouped: Counter[str] = Counter()
    for n, key in enumerate(keys):
        neighbours = keys[max(n - 1, 0) : n] + keys[n + 1 : n + 2]
        if key in repeated and any(k in repeated or _PAGE_NUMBER.fullmatch(k) for k in neighbours):
            grouped[key] += 1
    return {k for k, n in grouped.items() if n >= FURNITURE_REPEATS}


def _sans_furniture(lines: list[list[str]], furniture: set[str]) -> list[list[str]]:
    """`lines` without the furniture lines and the page numbers standing next to them (the
    last page's number closes the text, with no header after it)."""
    if not furniture:
        return lines
    keys = [" ".join(words) for words in lines]
    drop = {n for n, key in enumerate(keys) if key in furniture}
    numbers = [n for n, key in enumerate(keys) if _PAGE_NUMBER.fullmatch(key)]
    for n in numbers:
        if n - 1 in drop or n + 1 in drop:
            drop.add(n)
    if numbers and numbers[-1] == len(keys) - 1 and drop.intersection(numbers):
        drop.add(numbers[-1])
    return [words for n, words in enumerate(lines) if n not in drop]


def _same_letters(a: list[str], b: list[str]) -> bool:
    """The same letters in the same order, word boundaries aside; an e-mail address (or a
    hidden-address placeholder) is a unit that must match its counterpart."""
    cuts_a = [i for i, w in enumerate(a) if w == HIDDEN or "@" in w]
    cuts_b = [i for i, w in enumerate(b) if w == HIDDEN or "@" in w]
    if len(cuts_a) != len(cuts_b):
        return False
    for i, j in zip(cuts_a, cuts_b, strict=True):
        if a[i] != b[j] and not _hidden_match(a[i], b[j]):
            return False
    spans_a = pairwise([-1, *cuts_a, len(a)])
    spans_b = pairwise([-1, *cuts_b, len(b)])
    return all(
        "".join(a[s + 1 : e]) == "".join(b[t + 1 : f])
        for (s, e), (t, f) in zip(spans_a, spans_b, strict=True)
    )


def _hidden_match(x: str, y: str) -> bool:
    """A hidden-address placeholder on one side, an address on the other."""
    return (x == HIDDEN and "@" in y) or (y == HIDDEN and "@" in x)
