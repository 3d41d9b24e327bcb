"""Capture evaluation: ClauseWatch's extraction against Open Terms Archive's, from the same bytes.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/eval_capture.py [--service NAME ...]
        [--data DIR] [--cache DIR] [--keep] [--json OUT] [--no-onboarding]

Reads ../shared/data/ota-genai-contrib-captures (raw snapshots, the declaration in force, and
which commit of ../shared/data/ota-genai-contrib-versions.bundle holds the Markdown OTA extracted
from those bytes). Every snapshot is served on loopback under its URL's path and query, one port
per original origin so that root-relative links resolve, with `Content-Type` from the manifest.
Each declaration in force is copied into a temporary project (never into the repository), its
`fetch` and `combine[].fetch` rewritten to the loopback URLs (OTA's older `documents` key renamed
to `terms`), and the real CLI runs as child processes: `clausewatch init`, `validate`, `check`
(`browser = "never"`: the fullDom snapshots are already rendered; `per_host_delay = 0`), `show
--json`. Documents sharing a URL with different bytes (https://mistral.ai/terms/ by 9) are checked
in separate rounds, each round a set of documents with distinct URLs.

Each stored version (loopback origins mapped back to the original ones) is compared with OTA's:
exact after whitespace normalisation; exact after folding Markdown style (`fold_markdown`); the
same visible words in the same order (`visible_words`); character similarity of the folded texts
(rapidfuzz's normalised InDel ratio); visible words lost (in OTA's, not ours) and extra (ours, not
OTA's) from a word-level alignment, as counts and % of OTA's words; refused (the check failed or
stored nothing, with the reason). Every remaining difference gets a class (`CLASSES`): per
aligned block of differing words, the document taking the class with the most words; when the
words are the same, the first of links, `<br>`, tables that explains it, else Markdown dialect.

Onboarding test (skip it with --no-onboarding): a fresh project imports OTA's history of those
documents with `clausewatch import-ota --service ...` (from a copy of the bundle cut at each
document's compared version: the bundle runs to 2026-08, after the snapshots), a subscriber on a
plan with same-day alerts is added, then the same snapshots are checked. Substantive change
events created by that check (`changes --json`; not editorial, kind not flapping or moved) and
alert messages queued (outbox rows of kind alert) are counted per document: each one is a false
alarm a new user would get on day one.

Prints a table per document, totals and class counts; `--json OUT` writes everything.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 (the script's own folder must be importable first)
    CACHE_DIR,
    REPO_ROOT,
    Measured,
    clausewatch_env,
    print_table,
    python_exe,
    run_measured,
    run_quiet,
    write_json,
)

from monitor.changes.continuity import markup_only  # noqa: E402 (after the path set-up above)

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
CORPUS_NAME = "ota-genai-contrib-captures"
BUNDLE_NAME = "ota-genai-contrib-versions.bundle"
CHILD_TIMEOUT = 600.0
SUBSCRIBER = "eval-capture@example.org"
Timings = defaultdict[str, float]  # seconds per CLI command: wall, and "<command> (CPU)"
SHOW_WORKERS = 3  # `show` children in parallel (each is mostly interpreter start-up)

# ---------------------------------------------------------------- comparison (pure functions)

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u2007\u202f]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+")
# lines are stripped first, so `[^\n]+` cannot backtrack into a quadratic search on long lines
_SETEXT = re.compile(r"^(?P<text>[^\n]+)\n(?P<bar>=+|-+)$", re.M)
# OTA leaves a blank line before the `===` of a heading that ends with a <br>
_SETEXT_GAP = re.compile(r"^(?P<text>[^\n]+)\n\n+(?P<bar>=+)$", re.M)
# a heading inside a list item: `1. ## Title` (ours), `1.  Title` over `---` (OTA) -> `## 1. Title`
_LIST_HEADING = re.compile(r"^(\d{1,9}\.|-) (#{1,6}) ", re.M)
_ATX = re.compile(r"^(#{1,6})[ \t]+([^\n]*)$", re.M)
_ATX_CLOSE = re.compile(r"[ \t]+#+$")
_EMPTY_HEADING = re.compile(r"^#{1,6}[ \t]*$", re.M)
_RULE = re.compile(r"^([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M)
_BULLET = re.compile(r"^[*+\-][ \t]+", re.M)
_NUMBER = re.compile(r"^(\d{1,9})[.)][ \t]+", re.M)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~=])")
# after unescaping, every `*` and every `_` not inside a word (snake_case stays) is emphasis or a
# literal the other converter may have escaped: dropped on both sides alike
_EMPHASIS = re.compile(r"\*+|(?<![^\W_])_+|_+(?![^\W_])")
# emphasis around nothing: OTA writes `**‍**` for a bold zero-width joiner (read as a rule
# once the joiner is dropped)
_EMPTY_EMPHASIS = re.compile(r"(?<![*_])(\*\*|__)\1(?![*_])")
# spaces just inside a link's brackets: `[text ](url)x` (OTA) reads as `[text](url) x` (ours)
_LINK_PAD = re.compile(r"\[(\s*)([^\[\]\n]*?)(\s*)\]\(([^()\s]*)\)")
_FENCE = re.compile(r"^(?:```|~~~)[^\n]*$", re.M)
_EMPTY_LINK = re.compile(r"(?<!!)\[\]\([^()\s]*\)")
_ROOT_SLASH = re.compile(r"\]\((https?://[^/\s()]+)/\)")
_LINK_TITLE = re.compile(r"\]\((\S*?)[ \t]+\"[^\"]*\"\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
_BR = re.compile(r"<br\s*/?>", re.I)
_TABLE_SEP = re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?$", re.M)
_LINK_TARGET = re.compile(r"\]\(\s*<?[^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*>?(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bmailto:\S+|\bwww\.\S+")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def normalise_ws(text: str) -> str:
    """Every run of whitespace (newlines included) as one space, no leading or trailing space."""
    return " ".join(text.split())


def _clean(text: str) -> str:
    """NFC, without zero-width characters and soft hyphens, no-break spaces as spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text))


