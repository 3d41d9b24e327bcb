"""Assign taxonomy categories to a clause: named rules plus an optional linear model.

Rules (``rules.py``) recognise every category. For the CLAUDETTE categories a linear model over
TF-IDF word and character n-grams, trained on the CLAUDETTE corpus (``model.py``), decides whether
the clause is unfair (degree 2 or 3): its margin against a threshold tuned on grouped inner folds
gives ``unfair``, and the reasons list the rules that fired, the margin and the n-grams that pushed
it most. A negation rule ("no arbitration", "credits never expire", "we will not train on your
content") keeps the category for provision tracking but marks it not unfair, and the facts say so.
A learned provision component (``provision_model.py``), when a weights file is packaged, then adds
categories the rules miss.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from monitor.clauses.model import LinearModel, Scored, load_model, tokenize
from monitor.clauses.provision_model import (
    add_learned,
    blocked_categories,
    load_provision_model,
    margins_of,
)
from monitor.clauses.rules import RULES_BY_TRIGGER, Rule, cjk_triggers
from monitor.models import Classification

__all__ = [
    "ClauseAnalysis",
    "analyse",
    "analyse_many",
    "classify",
    "context_categories",
    "fired_rules",
    "states_nothing",
    "with_context",
]

MIN_RULE_WEIGHT = 0.55  # a rule this strong is evidence enough on its own
MIN_CONFIDENCE = 0.5  # a category is reported at or above this confidence
# Evidence other than rules, combined with the rules' weights as independent pieces (noisy-or):
MODEL_UNFAIR = 0.4  # the model's margin at or above its unfair threshold
MODEL_LOW = 0.15  # the model's margin between its low and its unfair threshold
CONTEXT = 0.3  # the clause's heading or document type names the category
NEGATED = 0.9  # confidence of a category recognised only by a negation rule
# A fair-leaning rule (an opt-out, a carve-out, a consumer forum) lowers the model's margin by this
# much per unit of its weight before the unfair threshold is applied.
FAIR_SHIFT = 1.0
_SENTINEL: LinearModel | None = None

# Text that states nothing: a bold title on its own line (a bold Chinese sentence, ending in 。 or
# ；, is not one), a table-of-contents link.
_NEUTRAL = re.compile(
    r"^\W*(?:\*\*|__)(?![^*_]*(?:\b(?:may|must|will|shall|can|agree|are|is)\b|[。；]))[^*_]{1,70}(?:\*\*|__)?\W*$"
    r"|^\W*\|?\s*\[[^\]]{0,120}\]\(#[^)]*\)"
)


@dataclass
class ClauseAnalysis:
    lower: str
    tokens: list[str]
    fired: list[Rule]
    categories: list[Classification]
    # categories whose evidence falls short of MIN_CONFIDENCE but would reach it if the clause's
    # heading or document type named them (see :func:`with_context`)
    candidates: list[Classification] = field(default_factory=list)


def states_nothing(lower: str) -> bool:
    """Is the lower-cased text a bare title or a table-of-contents link (no category then)?"""
    return _NEUTRAL.match(lower) is not None


def fired_rules(lower: str, tokens: Sequence[str]) -> list[Rule]:
    """Rules whose trigger word (or, in Chinese text, trigger term) occurs and whose pattern
    matches the lower-cased text. A veto ("x") rule is only tried when another rule of its
    category matched."""
    seen: set[str] = set()
    out: list[Rule] = []
    vetoes: list[Rule] = []
    keys = RULES_BY_TRIGGER.keys() & tokens
    cjk = cjk_triggers(lower)
    for tok in keys | cjk if cjk else keys:
        for rule in RULES_BY_TRIGGER[tok]:
            if rule.id in seen:
                continue
            seen.add(rule.id)
            if rule.kind == "x":
                vetoes.append(rule)
            elif rule.pattern.search(lower):
                out.append(rule)
    if vetoes and out:
        matched = {r.category for r in out}
        out.extend(r for r in vetoes if r.category in matched and r.pattern.search(lower))
    out.sort(key=lambda r: r.id)
    return out


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def _noisy_or(pieces: Sequence[float]) -> float:
    return 1.0 - math.prod(1.0 - p for p in pieces)


_DEFAULT = object()


def analyse(text: str, model: LinearModel | None | object = _DEFAULT) -> ClauseAnalysis:
    """Classify one clause's text. ``model`` overrides the packaged model (None: rules only)."""
    lin: LinearModel | None = load_model() if model is _DEFAULT else model  # type: ignore[assignment]
    lower = text.lower()
    tokens = tokenize(lower)
    out = _analyse(lower, tokens, lin, None)
    prov = load_provision_model() if model is _DEFAULT else None
    return _learned(out, prov, margins_of(prov, [tokens])[0]) if prov is not None else out


