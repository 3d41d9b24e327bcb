"""Changes of a few words that are slips or chrome, not changes of the terms (issue 18's target of
97 % of <= 3-word changes non-alerting, every exception real), on small texts written here: a stray
grammar word, a browser page title renamed, a stamp line's status word, the visible part of a
hidden e-mail address. And the few-word changes that must still alert."""

from __future__ import annotations

import hashlib

from monitor.changes.editorial import editorial_kind
from monitor.changes.version_analysis import diff_versions
from monitor.clauses import extract_provisions
from monitor.models import ChangeEvent


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def events(old: str, new: str) -> list[ChangeEvent]:
    return diff_versions(
        old,
        extract_provisions(old),
        new,
        extract_provisions(new),
        old_sha256=sha(old),
        new_sha256=sha(new),
    )


def substantive(old: str, new: str) -> list[ChangeEvent]:
    return [e for e in events(old, new) if not e.editorial and e.kind != "moved"]


def test_a_stray_grammar_word_is_a_typo() -> None:
    pairs = [
        ("clear rules for the use of our tools as within a wider system", "as"),
        ("any service launched after signing it will be effective on first use", "it"),
        ("for rights over the data we use to train models, read the FAQ", "to"),
        ("(i) to comply with the law; and (ii) to defend our rights", "and"),
        ("we confirm that the fees are due monthly", "that"),
    ]
    for text, word in pairs:
        without = text.replace(f" {word} ", " ", 1)
        assert editorial_kind(text, without) == "typo", text
        assert editorial_kind(without, text) == "typo", text


def test_grammar_words_that_change_meaning_stay_substantive() -> None:
    base = "You and/or your company may cancel the plan."
    assert editorial_kind(base, base.replace("and/or", "or")) is None  # and/or -> or
    assert editorial_kind(base, base.replace("and/or", "and")) is None
    assert editorial_kind("You or we may end it.", "You and we may end it.") is None
    assert editorial_kind("We share your data.", "We share our data.") is None
    assert editorial_kind("We will refund you.", "We will not refund you.") is None
    assert editorial_kind("We refund fees.", "We may refund fees.") is None
    # more than two grammar words is more than a slip
    assert editorial_kind("a b c d e f", "a to b of c and d e f") is None


PAGE = """Plugins and Actions Terms | Example

# Terms for actions

You may connect actions to the service. We are not liable for what an action does.

Version: April 14, 2026 (Latest)
"""


def test_a_renamed_page_title_and_a_stamp_status_are_chrome() -> None:
    new = PAGE.replace("Plugins and Actions Terms |", "Connectors and actions terms |")
    assert substantive(PAGE, new) == []
    (ev,) = [e for e in events(PAGE, new) if e.editorial]
    assert ev.editorial_kind == "interface_text"
    new = PAGE.replace("(Latest)", "(current)")
    assert substantive(PAGE, new) == []
    (ev,) = [e for e in events(PAGE, new) if e.editorial]
    assert ev.editorial_kind == "date_stamp"
    # a sentence stays a sentence, however short
    new = PAGE.replace("We are not liable", "We are liable")
    assert len(substantive(PAGE, new)) == 1


def test_the_visible_part_of_a_hidden_address_is_the_address() -> None:
    old = (
        "Questions? Contact us at: supp[\\[email protected\\]](https://example.com/cdn-cgi/l/"
        "email-protection). We answer within a week."
    )
    new = old.replace("supp[", "[")
    assert editorial_kind(old, new) == "link"
    # a word outside the address is a word
    assert editorial_kind(old, old.replace("Contact us", "Write to us")) is None


def test_a_site_credit_line_is_chrome_but_a_service_provider_is_not() -> None:
    old = "# Legal notice\n\nPublisher: Example SAS, Paris.\n\n## Credits\n\nThis website is made with a static site generator and open-source software.\n"
    new = old.replace(
        "This website is made with a static site generator and open-source software.\n", ""
    )
    assert substantive(old, new) == []
    old = old.replace("This website is made", "The Services are powered")
    new = old.replace(
        "The Services are powered with a static site generator and open-source software.\n", ""
    )
    assert len(substantive(old, new)) == 1
