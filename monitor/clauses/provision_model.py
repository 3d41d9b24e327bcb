"""The learned provision component: categories the rules miss, where a linear model is confident.

The rules recognise the AI-platform provisions in the phrasings of the documents they were written
from; on other services they miss many. ``monitor/data/provision_model.json`` (trained offline by
``training/train_provision_model.py`` on labelled clauses; weights only) holds one linear model per
category it covers, in the :class:`~monitor.clauses.model.LinearModel` format, with two margins per
category chosen by cross-validation grouped by service:

- ``thresholds``: at or above it the model alone reports the category (:data:`ALONE` confidence);
- ``low_thresholds``: at or above it the category becomes a candidate (:data:`WITH_HEADING`) that
  ``classify.with_context`` reports only when the clause's heading or document type names it.

Only the categories listed under the file's ``enabled`` (when it has the key) are ever added:
the training's per-category gate keeps those where the component raised the category's F1 with
enough labels in its inner folds. A category the rules already report is left as it is; the component never marks a clause unfair
and never adds a category the rules veto or negate, whose actor is the user or other users, or
none of whose rules' trigger words occurs (:func:`blocked_categories`; the training protocol
applies the same function).

Not shipped as of 2026-12-03. In nested cross-validation grouped by service over the 977 labelled
clauses, scored on the 377 fresh ones where the rules are out of sample, it beats the rules with
those blocks too (benchmarks/RESULTS.md, issue 13), and the direction tests pass with it; but the
candidate adds wrong provisions to the demo documents (a licence to the platform on "the reference
recordings you provide", data retention on "Returned Credits keep their original expiry date",
data sharing on "do not share your login", a price change on a fee schedule) and costs about
10 ms per 50 KB document; with the per-category gate (clause13c) data retention on "Returned Credits
..." remains, so no file is packaged and the rules work alone; :func:`set_model`
installs a candidate to measure it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from monitor.clauses.model import LinearModel
from monitor.clauses.rules import RULES, Rule
from monitor.models import Classification

__all__ = [
    "ALONE",
    "WITH_HEADING",
    "add_learned",
    "blocked_categories",
    "load_provision_model",
    "read_provision_model",
    "set_enabled",
    "set_model",
]

ALONE = 0.6  # confidence of a category the model reports on its own
# a candidate's confidence: the heading's support (classify.CONTEXT, 0.3) lifts it to 0.51, at or
# above MIN_CONFIDENCE (0.5), and nothing else reports it
WITH_HEADING = 0.3
_ENABLED = [True]
_CANDIDATE: list[LinearModel | None] = [None]


def set_enabled(on: bool) -> None:
    """Switch the component on or off (the rules then work alone), e.g. to measure it against
    the rules in one run; call ``monitor.clauses.clear_cache()`` after."""
    _ENABLED[0] = on


def set_model(model: LinearModel | None) -> None:
    """Use ``model`` instead of the packaged file (None: the packaged one again), e.g. to measure
    a candidate trained by the script; call ``monitor.clauses.clear_cache()`` after."""
    _CANDIDATE[0] = model


def read_provision_model(text: str) -> LinearModel:
    """A component from the text of its JSON file (ValueError or KeyError when it is not one).
    A category missing from the file's ``enabled`` list (the training's per-category gate), when
    it has one, is never added: both its thresholds become infinite."""
    data = json.loads(text)
    lm = LinearModel.from_json(data)
    if "enabled" not in data:
        return lm
    on = {str(c) for c in data["enabled"]}
    return replace(
        lm,
        thresholds=[
            t if c in on else math.inf for c, t in zip(lm.categories, lm.thresholds, strict=True)
        ],
        low_thresholds=[
            t if c in on else math.inf
            for c, t in zip(lm.categories, lm.low_thresholds, strict=True)
        ],
    )


@lru_cache(maxsize=1)
def _load() -> LinearModel | None:
    try:
        text = resources.files("monitor").joinpath("data/provision_model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None  # not shipped: the rules work alone
    try:
        return read_provision_model(text)
    except (ValueError, KeyError):
        return None


def load_provision_model() -> LinearModel | None:
    """The component in use: the one set by :func:`set_model`, else the packaged one; None when
    it is switched off or absent."""
    if not _ENABLED[0]:
        return None
    return _CANDIDATE[0] or _load()


# Who acts: wording the model cannot tell from the provision it resembles (its n-grams are the
# same), so the component never adds the category there. The rules recognise these provisions only
# with the provider as the actor; these say the actor or beneficiary is someone else.
_NOT_BY_COMPONENT: tuple[tuple[str, re.Pattern[str]], ...] = (
    # the user's own right to end the agreement, not the provider's termination
    (
        "unilateral_termination",
        re.compile(
            r"^\W*(?:\(?[a-z0-9]{1,3}[.)]\s*)?you (?:may|can|have the right to|are (?:free|entitled) to|"
            r"are able to)\b[^.;]{0,40}\b(?:terminat|cancel|close|delete|end)\w*"
        ),
    ),
    # a grant to other users, not to the platform
    (
        "license_to_platform",
        re.compile(r"\bgrants? (?:to )?(?:all |any )?(?:other|fellow) users\b"),
    ),
)
# the provider as actor in the same clause: the wording above is then not decisive
_PROVIDER_ACTS = re.compile(r"\b(?:we|either party)\b")
# Each category's vocabulary: the trigger words of its rules. The model adds a category only to
# a clause that uses one of them, so that n-grams merely frequent near the provision ("Welcome to
# our website" near "we may change this website") are not evidence for it on their own.
_VOCABULARY: dict[str, frozenset[str]] = {}
# each category's rules against it: vetoes ("x") and negations ("neg")
_AGAINST: dict[str, list[Rule]] = {}
for _rule in RULES:
    if _rule.kind in ("u", "n", "f"):
        _VOCABULARY[_rule.category] = _VOCABULARY.get(_rule.category, frozenset()) | _rule.triggers
    else:
        _AGAINST.setdefault(_rule.category, []).append(_rule)


def blocked_categories(
    lower: str, tokens: Collection[str], categories: Iterable[str] | None = None
) -> frozenset[str]:
    """Which of ``categories`` (all by default) the component must not add to the lower-cased
    clause: those none of whose rules' trigger words occurs (:data:`_VOCABULARY`), those a rule
    of the category vetoes ("x": the wording is about something else, e.g. a ban on users
    training models on outputs) or negates ("neg": the clause says the provision does not apply),
    and those whose actor is the user or other users (:data:`_NOT_BY_COMPONENT`). A veto is tried
    here even when no other rule of its category matched: the model stands in for those rules."""
    words = set(tokens)
    cats = set(_VOCABULARY.keys() | _AGAINST.keys() if categories is None else categories)
    out = {c for c in cats if _VOCABULARY.get(c, words).isdisjoint(words)}
    for cat in cats - out:
        for rule in _AGAINST.get(cat, ()):
            if not rule.triggers.isdisjoint(words) and rule.pattern.search(lower):
                out.add(cat)
                break
    actor = [(c, pat) for c, pat in _NOT_BY_COMPONENT if c in cats and c not in out]
    if actor and not _PROVIDER_ACTS.search(lower):
        out.update(c for c, pat in actor if pat.search(lower))
    return frozenset(out)


def _or(a: float, b: float) -> float:
    return 1.0 - (1.0 - a) * (1.0 - b)


def add_learned(
    categories: Sequence[Classification],
    candidates: Sequence[Classification],
    margins: Sequence[float],
    model: LinearModel,
    min_confidence: float,
    blocked: Collection[str] = (),
) -> tuple[list[Classification], list[Classification]]:
    """The clause's categories and candidates with the model's evidence (``margins``: one per
    ``model.categories``) added; a category gains it at most once, and a ``blocked`` one (see
    :func:`blocked_categories`) never. A category listed below ``min_confidence`` (not reported)
    counts as a candidate."""
    cats = [c for c in categories if c.confidence >= min_confidence]
    cands = [*(c for c in categories if c.confidence < min_confidence), *candidates]
    reported = {c.category for c in cats}
    for cat, m, alone, low in zip(
        model.categories, margins, model.thresholds, model.low_thresholds, strict=True
    ):
        if cat in reported or cat in blocked or m < low:
            continue
        reason = f"provision-model:{m:+.2f}"
        prior = next((c for c in cands if c.category == cat), None)
        if prior is not None:
            cands.remove(prior)
        base = prior or Classification(cat, 0.0, False, ())
        conf = _or(base.confidence, ALONE if m >= alone else WITH_HEADING)
        learned = replace(base, confidence=round(conf, 3), reasons=(*base.reasons, reason))
        (cats if m >= alone else cands).append(learned)
    # the weaker ones stay listed with the categories, as classify lists them
    out = [*cats, *(c for c in cands if c in categories)]
    out.sort(key=lambda c: c.category)
    return out, [c for c in cands if c not in categories]