def analyse_many(texts: Sequence[str]) -> list[ClauseAnalysis]:
    """:func:`analyse` for many clauses with the packaged model, their margins computed together."""
    lin = load_model()
    lowers = [t.lower() for t in texts]
    tokens = [tokenize(low) for low in lowers]
    if lin is None:
        out = [_analyse(low, toks, None, None) for low, toks in zip(lowers, tokens, strict=True)]
    else:
        scored = lin.score_many(tokens)
        out = [
            _analyse(low, toks, lin, sc)
            for low, toks, sc in zip(lowers, tokens, scored, strict=True)
        ]
    prov = load_provision_model()
    if prov is None:
        return out
    margins = margins_of(prov, tokens)
    return [_learned(a, prov, m) for a, m in zip(out, margins, strict=True)]


def _learned(
    a: ClauseAnalysis, prov: LinearModel, margins: Sequence[float] | None
) -> ClauseAnalysis:
    """``a`` with the learned provision component's evidence (``provision_model.py``; ``margins``
    None: a clause it cannot add a category to, not scored)."""
    if margins is None:
        return a
    addable = [
        c
        for c, m, low in zip(prov.categories, margins, prov.low_thresholds, strict=True)
        if m >= low
    ]
    if not addable or states_nothing(a.lower):
        return a  # nothing to add (most clauses): no need to look for vetoes
    blocked = blocked_categories(a.lower, a.tokens, addable)
    cats, cands = add_learned(a.categories, a.candidates, margins, prov, MIN_CONFIDENCE, blocked)
    return replace(a, categories=cats, candidates=cands)


# ---------------------------------------------------------------- context
# A heading is evidence about a category, never enough on its own: it lifts a clause that already
# has some evidence for the category (a weaker rule, the model) to MIN_CONFIDENCE. "Prohibited
# uses" over a list item "(h) interfere with or disrupt the Services" makes it an acceptable-use
# provision; "Rights you give to us" over "This licence survives termination" a licence to the
# platform. Chinese headings are matched by the same patterns (their Chinese alternatives).

# (category, pattern on the lower-cased last two headings)
_HEADING: list[tuple[str, str]] = [
    (
        "acceptable_use",
        r"acceptable|usage polic|use polic|prohibit|restrict|conduct|guidelines|obligations|"
        r"responsibilit|abuse|misuse|\brules\b|dos and don|safety|permitted use|content standards|"
        r"community|your use of|use of (?:the|our) services|规范|禁止|不得|违规|危害|的行为",
    ),
    (
        "license_to_platform",
        r"(?<!our )licen[cs]es?\b(?! to use| to you| to the services)|rights? you give|permission|feedback|"
        r"content rights|your content|user content|submissions|授权|许可",
    ),
    ("unilateral_termination", r"terminat|终止"),
    ("account_suspension", r"suspen|暂停|中止|冻结"),
    (
        "data_retention",
        r"retention|retain|deletion|delete|storage|how long|存储|保存|保留|留存|删除",
    ),
    ("refunds", r"refund|cancellation|withdrawal|cooling|退款"),
    ("auto_renewal", r"renew|subscription|cancellation|recurring|续费|订阅"),
    ("price_change", r"pric|\bfees\b|价格|收费|费用"),
    ("warranty_disclaimer", r"disclaim|warrant|accuracy|as[- ]is|免责|保证|担保"),
    ("limitation_of_liability", r"liabilit|免责|责任限制"),
    ("ai_training_on_user_content", r"\btrain|improve|model|训练|改进|优化"),
    ("output_ownership", r"output|ownership|generated|creations|输出|生成内容|知识产权"),
    ("age_eligibility", r"\bage\b|eligib|children|minor|\bkids|未成年|儿童|年龄"),
    # and the headings over lists of recipients: sub-processors, vendors, analytics tools, cookies
    (
        "data_sharing_third_parties",
        r"\bshar|disclos|third part|\bsell|\bsale|sub-?processor|recipients|vendors|service providers|"
        r"analytic|cookies|trackers|共享|转让|披露|第三方|合作方|委托处理",
    ),
    ("unilateral_change", r"changes? to|modification|amendment|updates? to|变更|修订|修改"),
    ("rate_limit", r"rate limit|usage limit|fair use|quota|限额|配额"),
    ("arbitration", r"arbitra|仲裁"),
    ("content_removal", r"moderat|takedown|take down|removal|违约处理|内容管理"),
    ("credit_expiry", r"credit|积分|额度"),
    ("export_controls", r"export|sanction|出口|制裁"),
]
_HEADING_RES = [(cat, re.compile(p)) for cat, p in _HEADING]
# A nearest heading about the user's own right to leave ("Your right to terminate", "Termination
# by you", "How to cancel") says the clause is not the provider's termination, whatever the
# parent heading ("Term and termination") names.
_USER_LEAVES = re.compile(
    r"your right to (?:terminate|cancel)|(?:termination|cancellation) by (?:you|the customer|customer)\b|"
    r"how (?:to|do i|can i) cancel|cancell?ing your (?:account|subscription|plan)"
)
# document types whose every clause is about the category
_TYPE: list[tuple[str, re.Pattern[str]]] = [
    (
        "acceptable_use",
        re.compile(
            r"acceptable use|usage polic|use polic|community guidelines|content polic|guidelines"
        ),
    ),
]


