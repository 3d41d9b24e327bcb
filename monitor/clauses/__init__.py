"""Clause extraction: segment a version, classify clauses into the taxonomy, read their facts.

Public API::

    extract_provisions(text, terms_type, known=None) -> list[ClassifiedClause]
    known_clauses(text, provisions) -> what extract_provisions may reuse of another text
    classify_text(line) -> ClassifiedClause
    anchor_for(cc, category=None) -> str
    similarity(a_text, b_text) -> float
    segment(text) -> list[Clause]
    extract_facts(text, categories) -> list[Fact]
    check_document_type(text, terms_type) -> DocTypeResult
    load_taxonomy() -> Taxonomy
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import lru_cache

from monitor.clauses.classify import MIN_CONFIDENCE, analyse_many, context_categories, with_context
from monitor.clauses.doctype import DocTypeResult, check_document_type
from monitor.clauses.facts import extract_facts
from monitor.clauses.segment import segment
from monitor.clauses.taxonomy import Category, Taxonomy, load_taxonomy
from monitor.models import Classification, ClassifiedClause, Clause, Fact

__all__ = [
    "Category",
    "DocTypeResult",
    "Taxonomy",
    "anchor_for",
    "check_document_type",
    "clear_cache",
    "classify_text",
    "extract_facts",
    "extract_provisions",
    "known_clauses",
    "load_taxonomy",
    "segment",
    "similarity",
]


# The history importer and the checker classify the same clause texts over thousands of versions:
# classification depends on the text alone, so it is cached (bounded LRU; the lock guards only
# the bookkeeping, and the cached values are immutable tuples of frozen dataclasses). A
# document's new clauses are classified together, so the model scores them in one batch.
CLASSIFY_CACHE_SIZE = 16384

# categories, their facts, and the candidates a heading or document type may confirm
_Result = tuple[tuple[Classification, ...], tuple[Fact, ...], tuple[Classification, ...]]
_CACHE: OrderedDict[str, _Result] = OrderedDict()
_LOCK = threading.Lock()


def _classify_texts(texts: Iterable[str]) -> dict[str, _Result]:
    """Categories and facts of each distinct text, from the cache or classified together."""
    out: dict[str, _Result] = {}
    missing: dict[str, None] = {}
    with _LOCK:
        for text in texts:
            if text in out:
                continue
            got = _CACHE.get(text)
            if got is None:
                missing[text] = None
            else:
                _CACHE.move_to_end(text)
                out[text] = got
    if not missing:
        return out
    new: dict[str, _Result] = {}
    for text, analysis in zip(missing, analyse_many(list(missing)), strict=True):
        cats = [c for c in analysis.categories if c.confidence >= MIN_CONFIDENCE]
        weaker = [c for c in analysis.categories if c.confidence < MIN_CONFIDENCE]
        facts = extract_facts(text, cats) if cats else []
        new[text] = (tuple(cats), tuple(facts), (*weaker, *analysis.candidates))
    with _LOCK:
        for text, got in new.items():
            _CACHE[text] = got
            _CACHE.move_to_end(text)
        while len(_CACHE) > CLASSIFY_CACHE_SIZE:
            _CACHE.popitem(last=False)
    out.update(new)
    return out


def _classified(clause: Clause, result: _Result, terms_type: str = "") -> ClassifiedClause:
    """The clause with its categories, confirmed by its headings and document type, and facts."""
    cats, facts, candidates = result
    context = context_categories(clause.heading_path, terms_type) if cats or candidates else None
    if context and any(c.category in context for c in (*cats, *candidates)):
        found = with_context(cats, candidates, context)
        if {c.category for c in found} != {c.category for c in cats}:
            facts = tuple(extract_facts(clause.text, found))
        cats = tuple(found)
    return ClassifiedClause(clause, list(cats), list(facts))


def clear_cache() -> None:
    """Forget cached classifications (after swapping the model or the rules)."""
    with _LOCK:
        _CACHE.clear()


# a clause as `extract_provisions` reads it: its text and headings (with the document type, all
# its classification depends on)
ClauseKey = tuple[str, tuple[str, ...]]


def extract_provisions(
    text: str,
    terms_type: str = "",
    *,
    known: Mapping[ClauseKey, ClassifiedClause | None] | None = None,
) -> list[ClassifiedClause]:
    """Clauses of a version that carry at least one category, with their facts attached.

    A clause's text decides its categories; its headings and ``terms_type`` (the document type,
    e.g. "Acceptable Use Policy") support categories it already has some evidence for. Every
    category carries a confidence (at least ``classify.MIN_CONFIDENCE``) to filter on.

    ``known``: clauses of another text of the same ``terms_type`` already classified, by
    (text, heading path): the classified clause, or None for one without categories (see
    `known_clauses`); a clause found there is taken from it, not classified again.
    """
    clauses = segment(text)
    known = known or {}
    results = _classify_texts(
        dict.fromkeys(c.text for c in clauses if (c.text, c.heading_path) not in known)
    )
    out: list[ClassifiedClause] = []
    for clause in clauses:
        key = (clause.text, clause.heading_path)
        if key in known:
            seen = known[key]
            if seen is not None:
                out.append(ClassifiedClause(clause, list(seen.categories), list(seen.facts)))
            continue
        result = results[clause.text]
        if result[0] or result[2]:
            cc = _classified(clause, result, terms_type)
            if cc.categories:
                out.append(cc)
    return out


def known_clauses(
    text: str, provisions: list[ClassifiedClause]
) -> dict[ClauseKey, ClassifiedClause | None]:
    """`extract_provisions`' ``known`` from a text and its provisions (that function's result)."""
    known: dict[ClauseKey, ClassifiedClause | None] = {
        (c.text, c.heading_path): None for c in segment(text)
    }
    for cc in provisions:
        known[(cc.clause.text, cc.clause.heading_path)] = cc
    return known


def classify_text(line: str) -> ClassifiedClause:
    """Classify free text as one clause (offsets relative to ``line``)."""
    clause = Clause(0, (), line, 0, len(line))
    return _classified(clause, _classify_texts((line,))[line])


# ---------------------------------------------------------------- identity

_WORD = re.compile(r"[a-z0-9]+")
_SECTION_NO = re.compile(r"^\s*(?:section\s+|article\s+|§\s*)?[0-9ivxlc]+(?:\.[0-9]+)*\.?\s+", re.I)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "of",
        "on",
        "or",
        "our",
        "shall",
        "such",
        "that",
        "the",
        "their",
        "these",
        "this",
        "to",
        "us",
        "we",
        "will",
        "with",
        "you",
        "your",
    ]
)


def _norm_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return _WORD.findall(text)


@lru_cache(maxsize=4096)
def _sig_tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _norm_tokens(text) if t not in _STOP and len(t) > 1)


def anchor_for(cc: ClassifiedClause, category: str | None = None) -> str:
    """A short normalised anchor: category | heading tail (no section number) | first words.

    `category` names the provision when a clause carries several (each is its own provision);
    by default the clause's main category is used.

    Stable across renumbering, whitespace, case and punctuation changes; the store matches anchors
    fuzzily (see :func:`similarity`) to survive rewording.
    """
    if category is None:
        cats = sorted(cc.categories, key=lambda c: (-int(c.unfair), -c.confidence, c.category))
        category = cats[0].category if cats else "uncategorised"
    heading = cc.clause.heading_path[-1] if cc.clause.heading_path else ""
    heading = _SECTION_NO.sub("", heading)
    head = "-".join(_norm_tokens(heading)[:6])
    words = [t for t in _norm_tokens(cc.clause.text) if t not in _STOP and not t.isdigit()][:6]
    return f"{category}|{head}|{' '.join(words)}"


def similarity(a_text: str, b_text: str) -> float:
    """Token-set similarity in [0, 1] of two clause texts (Jaccard over significant tokens)."""
    a = _sig_tokens(a_text)
    b = _sig_tokens(b_text)
    if not a and not b:
        return 1.0 if a_text.strip() == b_text.strip() else 0.0
    return len(a & b) / len(a | b)