def fold_markdown(text: str) -> str:
    """The text with Markdown *style* folded away, so that two converters' outputs of the same
    content compare equal. What is folded, in this order:

    - zero-width characters and soft hyphens dropped, no-break spaces as spaces, NFC;
    - indentation and trailing spaces (nesting depth is written differently by each converter);
    - code fences (```) dropped;
    - heading style: setext (`Title` over `===` / `---`, also with blank lines before `===`, as
      OTA writes a heading ending in `<br>`) and ATX (`# Title #`) both as `# Title`, levels kept;
      a heading in a numbered item, `1. ## Title`, as `## 1. Title`; empty headings dropped;
    - rule style: `* * *`, `---`, `___`, `- - -` all as `---`;
    - bullet markers `*`, `+`, `-` as `-`; number markers `3.` / `3)` as `3.` (the number is
      kept: a reader sees it, and it is a word for `visible_words` too);
    - backslash escapes of Markdown characters (`1\\.`, `\\*`, `\\_`, `\\[`, `\\-`) unescaped;
    - emphasis markers: every `*`, and `_` unless inside a word, dropped (after unescaping, so an
      escaped literal and an unescaped one fold alike);
    - links: titles dropped, `<url>` autolinks as the bare URL, empty links `[](url)` dropped
      (nothing to read or click), `https://host/` as `https://host`; link text and targets are
      otherwise kept;
    - tables: separator rows as `|---|`, padding around `|`, a `<br>` in a cell as a space (OTA
      writes a line break or a list inside a cell as `<br>`, ClauseWatch as a space: the same
      words and cells; `folded_br` counts the documents this fold makes equal);
    - whitespace: every run (blank lines included) as one space.
    """
    text = _clean(text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _FENCE.sub("", text)
    text = _SETEXT.sub(lambda m: ("# " if m["bar"][0] == "=" else "## ") + m["text"], text)
    text = _SETEXT_GAP.sub(lambda m: "# " + m["text"], text)
    text = _EMPTY_EMPHASIS.sub("", text)
    text = _RULE.sub("---", text)
    text = _BULLET.sub("- ", text)
    text = _ESCAPE.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = _NUMBER.sub(r"\1. ", text)
    text = _ATX.sub(lambda m: f"{m[1]} {_ATX_CLOSE.sub('', m[2])}", text)
    text = _EMPTY_HEADING.sub("", text)
    text = _LIST_HEADING.sub(r"\2 \1 ", text)
    text = _LINK_TITLE.sub(r"](\1)", text)
    text = _LINK_PAD.sub(lambda m: f"{' ' * bool(m[1])}[{m[2]}]({m[4]}){' ' * bool(m[3])}", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _EMPTY_LINK.sub("", text)
    text = _ROOT_SLASH.sub(r"](\1)", text)
    text = _TABLE_SEP.sub("|---|", text)
    text = "\n".join(
        re.sub(r"\s*\|\s*", " | ", _BR.sub(" ", line)) if line.startswith("|") else line
        for line in text.split("\n")
    )
    return normalise_ws(text)


_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)")


def drop_link_targets(text: str) -> str:
    """`[text](url)` as `[text]`: what a reader sees of a link (for `visible_words`)."""
    return _LINK_TARGET.sub("]", text)


def links_as_text(folded: str) -> str:
    """A folded text's links and images as their text: `[text](url)` as `text`."""
    return normalise_ws(_LINK.sub(r"\1", folded))


def visible_words(text: str) -> list[str]:
    """The words a reader sees, in order: Markdown syntax, link targets, bare URLs and HTML tags
    stripped, lower-cased; letters and digits only (`_` is syntax), each CJK character a word of
    its own (those scripts have no spaces). List numbers count: `1\\. Definitions` (OTA escapes
    a number that starts a paragraph or heading) and `## 1. Definitions` must give the same words,
    and a browser shows an `<ol>`'s numbers too."""
    text = _clean(text)
    text = drop_link_targets(text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", html.unescape(text))
    text = _CJK.sub(r" \g<0> ", text.lower())
    return _WORD.findall(text)


@dataclass(frozen=True)
class Block:
    """One difference of a word alignment: OTA's words [a0, a1) against ours [b0, b1)."""

    a0: int
    a1: int
    b0: int
    b1: int

    @property
    def lost(self) -> int:
        return self.a1 - self.a0

    @property
    def extra(self) -> int:
        return self.b1 - self.b0


def word_diff(ota: Sequence[str], ours: Sequence[str]) -> list[Block]:
    """The differing blocks of an LCS alignment of two word lists (adjacent deletions and
    insertions merged into one block). Lost words = sum of `lost`, extra = sum of `extra`."""
    from rapidfuzz.distance import Indel  # a project dependency; bit-parallel LCS in C

    blocks: list[Block] = []
    for op in Indel.opcodes(list(ota), list(ours)):
        a0, a1, b0, b1 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            continue
        last = blocks[-1] if blocks else None
        if last is not None and last.a1 == a0 and last.b1 == b0:
            blocks[-1] = Block(last.a0, a1, last.b0, b1)
        else:
            blocks.append(Block(a0, a1, b0, b1))
    return blocks


def lost_extra(ota: Sequence[str], ours: Sequence[str]) -> tuple[int, int]:
    """(words of OTA's missing from ours, words of ours missing from OTA's), by alignment."""
    blocks = word_diff(ota, ours)
    return sum(b.lost for b in blocks), sum(b.extra for b in blocks)


def similarity(a: str, b: str) -> float:
    """Character similarity in [0, 1]: 1 - InDel distance / total length (difflib's ratio with
    an exact longest common subsequence)."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100.0


# ---------------------------------------------------------------- classes of differences

CLASSES: dict[str, str] = {
    "ota_nested_repeat": "OTA repeats text (a selector match nested in another is copied twice)",
    "ota_pdf_glued_words": "OTA's PDF conversion glues words at line ends ('asdefined')",
    "word_boundary": "the same letters split into words differently (markup inside a word)",
    "ligature": "typographic ligatures kept on one side ('deﬁned' with U+FB01 against 'defined')",
    "list_numbering": "list numbers differ (`<li value>`, `<ol start>`, a list item as a bullet)",
    "ota_short": "OTA's version is a fraction of ours (OTA's selection matched almost nothing)",
    "removal_not_applied": "our extra words are inside an element a `remove` selector matches",
    "list_text_lost": "OTA's words we lack are in a list (text straight inside `<ol>`/`<ul>`)",
    "email_protection": "a Cloudflare-protected e-mail address ('[email protected]')",
    "ota_js_filter": "links rewritten by a JavaScript filter we do not run (removeTrackingIDs)",
    "loopback_scheme": "same words and Markdown; links differ only by http/https: protocol-"
    "relative links (`//host/path`) resolve to http on the evaluation's loopback server (an "
    "artefact of this evaluation, not of extraction)",
    "link_target": "same words and Markdown; only link or image targets differ",
    "table_header": "same words; OTA gives a table without <th> an empty header row, ours the first row",
    "ota_br_in_table": "same words; tables differ, OTA writes <br> inside cells",
    "layout_table": "same words; a table ClauseWatch reads as page layout (a heading or a single "
    "column in its cells) and writes as the blocks it holds, OTA as a table",
    "heading_split": "same words; OTA cuts a heading holding a block or a line break in two (its "
    "marker on a line of its own, or only the last line underlined), ClauseWatch keeps one line",
    "spacing": "the same characters; only where spaces fall differs (OTA glues the text after a "
    "list or a line-broken link to it: 'Settings)This')",
    "table_syntax": "same words; the tables' rows or header are written differently",
    "markdown_dialect": "same words in the same order; Markdown syntax the fold does not cover",
    "pdf_word_per_paragraph": "our PDF text puts most words in a paragraph of their own",
    "pdf_page_furniture": "a PDF's running header or page number, repeated on every page in "
    "OTA's text, dropped by ClauseWatch (page furniture, not document text)",
    "pdf_layout": "PDF text order, headers or footers differ",
    "refusal_correct": "refused, rightly: the page holds no document (a declared selector matches "
    "nothing in the raw snapshot, and OTA recorded only a title of a few words)",
    "ota_pdf_reflowed": "a PDF whose letters are the same, in the same order, once OTA's glued "
    "words and the running headers and page numbers it repeats on every page are set aside "
    "(ClauseWatch's continuity rule, changes/continuity.py); the blocks keep their own classes",
    "other": "none of the above",
}
# Classes where OTA's text, not ours, departs from the document the page shows: OTA repeats,
# glues or masks words, ran a filter we do not, selected almost nothing, recorded a page without
# the document, or kept a PDF's page furniture. `same_words_or_ota_side` and `lost_words_not_ota_side` set them aside.
OTA_SIDE = frozenset(
    {
        "ota_nested_repeat",
        "ota_pdf_glued_words",
        "email_protection",
        "ota_js_filter",
        "ota_short",
        "refusal_correct",
        "pdf_page_furniture",
        "ota_pdf_reflowed",
        "ota_br_in_table",
    }
)
PAGE_FURNITURE_REPEATS = 3  # a PDF line repeated this often in OTA's text is a running header
CORRECT_REFUSAL_WORDS = 20  # OTA's version of a page without its document: a title at most


CHUNK = 8  # words per piece when looking for a block's words elsewhere


def mostly_in(haystack: str, words: Sequence[str], share: float = 0.6) -> bool:
    """Are most pieces of `words` (runs of CHUNK words) found in `haystack`, a word list joined
    with single spaces and padded with a space at both ends? Pieces rather than the whole block,
    because the alignment cuts a block where the two texts happen to agree again."""
    pieces = [words[i : i + CHUNK] for i in range(0, len(words), CHUNK)]
    found = sum(f" {' '.join(p)} " in haystack for p in pieces)
    return bool(pieces) and found >= share * len(pieces)


def _table_rows(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.lstrip().startswith("|"))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def classify_block(
    block: Block,
    ota: Sequence[str],
    ours: Sequence[str],
    *,
    pdf: bool,
    removed_texts: str,
    list_texts: str,
    ota_joined: str = "",
) -> str:
    """The class of one differing block (see CLASSES). `removed_texts` and `list_texts` are the
    words of the elements `remove` matches and of the page's lists, as for `mostly_in`."""
    a, b = ota[block.a0 : block.a1], ours[block.b0 : block.b1]
    if len(a) <= 1 and len(b) <= 1 and all(w.isdigit() for w in [*a, *b]):
        return "list_numbering"
    if a and b and "".join(a) == "".join(b):
        return "ota_pdf_glued_words" if pdf and len(a) < len(b) else "word_boundary"
    if a and b and _nfkc("".join(a)) == _nfkc("".join(b)):
        if pdf and len(a) < len(b):
            return "ota_pdf_glued_words"
        return "ligature" if len(a) == len(b) else "word_boundary"
    if pdf:
        # most of the block is runs of words that OTA's text repeats page after page
        text = [w for w in a if not w.isdigit()]
        runs = [f" {' '.join(text[i : i + 3])} " for i in range(max(len(text) - 2, 0))]
        repeated = sum(ota_joined.count(run) >= PAGE_FURNITURE_REPEATS for run in runs)
        if runs and repeated >= 0.5 * len(runs) and len(b) <= len(a) // 2:
            return "pdf_page_furniture"
        return "pdf_layout"
    joined = " ".join([*a, *b])
    if "email protected" in joined or ("cdn cgi" in joined and "email" in joined):
        return "email_protection"
    if len(a) >= 3 and not b:
        rest = f" {' '.join(ota[: block.a0])} | {' '.join(ota[block.a1 :])} "
        if mostly_in(rest, a, share=0.8):  # the same words elsewhere in OTA's, once in ours
            return "ota_nested_repeat"
        if mostly_in(list_texts, a):
            return "list_text_lost"
    if len(b) >= 3 and not a and mostly_in(removed_texts, b):
        return "removal_not_applied"
    return "other"


def _without_tables(folded: str) -> str:
    """A folded text with its table syntax (pipes, `---` separator cells) as spaces."""
    return normalise_ws(re.sub(r"\|(?:\s*---\s*\|)*", " ", folded))


# a header row of empty cells over the separator: turndown's GFM plugin writes one for a table
# without <th> cells, where ours makes the first row the header
_EMPTY_ROW = re.compile(r"^\|(?:[ \t]*\|)+[ \t]*\n\|[ \t]*:?-{3,}", re.M)


def classify_same_words(ota_md: str, ours_md: str, *, js_filter: bool) -> str:
    """The class of a difference that leaves the visible words equal: links, then tables, then
    whatever Markdown syntax is left (a document whose tables differ is a table class even if
    some links differ too)."""
    folded_ota, folded_ours = fold_markdown(ota_md), fold_markdown(ours_md)
    if folded_ota.replace("](http://", "](https://") == folded_ours.replace(
        "](http://", "](https://"
    ):
        return "loopback_scheme"
    ota, ours = links_as_text(folded_ota), links_as_text(folded_ours)
    if ota == ours:
        return "ota_js_filter" if js_filter else "link_target"
    ota, ours = normalise_ws(_BR.sub(" ", ota)), normalise_ws(_BR.sub(" ", ours))
    if ota == ours:
        return "ota_br_in_table"
    if _without_tables(ota) == _without_tables(ours):
        if (_table_rows(ota_md) == 0) != (_table_rows(ours_md) == 0):
            return "layout_table"
        if _EMPTY_ROW.search(ota_md):
            return "table_header"
        if re.search(r"^\|.*<br\s*/?>", ota_md, re.M | re.I):
            return "ota_br_in_table"
        return "table_syntax"
    plain_ota, plain_ours = (
        _without_headings(_without_tables(ota)),
        _without_headings(_without_tables(ours)),
    )
    if plain_ota == plain_ours:
        if _table_rows(ota_md) != _table_rows(ours_md):
            return "layout_table"
        return "heading_split"
    if plain_ota.replace(" ", "") == plain_ours.replace(" ", ""):
        return "spacing"
    return "markdown_dialect"


def _without_headings(folded: str) -> str:
    """A folded text without its heading markers (`## `)."""
    return normalise_ws(re.sub(r"(?<!\S)#{1,6}(?=\s)", " ", folded))


# ---------------------------------------------------------------- corpus


@dataclass
class SnapshotFile:
    file: str
    url: str
    mime: str


@dataclass
class Doc:
    service: str
    terms_type: str
    service_id: str  # the declaration file's name: the id ClauseWatch uses
    version_commit: str
    expected_markdown: str
    recorded_at: str
    snapshots: list[SnapshotFile]
    declaration_file: str
    declaration_history_file: str | None
    combined: bool
    uses_js_filters: bool
    vocabulary: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.service_id, self.terms_type)

    @property
    def pdf(self) -> bool:
        return any(s.mime == "application/pdf" for s in self.snapshots)


def load_manifest(corpus: Path, services: Sequence[str]) -> list[Doc]:
    docs: list[Doc] = []
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            if services and r["service"] not in services:
                continue
            docs.append(
                Doc(
                    service=r["service"],
                    terms_type=r["terms_type"],
                    service_id=Path(r["declaration_file"]).name.removesuffix(".json"),
                    version_commit=r["version_commit"],
                    expected_markdown=r["expected_markdown"],
                    recorded_at=r["recorded_at"],
                    snapshots=[
                        SnapshotFile(s["file"], s["url"], s["mime"]) for s in r["snapshots"]
                    ],
                    declaration_file=r["declaration_file"],
                    declaration_history_file=r.get("declaration_history_file"),
                    combined=bool(r["combined"]),
                    uses_js_filters=bool(r["uses_js_filters"]),
                    vocabulary=r.get("declaration_vocabulary") or "terms",
                )
            )
    return docs


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def declaration_in_force(corpus: Path, doc: Doc) -> tuple[str, dict[str, Any], str]:
    """(service name, the terms declaration in force when OTA recorded the version, where from).

    The manifest's declaration file is the revision in force; a history entry still valid at
    the recording time would win (none is, in this corpus, but the rule is OTA's)."""
    data = json.loads((corpus / doc.declaration_file).read_text(encoding="utf-8"))
    key = "terms" if "terms" in data else "documents"
    terms = copy.deepcopy(data[key][doc.terms_type])
    source = "declaration" if key == "terms" else "declaration (documents renamed to terms)"
    if doc.declaration_history_file and (corpus / doc.declaration_history_file).exists():
        history = json.loads((corpus / doc.declaration_history_file).read_text(encoding="utf-8"))
        recorded = _parse_time(doc.recorded_at)
        for entry in history.get(doc.terms_type, []):
            if recorded < _parse_time(entry["validUntil"]):
                terms = {k: v for k, v in entry.items() if k != "validUntil"}
                source = f"history entry valid until {entry['validUntil']}"
                break
    return data["name"], terms, source


def rewrite_fetch(terms: dict[str, Any], rewrite: Callable[[str], str]) -> dict[str, Any]:
    """A copy of a terms declaration with `fetch` and every `combine[].fetch` rewritten."""
    out = copy.deepcopy(terms)
    if "fetch" in out:
        out["fetch"] = rewrite(out["fetch"])
    for part in out.get("combine", []):
        if "fetch" in part:
            part["fetch"] = rewrite(part["fetch"])
    return out


def plan_rounds(docs: Sequence[Doc]) -> list[list[Doc]]:
    """Rounds of documents whose URLs are all distinct (first fit, manifest order)."""
    rounds: list[tuple[set[str], list[Doc]]] = []
    for doc in docs:
        urls = {s.url for s in doc.snapshots}
        for taken, members in rounds:
            if not taken & urls:
                taken |= urls
                members.append(doc)
                break
        else:
            rounds.append((set(urls), [doc]))
    return [members for _taken, members in rounds]


# ---------------------------------------------------------------- loopback origins


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path_key(url_or_path: str) -> str:
    parts = urlsplit(url_or_path)
    path = unquote(parts.path or "/")
    return f"{path}?{unquote(parts.query)}" if parts.query else path


class Origins:
    """One threaded HTTP server per original origin on a loopback port. Pages are served by path
    and query with the manifest's Content-Type; every other path is a 404 (and is counted)."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.pages: dict[str, dict[str, tuple[bytes, str]]] = {}  # origin -> path -> page
        self.misses: list[str] = []
        self._lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for origin in sorted(set(origins)):
            self._servers[origin] = self._server(origin)
        self.loopback = {
            o: f"http://127.0.0.1:{s.server_address[1]}" for o, s in self._servers.items()
        }
        self.original = {v: k for k, v in self.loopback.items()}

    def _server(self, origin: str) -> ThreadingHTTPServer:
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(head=True)

            def _answer(self, *, head: bool) -> None:
                with farm._lock:
                    page = farm.pages.get(origin, {}).get(_path_key(self.path))
                    if page is None:
                        farm.misses.append(origin + self.path)
                body, ctype = page or (b"<html><body><h1>404 Not Found</h1></body></html>", "")
                self.send_response(200 if page else 404)
                self.send_header("Content-Type", ctype or "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        return server

    def to_loopback(self, url: str) -> str:
        parts = urlsplit(url)
        rest = parts.path or "/"
        return self.loopback[_origin(url)] + rest + (f"?{parts.query}" if parts.query else "")

    def map_back(self, text: str) -> str:
        """Loopback origins in a stored text back to the original origins."""
        return re.sub(
            r"http://127\.0\.0\.1:\d+",
            lambda m: self.original.get(m.group(0), m.group(0)),
            text,
        )

    def serve(self, corpus: Path, docs: Iterable[Doc]) -> None:
        """Serve exactly these documents' snapshots (replacing the previous round's)."""
        pages: dict[str, dict[str, tuple[bytes, str]]] = {}
        for doc in docs:
            for snap in doc.snapshots:
                body = (corpus / snap.file).read_bytes()
                pages.setdefault(_origin(snap.url), {})[_path_key(snap.url)] = (body, snap.mime)
        with self._lock:
            self.pages = pages

    def __enter__(self) -> Origins:
        for server in self._servers.values():
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()


# ---------------------------------------------------------------- the project (child processes)


class Project:
    """A temporary ClauseWatch project driven through the real CLI, one child per command."""

    def __init__(self, folder: Path, env: dict[str, str], timings: Timings) -> None:
        self.folder = folder
        self.env = env
        self.timings = timings
        self.config = folder / "clausewatch.toml"
        self.declarations = folder / "declarations"
        self.database = folder / "data" / "clausewatch.sqlite3"

    def run(self, *args: str, label: str | None = None) -> Measured:
        cmd = [python_exe(), "-m", "monitor", "--config", str(self.config), *args]
        m = run_measured(
            label or args[0], cmd, cwd=self.folder, env=self.env, timeout=CHILD_TIMEOUT, quiet=True
        )
        self.timings[args[0]] += m.wall
        self.timings[f"{args[0]} (CPU)"] += m.cpu
        return m

    def init(self, *, subscriber_plan: bool) -> dict[str, Any]:
        """`clausewatch init`, then the settings this evaluation needs; returns what was set."""
        self.folder.mkdir(parents=True, exist_ok=True)
        m = self.run("init", str(self.folder))
        if not m.ok:
            raise SystemExit(f"clausewatch init failed: {_last_line(m)}")
        text = self.config.read_text(encoding="utf-8")
        fetch_keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", _section(text, "fetch"), re.M))
        settings: dict[str, Any] = {"browser": '"never"'}  # fullDom snapshots: already rendered
        if "per_host_delay" in fetch_keys:
            settings["per_host_delay"] = "0"  # every page is on loopback; no politeness needed
        # The pages are served on loopback, which the fetcher refuses unless allowed.
        allow = sorted(k for k in fetch_keys if "private" in k or k.startswith("allow"))
        if "allow_private" in fetch_keys:
            settings["allow_private"] = '["127.0.0.1", "::1"]'

        for key, value in settings.items():
            text = _set_key(text, "fetch", key, value)
        if subscriber_plan:  # "all platforms" needs a plan covering every service of the corpus
            text += "\n[plans.eval]\nmax_platforms = 1000\nsame_day_alerts = true\n"
        self.config.write_text(text, encoding="utf-8")
        return {
            "fetch": settings,
            "private_address_allow_list": allow
            or "none in this version's clausewatch.toml (nothing to set)",
        }

    def write_round(self, corpus: Path, docs: Sequence[Doc], origins: Origins) -> dict[str, str]:
        """The round's declarations (only these documents); returns where each came from."""
        for old in self.declarations.glob("*.json"):
            old.unlink()
        by_service: dict[str, tuple[str, dict[str, Any]]] = {}
        sources: dict[str, str] = {}
        for doc in docs:
            name, terms, source = declaration_in_force(corpus, doc)
            entry = by_service.setdefault(doc.service_id, (name, {}))
            entry[1][doc.terms_type] = rewrite_fetch(terms, origins.to_loopback)
            sources["/".join(doc.key)] = source
        for service_id, (name, terms) in by_service.items():
            body = {"name": name, "terms": terms}
            (self.declarations / f"{service_id}.json").write_text(
                json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        return sources


def _section(text: str, name: str) -> str:
    match = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def _set_key(text: str, section: str, key: str, value: str) -> str:
    """Set `key = value` in `[section]` of a TOML text (uncommenting or adding the line)."""
    match = re.search(rf"^\[{re.escape(section)}\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if match is None:
        return text + f"\n[{section}]\n{key} = {value}\n"
    body = match.group(1)
    line = re.compile(rf"^#?\s*{re.escape(key)}\s*=.*$", re.M)
    body = (
        line.sub(f"{key} = {value}", body, count=1)
        if line.search(body)
        else (f"{key} = {value}\n" + body)
    )
    return text[: match.start(1)] + body + text[match.end(1) :]


def _last_line(m: Measured) -> str:
    lines = (m.stderr.strip() or m.stdout.strip() or f"exit {m.returncode}").splitlines()
    return lines[-1] if lines else f"exit {m.returncode}"


def _json(m: Measured) -> Any:
    try:
        return json.loads(m.stdout)
    except ValueError:
        return None


# ---------------------------------------------------------------- one check pass over all rounds


@dataclass
class Stored:
    """What a check left for one document."""

    outcome: str = "not checked"
    reason: str | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    text: str | None = None
    round: int = 0
    declaration_source: str = ""


def validate_round(project: Project, docs: list[Doc]) -> tuple[list[Doc], dict[str, str], Any]:
    """`clausewatch validate`; documents of a service whose file has an error are left out
    (with the error line) so that the others can still be checked."""
    dropped: dict[str, str] = {}
    while True:
        m = project.run("validate")
        lines = (m.stdout + m.stderr).splitlines()
        if m.ok or not docs:
            return docs, dropped, lines
        bad: dict[str, str] = {}
        for line in lines:
            match = re.match(r"error: (.+?\.json): ", line)
            if match:
                bad.setdefault(Path(match.group(1)).name.removesuffix(".json"), line)
        if not bad:  # the configuration itself: nothing can be checked
            for doc in docs:
                dropped["/".join(doc.key)] = lines[0] if lines else _last_line(m)
            return [], dropped, lines
        for doc in docs:
            if doc.service_id in bad:
                dropped["/".join(doc.key)] = bad[doc.service_id]
                (project.declarations / f"{doc.service_id}.json").unlink(missing_ok=True)
        docs = [d for d in docs if d.service_id not in bad]


def check_rounds(
    project: Project,
    corpus: Path,
    rounds: list[list[Doc]],
    origins: Origins,
    *,
    show: bool,
    label: str,
) -> tuple[dict[tuple[str, str], Stored], list[Any]]:
    """Serve and check round by round; with `show`, read back each stored version."""
    stored: dict[tuple[str, str], Stored] = {}
    validations: list[Any] = []
    for number, docs in enumerate(rounds, 1):
        origins.serve(corpus, docs)
        sources = project.write_round(corpus, docs, origins)
        for doc in docs:
            stored[doc.key] = Stored(round=number, declaration_source=sources["/".join(doc.key)])
        kept, dropped, lines = validate_round(project, list(docs))
        validations.append({"round": number, "output": lines, "dropped": dropped})
        for key, line in dropped.items():
            s = stored[tuple(key.split("/", 1))]  # type: ignore[index]
            s.outcome, s.reason, s.message = "failed", "invalid_declaration", line
        started = time.perf_counter()
        if kept:
            m = project.run("check", "--json")
            data = _json(m) or {}
            for o in data.get("documents", []):
                found = stored.get((o["service_id"], o["terms_type"]))
                if found is not None:
                    found.outcome, found.reason = o["outcome"], o.get("reason")
                    found.message, found.warnings = o["message"], o.get("warnings", [])
            if not data:
                for doc in kept:
                    stored[doc.key].outcome = "failed"
                    stored[doc.key].reason = "check_crashed"
                    stored[doc.key].message = _last_line(m)
        if show:
            with ThreadPoolExecutor(SHOW_WORKERS) as pool:
                for doc, text in zip(
                    kept, pool.map(lambda d: _show(project, d), kept), strict=True
                ):
                    stored[doc.key].text = None if text is None else origins.map_back(text)
        print(
            f"  {label} round {number}/{len(rounds)}: {len(kept)} document(s) checked in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return stored, validations


def _show(project: Project, doc: Doc) -> str | None:
    m = project.run("show", doc.service_id, doc.terms_type, "--json")
    data = _json(m) if m.ok else None
    return data.get("text") if isinstance(data, dict) else None


def failure_from_history(project: Project, doc: Doc) -> tuple[str | None, str]:
    """The latest failed capture's reason and message (`history --json`)."""
    data = _json(project.run("history", doc.service_id, doc.terms_type, "--json")) or []
    for document in data:
        for capture in document.get("captures", []):
            if capture.get("outcome") == "failed":
                return capture.get("reason"), capture.get("message") or ""
    return None, ""


# ---------------------------------------------------------------- OTA's side


def ensure_clone(bundle: Path, cache: Path, commits: Iterable[str]) -> Path:
    """A clone of the bundle in the cache, made once (re-made when it lacks a needed commit)."""
    target = cache / "versions"
    wanted = list(commits)
    if target.exists():
        probe = run_quiet(
            ["git", "-C", str(target), "cat-file", "--batch-check"], input="\n".join(wanted) + "\n"
        )
        if probe.returncode == 0 and "missing" not in probe.stdout:
            return target
        shutil.rmtree(target)
    cache.mkdir(parents=True, exist_ok=True)
    proc = run_quiet(["git", "clone", "--quiet", str(bundle), str(target)], timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"git clone {bundle} failed: {proc.stderr.strip()}")
    return target


def uncombine(text: str) -> str:
    """A combined document without the `- - -` lines between its parts: OTA's engine 10 and
    ClauseWatch join parts with one, OTA's older engines with a blank line only."""
    return re.sub(r"(?m)^- - -[ \t]*$", "", text)


def ota_text(clone: Path, doc: Doc) -> str:
    proc = subprocess.run(
        ["git", "-C", str(clone), "show", f"{doc.version_commit}:{doc.expected_markdown}"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{doc.expected_markdown} at {doc.version_commit}: not in the clone")
    return proc.stdout.decode("utf-8", "replace")


def history_until_versions(clone: Path, docs: Sequence[Doc], target: Path) -> dict[str, Any]:
    """A bare repository whose history is the clone's, restricted to these documents and cut at
    each one's compared version: the same commits (dates, subjects) in the order `import-ota`
    reads them (`git log --reverse --no-merges`), written with `git fast-import`."""
    wanted = {d.expected_markdown: d.version_commit for d in docs}
    log = subprocess.run(
        ["git", "-c", "core.quotePath=false", "-C", str(clone), "log", "--reverse", "--no-merges",
         "--raw", "--no-abbrev", "--no-renames", "--format=%x00%H%x09%ct%x09%s"],
        capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")  # fmt: skip
    done: set[str] = set()
    stream: list[bytes] = []
    commits = versions = 0
    for chunk in log.split("\0")[1:]:
        header, _, raw = chunk.partition("\n")
        sha, stamp, subject = (header.split("\t", 2) + ["", ""])[:3]
        changes = []
        for line in raw.splitlines():
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if not line.startswith(":") or fields[4][0] not in "AMT":
                continue
            if path in wanted and path not in done:
                changes.append((fields[3], path))
                if sha == wanted[path]:
                    done.add(path)
        if not changes:
            continue
        commits += 1
        versions += len(changes)
        message = subject.encode("utf-8") + b"\n"
        stream.append(b"commit refs/heads/onboarding\n")
        stream.append(f"committer OTA <versions@localhost> {stamp} +0000\n".encode())
        stream.append(b"data %d\n" % len(message) + message)
        stream += [f"M 100644 {blob} {path}\n".encode() for blob, path in changes]
        stream.append(b"\n")
    missing = sorted(set(wanted) - done)
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "init", "--quiet", "--bare", str(target)], check=True)
    alternates = target / "objects" / "info" / "alternates"
    alternates.write_text(str((clone / ".git" / "objects").resolve()) + "\n", encoding="utf-8")
    subprocess.run(
        ["git", "-C", str(target), "fast-import", "--quiet"],
        input=b"".join(stream), check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["git", "-C", str(target), "symbolic-ref", "HEAD", "refs/heads/onboarding"], check=True
    )
    return {"commits": commits, "versions": versions, "documents_cut_short": missing}


# ---------------------------------------------------------------- snapshot facts for the classes


def snapshot_texts(corpus: Path, doc: Doc, terms: dict[str, Any]) -> tuple[str, str]:
    """(words of the elements the `remove` selectors match, words of every list), each element
    a segment of a string as `mostly_in` wants, over the document's HTML snapshots."""
    from lxml import etree
    from lxml import html as lxml_html
    from lxml.cssselect import CSSSelector

    def words_of(el: Any) -> str:
        return " ".join(visible_words(" ".join(el.itertext())))

    removed: list[str] = []
    lists: list[str] = []
    sources = terms.get("combine") or [terms]
    for snap, source in zip(doc.snapshots, sources, strict=False):
        if snap.mime != "text/html":
            continue
        try:
            tree = lxml_html.fromstring((corpus / snap.file).read_bytes())
        except (etree.ParserError, ValueError):
            continue
        for el in list(tree.iter("script", "style", "noscript", "template")):
            el.drop_tree()  # not text a reader sees (the product drops them too)
        remove = source.get("remove", terms.get("remove", []))
        for selector in remove if isinstance(remove, list) else [remove]:
            if not isinstance(selector, str):
                continue  # range selectors: not worth re-implementing here
            try:
                matches = CSSSelector(selector, translator="html")(tree)
            except Exception:  # cssselect lacks some pseudo-classes
                continue
            removed += [words_of(el) for el in matches]
        # whole lists, not only <li>: text written straight into <ol>/<ul> is text too
        lists += [words_of(el) for el in tree.iter("ol", "ul")]
    # joined in document order without a separator: a block may run across adjacent elements
    return f" {' '.join(removed)} ", f" {' '.join(lists)} "


_PROTOCOL_RELATIVE = re.compile(r"""\bhref\s*=\s*["']?//([^"'\s>]+)""", re.I)


def protocol_relative_links(corpus: Path, doc: Doc) -> set[str]:
    """The links (without their `//`) written protocol-relative in the document's HTML snapshots
    that were fetched over https: the real page resolves them to https, the loopback copy this
    evaluation serves over http to http."""
    links: set[str] = set()
    for snap in doc.snapshots:
        if snap.mime == "text/html" and snap.url.startswith("https:"):
            raw = (corpus / snap.file).read_bytes().decode("utf-8", "replace")
            links.update(html.unescape(m) for m in _PROTOCOL_RELATIVE.findall(raw))
    return links


def https_where_protocol_relative(text: str, links: set[str]) -> str:
    """`text` with the links `protocol_relative_links` names written https, as ClauseWatch writes
    them when it fetches the real https page (undoes an artefact of serving on loopback)."""
    if not links:
        return text
    return re.sub(
        r"\]\(http://([^()\s]+)\)",
        lambda m: f"](https://{m[1]})" if m[1] in links else m[0],
        text,
    )


# ---------------------------------------------------------------- one document's comparison


@dataclass
class Result:
    service: str
    terms_type: str
    round: int
    outcome: str
    refused: bool
    reason: str | None
    message: str
    warnings: list[str]
    declaration_source: str
    combined: bool
    pdf: bool
    ota_words: int
    our_words: int = 0
    ws_exact: bool = False
    folded_exact: bool = False
    same_words: bool = False
    similarity: float | None = None
    similarity_unfolded: float | None = None
    lost: int = 0
    extra: int = 0
    cls: str | None = None
    class_words: dict[str, int] = field(default_factory=dict)
    class_lost: dict[str, int] = field(default_factory=dict)  # words lost, by class
    # (all, one-word) paragraphs: OTA's, ours
    paragraphs: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    samples: list[dict[str, Any]] = field(default_factory=list)
    # differs only in OTA_SIDE classes (every block), or is an OTA_SIDE document class
    ota_side_only: bool = False

    @property
    def lost_pct(self) -> float | None:
        return 100.0 * self.lost / self.ota_words if self.ota_words else None

    @property
    def extra_pct(self) -> float | None:
        return 100.0 * self.extra / self.ota_words if self.ota_words else None


def _paragraphs(text: str) -> tuple[int, int]:
    """(paragraphs, paragraphs of a single word): blank-line separated blocks."""
    blocks = [b for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    return len(blocks), sum(1 for b in blocks if len(b.split()) == 1)


def _word_per_paragraph(ota: tuple[int, int], ours: tuple[int, int]) -> bool:
    """Are most of our paragraphs a single word, and that share over twice OTA's?"""
    (ota_all, ota_one), (our_all, our_one) = ota, ours
    return our_all > 0 and our_one > 0.5 * our_all and our_one * ota_all > 2 * ota_one * our_all


def compare(corpus: Path, doc: Doc, stored: Stored, ota_md: str) -> Result:
    if doc.combined:
        ota_md = uncombine(ota_md)
    ota = visible_words(ota_md)
    refused = stored.text is None or not stored.text.strip()
    r = Result(
        doc.service, doc.terms_type, stored.round, stored.outcome, refused, stored.reason,
        stored.message, stored.warnings, stored.declaration_source, doc.combined, doc.pdf, len(ota),
    )  # fmt: skip
    if refused:
        r.lost = len(ota)
        if stored.outcome != "failed":
            r.reason = r.reason or "nothing_stored"
        if r.reason == "selector_not_found" and not doc.pdf and len(ota) <= CORRECT_REFUSAL_WORDS:
            r.cls = "refusal_correct"
            r.class_words = r.class_lost = {"refusal_correct": len(ota)}
            r.ota_side_only = True
        return r
    ours_md = uncombine(stored.text or "") if doc.combined else stored.text or ""
    ours_md = https_where_protocol_relative(ours_md, protocol_relative_links(corpus, doc))
    ours = visible_words(ours_md)
    folded_ota, folded_ours = fold_markdown(ota_md), fold_markdown(ours_md)
    r.our_words = len(ours)
    r.ws_exact = normalise_ws(ota_md) == normalise_ws(ours_md)
    r.folded_exact = r.ws_exact or folded_ota == folded_ours
    r.same_words = ota == ours
    r.similarity = similarity(folded_ota, folded_ours)
    r.similarity_unfolded = similarity(normalise_ws(ota_md), normalise_ws(ours_md))
    blocks = word_diff(ota, ours)
    r.lost, r.extra = sum(b.lost for b in blocks), sum(b.extra for b in blocks)
    r.paragraphs = (_paragraphs(ota_md), _paragraphs(ours_md))
    if r.folded_exact:
        return r
    if doc.pdf and _word_per_paragraph(*r.paragraphs):
        r.cls = "pdf_word_per_paragraph"
    if not blocks:
        r.cls = classify_same_words(ota_md, ours_md, js_filter=doc.uses_js_filters)
        r.class_words = {r.cls: 0}
        r.ota_side_only = r.cls in OTA_SIDE
        return r
    if len(ota) < 0.2 * len(ours):
        r.cls = "ota_short"
        r.class_words = {"ota_short": r.lost + r.extra}
        r.class_lost = {"ota_short": r.lost}
        r.ota_side_only = True
        return r
    _name, terms, _source = declaration_in_force(corpus, doc)
    removed, items = snapshot_texts(corpus, doc, terms)
    words: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    ota_joined = f" {' '.join(ota)} " if doc.pdf else ""
    for block in blocks:
        cls = classify_block(
            block, ota, ours, pdf=doc.pdf, removed_texts=removed, list_texts=items,
            ota_joined=ota_joined,
        )  # fmt: skip
        words[cls] += block.lost + block.extra
        lost[cls] += block.lost
        if len(r.samples) < 8 and block.lost + block.extra >= 1:
            r.samples.append(
                {
                    "class": cls,
                    "ota": " ".join(ota[block.a0 : min(block.a1, block.a0 + 12)]),
                    "ours": " ".join(ours[block.b0 : min(block.b1, block.b0 + 12)]),
                    "lost": block.lost,
                    "extra": block.extra,
                }
            )
    r.class_words = dict(words.most_common())
    r.class_lost = {k: v for k, v in lost.most_common() if v}
    r.cls = r.cls or words.most_common(1)[0][0]
    r.ota_side_only = set(r.class_words) <= OTA_SIDE
    if doc.pdf and not r.ota_side_only and markup_only(ota_md, ours_md):
        r.cls, r.ota_side_only = "ota_pdf_reflowed", True
        r.class_lost = {"ota_pdf_reflowed": r.lost}
    return r


# ---------------------------------------------------------------- onboarding

EVENT_CAUSES: dict[str, str] = {
    "loopback_links": "only link targets differ, and only because the page was served on loopback",
    "style": "the same text once Markdown style, link targets and <br> are folded (the event's "
    "text is in the other version, written differently)",
    "words": "the visible words differ (what the capture comparison above counts)",
}


@lru_cache(maxsize=64)  # each document's two full texts are read once per event otherwise
def reading(text: str) -> str:
    """What a reader sees of a Markdown text: folded, links as their text, `<br>` as a space."""
    return normalise_ws(_BR.sub(" ", links_as_text(fold_markdown(text))))


def event_cause(event: dict[str, Any], ota_md: str, ours_md: str, origins: Origins) -> str:
    """Why a substantive event of the onboarding check exists (see EVENT_CAUSES). `ota_md` is
    the imported version (OTA's), `ours_md` the version the check stored (original origins)."""
    before = ((event.get("before") or {}).get("text") or "").strip()
    after = origins.map_back(((event.get("after") or {}).get("text") or "").strip())
    raw_after = ((event.get("after") or {}).get("text") or "").strip()
    if before and after and raw_after != after and normalise_ws(before) == normalise_ws(after):
        return "loopback_links"
    if before and after:
        return "style" if reading(before) == reading(after) else "words"
    text, other = (after, ota_md) if after else (before, ours_md)
    return "style" if reading(text) in reading(other) else "words"


def onboarding(
    corpus: Path,
    clone: Path,
    docs: list[Doc],
    rounds: list[list[Doc]],
    origins: Origins,
    folder: Path,
    env: dict[str, str],
    timings: Timings,
    texts: dict[tuple[str, str], tuple[str, str | None]],
) -> dict[str, Any]:
    """The onboarding test; `texts` holds (OTA's version, the capture phase's stored text)."""
    project = Project(folder, env, timings)
    settings = project.init(subscriber_plan=True)
    history = history_until_versions(clone, docs, folder / "ota-history.git")
    services = sorted({d.service_id for d in docs})
    args = ["import-ota", str(folder / "ota-history.git")]
    for service in services:
        args += ["--service", service]
    m = project.run(*args, "--json")
    imported = _json(m) or {"error": _last_line(m)}
    imported["wall_seconds"], imported["cpu_seconds"] = round(m.wall, 1), round(m.cpu, 1)
    print(
        f"  import-ota: {imported.get('versions')} versions of {imported.get('documents')} "
        f"documents in {m.wall:.1f} s",
        flush=True,
    )
    sub = project.run("subscribe", SUBSCRIBER, "--plan", "eval")
    check_started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stored, _validations = check_rounds(
        project, corpus, rounds, origins, show=False, label="onboarding"
    )
    since = check_started.isoformat()
    events = _json(project.run("changes", "--since", since, "--include-editorial", "--json")) or []
    counts: dict[tuple[str, str], Counter[str]] = {d.key: Counter() for d in docs}
    samples: list[dict[str, Any]] = []
    for e in events:
        key = (e["service"], e["terms_type"])
        c = counts.setdefault(key, Counter())
        if e["editorial"] or e["kind"] in ("flapping", "moved"):  # not substantive: no alert
            c["other"] += 1
            continue
        c["substantive"] += 1
        ota_md, ours_md = texts.get(key, ("", None))
        cause = event_cause(e, ota_md, ours_md or "", origins)
        c[cause] += 1
        if cause == "words" and len(samples) < 40:
            samples.append(
                {
                    "service": e["service"],
                    "terms_type": e["terms_type"],
                    "kind": e["kind"],
                    "categories": e["categories"],
                    "before": ((e.get("before") or {}).get("text") or "")[:200],
                    "after": origins.map_back((e.get("after") or {}).get("text") or "")[:200],
                }
            )
    outbox, alert_items = _outbox_counts(project.database)
    rows: list[dict[str, Any]] = []
    for doc in docs:
        s = stored.get(doc.key, Stored())
        c = counts.get(doc.key, Counter())
        rows.append(
            {"service": doc.service, "terms_type": doc.terms_type, "outcome": s.outcome,
             "reason": s.reason, "substantive_events": c["substantive"],
             **{f"substantive_{cause}": c[cause] for cause in EVENT_CAUSES},
             "other_events": c["other"], "alert_items": alert_items.get(doc.key, 0)}
        )  # fmt: skip
    total = {
        "documents": len(rows),
        "checked": sum(1 for r in rows if r["outcome"] in ("new", "changed", "unchanged")),
        "unchanged": sum(1 for r in rows if r["outcome"] == "unchanged"),
        "failed": sum(1 for r in rows if r["outcome"] == "failed"),
        "documents_with_substantive_events": sum(1 for r in rows if r["substantive_events"]),
        "documents_with_word_events": sum(1 for r in rows if r["substantive_words"]),
        "substantive_events": sum(r["substantive_events"] for r in rows),
        **{f"substantive_{c}": sum(r[f"substantive_{c}"] for r in rows) for c in EVENT_CAUSES},
        "other_events": sum(r["other_events"] for r in rows),
        "alert_items": sum(alert_items.values()),
        "alert_messages": outbox.get("alert", 0),
    }
    return {
        "settings": settings,
        "history_repository": history,
        "import": imported,
        "subscriber": SUBSCRIBER if sub.ok else f"not subscribed: {_last_line(sub)}",
        "check_started": check_started.isoformat() + "Z",
        "event_causes": EVENT_CAUSES,
        "documents": rows,
        "outbox": outbox,
        "totals": total,
        "word_event_samples": samples,
    }


def _outbox_counts(database: Path) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Outbox messages by kind, and alert items (subscriber x change) per document."""
    if not database.exists():
        return {}, {}
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        outbox = dict(con.execute("SELECT kind, COUNT(*) FROM outbox GROUP BY kind").fetchall())
        items = {
            (service, terms_type): n
            for service, terms_type, n in con.execute(
                "SELECT d.service_id, d.terms_type, COUNT(*) FROM alert_items a "
                "JOIN changes c ON c.id = a.change_id JOIN documents d ON d.id = c.document_id "
                "GROUP BY d.service_id, d.terms_type"
            )
        }
    finally:
        con.close()
    return outbox, items


# ---------------------------------------------------------------- report


def _pct(n: int, total: int) -> str:
    return f"{n} ({100.0 * n / total:.1f} %)" if total else "0"


def totals(results: Sequence[Result]) -> dict[str, Any]:
    n = len(results)
    compared = [r for r in results if not r.refused]
    ota_words = sum(r.ota_words for r in results)
    ota_compared = sum(r.ota_words for r in compared)
    sims = [r.similarity for r in compared if r.similarity is not None]
    return {
        "documents": n,
        "refused": sum(r.refused for r in results),
        "ws_exact": sum(r.ws_exact for r in results),
        "folded_exact": sum(r.folded_exact for r in results),
        "same_words": sum(r.same_words for r in results),
        "same_words_or_ota_side": sum(r.same_words or r.ota_side_only for r in results),
        "folded_exact_or_ota_side": sum(r.folded_exact or r.ota_side_only for r in results),
        "differing_unexplained": sum(
            not r.folded_exact and (not r.cls or "other" in r.class_words) for r in results
        ),
        "refused_correctly": sum(r.cls == "refusal_correct" for r in results),
        "similarity_mean": round(sum(sims) / len(sims), 4) if sims else None,
        "similarity_median": round(median(sims), 4) if sims else None,
        "ota_words": ota_words,
        "lost_words": sum(r.lost for r in results),
        "lost_pct_of_ota_words": round(100.0 * sum(r.lost for r in results) / ota_words, 2)
        if ota_words
        else None,
        "lost_pct_compared_only": round(100.0 * sum(r.lost for r in compared) / ota_compared, 2)
        if ota_compared
        else None,
        "lost_words_not_ota_side": sum(
            r.lost - sum(v for k, v in r.class_lost.items() if k in OTA_SIDE) for r in results
        ),
        "extra_words": sum(r.extra for r in results),
        "extra_pct_of_ota_words": round(100.0 * sum(r.extra for r in results) / ota_words, 2)
        if ota_words
        else None,
        "classes": dict(Counter(r.cls for r in results if r.cls).most_common()),
        "class_words": dict(
            sum((Counter(r.class_words) for r in results), Counter()).most_common()
        ),
        "refusal_reasons": dict(Counter(r.reason or "?" for r in results if r.refused)),
    }


def print_report(
    results: Sequence[Result], tot: dict[str, Any], onboard: dict[str, Any] | None
) -> None:
    def yn(flag: bool, refused: bool) -> str:
        return "-" if refused else ("yes" if flag else "no")

    print_table(
        "Per document (ours vs OTA's version of the same bytes)",
        ["service", "type", "refused", "ws-exact", "folded", "same-words", "similarity",
         "lost %", "extra %", "class"],
        [
            [r.service, r.terms_type, r.reason if r.refused else "no",
             yn(r.ws_exact, r.refused), yn(r.folded_exact, r.refused), yn(r.same_words, r.refused),
             r.similarity, None if r.refused else r.lost_pct, None if r.refused else r.extra_pct,
             r.cls or ""]
            for r in results
        ],
    )  # fmt: skip
    n = tot["documents"]
    print_table(
        "Totals",
        ["measure", "value"],
        [
            ["documents", n],
            ["refused", _pct(tot["refused"], n)],
            ["  of which rightly (the page holds no document)", tot["refused_correctly"]],
            ["exact after whitespace normalisation", _pct(tot["ws_exact"], n)],
            ["exact after folding Markdown style", _pct(tot["folded_exact"], n)],
            ["  adjusted: or differing only where OTA's text departs from the page (OTA_SIDE)", _pct(tot["folded_exact_or_ota_side"], n)],
            ["same visible words in the same order", _pct(tot["same_words"], n)],
            ["  adjusted: or differing only where OTA's text departs from the page (OTA_SIDE)", _pct(tot["same_words_or_ota_side"], n)],
            ["character similarity, mean / median", f"{tot['similarity_mean']} / {tot['similarity_median']}"],
            ["OTA's visible words", tot["ota_words"]],
            ["words lost (refused documents count whole)", f"{tot['lost_words']} ({tot['lost_pct_of_ota_words']} %)"],
            ["words lost, compared documents only", f"{tot['lost_pct_compared_only']} %"],
            ["words lost outside the OTA_SIDE classes", f"{tot['lost_words_not_ota_side']} ({100.0 * tot['lost_words_not_ota_side'] / max(tot['ota_words'], 1):.3f} %)"],
            ["words extra", f"{tot['extra_words']} ({tot['extra_pct_of_ota_words']} %)"],
            ["refusal reasons", ", ".join(f"{k} {v}" for k, v in tot["refusal_reasons"].items()) or "-"],
            ["differing documents without a class (class `other` in a block)", tot["differing_unexplained"]],
        ],
    )  # fmt: skip
    print_table(
        "Documents still differing after folding, each with its class (side: OTA = OTA's text "
        "departs from the page, ours = ClauseWatch's text differs; words per class in all blocks)",
        ["service", "type", "main class", "side", "classes (words)"],
        [
            [r.service, r.terms_type, r.cls or "?", "OTA" if r.ota_side_only else "ours",
             ", ".join(f"{k} {v}" for k, v in r.class_words.items())]
            for r in results
            if not r.folded_exact
        ],
    )  # fmt: skip
    print_table(
        "Classes of the remaining differences (documents by main class; words in all blocks)",
        ["class", "documents", "words", "meaning"],
        [
            [cls, tot["classes"].get(cls, 0), tot["class_words"].get(cls, 0), CLASSES[cls]]
            for cls in CLASSES
            if cls in tot["classes"] or cls in tot["class_words"]
        ],
    )
    if onboard is None:
        return
    print_table(
        "Onboarding: import-ota history, then check the same snapshots (substantive events by "
        "cause: loopback links / style / words)",
        ["service", "type", "outcome", "substantive", "loopback", "style", "words", "other",
         "alert items"],
        [
            [r["service"], r["terms_type"], r["outcome"], r["substantive_events"],
             r["substantive_loopback_links"], r["substantive_style"], r["substantive_words"],
             r["other_events"], r["alert_items"]]
            for r in onboard["documents"]
        ],
    )  # fmt: skip
    t, n = onboard["totals"], onboard["totals"]["documents"]
    print_table(
        "Onboarding totals",
        ["measure", "value"],
        [
            ["versions imported (cut at the compared versions)", onboard["import"].get("versions")],
            ["documents checked", f"{t['checked']} of {n} ({t['failed']} failed)"],
            ["unchanged against the imported version", t["unchanged"]],
            ["documents with substantive events", _pct(t["documents_with_substantive_events"], n)],
            ["substantive change events", t["substantive_events"]],
            ["  of which loopback links only (artefact)", t["substantive_loopback_links"]],
            ["  of which Markdown style only", t["substantive_style"]],
            ["  of which different words", t["substantive_words"]],
            ["documents with different-words events", _pct(t["documents_with_word_events"], n)],
            ["editorial / flapping / moved events", t["other_events"]],
            ["alert items (subscriber x change)", t["alert_items"]],
            ["alert messages queued (outbox, one per check run)", t["alert_messages"]],
            ["subscriber", onboard["subscriber"]],
        ],
    )  # fmt: skip


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip())
    parser.add_argument("--service", action="append", default=[], help="only this service")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR / "eval-capture",
                        help="where the bundle's clone is kept between runs")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    parser.add_argument("--json", dest="json_out", type=Path, help="write everything here")
    parser.add_argument("--no-onboarding", action="store_true", help="skip the onboarding test")
    args = parser.parse_args(argv)

    corpus, bundle = args.data / CORPUS_NAME, args.data / BUNDLE_NAME
    for path in (corpus / "manifest.jsonl", bundle):
        if not path.exists():
            print(f"error: {path}: not found (pass --data DIR, the shared data folder)")
            return 2
    docs = load_manifest(corpus, args.service)
    if not docs:
        print(f"error: no document of {', '.join(args.service)} in {corpus / 'manifest.jsonl'}")
        return 2
    started = time.perf_counter()
    env = clausewatch_env()
    probe = run_quiet([python_exe(), "-c", "import monitor; print(monitor.__file__)"], env=env)
    print(f"ClauseWatch under test: {probe.stdout.strip() or probe.stderr.strip()}")
    clone = ensure_clone(bundle, args.cache, {d.version_commit for d in docs})
    rounds = plan_rounds(docs)
    origins_needed = {_origin(s.url) for d in docs for s in d.snapshots}
    print(
        f"{len(docs)} documents of {len({d.service for d in docs})} services, "
        f"{sum(len(d.snapshots) for d in docs)} snapshots on {len(origins_needed)} origins, "
        f"{len(rounds)} rounds"
    )
    timings: Timings = defaultdict(float)
    work = Path(tempfile.mkdtemp(prefix="cw-eval-capture-"))
    try:
        with Origins(origins_needed) as origins:
            project = Project(work / "capture", env, timings)
            settings = project.init(subscriber_plan=False)
            stored, validations = check_rounds(
                project, corpus, rounds, origins, show=True, label="capture"
            )
            for doc in docs:  # a reason for every refusal, from the history if the check gave none
                s = stored[doc.key]
                if s.text is None and s.outcome == "failed" and not s.reason:
                    s.reason, s.message = failure_from_history(project, doc)
            ota_by_key = {d.key: ota_text(clone, d) for d in docs}
            results = [compare(corpus, d, stored[d.key], ota_by_key[d.key]) for d in docs]
            if args.keep:
                _write_texts(work / "texts", docs, stored, clone)
            onboard = None
            if not args.no_onboarding:
                texts = {d.key: (ota_by_key[d.key], stored[d.key].text) for d in docs}
                onboard = onboarding(
                    corpus, clone, docs, rounds, origins, work / "onboarding", env, timings, texts
                )
            misses = list(origins.misses)
        tot = totals(results)
        tot["declarations_renamed_documents_to_terms"] = sum(d.vocabulary != "terms" for d in docs)
        print_report(results, tot, onboard)
        wall = time.perf_counter() - started
        print(
            f"\nrenamed `documents` to `terms`: {tot['declarations_renamed_documents_to_terms']} "
            f"document(s); requests for paths not served: {len(misses)}; "
            f"wall {wall:.0f} s (children: "
            + ", ".join(
                f"{k} {v:.0f} s"
                for k, v in sorted(timings.items(), key=lambda kv: -kv[1])
                if "CPU" not in k
            )
            + ")"
        )
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
            "settings": settings,
            "rounds": [[f"{d.service_id}/{d.terms_type}" for d in r] for r in rounds],
            "validate": validations,
            "totals": tot,
            "documents": [asdict(r) | {"lost_pct": r.lost_pct, "extra_pct": r.extra_pct} for r in results],
            "onboarding": onboard,
            "unserved_requests": misses[:200],
            "wall_seconds": round(wall, 1),
            "child_seconds": {k: round(v, 1) for k, v in timings.items()},
        }  # fmt: skip
        if args.json_out:
            out = args.json_out.expanduser().absolute()
            out.parent.mkdir(parents=True, exist_ok=True)
            write_json(out.parent, out.name, report)
            print(f"JSON: {out}")
    finally:
        if args.keep:
            print(f"projects kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _write_texts(
    folder: Path, docs: Sequence[Doc], stored: dict[tuple[str, str], Stored], clone: Path
) -> None:
    """With --keep: both texts side by side for reading (in the temporary folder only)."""
    for doc in docs:
        target = folder / doc.service_id
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{doc.terms_type}.ota.md").write_text(ota_text(clone, doc), encoding="utf-8")
        text = stored[doc.key].text
        if text is not None:
            (target / f"{doc.terms_type}.ours.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
