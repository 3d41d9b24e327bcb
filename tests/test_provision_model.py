"""The learned provision component: training on a tiny synthetic set, the runtime file, classify."""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import train_provision_model as P  # noqa: E402

from monitor.clauses import classify_text, clear_cache  # noqa: E402
from monitor.clauses.classify import MIN_CONFIDENCE, analyse, with_context  # noqa: E402
from monitor.clauses.model import LinearModel, tokenize  # noqa: E402
from monitor.clauses.provision_model import (  # noqa: E402
    ALONE,
    add_learned,
    blocked_categories,
    load_provision_model,
    margins_of,
    read_provision_model,
    set_enabled,
    set_model,
)
from monitor.models import Classification  # noqa: E402

# The rules "see" only the first phrasing of each provision; the others are what they miss.
PHRASINGS = {
    "credit_expiry": [
        "Your {x} credits expire twelve months after purchase.",
        "Unused {x} tokens lapse at the end of the billing year.",
        "Prepaid {x} balance lapses if it is not spent within a year.",
    ],
    "refunds": [
        "We refund {x} purchases made in the last fourteen days.",
        "All {x} payments are final and no money is given back.",
        "No money is given back for {x} plans once paid, even if you cancel.",
    ],
}
NEUTRAL = [
    "You can reach the {x} support team by e-mail.",
    "The {x} service is offered in several countries.",
    "Read the {x} documentation before you start.",
]
PACKAGED = ROOT / "monitor" / "data" / "provision_model.json"
WORDS = ["gold", "basic", "team", "studio"]
CATS = sorted(PHRASINGS)


def items(n_services: int = 6) -> list[P.Item]:
    out: list[P.Item] = []
    for s in range(n_services):
        for x in WORDS:
            for cat, tpls in PHRASINGS.items():
                for k, tpl in enumerate(tpls):
                    base = frozenset({cat}) if k == 0 else frozenset()
                    ctx = frozenset({cat}) if s % 2 else frozenset()
                    out.append(P.Item(tpl.format(x=x), frozenset({cat}), base, ctx, f"S{s}"))
            for tpl in NEUTRAL:
                out.append(P.Item(tpl.format(x=x), frozenset(), frozenset(), frozenset(), f"S{s}"))
    return out


def test_training_is_reproducible_and_adds_what_the_rules_miss() -> None:
    data = P.Data(items(), CATS)
    first = P.train(data, folds=3)
    second = P.train(P.Data(items(), CATS), folds=3)
    assert first is not None and second is not None
    lm, choice = first
    assert json.dumps(lm.to_json(), sort_keys=True) == json.dumps(
        second[0].to_json(), sort_keys=True
    )
    assert set(lm.categories) == set(CATS) and all(choice[c].on for c in CATS)
    # a phrasing the rules miss gets a margin above the category's "with heading" threshold;
    # neutral text stays below it
    j = lm.categories.index("refunds")
    missed = lm.margins(tokenize("no money is given back for premium plans once paid."))
    neutral = lm.margins(tokenize("read the premium documentation before you start."))
    assert missed[j] >= lm.low_thresholds[j] > neutral[j]


def test_folds_hold_out_scored_services_only_and_choose_on_them() -> None:
    """Services whose clauses the rules have all seen always train; every service with a scored
    (fresh) clause is held out exactly once, with all its clauses; the choice ignores the seen
    clauses' labels."""
    its = items(8)
    seen = {"S0", "S1", "S2"}
    its = [replace(it, rules_seen=it.service in seen) for it in its]
    data = P.Data(its, CATS)
    rows = np.arange(len(its))
    folds = data.folds(rows, 3)
    assert len(folds) == 3
    held = [{its[i].service for i in te} for _, te in folds]
    assert all(not (h & seen) for h in held)
    assert sorted(s for h in held for s in h) == [f"S{k}" for k in range(3, 8)]
    for tr, te in folds:
        assert not {its[i].service for i in tr} & {its[i].service for i in te}
        assert len(tr) + len(te) == len(its)
    margins = data.oof(rows, 3)
    # labels of seen clauses do not change the choice
    flipped = [replace(it, gold=frozenset(CATS) - it.gold) if it.rules_seen else it for it in its]
    assert P.choose_shared(its, margins, CATS) == P.choose_shared(flipped, margins, CATS)
    cv = P.nested_cv(data, outer=3, inner=2)
    comb, base = cv["combined"], cv["base"]
    assert isinstance(comb, np.ndarray) and isinstance(base, np.ndarray)
    on_seen = np.array([it.rules_seen for it in its])
    assert (comb[on_seen] == base[on_seen]).all()  # never held out, never scored


