"""Category precision: a category only on evidence about it; confidence; negations; fair rules.

Every text here is written for the test (no real document is copied).
"""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_provisions
from monitor.clauses.classify import MIN_CONFIDENCE, analyse
from monitor.clauses.model import LinearModel
from monitor.models import ClassifiedClause


def cats(cc: ClassifiedClause) -> dict[str, bool]:
    return {c.category: c.unfair for c in cc.categories}


def facts(cc: ClassifiedClause) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for f in cc.facts:
        out.setdefault(f.name, []).append(f.value)
    return out


@pytest.mark.parametrize(
    "text",
    [
        "You may cancel your subscription at any time from your account settings.",
        "You have the right to terminate this Agreement at any time by closing your account.",
        "You can delete your account whenever you like.",
        "This provision survives termination of the Agreement, together with Sections 4 and 9.",
    ],
)
def test_users_own_cancellation_is_not_provider_termination(text: str) -> None:
    assert "unilateral_termination" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "We may terminate your account at any time if you breach these Terms.",
        "Either party may terminate this Agreement on thirty days' written notice.",
        "Acme reserves the right to delete your account if your payment fails.",
        "Repeated violations will result in the termination of your account.",
    ],
)
def test_provider_termination_is_recognised(text: str) -> None:
    assert "unilateral_termination" in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "You may not use the Outputs to train or develop models that compete with us.",
        "(c) use Output to train competing models;",
        "extract model weights or use Output to train competing models;",
        "Customer shall not use (or allow anyone else to use) any output to develop an AI model.",
    ],
)
def test_user_training_ban_is_not_training_on_user_content(text: str) -> None:
    cc = classify_text(text)
    assert "ai_training_on_user_content" not in cats(cc), cc.categories
    assert "output_non_compete" in cats(cc)


@pytest.mark.parametrize(
    "text",
    [
        "We shall not use (or allow any third party to use) your prompts to train models.",
        "Acme does not use your organisation's documents to train any AI models.",
        "By default, we do not train on any inputs or outputs from business accounts.",
    ],
)
def test_training_negations_survive_parentheses_and_possessives(text: str) -> None:
    cc = classify_text(text)
    assert cats(cc).get("ai_training_on_user_content") is False, cc.categories


def test_training_on_users_content_is_recognised() -> None:
    cc = classify_text("We use data from our users to improve and train our models.")
    assert "ai_training_on_user_content" in cats(cc)


def test_training_on_scraped_data_is_not_user_content() -> None:
    text = "We train our models using publicly available data from the internet."
    assert "ai_training_on_user_content" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "Acme grants you a limited, non-exclusive licence to use the Service.",
        "We grant you a revocable right to access the API during the term.",
        "By making your project public, you grant other users a licence to view and copy it.",
    ],
)
def test_licences_to_the_user_are_not_licences_to_the_platform(text: str) -> None:
    assert "license_to_platform" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "By posting content, you hereby grant Acme a worldwide licence to host and display it.",
        "You also grant us and our affiliates a licence to use your feedback for any purpose.",
        "We may, at our discretion, use any feedback you send us without compensation to you.",
    ],
)
def test_grants_from_the_user_are_licences_to_the_platform(text: str) -> None:
    assert "license_to_platform" in cats(classify_text(text))


def test_broad_grant_is_unfair_narrow_is_not() -> None:
    broad = "You grant us a perpetual, irrevocable, sublicensable licence to use your content."
    narrow = "You grant us a licence to store your content only to provide the Service."
    assert cats(classify_text(broad))["license_to_platform"] is True
    assert cats(classify_text(narrow))["license_to_platform"] is False


@pytest.mark.parametrize(
    "text",
    [
        "Customer (a) retains all rights in Input and (b) owns all Output.",
        "As between the parties, you own the images you generate with the Service.",
        "Acme assigns to you all of its right, title and interest in the Output.",
    ],
)
def test_output_ownership_phrasings(text: str) -> None:
    assert "output_ownership" in cats(classify_text(text))


def test_rights_in_inputs_are_not_output_ownership() -> None:
    text = "As between you and Acme, you retain any rights you have in your prompts."
    assert "output_ownership" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "We will automatically charge your card each month until you cancel.",
        "Your plan is billed on a recurring basis at the start of each period.",
        "To avoid renewal, cancel at least one day before the end of your term.",
    ],
)
def test_auto_renewal_phrasings(text: str) -> None:
    assert "auto_renewal" in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "There is no judge or jury in arbitration, and court review of an award is limited.",
        "You may not bring a claim as part of a class arbitration.",
        "Either party may bring a claim in small claims court instead of arbitration.",
        "Claims for injunctive relief will not be subject to arbitration.",
    ],
)
def test_arbitration_explanations_are_not_negations(text: str) -> None:
    cc = classify_text(text)
    assert "arbitration" in cats(cc), cc.categories
    assert "arbitration" not in facts(cc), cc.facts
    cls = next(c for c in cc.categories if c.category == "arbitration")
    assert "rule:arb_none" not in cls.reasons


