"""Does a version look like the declared kind of document (Open Terms Archive terms types)?

Scores the density of legal vocabulary typical of the declared type (per 1,000 words) against
signs of a wrong capture: a marketing or home page, a pricing table, a login or sign-up form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DocTypeResult", "check_document_type", "clear_caches", "TYPE_KEYWORDS"]


@dataclass(frozen=True)
class DocTypeResult:
    ok: bool
    reason: str
    score: float  # keyword hits per 1,000 words for the declared type (after penalties)


_GENERIC_LEGAL = (
    r"terms|agreement|liabilit\w*|warrant\w*|indemnif\w*|governing law|jurisdiction|arbitration|"
    r"hereby|pursuant|thereof|herein|shall|party|parties|breach|termination|notice|licen[cs]e\w*|"
    r"intellectual property|applicable law|accordance|obligations?|rights?|consent|provisions?"
)
TYPE_KEYWORDS: dict[str, str] = {
    "terms of service": _GENERIC_LEGAL,
    "privacy policy": r"personal (?:data|information)|privacy|process\w*|controller|processor|gdpr|"
    r"cookies?|retain|retention|delete|erasure|rights?|consent|third[- ]part\w+|disclos\w+|collect\w*|"
    r"data protection|legitimate interests?|access|rectif\w+|opt[- ]out|ccpa|transfer\w*",
    "acceptable use policy": r"prohibit\w*|must not|may not|not (?:use|permitted|allowed)|unlawful|"
    r"illegal|harm\w*|abus\w+|violat\w+|content|harass\w*|fraud\w*|malware|spam|exploit\w*|policy|"
    r"weapons?|minors?|sexual|misuse|enforce\w*",
    "pricing": r"price|pricing|\$|€|£|per month|per year|/mo|monthly|annual\w*|plan|plans|tier|"
    r"credits?|subscribe|subscription|billing|billed|free|pro|enterprise|tokens?|usage",
    "data processor agreement": r"processor|controller|sub-?processors?|personal data|processing|"
    r"gdpr|data subjects?|standard contractual clauses|security|breach|audit|instructions|"
    r"supervisory authority|annex|schedule|technical and organisational",
    "trackers policy": r"cookies?|trackers?|tracking|pixels?|local storage|analytics|consent|"
    r"browser|advertising|third[- ]part\w+|session|persistent|opt[- ]out|preferences",
    "community guidelines": r"community|respect\w*|harass\w*|hate|violen\w+|prohibit\w*|content|"
    r"spam|report\w*|ban\w*|remov\w+|guidelines|behaviou?r|abuse|safety",
    "copyright claims policy": r"copyright|infring\w+|dmca|notice|counter[- ]notice|takedown|"
    r"designated agent|repeat infringers?|good faith|penalty of perjury|claims?",
    "service level agreement": r"uptime|availability|service credits?|downtime|monthly|"
    r"percentage|%|exclusions?|maintenance|incident|response time|support|sla",
}
_ALIASES = {
    "terms of use": "terms of service",
    "terms and conditions": "terms of service",
    "general conditions of use": "terms of service",
    "commercial terms": "terms of service",
    "developer terms": "terms of service",
    "api terms": "terms of service",
    "user terms": "terms of service",
    "platform to business notice": "terms of service",
    "in-app purchases policy": "terms of service",
    "closing policy": "terms of service",
    "business privacy policy": "privacy policy",
    "privacy notice": "privacy policy",
    "usage policy": "acceptable use policy",
    "use policy": "acceptable use policy",
    "content policy": "acceptable use policy",
    "data processing agreement": "data processor agreement",
    "dpa": "data processor agreement",
    "cookie policy": "trackers policy",
    "cookies policy": "trackers policy",
    "pricing page": "pricing",
    "price list": "pricing",
    "copyright policy": "copyright claims policy",
}
# minimum density of type keywords per 1,000 words
_MIN_DENSITY = {"pricing": 15.0, "privacy policy": 20.0, "data processor agreement": 18.0}
_DEFAULT_MIN = 25.0

_LOGIN = re.compile(
    r"\b(?:log ?in|sign ?in|sign ?up|password|forgot (?:your )?password|remember me|create (?:an |your )?"
    r"account|continue with (?:google|apple|github|microsoft|email)|email address|one-time code|"
    r"verify you are human|captcha)\b",
    re.I,
)
_MARKETING = re.compile(
    r"\b(?:get started|try (?:it )?(?:for )?free|start (?:for )?free|book a demo|request a demo|"
    r"sign up free|learn more|start building|join (?:the )?waitlist|loved by|trusted by|testimonials?|"
    r"download (?:the )?app|see pricing|contact sales|watch (?:the )?video|try now|"
    r"supercharge|effortless\w*|seamless\w*|unlock|10x|in seconds|game[- ]chang\w+)\b",
    re.I,
)
_PRICE = re.compile(
    r"(?:[$€£]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:USD|EUR|GBP))(?:\s*/\s*(?:mo|month|yr|year))?|\bper (?:month|year|user)\b",
    re.I,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*")
_compiled: dict[str, re.Pattern[str]] = {}


def _canonical(terms_type: str) -> str:
    t = " ".join(terms_type.lower().split())
    return _ALIASES.get(t, t)


def _pattern(kind: str) -> re.Pattern[str]:
    pat = _compiled.get(kind)
    if pat is None:
        src = TYPE_KEYWORDS.get(kind, _GENERIC_LEGAL)
        if "$" in src:
            src = src.replace(r"\$|€|£|", "")
        pat = re.compile(rf"\b(?:{src})\b" if kind != "pricing" else rf"(?:{src})", re.I)
        _compiled[kind] = pat
    return pat


_SAMPLE_CHARS = 40_000
# Counts are summed over the sample's paragraphs (split at blank lines), each counted once and
# cached: successive versions of a document share most paragraphs. This is exact: no pattern
# above can match across two consecutive line breaks (literal spaces only, and `\s?` takes one
# character; the optional "/ month" suffix of a price can cross one but starts no match itself),
# and a word boundary at a paragraph's edge reads the same whether a newline or nothing is beside it.
# A paragraph seen for the first time is counted line by line (cached too: a long list whose
# links change in one item keeps its other lines), except for prices, which can cross a single
# line break ("$\n5", "5\nUSD", "$5\n/ month"); every other pattern matches no line break at all.
_PARAGRAPH_BREAK = "\n\n"
_COUNT_CACHE_SIZE = 32768


@lru_cache(maxsize=_COUNT_CACHE_SIZE)
def _paragraph_counts(part: str, kind: str) -> tuple[int, int, int, int, int, int, int]:
    totals = [0] * 6
    for line in part.split("\n"):
        if line:
            for i, n in enumerate(_line_counts(line, kind)):
                totals[i] += n
    words, cjk, kind_hits, login, marketing, legal = totals
    return (words, cjk, kind_hits, login, marketing, len(_PRICE.findall(part)), legal)


@lru_cache(maxsize=_COUNT_CACHE_SIZE)
def _line_counts(line: str, kind: str) -> tuple[int, int, int, int, int, int]:
    kind_pattern, legal_pattern = _pattern(kind), _pattern("terms of service")
    kind_hits = len(kind_pattern.findall(line))
    return (
        len(_WORDS.findall(line)),
        len(_CJK.findall(line)),
        kind_hits,
        len(_LOGIN.findall(line)),
        len(_MARKETING.findall(line)),
        # terms of service and their aliases: the same pattern twice, counted once
        kind_hits if kind_pattern == legal_pattern else len(legal_pattern.findall(line)),
    )


def clear_caches() -> None:
    """Forget the cached paragraph and line counts."""
    _paragraph_counts.cache_clear()
    _line_counts.cache_clear()


def _counts(sample: str, kind: str) -> list[int]:
    """[words, cjk, type keywords, login, marketing, prices, legal] found in `sample`."""
    totals = [0] * 7
    for part in sample.split(_PARAGRAPH_BREAK):
        if part:
            for i, n in enumerate(_paragraph_counts(part, kind)):
                totals[i] += n
    return totals


def check_document_type(text: str, terms_type: str) -> DocTypeResult:
    """Whether ``text`` looks like a document of ``terms_type`` (e.g. "Privacy Policy")."""
    kind = _canonical(terms_type)
    # densities are judged on the opening of long documents: the same verdict, a fraction of the cost
    words, cjk, kind_hits, login_hits, marketing_hits, price_hits, legal_hits = _counts(
        text[:_SAMPLE_CHARS], kind
    )
    if cjk > 200 and cjk > words:
        return DocTypeResult(True, "mostly CJK text: keyword check not applicable", 0.0)
    if words < 80:
        return DocTypeResult(False, f"too short for a {terms_type} ({words} words)", 0.0)
    per_k = 1000.0 / words
    density = kind_hits * per_k
    login = login_hits * per_k
    marketing = marketing_hits * per_k
    prices = price_hits * per_k
    legal = legal_hits * per_k
    known = kind in TYPE_KEYWORDS
    minimum = _MIN_DENSITY.get(kind, _DEFAULT_MIN if known else 5.0)

    if kind == "pricing":
        if prices < 2.0 and density < minimum:
            return DocTypeResult(False, "no prices found on a pricing page", density)
        return DocTypeResult(True, "looks like a pricing page", density)
    if login >= 20.0 and legal < 40.0:
        return DocTypeResult(False, "looks like a login or sign-up page", density - login)
    if prices >= 8.0 and legal < 40.0:
        return DocTypeResult(
            False, "looks like a pricing page, not a legal document", density - prices
        )
    if marketing >= 10.0 and density < 2 * minimum:
        return DocTypeResult(False, "looks like a marketing or home page", density - marketing)
    if density < minimum:
        return DocTypeResult(
            False,
            f"few {terms_type} terms ({density:.0f} per 1,000 words, expected {minimum:.0f}+)",
            density,
        )
    return DocTypeResult(True, f"looks like a {terms_type}", density)
