"""Facts: normalised durations, money, caps, counts, rates, bodies, law, venue, training stance."""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_facts
from monitor.clauses.facts import parse_number
from monitor.models import Fact


def facts_of(text: str) -> list[Fact]:
    return classify_text(text).facts


def named(facts: list[Fact], name: str) -> list[Fact]:
    return [f for f in facts if f.name == name]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30", 30),
        ("1,000", 1000),
        ("thirty", 30),
        ("twenty-four", 24),
        ("one hundred", 100),
        ("an", 1),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "name", "days"),
    [
        ("We may modify these Terms by giving you thirty (30) days' notice.", "notice_period", 30),
        ("Purchased credits expire 12 months after purchase.", "credit_validity", 365),
        ("Prepaid credits expire one year after purchase.", "credit_validity", 365),
        ("You may request a refund within 14 days of purchase.", "refund_window", 14),
        (
            "You may opt out of arbitration within 30 days of accepting these Terms.",
            "optout_window",
            30,
        ),
        ("We retain your conversations for 48 hours and then delete them.", "retention", 2),
        ("We may terminate your account at any time without notice.", "notice_period", 0),
    ],
)
def test_durations_in_days(text: str, name: str, days: float) -> None:
    facts = named(facts_of(text), name)
    assert facts, facts_of(text)
    assert facts[0].value == pytest.approx(days)
    assert facts[0].unit == "days"
    assert facts[0].text in text


def test_liability_cap_formula_and_money() -> None:
    text = (
        "Our aggregate liability will not exceed the greater of $100 or the fees you paid us in the "
        "12 months before the claim."
    )
    facts = facts_of(text)
    assert named(facts, "liability_cap_months")[0].value == 12
    assert named(facts, "liability_cap_formula")[0].value == "max(100 USD, 12 months of fees)"
    cap = named(facts, "liability_cap")[0]
    assert (cap.value, cap.unit) == (100, "USD")


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("In no event shall our total liability exceed USD 50.", 50, "USD"),
        ("In no event shall our total liability exceed €1,000.", 1000, "EUR"),
        ("In no event shall our total liability exceed one hundred US dollars.", 100, "USD"),
        ("In no event shall our total liability exceed £250.", 250, "GBP"),
    ],
)
def test_money(text: str, amount: float, currency: str) -> None:
    cap = named(facts_of(text), "liability_cap")
    assert cap and cap[0].value == amount and cap[0].unit == currency


def test_concurrency_and_rates() -> None:
    f = facts_of("Pro subscribers may run up to 12 concurrent jobs.")
    assert named(f, "concurrent_jobs")[0].value == 12
    f = facts_of("You may run three (3) generations simultaneously.")
    assert named(f, "concurrent_generations")[0].value == 3
    f = facts_of("The API is rate limited to 600 requests per minute and 10,000 requests per day.")
    assert named(f, "requests_per_minute")[0].value == 600
    assert named(f, "requests_per_day")[0].value == 10000


@pytest.mark.parametrize(
    ("text", "body"),
    [
        (
            "Disputes are resolved by binding arbitration administered by the American Arbitration "
            "Association.",
            "AAA",
        ),
        ("Arbitration shall be conducted by JAMS under its Streamlined Rules.", "JAMS"),
        ("The arbitration will be administered by the ICDR.", "ICDR"),
        ("Any dispute shall be finally resolved by arbitration under the ICC Rules.", "ICC"),
        ("Disputes shall be referred to arbitration under the LCIA Rules in London.", "LCIA"),
        (
            "Disputes shall be resolved by arbitration administered by the Singapore International "
            "Arbitration Centre.",
            "SIAC",
        ),
    ],
)
def test_arbitration_bodies(text: str, body: str) -> None:
    assert named(facts_of(text), "arbitration_body")[0].value == body


@pytest.mark.parametrize(
    ("text", "law"),
    [
        ("These Terms are governed by the laws of the State of California.", "US-CA"),
        ("These Terms are governed by the laws of England and Wales.", "GB-EAW"),
        ("This Agreement shall be governed by and construed under the laws of Ireland.", "IE"),
        (
            "These Terms are governed by Delaware law, without regard to conflict of laws rules.",
            "US-DE",
        ),
        ("This Agreement is governed by the laws of the State of New York.", "US-NY"),
    ],
)
def test_governing_law(text: str, law: str) -> None:
    assert named(facts_of(text), "governing_law")[0].value == law


def test_venue() -> None:
    text = (
        "You agree to the exclusive jurisdiction of the state and federal courts located in San "
        "Francisco County, California."
    )
    venue = named(facts_of(text), "venue")[0]
    assert venue.value == "San Francisco County, California"
    assert venue.text in text


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("We will not use your content to train our models.", "never"),
        (
            "We may use your prompts to train our models unless you opt out in your settings.",
            "opt_out",
        ),
        ("We use your inputs to train our models only if you opt in.", "opt_in"),
        ("We use your prompts and outputs to train and improve our models.", "yes"),
    ],
)
def test_training_stance(text: str, stance: str) -> None:
    assert named(facts_of(text), "training_on_content")[0].value == stance


def test_extract_facts_accepts_category_ids() -> None:
    facts = extract_facts("Credits expire after 6 months.", ["credit_expiry"])
    assert named(facts, "credit_validity")[0].value == 182.5


def test_fact_text_is_substring() -> None:
    text = (
        "Each payment will expire at the end of the twelfth (12th) month after the date of payment."
    )
    facts = extract_facts(text, ["credit_expiry"])
    assert named(facts, "credit_validity")[0].value == 365
    for f in facts:
        assert f.text in text