def test_nested_cv_reports_both_and_the_combination_only_adds() -> None:
    data = P.Data(items(), CATS)
    cv = P.nested_cv(data, outer=3, inner=2)
    base, comb, gold = cv["base"], cv["combined"], cv["gold"]
    assert isinstance(base, np.ndarray) and isinstance(comb, np.ndarray)
    assert isinstance(gold, np.ndarray)
    assert (comb >= base).all()  # the component never removes what the rules report
    # the rules find a third of each category here; with the component, more on unseen services
    assert (comb & gold).sum() > (base & gold).sum()
    lines = P.report(cv, CATS, np.arange(len(data.items)))
    assert lines[-1].startswith("macro-F1 over 2 categories")


def test_exported_file_loads_and_scores_like_the_trained_model(tmp_path: Path) -> None:
    got = P.train(P.Data(items(), CATS), folds=3)
    assert got is not None
    lm, choice = got
    path = tmp_path / "provision_model.json"
    path.write_text(json.dumps(P.export(lm, choice, ["cv line"])), "utf-8")
    loaded = LinearModel.from_json(json.loads(path.read_text("utf-8")))
    text = tokenize("unused team tokens lapse at the end of the billing year.")
    assert loaded.categories == lm.categories
    assert np.allclose(loaded.margins(text), lm.margins(text), atol=1e-3)
    many = loaded.score_many([text])[0].margins
    assert np.allclose(many, loaded.margins(text), atol=1e-6)


def _tiny_model(alone: float, low: float) -> LinearModel:
    """One category ("credit_expiry") whose margin is driven by the word "lapse"."""
    return LinearModel(
        categories=["credit_expiry"],
        vocab={"w": {"lapse": array("d", [1.0, 4.0]), "office": array("d", [1.0, -4.0])}, "c": {}},
        bias=[-1.0],
        thresholds=[alone],
        low_thresholds=[low],
    )


def test_add_learned_alone_candidate_and_heading() -> None:
    lm = _tiny_model(alone=2.0, low=0.5)
    # margin 3 (one known word, norm 1): reported by the model alone
    cats, cands = add_learned([], [], lm.margins(["lapse"]), lm, MIN_CONFIDENCE)
    assert [c.category for c in cats] == ["credit_expiry"] and not cands
    assert cats[0].confidence == ALONE and not cats[0].unfair
    assert cats[0].reasons[-1].startswith("provision-model:+3.00")
    # margin 1: only a candidate, which a heading naming the category lifts to a report
    cats, cands = add_learned([], [], [1.0], lm, MIN_CONFIDENCE)
    assert not cats and [c.category for c in cands] == ["credit_expiry"]
    assert with_context(cats, cands, {}) == []
    lifted = with_context(cats, cands, {"credit_expiry": "heading"})
    assert [c.category for c in lifted] == ["credit_expiry"]
    assert lifted[0].confidence >= MIN_CONFIDENCE
    # below the low threshold, and where the rules already report it: unchanged
    assert add_learned([], [], [-0.5], lm, MIN_CONFIDENCE) == ([], [])
    ruled = Classification("credit_expiry", 0.9, False, ("rule:x",))
    assert add_learned([ruled], [], [3.0], lm, MIN_CONFIDENCE) == ([ruled], [])
    # a weaker listing of the category (below MIN_CONFIDENCE) gains the evidence once
    weak = Classification("credit_expiry", 0.4, True, ("model:+0.10",))
    cats, cands = add_learned([weak], [], [3.0], lm, MIN_CONFIDENCE)
    assert len(cats) == 1 and cats[0].confidence == round(1 - 0.6 * 0.4, 3) and cats[0].unfair


def _trained_component(tmp_path: Path) -> LinearModel:
    """The synthetic component, written as the training script writes it and read back."""
    got = P.train(P.Data(items(), CATS), folds=3)
    assert got is not None
    path = tmp_path / "provision_model.json"
    path.write_text(json.dumps(P.export(*got, [])), "utf-8")
    return read_provision_model(path.read_text("utf-8"))


