"""Normalisation and editorial-change classification. Pure, no I/O, and fast.

An *editorial* change is one a reader would not call a change of the terms: whitespace, invisible
characters, letter case, punctuation, link targets, heading or emphasis markup, reordering of
identical paragraphs, a "last updated" stamp or copyright year, the same date written another way,
a small typo fix (inside one word, or a stray article or other grammar word), or page chrome
captured with the document (keyboard-shortcut hints, cookie-settings links, "opens in a new
window"). A change to any other number, or the insertion or removal of a negation, is never
editorial.

`editorial_kind(old, new)` classifies one pair of texts (a block, a region or a whole document);
`is_editorial_pair(old, new)` answers for whole documents, paragraph by paragraph.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher

from monitor.clauses.numwords import parse_number

__all__ = [
    "EDITORIAL_KINDS",
    "editorial_kind",
    "is_editorial_pair",
    "normalise",
    "normalise_many",
    "pair_kind",
    "prefixed_opposite",
    "split_paragraphs",
    "NEGATING_PREFIXES",
    "NEGATIONS",
    "canonical_dates",
    "strip_date_stamps",
    "strip_chrome",
    "stamp_only",
    "effective_note",
]

EDITORIAL_KINDS = (
    "identical",
    "whitespace",
    "invisible",
    "link",
    "heading_format",
    "case",
    "punctuation",
    "reorder",
    "date_stamp",
    "date_format",
    "typo",
    "interface_text",
    "navigation",
    "heading_rename",
    "relative_time",
    "counter",
    "media_duration",
)

# ------------------------------------------------------------------ character tables

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u180e"
_INVISIBLE_TABLE: dict[int, str | None] = {ord(c): None for c in _INVISIBLE}
_INVISIBLE_TABLE.update({0xA0: " ", 0x202F: " ", 0x2007: " "})

_INVISIBLE_REPLACEMENTS = tuple((chr(k), v or "") for k, v in _INVISIBLE_TABLE.items())
_QUOTES_DASHES = {
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u00b4"), "'"),
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"'),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
    ord("\u2026"): "...",
}

_QUOTES_DASHES_PAIRS = tuple((chr(k), v) for k, v in _QUOTES_DASHES.items())
_QUOTES_DASHES_RE = re.compile("[" + "".join(map(chr, _QUOTES_DASHES)) + "]")
_WS_RE = re.compile(r"\s+")
# [text](url "title"), ![alt](url), <https://...> autolinks, [text][ref], and bare reference defs
# ("!\[" | "\[" is "!?\[" written so that the regex engine scans for its first character)
_LINK_RE = re.compile(r"(?:!\[|\[)([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\s*\)")
_REF_LINK_RE = re.compile(r"(?:!\[|\[)([^\]\n]+)\]\[[^\]\n]*\]")
# Line-start patterns are written "\n..." (replaced by "\n", over the text with a "\n" prepended)
# rather than "(?m)^...": a literal first character is searched for several times faster. Same
# matches, since none of them ends with a line break another match would need.
_REF_DEF_RE = re.compile(r"(?m)\n {0,3}\[[^\]\n]+\]:\s*\S+.*$")
_AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
# an HTML anchor captured as escaped text: \\[a href="url"\\]text\\[/a\\]
_ESCAPED_ANCHOR_RE = re.compile(
    r'\\?\[a ?href=\\?"[^"\n]*\\?"\\?\]([^\[\n]*?)\\?\[/a\\?\]', re.IGNORECASE
)
# a URL's scheme and "www.": the same as r"\b(?:(?:https?|mailto):(?://)?(?:www\.)?|www\.(?=...))"
# case-insensitively, written to start on one of six letters because it runs over every whole
# document (about twice as fast)
_URL_PREFIX_RE = re.compile(
    r"[hHmMwW](?:(?<![\w][hH])(?<=[hH])[tT][tT][pP][sS]?:(?://)?(?:[wW]{3}\.)?"
    r"|(?<![\w][mM])(?<=[mM])[aA][iI][lL][tT][oO]:(?://)?(?:[wW]{3}\.)?"
    r"|(?<![\w][wW])(?<=[wW])[wW]{2}\.(?=[\w-]+\.))"
)
_HEADING_RE = re.compile(r"(?m)\n {0,3}#{1,6}(?:[ \t]+|$)")
_CLOSING_HASHES_RE = re.compile(r"(?m)##*[ \t]*$")  # "##*", not "#+": a literal first character
_SETEXT_RE = re.compile(r"(?m)\n {0,3}(?:=+|-{2,})[ \t]*$")
_EMPHASIS = "*_~`"  # dropped wherever they are
_LIST_MARKER_RE = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
# lettered and roman item markers ("c. ", "b) ", "iv. "): compared away only as a last resort, since
# "(c)" / "c)" and inline "(a) ...; (b) ..." enumerations are words to the normal comparison
_LETTER_MARKER_RE = re.compile(r"(?m)^[ \t]*(?:[a-z]|[ivx]{1,4}|\d{1,3})\\?[.)][ \t]+")
_BLOCKQUOTE_RE = re.compile(r"\n[ \t]*>[ \t]?")
# apostrophes and hyphens join words; digit separators survive; other punctuation splits words
# One regex per character ("'(?<=\w')(?=\w)", ...): a literal first character is searched for
# faster than a set. Passes in turn give the same result as one pass over the set, since a replaced
# character has a word character on both sides and so is never the neighbour of another candidate.
_JOINERS_RES = tuple((c, re.compile(rf"{c}(?<=\w{c})(?=\w)")) for c in "'-")
_DIGIT_SEP_RES = tuple(
    (c, re.compile(rf"{re.escape(c)}(?<=\d{re.escape(c)})(?=\d)")) for c in ".,:/"
)
# single letters with dots, "l.l.c.": matched from the first dot (a literal start is searched far
# faster) with the letter before it checked behind
_ABBREVIATION_RE = re.compile(r"\.(?<=(?<![\w.])[^\W\d_]\.)(?:[^\W\d_]\.)+")
_ASCII_PUNCT_TABLE = {ord(c): " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}
_PUNCT_RE = re.compile(r"[^\w\s\u0000\u0001]|_")  # \u0001 separates normalise_many parts
_ASCII_PUNCT = tuple(c for c in map(chr, range(128)) if _PUNCT_RE.match(c))  # controls too
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")

_BLANK_LINE_RE = re.compile(r"\n[ \t\u00a0]*\n")
_ENTITY_RE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


def _unescape_entity(m: re.Match[str]) -> str:
    return html.unescape(m.group())


# ------------------------------------------------------------------ levels


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _invisible(text: str) -> str:
    if "&" in text and ";" in text:
        # an entity left in captured text is one character, not words ("&nbsp;" is not "and nbsp")
        text = _ENTITY_RE.sub(_unescape_entity, text)
    if text.isascii():
        return text
    for src, dst in _INVISIBLE_REPLACEMENTS:  # a few str.replace beat one regex pass
        if src in text:
            text = text.replace(src, dst)
    return unicodedata.normalize("NFKC", text)


def _links(text: str) -> str:
    if "[" in text:
        if "[/a" in text:
            text = _ESCAPED_ANCHOR_RE.sub(r"\1", text)
        if "](" in text:
            text = _LINK_RE.sub(r"\1", text)
        if "][" in text:
            text = _REF_LINK_RE.sub(r"\1", text)
        if "]:" in text:
            text = _REF_DEF_RE.sub("\n", "\n" + text)[1:]
    if "<" in text:
        text = _AUTOLINK_RE.sub(r"\1", text)
    if ":" in text or "www." in text:
        text = _URL_PREFIX_RE.sub("", text)  # "https://www.x.ai/" and "x.ai/" name one site
    return text


def _markup(text: str) -> str:
    if "\n" in text and ("=" in text or "--" in text):
        text = _SETEXT_RE.sub("\n", "\n" + text)[1:]
    text = "\n" + text  # the line-start patterns also match at the start (see _REF_DEF_RE)
    if "#" in text:
        text = _CLOSING_HASHES_RE.sub("", _HEADING_RE.sub("\n", text))
    if ">" in text:
        text = _BLOCKQUOTE_RE.sub("\n", text)
    text = _LIST_MARKER_RE.sub("\n", text)[1:]
    for ch in _EMPHASIS:  # removing every run of them is removing each of them
        if ch in text:
            text = text.replace(ch, "")
    return text


def _punctuation(text: str) -> str:
    ascii_only = text.isascii()
    if not ascii_only and _QUOTES_DASHES_RE.search(text):
        for src, dst in _QUOTES_DASHES_PAIRS:  # str.replace beats dict translate on non-ASCII
            if src in text:
                text = text.replace(src, dst)
    if "." in text:
        text = _ABBREVIATION_RE.sub(lambda m: m.group().replace(".", ""), text)  # L.L.C. = LLC
    if "&" in text:
        text = text.replace("&", " and ")
    for ch, rx in _JOINERS_RES:
        if ch in text:
            text = rx.sub("", text)
    for ch, rx in _DIGIT_SEP_RES:  # keep "1.5" apart from "15"
        if ch in text:
            text = rx.sub("\u0000", text)
    if ascii_only:  # str.translate is fast for ASCII text only
        text = text.translate(_ASCII_PUNCT_TABLE)
    else:  # each punctuation character present replaced, as _PUNCT_RE.sub(" ", text) would
        for ch in (*_ASCII_PUNCT, *set(_NON_ASCII_RE.findall(text))):
            if ch in text and _PUNCT_RE.match(ch):
                text = text.replace(ch, " ")
    return text.replace("\u0000", ".")


def normalise(text: str) -> str:
    """Canonical form for comparing texts: what is left is what a reader would call the words.

    NFKC, invisible characters dropped, nbsp as space, quotes and dashes unified, Markdown links
    replaced by their text, heading/emphasis/list markers stripped, lower-cased, punctuation dropped
    (digit separators such as "1.5" are kept so numbers never merge), whitespace collapsed.
    """
    return _collapse(_punctuation(_markup(_links(_invisible(text))).lower()))


_SEP = "\u0001"


def normalise_many(texts: list[str]) -> list[str]:
    """`[normalise(t) for t in texts]`, several times faster for many short texts (blocks):
    the texts are normalised in one pass, separated by blank lines and a control character."""
    if len(texts) < 8 or any(_SEP in t for t in texts):
        return [normalise(t) for t in texts]
    parts = normalise(f"\n\n{_SEP}\n\n".join(texts)).split(_SEP)
    if len(parts) != len(texts):  # pragma: no cover - a separator was eaten; stay correct
        return [normalise(t) for t in texts]
    return [p.strip() for p in parts]


# ------------------------------------------------------------------ date stamps

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    rf"(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 3, 2024
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"  # 3 March 2024
    rf"|(?:{_MONTHS})\.?\s+\d{{4}}"  # March 2024
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2024-03-03
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 03/03/2024
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"  # 2024年3月3日
)
_STAMP_PHRASE = (
    r"(?:last\s+(?:updated?|modified|revised|changed|amended|reviewed)|updated|revised|"
    r"effective(?:\s+date)?|effective\s+as\s+of|date\s+of\s+(?:last\s+)?(?:revision|update)|"
    r"version\s+(?:date|of|dated)|version\s*:|published|posted|in\s+effect\s+(?:from|since|as\s+of)|"
    r"更新日期|更新时间|生效日期|生效时间|发布日期|修订日期|版本日期|最近更新|最后更新)"
)
_STAMP_RE = re.compile(
    rf"({_STAMP_PHRASE})([^.\n]{{0,40}}?){_DATE}|{_DATE}(?=[^.\n]{{0,20}}?\b(?:last\s+updated|"
    r"effective|revision)\b)",
    re.IGNORECASE,
)
_STAMP_HINT_RE = re.compile(
    r"update|revised|modified|changed|amended|reviewed|effective|revision|version|published"
    r"|posted|in effect|更新|生效|发布|修订|©|\(c\)|copyright|rights reserved",
    re.IGNORECASE,
)
# the year of a copyright notice: "© 2025 Acme", "© Acme Ltd, 2025", "2025. All rights reserved."
_YEAR = r"\b(?:19|20)\d{2}(?:\s*-\s*(?:19|20)\d{2})?\b"
_COPYRIGHT_RE = re.compile(
    rf"(©|\(c\)|\bcopyright\b)([^\n]{{0,60}}?){_YEAR}|{_YEAR}(?=\W{{0,3}}all rights reserved)",
    re.IGNORECASE,
)


def strip_date_stamps(text: str) -> str:
    """Replace dates that sit next to a "last updated" / "effective date" phrase by a placeholder."""
    if not _STAMP_HINT_RE.search(text):
        return text
    text = _STAMP_RE.sub(lambda m: (m.group(1) or "") + " datestamp ", text)
    return _COPYRIGHT_RE.sub(lambda m: (m.group(1) or "") + (m.group(2) or "") + " year ", text)


# what may stand beside a date in a stamp line ("Version: January 19, 2026 (Latest)")
_STAMP_WORDS = frozenset(
    [
        "datestamp",
        "last",
        "updated",
        "update",
        "modified",
        "revised",
        "effective",
        "date",
        "version",
        "latest",
        "current",
        "as",
        "of",
        "on",
    ]
)


def stamp_only(text: str) -> bool:
    """A short line that is a date stamp and nothing else ("Last updated: May 1, 2025",
    "Version: January 19, 2026 (Latest)"), or such a line's label left empty ("Version:")."""
    pre = _pre_punct(text)
    words = _collapse(_punctuation(strip_date_stamps(pre))).split()
    if not 0 < len(words) <= 8 or not set(words) <= _STAMP_WORDS:
        return False
    return "datestamp" in words or pre.rstrip(" *_").endswith(":")


