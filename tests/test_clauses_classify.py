"""Classification: one synthetic clause per category, tricky negatives, unfair degree."""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_provisions
from monitor.models import ClassifiedClause

POSITIVE = {
    "concurrency_limit": "Pro subscribers may run up to 12 concurrent jobs at the same time.",
    "rate_limit": "API access is rate limited to 600 requests per minute per organisation.",
    "credit_expiry": "Purchased credits expire 12 months after the date of purchase.",
    "refunds": "All purchases are final and non-refundable.",
    "auto_renewal": "Your subscription will automatically renew at the end of each billing period "
    "unless you cancel it.",
    "price_change": "We may change our prices at any time by posting the new prices on the website.",
    "failed_job_billing": "Credits are consumed for failed generations and cancelled jobs.",
    "fund_hold": "We may withhold payouts to you for up to 90 days if we suspect fraud.",
    "ai_training_on_user_content": "We use your prompts and outputs to train and improve our models.",
    "output_ownership": "As between you and us, you own all outputs you create with the Service.",
    "license_to_platform": "You grant us a perpetual, irrevocable, worldwide licence to use, "
    "reproduce, modify and distribute your content.",
    "output_non_compete": "You may not use the outputs to develop models that compete with our services.",
    "public_by_default": "Images you generate are publicly visible in the community gallery by default.",
    "voice_likeness_biometrics": "When you clone your voice we create a voiceprint from your voice "
    "recordings.",
    "acceptable_use": "You may not use the Service to harass others or distribute malware.",
    "arbitration": "Any dispute shall be resolved by binding arbitration administered by the AAA.",
    "class_action_waiver": "You may bring claims only on an individual basis and not as a plaintiff "
    "in any class action.",
    "jury_trial_waiver": "Each party waives any right to a jury trial.",
    "unilateral_change": "We reserve the right to modify these Terms at any time at our sole discretion.",
    "content_removal": "We may remove any content at any time for any reason without notice.",
    "unilateral_termination": "We may terminate your account at any time, for any reason, without notice.",
    "account_suspension": "We may suspend your account while we investigate a suspected violation.",
    "jurisdiction": "You agree to submit to the exclusive jurisdiction of the courts of San Francisco "
    "County, California.",
    "choice_of_law": "These Terms are governed by the laws of the State of California.",
    "limitation_of_liability": "In no event shall we be liable for any indirect, incidental or "
    "consequential damages.",
    "indemnification": "You agree to indemnify and hold us harmless from any claims arising from your use.",
    "warranty_disclaimer": "The Service is provided as is and as available, without warranties of any kind.",
    "contract_by_using": "By accessing or using the Service, you agree to be bound by these Terms.",
    "privacy_policy_by_reference": "Our Privacy Policy is incorporated into these Terms by reference.",
    "data_retention": "We retain your conversations for 30 days and then delete them.",
    "age_eligibility": "You must be at least 18 years old to use the Service.",
    "data_sharing_third_parties": "We share your personal information with advertising partners and "
    "other third parties.",
    "export_controls": "You may not use the Service in any country subject to U.S. embargoes or "
    "sanctions administered by OFAC.",
}

UNFAIR = [
    "arbitration",
    "unilateral_change",
    "content_removal",
    "unilateral_termination",
    "limitation_of_liability",
    "contract_by_using",
    "class_action_waiver",
    "credit_expiry",
    "ai_training_on_user_content",
]


def cats(cc: ClassifiedClause) -> dict[str, bool]:
    return {c.category: c.unfair for c in cc.categories}


@pytest.mark.parametrize("category", sorted(POSITIVE))
def test_every_category_recognised(category: str) -> None:
    cc = classify_text(POSITIVE[category])
    assert category in cats(cc), (category, cc.categories)
    cls = next(c for c in cc.categories if c.category == category)
    assert 0 < cls.confidence <= 1
    assert cls.reasons


@pytest.mark.parametrize("category", UNFAIR)
def test_unfavourable_versions_are_unfair(category: str) -> None:
    assert cats(classify_text(POSITIVE[category]))[category] is True


@pytest.mark.parametrize(
    ("text", "category", "fact", "value"),
    [
        (
            "We will not train our models on your content.",
            "ai_training_on_user_content",
            "training_on_content",
            "never",
        ),
        (
            "We do not use your inputs or outputs to train our models.",
            "ai_training_on_user_content",
            "training_on_content",
            "never",
        ),
        ("Credits never expire.", "credit_expiry", "credits_expire", "never"),
        ("Your prepaid credits do not expire.", "credit_expiry", "credits_expire", "never"),
        (
            "There is no arbitration: disputes are heard by the courts.",
            "arbitration",
            "arbitration",
            "none",
        ),
    ],
)
def test_negations_are_not_unfair(text: str, category: str, fact: str, value: str) -> None:
    cc = classify_text(text)
    c = cats(cc)
    assert c.get(category) is not True, cc.categories
    if category in c:
        assert any(f.name == fact and f.value == value for f in cc.facts), cc.facts


def test_no_arbitration_never_unfair_arbitration() -> None:
    for text in (
        "There is no arbitration.",
        "Disputes will not be subject to binding arbitration.",
    ):
        assert cats(classify_text(text)).get("arbitration") is not True


def test_failed_jobs_not_charged_is_not_unfair() -> None:
    cc = classify_text("Failed generations are not charged and credits are returned.")
    assert cats(cc).get("failed_job_billing") is not True


def test_we_do_not_sell_data() -> None:
    cc = classify_text("We do not sell your personal information to third parties.")
    assert cats(cc).get("data_sharing_third_parties") is not True


