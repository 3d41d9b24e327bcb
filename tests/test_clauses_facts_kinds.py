"""Facts keep the document's value and unit beside the normalised one; each duration is named by
what it measures; ages, venues, laws, caps and stances. Every text is written for the test."""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_facts
from monitor.models import Fact


def named(facts: list[Fact], name: str) -> list[Fact]:
    return [f for f in facts if f.name == name]


def names(facts: list[Fact]) -> set[str]:
    return {f.name for f in facts}


@pytest.mark.parametrize(
    ("text", "written", "days"),
    [
        ("Purchased credits expire 12 months after purchase.", "12 months", 365.0),
        ("Purchased credits expire one year after purchase.", "1 year", 365.0),
        ("Purchased credits expire three (3) months after purchase.", "3 months", 91.25),
        ("Purchased credits expire 30 (thirty) days after purchase.", "30 days", 30.0),
    ],
)
def test_durations_keep_the_documents_unit(text: str, written: str, days: float) -> None:
    (fact,) = named(extract_facts(text, ["credit_expiry"]), "credit_validity")
    assert fact.written == written
    assert fact.value == pytest.approx(days)
    assert fact.unit == "days"
    assert fact.text in text


def test_twelve_months_and_one_year_compare_equal() -> None:
    a = named(
        extract_facts("Credits expire 12 months after purchase.", ["credit_expiry"]),
        "credit_validity",
    )
    b = named(
        extract_facts("Credits expire one year after purchase.", ["credit_expiry"]),
        "credit_validity",
    )
    assert a[0].value == b[0].value


def test_counts_keep_their_unit() -> None:
    (fact,) = named(classify_text("Pro users may run 3 jobs at a time.").facts, "concurrent_jobs")
    assert (fact.value, fact.written) == (3, "3 jobs")


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("You must be at least 18 years old to use the Service.", 18),
        ("You must be 13 years of age or older to create an account.", 13),
        ("Children under 16 may not use the Service.", 16),
        ("We do not permit anyone under the age of thirteen (13) to register.", 13),
        ("You must be at least 18 years old, or the age of majority where you live.", 18),
    ],
)
def test_minimum_age_is_an_age_not_a_duration(text: str, age: float) -> None:
    facts = classify_text(text).facts
    (fact,) = named(facts, "minimum_age")
    assert fact.value == age and fact.unit == "years"
    assert not [f for f in facts if f.kind == "duration"], facts


def test_minimum_age_and_parental_consent() -> None:
    text = "You must be 13 or older. If you are under 18, you may use the Service only with a parent's permission."
    facts = classify_text(text).facts
    assert named(facts, "minimum_age")[0].value == 13
    assert named(facts, "parental_consent_age")[0].value == 18


def test_age_of_majority_without_a_figure() -> None:
    facts = classify_text("You must have reached the age of majority to use the Service.").facts
    assert named(facts, "minimum_age")[0].value == "age of majority"


def test_notice_is_not_an_age() -> None:
    facts = extract_facts(
        "We may change these Terms by giving you at least 15 days' notice.", ["unilateral_change"]
    )
    assert named(facts, "notice_period")[0].value == 15
    assert not named(facts, "minimum_age")


@pytest.mark.parametrize(
    ("text", "cats", "name", "days"),
    [
        (
            "You must pay each invoice within 30 days.",
            ["price_change", "refunds"],
            "payment_deadline",
            30,
        ),
        ("Refunds may be requested within 14 days of purchase.", ["refunds"], "refund_window", 14),
        (
            "To avoid renewal, cancel at least 24 hours before the end of the current term.",
            ["auto_renewal"],
            "cancellation_deadline",
            1,
        ),
        (
            "We may suspend your account while we investigate for up to 10 days.",
            ["account_suspension"],
            "duration",
            10,
        ),
        (
            "If you fail to cure the breach within 15 days, we may terminate.",
            ["unilateral_termination"],
            "cure_period",
            15,
        ),
        ("We may hold funds for up to 120 days.", ["fund_hold"], "hold_period", 120),
    ],
)
def test_a_duration_is_named_by_what_it_measures(
    text: str, cats: list[str], name: str, days: float
) -> None:
    facts = extract_facts(text, cats)
    assert [f.name for f in facts if f.kind == "duration"] == [name], facts
    assert named(facts, name)[0].value == pytest.approx(days)


def test_notice_given_by_the_user_is_not_the_providers_notice() -> None:
    text = (
        "You may terminate the Agreement by giving five (5) days' written notice to us, and we may "
        "terminate it by giving thirty (30) days' written notice to you."
    )
    facts = extract_facts(text, ["unilateral_termination"])
    assert [f.value for f in named(facts, "notice_period")] == [30]
    assert [f.value for f in named(facts, "user_notice_period")] == [5]


def test_advance_notice_without_a_figure() -> None:
    facts = extract_facts(
        "We may change our fees if we give you advance notice of changes before they apply.",
        ["price_change"],
    )
    assert named(facts, "notice_period")[0].value == "unspecified"