# a note saying when the document takes effect: "Note: These Terms are effective on October 8,
# 2025 or the date you accept them (if earlier)"
_EFFECTIVE_NOTE_RE = re.compile(
    rf"^\W*(?:note\W+)?(?:this|these|the|our)\s+(?:updated\s+|revised\s+|new\s+)?"
    r"(?:policy|policies|terms|agreement|notice|statement)\b[^.\n]{0,40}?"
    r"\b(?:is|are|will\s+be|shall\s+be|becomes?|takes?)\s+effective\s+(?:on|as\s+of|from)\s+"
    rf"{_DATE}",
    re.IGNORECASE,
)
_EFFECTIVE_NOTE_WORDS = 40


def effective_note(text: str) -> bool:
    """A short paragraph that only says when the document takes effect (added with a new
    version, removed once the date has passed): a date stamp, not a provision."""
    pre = _markup(_links(_invisible(text)))
    return (
        len(pre.split()) <= _EFFECTIVE_NOTE_WORDS
        and pre.count(". ") == 0
        and _EFFECTIVE_NOTE_RE.search(pre) is not None
    )


_MONTH_NUMBER = {
    name: n
    for n, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_MONTH_DAY_YEAR_RE = re.compile(
    rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_DAY_MONTH_YEAR_RE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\.?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_CJK_DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def canonical_dates(text: str) -> str:
    """Full dates written as ISO dates, so "December 1, 2025", "1 December 2025" and
    "2025年12月01日" compare equal while any change of day, month or year still shows."""

    def iso(year: str, month: int, day: str) -> str:
        return f" {year}-{month:02d}-{int(day):02d} "

    text = _MONTH_DAY_YEAR_RE.sub(
        lambda m: iso(m.group(3), _MONTH_NUMBER[m.group(1).lower()], m.group(2)), text
    )
    text = _DAY_MONTH_YEAR_RE.sub(
        lambda m: iso(m.group(3), _MONTH_NUMBER[m.group(2).lower()], m.group(1)), text
    )
    if "年" in text:
        text = _CJK_DATE_RE.sub(lambda m: iso(m.group(1), int(m.group(2)), m.group(3)), text)
    return text


# ------------------------------------------------------------------ volatile page text

# Text a page computes when it is shown rather than text the document states: relative times
# ("3 days ago", "Updated: yesterday"), counters of an audience or of a consent banner's vendors
# ("1.2M followers", "Number of Vendors seeking consent: 802", "Google Ad Tech Providers (715)")
# and media player durations ("0:00 / 3:45"). Masked, a change that only moves them is editorial.
# Counts that a document states as terms ("up to 5 users", "thirty (30) days") are not matched: a
# counter needs an audience noun after it, a "number of ...:" label before it, or to close a label
# line in parentheses.
_NUMBER = r"\d[\d,.]*(?:\s?[kmb]\b)?"
_RELATIVE_TIME_RE = re.compile(
    rf"\b(?:{_NUMBER}|an?|one)\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"months?|years?)\s+ago\b|(\b(?:updated|edited|posted|published)\s*:?\s*)(?:just now|"
    r"yesterday|today)\b|\bjust now\b"
)
_COUNTER_RE = re.compile(
    rf"(?m)\b{_NUMBER}\+?(?=\s+(?:followers|following|views|likes|subscribers|members|stars|"
    r"downloads|partners|vendors|comments|reviews|reactions|shares|reposts|retweets|watching|"
    r"plays|visits|installs|upvotes)\b)"
    rf"|(?<=number of )([^\n:]{{1,60}}:[ \t]*){_NUMBER}(?=[ \t]*$)"
    rf"|(?<=[a-z] )\({_NUMBER}\)(?=[ \t]*$)"
)
_DURATION_RE = re.compile(
    r"(?m)^[ \t]*\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]*/[ \t]*\d{1,2}:\d{2}(?::\d{2})?)?[ \t]*$"
)
_VOLATILE_HINT_RE = re.compile(r"\d|\bago\b|\btoday\b|\byesterday\b|\bjust now\b")
_VOLATILE = (
    ("relative_time", _RELATIVE_TIME_RE, " reltime "),
    ("counter", _COUNTER_RE, " count "),
    ("media_duration", _DURATION_RE, " duration "),
)


def _mask(rx: re.Pattern[str], placeholder: str, text: str) -> str:
    # group 1, when a pattern has one, is a label kept before the masked value
    return rx.sub(lambda m: ((m.group(1) if rx.groups else "") or "") + placeholder, text)


def volatile_kind(old_pre: str, new_pre: str) -> str | None:
    """The volatile kind that makes two texts (lower-cased, markup and links gone) equal once
    masked, cumulatively: "relative_time", "counter", "media_duration"; else None."""
    a, b = old_pre, new_pre
    for kind, rx, placeholder in _VOLATILE:
        a, b = _mask(rx, placeholder, a), _mask(rx, placeholder, b)
        masked = a != old_pre or b != new_pre
        if masked and _collapse(_punctuation(a)) == _collapse(_punctuation(b)):
            return kind
    return None


# ------------------------------------------------------------------ typos

NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nor",
        "neither",
        "cannot",
        "cant",
        "wont",
        "dont",
        "doesnt",
        "isnt",
        "arent",
        "shant",
        "shouldnt",
        "mustnt",
        "without",
        "unless",
        "except",
        "nothing",
        "nobody",
    ]
)
_NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "twice",
        "thrice",
        "once",
        "double",
        "triple",
        "half",
        "quarter",
    ]
)
NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis", "mis", "anti")
_MEANINGFUL_PAIRS = frozenset(
    frozenset(p)
    for p in (
        ("minimum", "maximum"),
        ("include", "exclude"),
        ("included", "excluded"),
        ("includes", "excludes"),
        ("including", "excluding"),
        ("inclusive", "exclusive"),
        ("increase", "decrease"),
        ("increased", "decreased"),
        ("increases", "decreases"),
        ("hourly", "yearly"),
        ("accept", "except"),
        ("affect", "effect"),
        ("whether", "neither"),
        ("lawful", "awful"),
        ("shall", "shell"),
        ("monthly", "weekly"),
        ("before", "beyond"),
        ("later", "latter"),
        ("former", "farmer"),
        ("export", "import"),
        ("exports", "imports"),
        ("expressly", "impressly"),
        ("implied", "applied"),
        ("licensee", "licensor"),
        ("licensor", "licenser"),
        ("lessee", "lessor"),
        ("employee", "employer"),
        ("payee", "payer"),
        ("payee", "payor"),
        ("greater", "lesser"),
    )
)
_MAX_TYPO_WORDS = 3
_MAX_STAMP_TOKENS = 24


