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

Shipped since issue 13 (prov14): in nested cross-validation grouped by service over the 977
labelled clauses, scored on the 377 fresh ones where the rules are out of sample, it beats the
rules (macro-F1 0.638 -> 0.808, gain +0.18 [+0.11, +0.26]; benchmarks/RESULTS.md), and with the
rules' veto of data retention on credits keeping their expiry it changes the demo documents'
provisions only where it is right. It scores only the clauses that use a trigger word of a
category it may add (:func:`margins_of`, a few ms per 50 KB document); :func:`set_enabled` switches
it off and :func:`set_model` installs a candidate to measure it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from itertools import chain, repeat
from typing import Any

from monitor.clauses.model import BLOCKS, WORD_TABLE_SIZE, LinearModel
from monitor.clauses.rules import RULES, Rule
from monitor.models import Classification

__all__ = [
    "ALONE",
    "WITH_HEADING",
    "add_learned",
    "blocked_categories",
    "load_provision_model",
    "margins_of",
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


@dataclass(frozen=True)
class _Prepared:
    """What :func:`margins_of` needs beyond the model, computed once per model."""

    scope: frozenset[str] | None  # see :func:`_scope`
    # the word block's bigrams as integer keys: each word of a bigram feature gets a number
    # (``pair_word``); a bigram is ``first * len(pair_word) + second``, sorted in ``pair_keys``,
    # ``pair_rows`` its row in the model's word-block array
    pair_word: dict[str, int]
    pair_keys: Any
    pair_rows: Any


# models last prepared (a LinearModel is not hashable): id -> (model, what was prepared)
_PREPARED: dict[int, tuple[LinearModel, _Prepared]] = {}


def _prepare(model: LinearModel) -> _Prepared:
    got = _PREPARED.get(id(model))
    if got is not None and got[0] is model:
        return got[1]
    import numpy as np

    windex, _ = model._word_block()
    pair_word: dict[str, int] = {}
    keys: list[tuple[int, int, int]] = []
    for feat, row in windex.items():
        first, sep, second = feat.partition(" ")
        if sep:
            a = pair_word.setdefault(first, len(pair_word))
            b = pair_word.setdefault(second, len(pair_word))
            keys.append((a, b, row))
    width = len(pair_word)
    flat = np.asarray([a * width + b for a, b, _ in keys], dtype=np.int64)
    order = np.argsort(flat)
    rows = np.asarray([r for _, _, r in keys], dtype=np.intp)
    prepared = _Prepared(_scope(model), pair_word, flat[order], rows[order])
    if len(_PREPARED) >= 8:
        _PREPARED.clear()
    _PREPARED[id(model)] = (model, prepared)
    return prepared


def _scope(model: LinearModel) -> frozenset[str] | None:
    """The words one of which a clause needs for the component to add any category to it: the
    trigger words of the rules of the categories it may add (:func:`blocked_categories` blocks
    the others); None when one of those categories has no rules (every clause is then scored)."""
    on = [c for c, t in zip(model.categories, model.low_thresholds, strict=True) if t < math.inf]
    if any(c not in _VOCABULARY for c in on):
        return None
    return frozenset().union(*(_VOCABULARY[c] for c in on))


def margins_of(
    model: LinearModel, token_lists: Sequence[Sequence[str]]
) -> list[list[float] | None]:
    """The component's margins for each clause's tokens, None for a clause it could add no category
    to (no trigger word of a category it may add: see :func:`_scope`), which is not scored.

    The margins of :meth:`LinearModel.margins` (up to the order of floating-point additions),
    computed for the whole batch at once: (clause, word) and (clause, bigram) counts by one sort
    each instead of a Counter per clause, and no per-clause explanation kept (the component's
    reason is its margin). The per-word rows come from the model's own table (its character
    n-grams summed per word, see ``model.py``)."""
    out: list[list[float] | None] = [None] * len(token_lists)
    # the layout the batch arithmetic below assumes (the runtime model's and the script's)
    fast = (
        set(model.vocab) == set(BLOCKS)
        and model.sublinear.get("w", True)
        and not model.sublinear.get("c", True)
    )
    scope = _prepare(model).scope if fast else _scope(model)
    keep = [
        i
        for i, toks in enumerate(token_lists)
        if toks and (scope is None or not scope.isdisjoint(toks))
    ]
    if not keep:
        return out
    if not fast:
        for i in keep:  # another layout: the model's own scorer
            out[i] = model.margins(token_lists[i])
        return out
    import numpy as np  # imported when first scoring (as model.py does): not for every process

    n, k = len(keep), len(model.bias)
    lists = [token_lists[i] for i in keep]
    flat = list(chain.from_iterable(lists))
    seg = np.repeat(np.arange(n), [len(t) for t in lists])
    wid = model._word_ids
    missing = sorted(set(flat).difference(wid))
    if len(wid) + len(missing) > WORD_TABLE_SIZE:  # full: restart with this batch's words
        wid.clear()
        missing = sorted(set(flat))
    table = model._add_words(missing) if missing else model._table()
    ids = np.fromiter(map(wid.__getitem__, flat), np.intp, len(flat))
    # words: tf per (clause, word), sublinear for the word block, raw for the character block
    wseg, wids, tf = _pairs(seg, ids, len(wid))
    rows = table[wids]
    sub = 1.0 + np.log(tf)
    acc_w = _sum_rows(n, wseg, rows[:, :k] * sub[:, None])
    sq_w = np.bincount(wseg, rows[:, k] * sub * sub, minlength=n)
    acc_c = _sum_rows(n, wseg, rows[:, k + 1 : 2 * k + 1] * tf[:, None])
    sq_c = np.bincount(wseg, rows[:, 2 * k + 1] * tf, minlength=n)
    # bigrams of the word block (within a clause only), looked up as integer keys
    prep = _prepare(model)
    _, warray = model._word_block()
    pw = np.fromiter(map(prep.pair_word.get, flat, repeat(-1)), np.int64, len(flat))
    ok = (pw[:-1] >= 0) & (pw[1:] >= 0) & (seg[:-1] == seg[1:])
    keys = pw[:-1][ok] * len(prep.pair_word) + pw[1:][ok]
    pos = np.minimum(np.searchsorted(prep.pair_keys, keys), max(len(prep.pair_keys) - 1, 0))
    found = prep.pair_keys[pos] == keys if len(prep.pair_keys) else np.zeros(len(keys), bool)
    if found.any():
        bseg, bid, btf = _pairs(seg[:-1][ok][found], prep.pair_rows[pos[found]], len(warray))
        bsub = 1.0 + np.log(btf)
        acc_w += _sum_rows(n, bseg, warray[bid, :k] * bsub[:, None])
        sq_w += np.bincount(bseg, warray[bid, k] * bsub * bsub, minlength=n)
    norm_w = np.divide(model.scales.get("w", 1.0), np.sqrt(sq_w), out=np.zeros(n), where=sq_w > 0)
    norm_c = np.divide(model.scales.get("c", 1.0), np.sqrt(sq_c), out=np.zeros(n), where=sq_c > 0)
    got = np.asarray(model.bias) + acc_w * norm_w[:, None] + acc_c * norm_c[:, None]
    for i, m in zip(keep, got.tolist(), strict=True):
        out[i] = m
    return out


def _pairs(seg: Any, ids: Any, width: int) -> tuple[Any, Any, Any]:
    """The distinct (segment, id) pairs, sorted by segment, and how often each occurs."""
    import numpy as np

    keys, tf = np.unique(seg.astype(np.int64) * width + ids, return_counts=True)
    return keys // width, keys % width, tf.astype(np.float64)


def _sum_rows(n: int, seg: Any, vals: Any) -> Any:
    """Per segment (0..n-1), the sum of the rows of ``vals`` in it (``seg`` ascending)."""
    import numpy as np

    acc = np.zeros((n, vals.shape[1]))
    if len(seg):
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        acc[seg[starts]] += np.add.reduceat(vals, starts, axis=0)
    return acc


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