@pytest.mark.parametrize(
    ("text", "venues"),
    [
        (
            "You agree to the exclusive jurisdiction of the state or federal courts located in "
            "Santa Clara County or San Mateo County, California.",
            ["Santa Clara County", "San Mateo County, California"],
        ),
        (
            "YOU AGREE TO THE EXCLUSIVE JURISDICTION OF THE COURTS LOCATED IN KING COUNTY, "
            "WASHINGTON AND YOU WAIVE ANY OBJECTION.",
            ["King County, Washington"],
        ),
        (
            "The courts of Paris have exclusive jurisdiction. The Parties waive any objection.",
            ["Paris"],
        ),
    ],
)
def test_venues_are_a_list_of_places(text: str, venues: list[str]) -> None:
    facts = extract_facts(text, ["jurisdiction"])
    got = named(facts, "venue")
    assert [f.value for f in got] == venues
    for f in got:
        assert f.text in text


def test_severability_court_is_not_a_venue() -> None:
    text = (
        "If a court of competent jurisdiction finds a provision invalid, the rest remains in force."
    )
    assert not named(classify_text(text).facts, "venue")


@pytest.mark.parametrize(
    ("text", "law", "written"),
    [
        (
            "These Terms are governed by the laws of France. The Parties agree to mediate.",
            "FR",
            "France",
        ),
        (
            "This Agreement is governed by the laws of England and Wales. The courts of England decide.",
            "GB-EAW",
            "England and Wales",
        ),
        (
            "The Federal Arbitration Act governs the interpretation of this arbitration agreement.",
            "FAA",
            "Federal Arbitration Act",
        ),
    ],
)
def test_governing_law_stops_at_the_sentence(text: str, law: str, written: str) -> None:
    (fact,) = named(classify_text(text).facts, "governing_law")
    assert (fact.value, fact.written) == (law, written)
    assert "The" not in fact.text.split()[-1]


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        (
            "Our aggregate liability will not exceed the greater of $100 or the fees you paid us in "
            "the six (6) months before the claim.",
            "max(100 USD, 6 months of fees)",
        ),
        (
            "Our total liability is limited to the fees you paid in the 12 months preceding the claim.",
            "12 months of fees",
        ),
    ],
)
def test_liability_cap_formula(text: str, formula: str) -> None:
    assert named(classify_text(text).facts, "liability_cap_formula")[0].value == formula


def test_credits_forfeited_on_termination() -> None:
    text = "On termination of your account any unused credits are forfeited."
    assert named(classify_text(text).facts, "credits_expire")[0].value == "on termination"


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("NAM will administer each batch of arbitration demands.", "NAM"),
        ("Arbitration fees will be governed by the AAA Rules.", "AAA"),
    ],
)
def test_more_arbitration_bodies(text: str, body: str) -> None:
    assert named(classify_text(text).facts, "arbitration_body")[0].value == body


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        (
            "By default, we do not use your data for training. If you have opted in, we may use "
            "your data to train our models.",
            "opt_in",
        ),
        (
            "If you enable zero data retention, we will not use your data to train models.",
            "opt_out",
        ),
        (
            "We will not use your content to train models unless you have explicitly agreed.",
            "opt_in",
        ),
        ("We do not train our models on your data by default.", "never"),
        (
            "Your files are used only to run your workspace and, once anonymised, to improve our "
            "models; they are never used to train general models.",
            "yes",
        ),
        ("We do not use your data to improve, enhance or train our models.", "never"),
    ],
)
def test_training_stance_sentence_by_sentence(text: str, stance: str) -> None:
    assert (
        named(extract_facts(text, ["ai_training_on_user_content"]), "training_on_content")[0].value
        == stance
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("All purchases are final and non-refundable.", "no"),
        ("Unused credits are not redeemable, refundable or transferable.", "no"),
        ("You will not receive a refund for the days left in your billing period.", "no"),
        ("You are entitled to a full refund within 14 days of purchase.", "yes"),
    ],
)
def test_refundable(text: str, value: str) -> None:
    assert named(classify_text(text).facts, "refundable")[0].value == value


def test_auto_renews_and_cancellation_deadline() -> None:
    text = (
        "Your plan renews automatically for successive one-year terms unless either party gives "
        "notice of non-renewal at least thirty (30) days before the end of the current term."
    )
    facts = classify_text(text).facts
    assert named(facts, "auto_renews")[0].value == "yes"
    assert named(facts, "cancellation_deadline")[0].value == 30


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("As between the parties, you own all outputs you generate.", "user"),
        ("We retain all right, title and ownership in the generated images.", "provider"),
    ],
)
def test_output_owner(text: str, owner: str) -> None:
    assert named(classify_text(text).facts, "output_owner")[0].value == owner


def test_parental_consent_without_a_minimum() -> None:
    facts = classify_text(
        "Users under 18 must have permission from a parent or guardian to use the Service."
    ).facts
    assert named(facts, "parental_consent_age")[0].value == 18
    assert not named(facts, "minimum_age")


@pytest.mark.parametrize(
    ("text", "cats", "name"),
    [
        (
            "Either party may terminate if the other fails to cure a material breach of these terms "
            "within thirty (30) days after notice.",
            ["unilateral_termination"],
            "cure_period",
        ),
        (
            "On termination, unused credits are forfeited and we will delete your personal data "
            "within 30 days.",
            ["credit_expiry", "data_retention"],
            "retention",
        ),
    ],
)
def test_more_durations_named(text: str, cats: list[str], name: str) -> None:
    assert named(extract_facts(text, cats), name)[0].value == 30