def test_classify_uses_the_component_and_keeps_what_the_rules_report(tmp_path: Path) -> None:
    lm = _trained_component(tmp_path)
    texts = [
        "No money is given back for studio plans once paid, even if you cancel.",
        "Unused studio tokens lapse at the end of the billing year.",
        "We refund purchases made in the last fourteen days.",
        "You can reach the studio support team by e-mail.",
        "**Refunds**",
    ]
    try:
        set_enabled(False)  # the rules alone, whether or not a component is packaged
        clear_cache()
        rules_alone = [analyse(t).categories for t in texts]
        set_enabled(True)
        set_model(lm)
        clear_cache()
        learned = [analyse(t).categories for t in texts]
        via_extract = classify_text(texts[0]).categories
    finally:
        set_enabled(True)
        set_model(None)
        clear_cache()
    added = set()
    for text, before, after in zip(texts, rules_alone, learned, strict=True):
        by_cat = {c.category: c for c in after}
        for c in before:
            if c.confidence >= MIN_CONFIDENCE:  # what the rules report stays as it is
                assert by_cat[c.category] == c
        for c in after:
            if any(r.startswith("provision-model:") for r in c.reasons):
                j = lm.categories.index(c.category)
                assert lm.margins(tokenize(text.lower()))[j] >= lm.thresholds[j]
                added.add((text, c.category))
    # the phrasing the rules miss is found; a bare title and neutral text get nothing
    assert (texts[0], "refunds") in added
    assert "refunds" in {c.category for c in via_extract}
    assert learned[3] == rules_alone[3] and learned[4] == []


def test_switched_off_or_not_shipped_the_rules_work_alone(tmp_path: Path) -> None:
    lm = _trained_component(tmp_path)
    text = "No money is given back for studio plans once paid, even if you cancel."
    try:
        set_model(lm)
        set_enabled(False)
        clear_cache()
        assert load_provision_model() is None
        off = classify_text(text)
        assert all(not r.startswith("provision-model:") for c in off.categories for r in c.reasons)
        set_enabled(True)
        assert load_provision_model() is lm
    finally:
        set_enabled(True)
        set_model(None)
        clear_cache()
    # the packaged file (benchmarks/RESULTS.md, issue 13: it beat the rules in nested CV) adds
    # only the categories its gate enabled
    packaged = load_provision_model()
    assert packaged is not None
    enabled = set(json.loads(PACKAGED.read_text("utf-8"))["enabled"])
    for cat, t in zip(packaged.categories, packaged.low_thresholds, strict=True):
        assert (t < float("inf")) == (cat in enabled)


# The rules' vetoes and negations, and the user or other users as actor: the component never adds
# those categories (issue 13: the direction defects it brought back).
VETOED = [
    (
        "You must not use any Output to train, fine-tune or improve another machine learning model.",
        "ai_training_on_user_content",
    ),
    (
        "You may not use the Outputs to train or develop models that compete with us.",
        "ai_training_on_user_content",
    ),
    (
        "We will never use (or sell) your uploads to train our models.",
        "ai_training_on_user_content",
    ),
    (
        "You have the right to terminate this Agreement at any time by closing your account.",
        "unilateral_termination",
    ),
    (
        "By making your project public, you grant other users a licence to view and copy it.",
        "license_to_platform",
    ),
]
PROVIDER = [
    ("We use data from our users to improve and train our models.", "ai_training_on_user_content"),
    (
        "We may terminate your account at any time if you breach these Terms.",
        "unilateral_termination",
    ),
    ("You grant us and other users a licence to host your content.", "license_to_platform"),
    ("Either party may terminate this Agreement on thirty days' notice.", "unilateral_termination"),
]
EVERYWHERE = ["ai_training_on_user_content", "license_to_platform", "unilateral_termination"]
# a clause with a trigger word of each (the component adds a category only with its vocabulary)
TRIGGERS = "Training data, licence terms and account closure are explained on the help page."


