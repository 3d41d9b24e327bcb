"""Categories of change events on the phrasings of issue 18's category misses, on small texts
written here: the clause rules for data-first retention and third parties' own collection, and
the heading that introduces a list or table with no lead-in paragraph ("Sub-processors" over a
table of vendors)."""

from __future__ import annotations

import hashlib

from monitor.changes.version_analysis import diff_versions
from monitor.clauses import extract_provisions
from monitor.clauses.classify import classify, context_categories
from monitor.models import ChangeEvent


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def categories(text: str) -> set[str]:
    return {c.category for c in classify(text)}


def substantive(old: str, new: str) -> list[ChangeEvent]:
    events = diff_versions(
        old,
        extract_provisions(old),
        new,
        extract_provisions(new),
        old_sha256=sha(old),
        new_sha256=sha(new),
    )
    return [e for e in events if not e.editorial and e.kind != "moved"]


# ------------------------------------------------------------------ clause rules


def test_retention_stated_data_first() -> None:
    assert "data_retention" in categories(
        "Chats and files are stored for the term of the agreement or until the customer "
        "deletes them from the history."
    )
    assert "data_retention" in categories(
        "With this option your prompts are processed only while the answer is written and are "
        "not retained for any longer period."
    )
    assert "data_retention" in categories(
        "Conversations are not stored if the user switches on the private mode."
    )
    # where data is kept is not how long
    assert "data_retention" not in categories("Your data is stored in the United States.")


def test_third_parties_collecting_on_the_service_is_sharing() -> None:
    assert "data_sharing_third_parties" in categories(
        "The site embeds pixels of advertising networks. These third parties may collect "
        "information about you, such as your IP address, directly from your browser."
    )
    # collecting from third parties is not giving them anything
    assert "data_sharing_third_parties" not in categories(
        "We collect information from third parties such as our resellers."
    )


def test_headings_over_recipient_lists_name_data_sharing() -> None:
    for heading in (
        "Schedule 2 - Sub-processors",
        "4.1 Authorised Recipients",
        "Analytics cookies",
    ):
        assert context_categories((heading,)).get("data_sharing_third_parties") == "heading"
    assert "data_sharing_third_parties" not in context_categories(("Definitions",))


# ------------------------------------------------------------------ the heading as lead-in

VENDORS = """# Data Processing Addendum

Schedule 2 - Sub-processors
---------------------------

| Vendor | Purpose | Location |
| --- | --- | --- |
| Acme Cloud | Hosting | Ireland |
| Blue Mail | Support e-mail | Germany |

Schedule 3 - Contact
--------------------

Write to the privacy team.

* Postal address in Dublin
"""


def test_a_row_under_a_recipients_heading_is_data_sharing() -> None:
    new = VENDORS.replace(
        "| Acme Cloud | Hosting | Ireland |", "| Acme Cloud | Hosting | United States |"
    )
    (ev,) = substantive(VENDORS, new)
    assert ev.categories == ["data_sharing_third_parties"]
    new = VENDORS.replace(
        "| Blue Mail | Support e-mail | Germany |\n",
        "| Blue Mail | Support e-mail | Germany |\n| Red Metrics | Product analytics | India |\n",
    )
    (ev,) = substantive(VENDORS, new)
    assert (ev.kind, ev.categories) == ("added", ["data_sharing_third_parties"])


def test_a_heading_names_nothing_for_a_paragraph_or_an_unnamed_list() -> None:
    # a paragraph under the heading is its own wording: no category from the heading alone
    new = VENDORS.replace(
        "| Vendor | Purpose | Location |",
        "We may update this table from time to time.\n\n| Vendor | Purpose | Location |",
    )
    assert all(ev.categories == [] for ev in substantive(VENDORS, new))
    # an item under a heading that names no category stays without one
    new = VENDORS.replace("* Postal address in Dublin", "* Postal address in Cork")
    (ev,) = substantive(VENDORS, new)
    assert ev.categories == []


def test_a_heading_naming_only_the_subject_gives_no_category() -> None:
    old = (
        "# Usage rules\n\n## Disallowed usage of our models\n\n* Sending spam\n* Writing malware\n"
    )
    new = old.replace("* Writing malware\n", "* Writing malware\n* Scraping other web sites\n")
    (ev,) = substantive(old, new)
    assert "ai_training_on_user_content" not in ev.categories
    # and a parent heading does not introduce the lists of its sections
    old = "# Sharing\n\n## Examples\n\n* Advertising partners we work with\n"
    new = old + "* Crash reports sent to vendors\n"
    (ev,) = substantive(old, new)
    assert ev.categories == []


def test_a_short_item_under_a_recipients_heading_is_not_interface_text() -> None:
    old = "# Privacy\n\n## Recipients of your data\n\n* Payment processors\n"
    new = old + "* Law enforcement\n"
    (ev,) = substantive(old, new)
    assert (ev.kind, ev.categories) == ("added", ["data_sharing_third_parties"])
    # under a heading that names nothing, a short line is still taken for interface text
    old = "# Privacy\n\n## Contents\n\n* Payment processors\n"
    assert substantive(old, old + "* Law enforcement\n") == []
