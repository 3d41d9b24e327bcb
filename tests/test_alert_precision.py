"""Three false-alert classes of the labelled GenAI sample (issue 18), each on small texts written
here, with the real change next to it that must still alert: a run-in title added to a paragraph,
a stray number word before a number given in words and figures, a note that only says when the
document takes effect."""

from __future__ import annotations

import pytest

from monitor.changes.editorial import editorial_kind, effective_note
from monitor.changes.version_analysis import analyse_text
from monitor.models import ChangeEvent, is_substantive

DOC = """# Terms of Service

## Use of the product

{}

We may suspend your account if you breach these terms, and we will tell you why by email.
"""


def substantive(old: str, new: str) -> list[ChangeEvent]:
    """The substantive events from DOC holding `old` to DOC holding `new` (the whole differ)."""
    analysis = analyse_text(DOC.format(new), "Terms of Service", DOC.format(old))
    assert analysis.events is not None
    return [e for e in analysis.events if is_substantive(e)]


ABUSE = (
    "7. Please be aware that the excessive use of bots can lead to penalties on your account."
    " We do not assume any responsibility for consequences of abuse."
)


def test_a_run_in_title_added_to_a_paragraph_is_heading_format() -> None:
    titled = ABUSE.replace("7. ", "7. **Abuse of the product.  \n    \u200d**")
    assert editorial_kind(ABUSE, titled) == "heading_format"
    assert editorial_kind(titled, ABUSE) == "heading_format"  # and removed
    assert substantive(ABUSE, titled) == []


def test_a_run_in_title_with_a_changed_sentence_alerts() -> None:
    titled = ABUSE.replace("7. ", "7. **Abuse.** ").replace("We do not", "We do")
    assert editorial_kind(ABUSE, titled) is None
    assert substantive(ABUSE, titled)


LIMITATION = (
    "You and Acme agree that you must initiate any proceeding asserting a state law claim within"
    " {} of the date of the facts giving rise to the dispute."
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("one two (2) years", "two (2) years"),
        ("three (3) months", "six three (3) months"),
        ("eighty (80) days", "seventy eighty (80) days"),  # every number word numwords reads
    ],
)
def test_a_stray_number_word_before_words_and_figures_is_a_typo(old: str, new: str) -> None:
    before, after = LIMITATION.format(old), LIMITATION.format(new)
    assert editorial_kind(before, after) == "typo"
    assert substantive(before, after) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("one (1) year", "two (2) years"),  # the number changed
        ("two (2) years", "one (2) years"),  # a word replaced: words and figures now disagree
        ("two (2) years", "two (2) business years"),  # a word added that is no number
    ],
)
def test_a_changed_limitation_period_alerts(old: str, new: str) -> None:
    before, after = LIMITATION.format(old), LIMITATION.format(new)
    assert editorial_kind(before, after) is None
    assert substantive(before, after)


NOTE = (
    "Note: This policy is effective on October 8, 2025 or the date you acknowledge these updated"
    " Terms within our Services (if earlier)."
)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (NOTE, True),
        ("These Terms are effective as of 1 March 2024.", True),
        ("**These updated Terms take effect** ...", False),  # no date
        ("This policy is effective on October 8, 2025. We may share your data.", False),
        ("We may terminate your account on October 8, 2025.", False),
        ("These terms are effective on the date you accept them.", False),
    ],
)
def test_effective_date_note(text: str, note: bool) -> None:
    assert effective_note(text) is note


def test_an_effective_date_note_removed_is_a_date_stamp() -> None:
    assert substantive(f"{NOTE}\n\n{ABUSE}", ABUSE) == []
    assert substantive(ABUSE, f"{NOTE}\n\n{ABUSE}") == []


def test_a_sentence_removed_with_the_note_alerts() -> None:
    rule = "You must be 18 or older to use the product."
    assert substantive(f"{NOTE} {rule}\n\n{ABUSE}", ABUSE)