@lru_cache(maxsize=8192)
def context_categories(heading_path: tuple[str, ...], terms_type: str = "") -> dict[str, str]:
    """Categories named by the last two headings of ``heading_path`` ("heading") or by
    ``terms_type`` ("type"). The returned dict is shared: do not modify it."""
    heads = " / ".join(heading_path[-2:]).lower()
    out: dict[str, str] = {}
    low_type = terms_type.lower()
    for cat, pat in _TYPE:
        if low_type and pat.search(low_type):
            out[cat] = "type"
    for cat, hpat in _HEADING_RES:
        if heads and hpat.search(heads):
            out[cat] = "heading"
    if (
        heading_path
        and "unilateral_termination" in out
        and _USER_LEAVES.search(heading_path[-1].lower())
    ):
        del out["unilateral_termination"]
    return out


def with_context(
    categories: Sequence[Classification],
    candidates: Sequence[Classification],
    context: Mapping[str, str],
) -> list[Classification]:
    """The categories plus the candidates that the context lifts to MIN_CONFIDENCE.

    ``context`` maps the categories named by the clause's heading or document type to where they
    were named ("heading" or "type"); every category it names gains the same support in its
    confidence, and a reason saying so."""
    if not context:
        return list(categories)
    out: list[Classification] = []
    for c in [*categories, *candidates]:
        where = context.get(c.category)
        reported = c in categories
        if where is None:
            if reported:
                out.append(c)
            continue
        conf = round(_noisy_or((c.confidence, CONTEXT)), 3)
        if conf >= MIN_CONFIDENCE or reported:
            out.append(replace(c, confidence=conf, reasons=(*c.reasons, f"{where}:{c.category}")))
    out.sort(key=lambda c: c.category)
    return out


def _analyse(
    lower: str, tokens: list[str], lin: LinearModel | None, scored: Scored | None
) -> ClauseAnalysis:
    """Classify a lower-cased clause; ``scored``: its model scores when already computed."""
    if states_nothing(lower):
        return ClauseAnalysis(lower, tokens, [], [])
    fired = fired_rules(lower, tokens)

    by_cat: dict[str, list[Rule]] = {}
    for rule in fired:
        by_cat.setdefault(rule.category, []).append(rule)

    margins: dict[str, tuple[float, float, float]] = {}
    col: dict[str, int] = {}
    if lin is not None:
        if scored is None:
            scored = lin.score(tokens)
        ms = scored.margins
        for j, low in enumerate(lin.low_thresholds):
            cat = lin.categories[j]
            if ms[j] >= low or cat in by_cat:
                margins[cat] = (ms[j], lin.thresholds[j], low)
                col[cat] = j

    result: list[Classification] = []
    candidates: list[Classification] = []
    for cat in sorted(by_cat.keys() | margins.keys()):
        rules = by_cat.get(cat, [])
        vetoed = any(r.kind == "x" for r in rules)
        negated = not vetoed and any(r.kind == "neg" for r in rules)
        positive = [] if vetoed else [r for r in rules if r.kind in ("u", "n", "f")]
        reasons = [f"rule:{r.id}" for r in rules]
        pieces = [r.weight for r in positive]
        strong = any(r.weight >= MIN_RULE_WEIGHT for r in positive)
        fair = sum(r.weight for r in positive if r.kind == "f")
        unfair = False
        if cat in margins:
            m, thr, low = margins[cat]
            if m >= thr:
                pieces.append(MODEL_UNFAIR)
            elif m >= low:
                pieces.append(MODEL_LOW)
            unfair = m - FAIR_SHIFT * fair >= thr and not negated and not vetoed
            reasons.append(f"model:{m - thr:+.2f}")
            if unfair and lin is not None and scored is not None:
                reasons.extend(f"ngram:{f}" for f in lin.explain(scored, col[cat]))
        else:
            has_u = any(r.kind == "u" for r in positive)
            unfair = has_u and not fair and not negated
        conf = _noisy_or(pieces) if pieces else 0.0
        if not pieces and negated:
            conf = NEGATED
        # Weak evidence needs corroboration: two pieces (rules, the model, the heading) at least.
        # The model's unfair decision alone is listed (CLAUDETTE-style analysis) but its
        # confidence, MODEL_UNFAIR, is below what extract_provisions reports.
        reported = strong or negated or (len(pieces) >= 2 and conf >= MIN_CONFIDENCE)
        if not (reported or (cat in margins and margins[cat][0] >= margins[cat][1])):
            if pieces:
                candidates.append(Classification(cat, round(conf, 3), unfair, tuple(reasons)))
            continue
        result.append(Classification(cat, round(min(conf, 1.0), 3), unfair, tuple(reasons)))
    return ClauseAnalysis(lower, tokens, fired, result, candidates)


def classify(text: str, model: LinearModel | None | object = _DEFAULT) -> list[Classification]:
    return analyse(text, model).categories