def test_blocked_categories_are_the_vetoed_negated_and_other_actors() -> None:
    for text, cat in VETOED:
        lower = text.lower()
        assert cat in blocked_categories(lower, tokenize(lower)), text
    for text, cat in PROVIDER:
        lower = text.lower()
        assert cat not in blocked_categories(lower, tokenize(lower)), text
    # a category none of whose rules' trigger words occurs: the model's n-grams alone are not enough
    welcome = "welcome to our website."
    assert "unilateral_change" in blocked_categories(welcome, tokenize(welcome))
    update = "we may update these terms from time to time."
    assert "unilateral_change" not in blocked_categories(update, tokenize(update))


def test_add_learned_never_adds_a_blocked_category() -> None:
    lm = _tiny_model(alone=2.0, low=0.5)
    assert add_learned([], [], [3.0], lm, MIN_CONFIDENCE, {"credit_expiry"}) == ([], [])
    # what the rules report stays as it is
    ruled = Classification("credit_expiry", 0.9, False, ("rule:x",))
    assert add_learned([ruled], [], [3.0], lm, MIN_CONFIDENCE, {"credit_expiry"}) == ([ruled], [])
    # the training script's rule agrees
    ch = P.Choice(0.0, 0.0)
    assert not P.combine(
        frozenset(), frozenset(), 3.0, "credit_expiry", ch, frozenset({"credit_expiry"})
    )
    assert P.combine(
        frozenset({"credit_expiry"}),
        frozenset(),
        3.0,
        "credit_expiry",
        ch,
        frozenset({"credit_expiry"}),
    )
    assert P.combine(frozenset(), frozenset(), 3.0, "credit_expiry", ch)


def test_classify_with_a_component_keeps_the_rules_vetoes() -> None:
    # a component that would add its three categories to any clause
    lm = LinearModel(
        categories=EVERYWHERE,
        vocab={"w": {"the": array("d", [1.0, 0.0, 0.0, 0.0])}, "c": {}},
        bias=[5.0, 5.0, 5.0],
        thresholds=[0.0, 0.0, 0.0],
        low_thresholds=[0.0, 0.0, 0.0],
    )
    try:
        set_model(lm)
        clear_cache()
        neutral = {c.category for c in classify_text(TRIGGERS).categories}
        got = {text: classify_text(text).categories for text, _ in VETOED}
    finally:
        set_model(None)
        clear_cache()
    assert set(EVERYWHERE) <= neutral
    for text, cat in VETOED:
        # absent, or as the rules report it (a negation: there, not unfair), never by the model
        mine = [c for c in got[text] if c.category == cat]
        assert all(not r.startswith("provision-model:") for c in mine for r in c.reasons), text
        assert all(not c.unfair for c in mine), text


def test_gate_keeps_a_category_only_with_support_and_gain() -> None:
    """The per-category gate: the component stays on for a category only where, on the given
    margins, it raises the category's F1 by GATE_MIN_GAIN with GATE_MIN_SUPPORT+ positives."""

    def case(n_pos: int, rules_find: int) -> P.Choice:
        its = [
            P.Item(
                f"p{k}",
                frozenset({"refunds"}),
                frozenset({"refunds"} if k < rules_find else ()),
                frozenset(),
                f"S{k}",
            )
            for k in range(n_pos)
        ] + [P.Item(f"n{k}", frozenset(), frozenset(), frozenset(), f"T{k}") for k in range(20)]
        # the model: above 0 on every positive, below on every negative
        margins = np.array([[1.0]] * n_pos + [[-1.0]] * 20)
        return P.gate(its, margins, ["refunds"], {"refunds": P.Choice(0.0, 0.0)})["refunds"]

    assert case(P.GATE_MIN_SUPPORT, 0).on  # the rules find none, the model all: on
    assert not case(P.GATE_MIN_SUPPORT - 1, 0).on  # too few positives to tell
    assert not case(P.GATE_MIN_SUPPORT, P.GATE_MIN_SUPPORT).on  # the rules find all: no gain
    # seen clauses do not count towards the support
    its = [
        P.Item(f"p{k}", frozenset({"refunds"}), frozenset(), frozenset(), f"S{k}", k < 3)
        for k in range(P.GATE_MIN_SUPPORT)
    ]
    margins = np.ones((len(its), 1))
    assert not P.gate(its, margins, ["refunds"], {"refunds": P.Choice(0.0, 0.0)})["refunds"].on