def test_fair_arbitration_clause_is_recognised() -> None:
    cc = classify_text(
        "You may opt out of this arbitration agreement within 30 days, and either party may bring "
        "an individual claim in small claims court."
    )
    assert "arbitration" in cats(cc)


def test_liability_carveout_vs_full_exclusion() -> None:
    full = classify_text(
        "We shall not be liable for any damages whatsoever arising from the Service."
    )
    assert cats(full)["limitation_of_liability"] is True


def test_plain_text_has_no_category() -> None:
    assert classify_text("Welcome to our website, we hope you enjoy it.").categories == []


def test_extract_provisions_only_categorised_with_facts() -> None:
    doc = (
        "# Terms\n\nWelcome to our website.\n\n## Billing\n\n"
        "Prepaid credits expire 12 months after purchase.\n\n"
        "## Disputes\n\nDisputes are resolved by binding arbitration administered by JAMS.\n"
    )
    provs = extract_provisions(doc, "Terms of Service")
    assert [p.categories[0].category for p in provs] == ["credit_expiry", "arbitration"]
    for p in provs:
        assert doc[p.clause.start : p.clause.end] == p.clause.text
    assert any(f.name == "credit_validity" and f.value == 365 for f in provs[0].facts)
    assert any(f.name == "arbitration_body" and f.value == "JAMS" for f in provs[1].facts)
    assert provs[1].clause.heading_path == ("Terms", "Disputes")


def test_unfair_model_decision_lists_features() -> None:
    cc = classify_text("We may terminate your account at any time, for any reason, without notice.")
    cls = next(c for c in cc.categories if c.category == "unilateral_termination")
    assert cls.unfair
    assert any(r.startswith("model:") for r in cls.reasons)
    assert any(r.startswith("ngram:") for r in cls.reasons)


def test_cached_classification_returns_fresh_lists() -> None:
    text = "These Terms are governed by the laws of the State of California."
    a = classify_text(text)
    b = classify_text(text)
    assert a.categories == b.categories and a.facts == b.facts
    assert a.categories is not b.categories and a.facts is not b.facts
    a.categories.clear()
    assert classify_text(text).categories == b.categories


def test_runtime_scorer_matches_tfidf_formula() -> None:
    """Pure-Python scoring equals the training transform: sublinear-tf L2 word block plus a raw-tf
    character block normalised by sqrt(sum tf * idf^2)."""
    import math

    from monitor.clauses.model import LinearModel, char_counts, tokenize, word_counts

    vocab = {
        "w": {"we": [1.2, 0.5, -0.1], "may": [1.5, 0.3, 0.2], "we may": [2.0, 0.9, 0.0]},
        "c": {" we": [1.1, 0.2, 0.1], "may": [1.3, -0.4, 0.6], " ma": [1.7, 0.1, 0.1]},
    }
    m = LinearModel(
        categories=["x", "y"],
        vocab=vocab,
        bias=[-0.5, 0.25],
        thresholds=[0.0, 0.0],
        low_thresholds=[-0.5, -0.5],
        sublinear={"w": True, "c": False},
    )
    toks = tokenize("we may we may maybe we do")
    expect = list(m.bias)
    for block, counts, sub in (("w", word_counts(toks), True), ("c", char_counts(toks), False)):
        known = {f: tf for f, tf in counts.items() if f in vocab[block]}
        vals = {
            f: ((1 + math.log(tf)) if sub else tf) * vocab[block][f][0] for f, tf in known.items()
        }
        if sub:
            norm = math.sqrt(sum(v * v for v in vals.values()))
        else:
            norm = math.sqrt(sum(tf * vocab[block][f][0] ** 2 for f, tf in known.items()))
        for j in range(2):
            expect[j] += sum(v * vocab[block][f][j + 1] for f, v in vals.items()) / norm
    got = m.margins(toks)
    assert all(abs(a - b) < 1e-9 for a, b in zip(got, expect, strict=True))


def test_batch_scorer_matches_clause_scorer() -> None:
    """score_many (numpy, a document's new clauses at once) gives score()'s margins and the same
    explanations, including clauses with no known n-gram and repeated words and bigrams."""
    from monitor.clauses.model import load_model, tokenize

    model = load_model()
    assert model is not None
    texts = [
        "We may terminate your account at any time, for any reason, without notice.",
        "Any dispute shall be resolved by binding arbitration administered by JAMS.",
        "",
        "zzzqx qqqzz",
        "We may may change these terms terms at any time; we may change them again.",
        "These Terms are governed by the laws of the State of California.",
    ]
    toks = [tokenize(t.lower()) for t in texts]
    many = model.score_many(toks)
    for tk, batch in zip(toks, many, strict=True):
        one = model.score(tk)
        assert all(abs(a - b) < 1e-9 for a, b in zip(batch.margins, one.margins, strict=True))
        for j in range(len(model.categories)):
            assert model.explain(batch, j) == model.explain(one, j)


def test_document_batch_matches_single_clauses() -> None:
    from monitor.clauses import clear_cache

    doc = (
        "# Terms\n\n## 1. Changes\n\nWe may change these Terms at any time without notice.\n\n"
        "## 2. Law\n\nThese Terms are governed by the laws of England and Wales.\n\n"
        "## 3. Disputes\n\nAll disputes will be resolved by binding arbitration (AAA), and you "
        "waive any class action. You may opt out within 30 days.\n"
    )
    clear_cache()
    batch = extract_provisions(doc)
    singles = []
    for cc in batch:
        clear_cache()
        singles.append(classify_text(cc.clause.text))
    assert [(c.categories, c.facts) for c in batch] == [(c.categories, c.facts) for c in singles]
    assert len(batch) >= 3
