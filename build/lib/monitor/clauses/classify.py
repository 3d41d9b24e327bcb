"""Assign taxonomy categories to a clause: named rules plus an optional linear model.

Rules (``rules.py``) recognise every category. For the CLAUDETTE categories a linear model over
TF-IDF word and character n-grams, trained on the CLAUDETTE corpus (``model.py``), decides whether
the clause is unfair (degree 2 or 3): its margin against a threshold tuned on grouped inner folds
gives ``unfair``, and the reasons list the rules that fired, the margin and the n-grams that pushed
it most. A negation rule ("no arbitration", "credits never expire", "we will not train on your
content") keeps the category for provision tracking but marks it not unfair, and the facts say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.clauses.model import LinearModel, Scored, load_model, tokenize
from monitor.clauses.rules import RULES_BY_TRIGGER, Rule
from monitor.models import Classification

__all__ = ["ClauseAnalysis", "analyse", "analyse_many", "classify", "fired_rules"]

MIN_RULE_WEIGHT = 0.55  # a category needs one rule at least this strong (weaker rules only support)
_SENTINEL: LinearModel | None = None


@dataclass
class ClauseAnalysis:
    lower: str
    tokens: list[str]
    fired: list[Rule]
    categories: list[Classification]


def fired_rules(lower: str, tokens: Sequence[str]) -> list[Rule]:
    """Rules whose trigger word occurs and whose pattern matches the lower-cased text."""
    seen: set[str] = set()
    out: list[Rule] = []
    for tok in RULES_BY_TRIGGER.keys() & tokens:
        for rule in RULES_BY_TRIGGER[tok]:
            if rule.id in seen:
                continue
            seen.add(rule.id)
            if rule.pattern.search(lower):
                out.append(rule)
    out.sort(key=lambda r: r.id)
    return out


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


_DEFAULT = object()


def analyse(text: str, model: LinearModel | None | object = _DEFAULT) -> ClauseAnalysis:
    """Classify one clause's text. ``model`` overrides the packaged model (None: rules only)."""
    lin: LinearModel | None = load_model() if model is _DEFAULT else model  # type: ignore[assignment]
    lower = text.lower()
    return _analyse(lower, tokenize(lower), lin, None)


def analyse_many(texts: Sequence[str]) -> list[ClauseAnalysis]:
    """:func:`analyse` for many clauses with the packaged model, their margins computed together."""
    lin = load_model()
    lowers = [t.lower() for t in texts]
    tokens = [tokenize(low) for low in lowers]
    if lin is None:
        return [_analyse(low, toks, None, None) for low, toks in zip(lowers, tokens, strict=True)]
    scored = lin.score_many(tokens)
    return [
        _analyse(low, toks, lin, sc) for low, toks, sc in zip(lowers, tokens, scored, strict=True)
    ]


def _analyse(
    lower: str, tokens: list[str], lin: LinearModel | None, scored: Scored | None
) -> ClauseAnalysis:
    """Classify a lower-cased clause; ``scored``: its model scores when already computed."""
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
    for cat in sorted(by_cat.keys() | margins.keys()):
        rules = by_cat.get(cat, [])
        negated = any(r.kind == "neg" for r in rules)
        positive = [r for r in rules if r.kind != "neg"]
        strong = any(r.weight >= MIN_RULE_WEIGHT for r in positive)
        reasons = [f"rule:{r.id}" for r in rules]
        rule_conf = 1.0 - math.prod(1.0 - r.weight for r in positive) if positive else 0.0
        if cat in margins:
            m, thr, low = margins[cat]
            present = strong or negated or m >= low
            if not present:
                continue
            unfair = m >= thr and not negated
            reasons.append(f"model:{m - thr:+.2f}")
            if unfair and lin is not None and scored is not None:
                reasons.extend(f"ngram:{f}" for f in lin.explain(scored, col[cat]))
            conf = _sigmoid(2.0 * (m - thr))
            confidence = max(conf, rule_conf) if unfair else max(rule_conf * 0.8, conf)
        else:
            if not (strong or negated):
                continue
            has_u = any(r.kind == "u" for r in positive)
            has_f = any(r.kind == "f" for r in positive)
            unfair = has_u and not has_f and not negated
            confidence = rule_conf if positive else 0.9
        result.append(Classification(cat, round(min(confidence, 1.0), 3), unfair, tuple(reasons)))
    return ClauseAnalysis(lower, tokens, fired, result)


def classify(text: str, model: LinearModel | None | object = _DEFAULT) -> list[Classification]:
    return analyse(text, model).categories
