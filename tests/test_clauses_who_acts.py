"""Issue 13's list of defects, each on phrasings written for this file (new wordings, not the ones
the rules were first written for): who acts and in which direction, the negations, licences by
direction, enumerations, auto-renewal, notices that are not ages, courts and licences that are not
jurisdiction or law, durations named by their context, governing law that stops at the sentence.

Every text here is written for the test (no real document is copied).
"""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_facts, extract_provisions
from monitor.clauses.classify import context_categories
from monitor.models import ClassifiedClause, Fact


def cats(cc: ClassifiedClause) -> dict[str, bool]:
    return {c.category: c.unfair for c in cc.categories}


def named(facts: list[Fact] | tuple[Fact, ...], name: str) -> list[Fact]:
    return [f for f in facts if f.name == name]


@pytest.mark.parametrize(
    "text",
    [
        "You can withdraw from this contract within 14 days without giving any reason.",
        "You may end your subscription at any time; it stays active until the end of the period.",
        "Customers may close their account by writing to our support team.",
    ],
)
def test_the_users_own_exit_is_not_the_providers_termination(text: str) -> None:
    assert "unilateral_termination" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "We can close your account without notice if we suspect fraud.",
        "Acme may end your access to the Services at any time for any reason.",
        "Acme will disable the accounts of repeat infringers.",
        "Accounts of repeat infringers will be terminated.",
    ],
)
def test_the_providers_termination_is_recognised(text: str) -> None:
    assert "unilateral_termination" in cats(classify_text(text))


def test_a_heading_on_the_users_right_outweighs_its_parent_heading() -> None:
    assert "unilateral_termination" not in context_categories(
        ("Term and Termination", "Your right to terminate")
    )
    assert "unilateral_termination" not in context_categories(
        ("Term and Termination", "Termination by you")
    )
    assert "unilateral_termination" in context_categories(
        ("Term and Termination", "Our right to terminate")
    )
    doc = (
        "# Terms\n\n## Term and Termination\n\n### Your right to terminate\n\n"
        "You may terminate your account at any time from the settings page.\n\n"
        "### Our right to terminate\n\n"
        "We may terminate your account if you breach these Terms.\n"
    )
    by_text = {cc.clause.text.strip(): cats(cc) for cc in extract_provisions(doc)}
    mine = by_text.get("You may terminate your account at any time from the settings page.", {})
    assert "unilateral_termination" not in mine
    assert (
        "unilateral_termination"
        in by_text["We may terminate your account if you breach these Terms."]
    )


def test_the_provider_suspending_in_a_condition_is_a_suspension() -> None:
    text = "If Acme suspends or terminates your workspace, unused fees are not refunded."
    assert {"account_suspension", "unilateral_termination"} <= cats(classify_text(text)).keys()


@pytest.mark.parametrize(
    "text",
    [
        "You must not use any Output to train, fine-tune or improve another machine learning model.",
        "Users are prohibited from using generated content to develop competing AI systems.",
    ],
)
def test_users_barred_from_training_on_outputs(text: str) -> None:
    got = cats(classify_text(text))
    assert "ai_training_on_user_content" not in got
    assert "output_non_compete" in got


@pytest.mark.parametrize(
    "text",
    [
        "Acme shall not use (and will not permit its subprocessors to use) Customer Content to "
        "train foundation models.",
        "We will never use (or sell) your uploads to train our models.",
    ],
)
def test_a_parenthesis_does_not_defeat_the_negation(text: str) -> None:
    cc = classify_text(text)
    assert cats(cc).get("ai_training_on_user_content") is False
    assert [f.value for f in named(cc.facts, "training_on_content")] == ["never"]


@pytest.mark.parametrize(
    "text",
    [
        "Subject to these Terms, we grant you a personal, non-transferable licence to use the Outputs.",
        "Acme hereby grants Customer a non-exclusive right to use the API.",
    ],
)
def test_licences_from_the_provider_are_not_licences_to_the_platform(text: str) -> None:
    assert "license_to_platform" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "You grant Acme a perpetual, worldwide, royalty-free right to reproduce, modify and "
        "distribute any content you upload.",
        "By submitting prompts you give us permission to use, copy and adapt them to operate and "
        "improve the Service.",
    ],
)
def test_grants_from_the_user_are_licences_to_the_platform(text: str) -> None:
    assert "license_to_platform" in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "The Client (i) keeps all rights in its Prompts and (ii) owns all Outputs.",
        "Customer (a) retains all ownership of its Inputs and (b) owns all Output generated for it.",
    ],
)
def test_output_ownership_inside_an_enumeration(text: str) -> None:
    cc = classify_text(text)
    assert "output_ownership" in cats(cc)
    assert [f.value for f in named(cc.facts, "output_owner")] == ["user"]


