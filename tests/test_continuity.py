"""Continuity across a change of extractor: the same PDF flowed by another converter is the same
text (words glued or split at line ends, paragraphs cut elsewhere, running headers and page
numbers on every page), and any letter changed outside that is still a change."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from monitor.changes.continuity import markup_only
from monitor.changes.recording import ensure_document, record_version
from monitor.store import Store

# What our PDF text gives: one paragraph per paragraph, the running header written once.
OURS = """Master Services Agreement

Last updated: 15 April 2025

1. Definitions

"Affiliate" means any entity that directly or indirectly controls the Subscriber.

The Services include:

1. Sana Agents, i.e. web-based solutions for editing content.

2. Support services.

The Subscriber pays the fees within thirty (30) days of the invoice date.

Either Party may terminate this Agreement for convenience on ninety days' notice.
"""

# What another converter gives for the same pages: words glued at line ends, a paragraph cut at
# every line, the page number and running header repeated on every page, a number escaped.
OTHER = """Master Services Agreement

Last updated: 15 April 2025



1. Definitions

"Affiliate" means any entity that directly orindirectly controls the Subscriber.

The Services include:

1\\. Sana Agents, i.e. web-based solutions for editing

1

Master Services Agreement

Last updated: 15 April 2025

content.

2\\. Support services.

The Subscriber pays the fees within thirty (30) days of the

2

Master Services Agreement

Last updated: 15 April 2025

invoice date.

Either Party may terminate this Agreement for con-venience on ninety days'

3

Master Services Agreement

Last updated: 15 April 2025

notice.

4
"""


def test_a_reflowed_pdf_text_is_the_same_text() -> None:
    assert markup_only(OTHER, OURS)
    assert markup_only(OURS, OTHER)


def test_one_word_changed_in_a_reflowed_pdf_text_is_a_change() -> None:
    for old, new in (
        ("thirty (30) days", "sixty (60) days"),
        ("ninety days'", "thirty days'"),
        ("editing content", "editing text"),
        ("Support services.", "Support services and training."),
        ("directly or", "directly and"),
    ):
        assert old in OURS
        assert not markup_only(OTHER, OURS.replace(old, new)), new
    # a letter dropped where the other text glues two words
    assert not markup_only(OTHER, OURS.replace("or indirectly", "or directly"))
    # the running header's own date changed is a change too (the new line is not furniture)
    assert not markup_only(OTHER, OURS.replace("15 April 2025", "1 May 2025"))


def test_a_line_repeated_as_text_is_not_page_furniture() -> None:
    """Repeated lines are furniture only beside a page number or another repeated line, and only
    where the other text does not hold them inside its lines (a table written as blocks on one
    side, as rows on the other)."""
    old = "# Terms\n\nWe share data with:\n\n" + "".join(
        f"| {name}<br>United States<br>Products: All |\n" for name in ("Ana", "Bo", "Cy")
    )
    new = "# Terms\n\nWe share data with:\n\n" + "".join(
        f"{name}\n\nUnited States\n\nProducts: All\n\n" for name in ("Ana", "Bo", "Cy")
    )
    assert markup_only(old, new)
    # one processor's country gone: a change, though its line is repeated elsewhere
    assert not markup_only(old, new.replace("Bo\n\nUnited States", "Bo", 1))
    # three repeated lines deleted from a text that never had page numbers
    notes = "Clause 1.\n\nNot applicable.\n\nClause 2.\n\nNot applicable.\n\nClause 3.\n\nNot applicable.\n"
    assert not markup_only(notes, notes.replace("\nNot applicable.\n", "\n"))


def test_the_first_capture_after_an_imported_pdf_history_is_a_technical_upgrade(
    tmp_path: Path,
) -> None:
    """Through the recording path: the imported (other converter's) text, then the live capture
    of the same PDF, is a technical upgrade with no change; a one-word change alerts."""
    for live, upgrade in ((OURS, True), (OURS.replace("ninety", "thirty"), False)):
        store = Store(f"sqlite:///{tmp_path}/{int(upgrade)}.sqlite3")
        with store.session() as s:
            doc = ensure_document(s, "Sana", "Sana", "Terms of Service", None, datetime(2025, 1, 1))
            start = datetime(2025, 1, 1)
            common = {"recorded_at": start, "url": None, "snapshot_ids": []}
            record_version(s, doc, OTHER, captured_at=start, origin="import", **common)
            recorded = record_version(
                s, doc, live, captured_at=start + timedelta(days=1), origin="capture", **common
            )
            s.commit()
        assert recorded.version.technical_upgrade is upgrade
        assert bool(recorded.substantive) is not upgrade