@pytest.mark.parametrize(
    "text",
    [
        "There is no arbitration: disputes are heard by the courts.",
        "This Agreement does not contain an arbitration clause.",
        "Disputes will not be subject to binding arbitration.",
    ],
)
def test_no_arbitration_needs_the_document_to_say_so(text: str) -> None:
    cc = classify_text(text)
    assert cats(cc).get("arbitration") is False
    assert facts(cc).get("arbitration") == ["none"]


def test_fair_rules_lower_unfair_with_rules_only() -> None:
    plain = "All disputes will be resolved by binding arbitration."
    optout = plain + " You may opt out of arbitration within 30 days."
    assert analyse(plain, None).categories[0].unfair is True
    found = {c.category: c.unfair for c in analyse(optout, None).categories}
    assert found["arbitration"] is False


def test_fair_rules_lower_the_models_margin() -> None:
    # a one-feature model whose margin is 0.3 above its threshold for any clause saying "arbitration"
    model = LinearModel(
        categories=["arbitration"],
        vocab={"w": {"arbitration": [1.0, 0.3]}, "c": {}},
        bias=[0.0],
        thresholds=[0.0],
        low_thresholds=[-0.5],
        sublinear={"w": True, "c": False},
    )
    plain = "All disputes go to arbitration."
    carved = plain + " Small claims may be brought in small claims court."
    assert analyse(plain, model).categories[0].unfair is True
    assert analyse(carved, model).categories[0].unfair is False


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "If a court of competent jurisdiction finds any provision invalid, the rest remains "
            "in effect.",
            "jurisdiction",
        ),
        ("Open-source components are governed by their own licences.", "choice_of_law"),
        ("Arbitration fees will be governed by the rules of the administrator.", "choice_of_law"),
        ("You may not assign these Terms without our consent.", "acceptable_use"),
        ("You will not receive a refund for partial months.", "acceptable_use"),
        ("Refer to Section 16.7 for assignment.", "age_eligibility"),
        ("Please give us at least 15 days' notice before you leave.", "age_eligibility"),
        ("Don't build tools that target users under 13 years of age.", "age_eligibility"),
    ],
)
def test_no_category_without_evidence_about_it(text: str, category: str) -> None:
    assert category not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "**Automatic renewal.**",
        "[7. Governing law](#governing-law)",
        "| [Disputes](#disputes) | How arbitration and choice of law work. |",
    ],
)
def test_titles_and_contents_links_state_nothing(text: str) -> None:
    assert classify_text(text).categories == []


def test_reported_categories_carry_a_confidence_to_filter_on() -> None:
    cc = classify_text("We may terminate your account at any time, for any reason, without notice.")
    assert cc.categories
    assert all(MIN_CONFIDENCE <= c.confidence <= 1 for c in cc.categories)


def test_model_alone_is_listed_by_analyse_but_not_reported() -> None:
    # a one-feature model that says "unilateral_termination" for anything mentioning "banana"
    model = LinearModel(
        categories=["unilateral_termination"],
        vocab={"w": {"banana": [1.0, 2.0]}, "c": {}},
        bias=[0.0],
        thresholds=[0.0],
        low_thresholds=[-0.5],
        sublinear={"w": True, "c": False},
    )
    found = analyse("A banana a day.", model).categories
    assert [c.category for c in found] == ["unilateral_termination"]
    assert found[0].confidence < MIN_CONFIDENCE


def test_heading_confirms_weak_evidence() -> None:
    item = "- resell access to the Services to anyone else"
    under_rules = f"# Terms\n\n## Prohibited uses\n\nYou may not:\n\n{item}\n"
    under_pricing = f"# Terms\n\n## Plans\n\nOur plans:\n\n{item}\n"
    got = extract_provisions(under_rules, "Terms of Service")
    item_cc = [cc for cc in got if "resell" in cc.clause.text]
    assert item_cc and "acceptable_use" in cats(item_cc[0])
    cls = next(c for c in item_cc[0].categories if c.category == "acceptable_use")
    assert "heading:acceptable_use" in cls.reasons
    assert not [cc for cc in extract_provisions(under_pricing) if "resell" in cc.clause.text]


def test_document_type_confirms_weak_evidence() -> None:
    doc = "# Overview\n\n- resell access to the Services to anyone else\n"
    assert not extract_provisions(doc, "Terms of Service")
    got = extract_provisions(doc, "Acceptable Use Policy")
    assert got and "acceptable_use" in cats(got[0])