def _edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, short-cut above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _is_typo_pair(a: str, b: str) -> bool:
    if not (a.isalpha() and b.isalpha()):
        return False  # numbers, dates, codes: never editorial
    if max(len(a), len(b)) < 5 or min(len(a), len(b)) < 4:
        return False
    if a in NEGATIONS or b in NEGATIONS or a in _NUMBER_WORDS or b in _NUMBER_WORDS:
        return False
    if frozenset((a, b)) in _MEANINGFUL_PAIRS:
        return False
    if prefixed_opposite(a, b):
        return False
    if a[:2] != b[:2]:
        # stem swaps (in/ex, de/in, im/ex) change meaning; at the start of a word only a dropped
        # letter ("ervices") or two swapped letters ("sepcific") count as a typo
        return _dropped_letter(a, b) or _swapped_letters(a, b)
    return _edit_distance(a, b) <= 2


def prefixed_opposite(a: str, b: str) -> bool:
    """One word is the other with a negating prefix ("appropriate" / "inappropriate")."""
    return any(
        long_.endswith(short) and long_[: len(long_) - len(short)] in NEGATING_PREFIXES
        for short, long_ in ((a, b), (b, a))
    )


def _dropped_letter(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(long_) == len(short) + 1 and any(
        long_[:i] + long_[i + 1 :] == short for i in range(len(long_))
    )


def _swapped_letters(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and (a[diff[1]] == b[diff[0]])
    )


def _typo_only(old_norm: str, new_norm: str) -> bool:
    a, b = old_norm.split(), new_norm.split()
    if len(a) != len(b):
        return False
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return 0 < len(pairs) <= _MAX_TYPO_WORDS and all(_is_typo_pair(x, y) for x, y in pairs)


# Words that carry grammar, not terms: one added or dropped alone is a slip ("in the federal the
# U.S. court", "the use of our products as within", "signed it will be effective", "use to train",
# "; and (ii)"). Never the parties' words (our, your), modals, negations or "or".
_STRAY_WORDS = frozenset(("a", "an", "the", "as", "it", "to", "of", "that", "and"))
_MAX_STRAY_WORDS = 2


def _stray_words_only(old_norm: str, new_norm: str) -> bool:
    """At most two grammar words added or dropped and nothing else (an "and" beside "or" is
    "and/or", a change of meaning)."""
    a, b = old_norm.split(), new_norm.split()
    # the words an alignment changes include the words whose counts differ: when those are not
    # all grammar words, or more than allowed, no alignment is needed to say no
    ca, cb = Counter(a), Counter(b)
    differing = (ca - cb) + (cb - ca)
    if differing.total() > _MAX_STRAY_WORDS or not differing.keys() <= _STRAY_WORDS:
        return False
    changed = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace":
            return False
        if tag == "equal":
            continue
        words, i, j = (a, i1, i2) if tag == "delete" else (b, j1, j2)
        if any(w not in _STRAY_WORDS for w in words[i:j]):
            return False
        if "and" in words[i:j] and "or" in (words[i - 1 : i] + words[j : j + 1]):
            return False
        changed += j - i
    return 0 < changed <= _MAX_STRAY_WORDS


def _spacing_only(old_norm: str, new_norm: str) -> bool:
    """Words split or joined ("Chat GPT" / "ChatGPT"), never where digits meet."""
    if old_norm.replace(" ", "") != new_norm.replace(" ", ""):
        return False
    differing = set(old_norm.split()) ^ set(new_norm.split())
    return not any(ch.isdigit() for word in differing for ch in word)


# page chrome that sites put inside the captured text, in normalised form: search-box shortcut
# hints (the symbol itself is dropped as punctuation), cookie-consent links, accessibility labels
# of external links, documentation-site buttons and language pickers
# (phrases may touch neighbouring link texts, "legalcookie settingslearn", so only the one-word
# hints need word boundaries; texts are compared without spaces once the chrome is gone)
_CHROME_RE = re.compile(
    r"\bctrl\b|\bcmd\b|cookie ?(?:settings|preferences)|manage ?cookies|your ?privacy ?choices"
    r"|opens? in (?:a )?new (?:window|tab)|(?:view|copy)(?: page)? as markdown|copy page"
    r"|view page|select language|skip to (?:main )?content|was this (?:page|article) helpful"
)


def strip_chrome(norm: str) -> str:
    """A normalised text without the page chrome phrases (and without spaces)."""
    return _CHROME_RE.sub("", norm).replace(" ", "")


# ------------------------------------------------------------------ classification


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: runs of text separated by blank lines (empty ones dropped)."""
    return [p for p in _BLANK_LINE_RE.split(text) if p.strip()]


def _reordered(old: str, new: str) -> bool:
    old_paras = [normalise(p) for p in split_paragraphs(old)]
    new_paras = [normalise(p) for p in split_paragraphs(new)]
    if len(old_paras) < 2 or old_paras == new_paras:
        return False
    return Counter(p for p in old_paras if p) == Counter(p for p in new_paras if p)


_LEVELS = (
    ("whitespace", lambda t: t),
    ("invisible", _invisible),
    ("link", _links),
    ("heading_format", _markup),
    ("case", str.lower),
    ("punctuation", _punctuation),
)


def editorial_kind(old: str, new: str) -> str | None:
    """The kind of editorial change from `old` to `new`, or None when the change is substantive.

    Levels are cumulative; the kind reported is the most significant one needed to make the two
    texts equal (a pair differing in whitespace and case is "case").
    """
    if old == new:
        return "identical"
    a, b = old, new
    for kind, step in _LEVELS:
        a, b = step(a), step(b)
        if _collapse(a) == _collapse(b):
            return kind
    a, b = _collapse(a), _collapse(b)
    ca, cb = Counter(a.split()), Counter(b.split())
    changed = (ca - cb).total() + (cb - ca).total()
    if changed == 0 and _reordered(old, new):
        return "reorder"
    if _run_in_title_only(old, new):
        return "heading_format"
    if changed > _MAX_STAMP_TOKENS:
        return None  # too many words differ for a date stamp or a few typos: substantive
    if _spacing_only(a, b):
        return "whitespace"
    if (_CHROME_RE.search(a) or _CHROME_RE.search(b)) and strip_chrome(a) == strip_chrome(b):
        return "interface_text"
    pa, pb = _pre_punct(old), _pre_punct(new)
    if _collapse(_punctuation(_LETTER_MARKER_RE.sub("", pa))) == _collapse(
        _punctuation(_LETTER_MARKER_RE.sub("", pb))
    ):
        return "heading_format"
    sa = _collapse(_punctuation(strip_date_stamps(pa)))
    sb = _collapse(_punctuation(strip_date_stamps(pb)))
    if sa == sb:
        return "date_stamp"
    da = _collapse(_punctuation(canonical_dates(pa)))
    db = _collapse(_punctuation(canonical_dates(pb)))
    if da == db:
        return "date_format"
    if (
        _typo_only(sa, sb)
        or _stray_words_only(sa, sb)
        or _doubled_word(sa, sb)
        or _stray_number_word(sa, sb)
    ):
        return "typo"
    if _VOLATILE_HINT_RE.search(pa) or _VOLATILE_HINT_RE.search(pb):
        volatile = volatile_kind(strip_date_stamps(pa), strip_date_stamps(pb))
        if volatile is not None:
            return volatile
    has_url = bool(_URL_HINT_RE.search(old) or _URL_HINT_RE.search(new))
    if has_url and _without_urls(old) == _without_urls(new):
        return "link"
    return None


# a URL written out as text: with a scheme or "www.", or a domain followed by a path ("x.com/a");
# a bare domain ("chatgpt.com", where a cookie is set) is a word of the document
_URL_TEXT_RE = re.compile(
    r"(?:\b(?:https?|mailto):(?://)?|\bwww\.)[^\s)\]>\"']+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}/[^\s)\]>\"']*"
)


_URL_HINT_RE = re.compile(r"/|www\.|mailto:|email protected", re.IGNORECASE)
# the placeholder a CDN writes where it hides an e-mail address from scrapers, with any part of
# the address left glued before it ("supp[\[email protected\]](...)": one address, not a word)
_HIDDEN_EMAIL_RE = re.compile(r"[\w.+-]*\[?\\?\[email protected\\?\]", re.IGNORECASE)


def _without_urls(text: str) -> str:
    """Words of a text without the URLs written in it (nor hidden-address placeholders)."""
    text = _HIDDEN_EMAIL_RE.sub(" ", _invisible(text))
    return _collapse(_punctuation(_markup(_links(_URL_TEXT_RE.sub(" ", text))).lower()))


def _doubled_word(old_norm: str, new_norm: str) -> bool:
    """A word written twice in a row lost or gained its copy ("in one one place")."""
    a, b = old_norm.split(), new_norm.split()
    if abs(len(a) - len(b)) != 1:
        return False
    long_, short = (a, b) if len(a) > len(b) else (b, a)
    for i in range(1, len(long_)):
        if long_[i] == long_[i - 1] and long_[:i] + long_[i + 1 :] == short:
            return True
    return False


def _number_word(token: str) -> float | None:
    """The value of a number written as one word ("two", "seventy"), else None."""
    if not token.isalpha() or token in ("a", "an", "single"):
        return None
    return parse_number(token)


def _stray_number_word(old_norm: str, new_norm: str) -> bool:
    """A stray number word before a number written in words and figures lost or gained ("within
    one two (2) years"): the figures say which number is meant, the stray word changes nothing."""
    a, b = old_norm.split(), new_norm.split()
    if abs(len(a) - len(b)) != 1:
        return False
    long_, short = (a, b) if len(a) > len(b) else (b, a)
    for i in range(len(long_) - 2):
        word, spelled, figures = long_[i : i + 3]
        if (
            _number_word(word) is not None
            and figures.isdigit()
            and _number_word(spelled) == int(figures)
            and long_[:i] + long_[i + 1 :] == short
        ):
            return True
    return False


# a run-in title: bold words opening a paragraph (after its list number), "**Abuse.** You must"
_RUN_IN_TITLE_RE = re.compile(
    r"^([ \t]*(?:\d{1,3}[.)]|[-*+])?[ \t]*)(\*\*|__)([^*_]{1,120}?)\2", re.S
)
_MAX_TITLE_WORDS = 10


def _run_in_title_only(old: str, new: str) -> bool:
    """A paragraph gained or lost a run-in title and nothing else: a title names a provision,
    it changes nothing the provision says."""
    for with_title, without in ((new, old), (old, new)):
        match = _RUN_IN_TITLE_RE.match(_invisible(with_title))
        if match is None or len(normalise(match.group(3)).split()) > _MAX_TITLE_WORDS:
            continue
        rest = match.group(1) + _invisible(with_title)[match.end() :]
        if normalise(rest) == normalise(without) and normalise(match.group(3)):
            return True
    return False


def _pre_punct(text: str) -> str:
    """Everything `normalise` does before dropping punctuation (so dates keep their separators)."""
    return _markup(_links(_invisible(text))).lower()


def pair_kind(old: str, new: str) -> str | None:
    """Whole-document classification: None if any difference is substantive, else the editorial
    kinds found, "+"-joined in order of appearance (e.g. "link+date_stamp"), or "identical".

    Paragraphs that normalise identically are set aside first, so the cost is one normalisation
    of each document plus a small amount of work per changed region.
    """
    if old == new:
        return "identical"
    whole = editorial_kind(old, new) if len(old) + len(new) < 4000 else None
    if whole is not None:
        return whole
    old_paras, new_paras = split_paragraphs(old), split_paragraphs(new)
    old_norm = normalise_many(old_paras)
    new_norm = normalise_many(new_paras)
    if old_norm == new_norm:
        # every paragraph matches once normalised: name the strongest per-paragraph kind
        found = [editorial_kind(o, n) for o, n in zip(old_paras, new_paras, strict=True) if o != n]
        return _join_kinds([k for k in found if k] or ["whitespace"])
    if Counter(old_norm) == Counter(new_norm):
        return "reorder"
    kinds: list[str] = []
    matcher = SequenceMatcher(None, old_norm, new_norm, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for o, n in zip(old_paras[i1:i2], new_paras[j1:j2], strict=True):
                if o != n:
                    k = editorial_kind(o, n)
                    if k:
                        kinds.append(k)
            continue
        kind = editorial_kind("\n\n".join(old_paras[i1:i2]), "\n\n".join(new_paras[j1:j2]))
        if kind is None:
            return None
        kinds.append(kind)
    return _join_kinds(kinds or ["whitespace"])


def _join_kinds(kinds: list[str]) -> str:
    seen: list[str] = []
    for k in kinds:
        for part in k.split("+"):
            if part not in seen and part != "identical":
                seen.append(part)
    return "+".join(seen) or "identical"


def is_editorial_pair(old_text: str, new_text: str) -> bool:
    """True when every difference between two whole documents is editorial."""
    return pair_kind(old_text, new_text) is not None