def test_a_category_left_out_of_the_enabled_list_is_never_added(tmp_path: Path) -> None:
    got = P.train(P.Data(items(), CATS), folds=3)
    assert got is not None
    data = P.export(*got, [])
    assert data["enabled"] == CATS  # the gate left both on here
    data["enabled"] = ["credit_expiry"]
    lm = read_provision_model(json.dumps(data))
    assert lm.thresholds[lm.categories.index("refunds")] == float("inf")
    assert lm.low_thresholds[lm.categories.index("refunds")] == float("inf")
    text = "No money is given back for studio plans once paid, even if you cancel."
    try:
        set_model(lm)
        clear_cache()
        cats = analyse(text).categories
    finally:
        set_model(None)
        clear_cache()
    assert not any(
        r.startswith("provision-model:") for c in cats if c.category == "refunds" for r in c.reasons
    )


# Credits and the like keeping or losing their expiry are not the user's data being kept: the
# rules veto data retention there, so the component never adds it (the demo's "Returned Credits
# keep their original expiry date" got it); a clause that also keeps data still can get it.
CREDITS_KEEP = [
    "If a job fails, its Credits go back to your balance. Returned Credits keep their original "
    "expiry date. Outputs you simply dislike are not failed jobs.",
    "Bonus points lose their validity twelve months after they are earned.",
    "Gift cards and coupons retain their expiry date when they are transferred.",
    "Your subscription remains valid until the end of the billing period.",
]
DATA_KEPT = [
    "Returned Credits keep their original expiry date, and we keep your personal data for 30 days.",
    "We keep your chat history for 30 days. Credits keep their original expiry date.",
    "We retain your prompts and outputs for 30 days after the subscription ends.",
]


def test_credits_keeping_their_expiry_are_not_data_retention() -> None:
    for text in CREDITS_KEEP:
        lower = text.lower()
        assert "data_retention" in blocked_categories(lower, tokenize(lower)), text
    for text in DATA_KEPT:
        lower = text.lower()
        assert "data_retention" not in blocked_categories(lower, tokenize(lower)), text
    # a component that would add data retention to any clause
    lm = LinearModel(
        categories=["data_retention"],
        vocab={"w": {"the": array("d", [1.0])}, "c": {}},
        bias=[5.0],
        thresholds=[0.0],
        low_thresholds=[0.0],
    )
    try:
        set_model(lm)
        clear_cache()
        got = {t: {c.category for c in classify_text(t).categories} for t in CREDITS_KEEP}
        kept = {t: {c.category for c in classify_text(t).categories} for t in DATA_KEPT}
    finally:
        set_model(None)
        clear_cache()
    assert all("data_retention" not in cats for cats in got.values()), got
    assert all("data_retention" in cats for cats in kept.values()), kept
    # the rules alone: the veto also holds where a retention rule matches the credits' wording
    stored = "Credits kept in your account balance keep their validity for 12 months."
    assert "data_retention" not in {c.category for c in classify_text(stored).categories}


def test_batch_margins_are_the_models_and_skip_clauses_without_a_trigger_word(
    tmp_path: Path,
) -> None:
    lm = _trained_component(tmp_path)
    texts = [
        "No money is given back for studio plans once paid, even if you cancel.",
        "Unused studio tokens expire; expired tokens expire again, and again, and again.",
        "Refund, refund, refund: we refund team purchases made in the last fourteen days.",
        "You can reach the studio support team by e-mail.",  # no trigger word of either category
        "",
        "Credits expire after a year unless you cancel the gold plan before it renews.",
    ]
    tokens = [tokenize(t.lower()) for t in texts]
    got = margins_of(lm, tokens)
    assert got[3] is None and got[4] is None
    assert all(got[i] is not None for i in (0, 1, 2, 5))
    for toks, m in zip(tokens, got, strict=True):
        if m is not None:
            assert np.allclose(m, lm.margins(toks), atol=1e-9)
    # clause by clause or in a batch, the same
    assert all(
        (a is None and b is None) or np.allclose(a, b, atol=1e-9)  # type: ignore[arg-type]
        for a, b in zip(got, [margins_of(lm, [t])[0] for t in tokens], strict=True)
    )
    # a clause left unscored could not have got a category from it anyway: the scope is the
    # trigger words of the categories it may add
    blocked = blocked_categories(texts[3].lower(), tokens[3])
    assert set(lm.categories) <= blocked