@pytest.mark.parametrize(
    "text",
    [
        "We will automatically charge your saved payment method every year until you cancel.",
        "Your membership fee will be charged automatically each month unless you turn off renewal.",
    ],
)
def test_automatic_charges_until_cancelled_are_auto_renewal(text: str) -> None:
    cc = classify_text(text)
    assert "auto_renewal" in cats(cc)
    assert [f.value for f in named(cc.facts, "auto_renews")] == ["yes"]


def test_days_of_notice_are_a_notice_period_not_an_age() -> None:
    cc = classify_text("Acme will give you at least 20 days' notice before any price increase.")
    assert [f.value for f in named(cc.facts, "notice_period")] == [20]
    assert not named(cc.facts, "minimum_age")
    assert "age_eligibility" not in cats(cc)


@pytest.mark.parametrize(
    "text",
    [
        "If any provision is held invalid by a court of competent jurisdiction, the remaining "
        "provisions stay in effect.",
        "Open-source components are governed by their own licences.",
        "Third-party models are governed by their own licence terms and policies.",
    ],
)
def test_courts_and_licences_that_are_not_jurisdiction_or_law(text: str) -> None:
    cc = classify_text(text)
    assert not {"jurisdiction", "choice_of_law"} & cats(cc).keys()
    assert not named(cc.facts, "venue") and not named(cc.facts, "governing_law")


@pytest.mark.parametrize(
    ("text", "category", "name", "days"),
    [
        (
            "Invoices are payable within 45 days of the invoice date.",
            "refunds",
            "payment_deadline",
            45,
        ),
        (
            "You may ask for a refund within 7 days of your first payment.",
            "refunds",
            "refund_window",
            7,
        ),
        (
            "We will tell you 10 days before a new price applies.",
            "price_change",
            "notice_period",
            10,
        ),
    ],
)
def test_a_duration_is_named_by_its_own_context(
    text: str, category: str, name: str, days: float
) -> None:
    durations = [f for f in extract_facts(text, [category]) if f.kind == "duration"]
    assert [(f.name, f.value) for f in durations] == [(name, days)]


@pytest.mark.parametrize(
    ("text", "code", "written"),
    [
        (
            "This agreement is governed by the laws of Sweden. The Parties shall first try to "
            "settle disputes amicably.",
            "SE",
            "Sweden",
        ),
        (
            "These terms are subject to the laws of the State of New York. Nothing here limits "
            "your statutory rights.",
            "US-NY",
            "New York",
        ),
    ],
)
def test_governing_law_stops_at_its_sentence(text: str, code: str, written: str) -> None:
    cc = classify_text(text)
    assert "choice_of_law" in cats(cc)
    (fact,) = named(cc.facts, "governing_law")
    assert (fact.value, fact.written) == (code, written)


def test_use_subject_to_the_users_own_laws_is_no_choice_of_law() -> None:
    text = "Your use of the Service is subject to the laws of your country of residence."
    assert "choice_of_law" not in cats(classify_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "You will not be entitled to receive a refund for fees already paid.",
        "Customers shall not be eligible for any refund once a plan has started.",
    ],
)
def test_refund_refusals_read_as_not_refundable(text: str) -> None:
    cc = classify_text(text)
    assert [f.value for f in named(cc.facts, "refundable")] == ["no"]


def test_concurrency_keeps_the_documents_noun() -> None:
    cc = classify_text("You may run at most 3 generation jobs at the same time.")
    (fact,) = named(cc.facts, "concurrent_jobs")
    assert (fact.value, fact.written) == (3, "3 jobs")


@pytest.mark.parametrize(
    ("text", "by_using"),
    [
        (
            "By accessing the Service, you confirm that you are at least 13 years old. If you are "
            "too young to consent to these terms, a parent must do so for you.",
            False,
        ),
        (
            "By using the Service you represent that you are at least 18 years of age.",
            False,
        ),
        ("By using the Service, you agree to be bound by these Terms.", True),
        ("By creating an account, you hereby accept these Terms.", True),
    ],
)
def test_contract_by_using_needs_the_user_to_agree(text: str, by_using: bool) -> None:
    assert ("contract_by_using" in cats(classify_text(text))) is by_using
