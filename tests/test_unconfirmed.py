"""Broken captures in an imported history: a version that lost most of the last kept one and whose
next version brings the text back never becomes a version (as a held live capture that is not
repeated); a loss that lasts stays. The incremental loss measure equals `content_loss`."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_ota_import as ota
from sqlalchemy import select

from monitor.capture.check import (
    LEGAL_MIN,
    MIN_JUDGED_WORDS,
    MIN_KEPT_SHARE,
    content_loss,
    legal_counts,
    word_counts,
)
from monitor.changes import unconfirmed
from monitor.changes.ota_import import import_repository
from monitor.clock import utc_now
from monitor.models import is_substantive
from monitor.store import Change, Store, Version

TERMS = """# Acme Terms of Service

## 1. Accounts

You must be at least 16 years old to create an account. You are responsible for your account and
for keeping your password confidential. We may suspend your account if you breach these terms.

## 4. Credits

Purchased credits are valid for {days} days from the date of purchase and expire afterwards.
Unused credits do not roll over and are not refunded, except where the law requires a refund.

## 9. Liability

Our total liability for any claim arising from these terms is limited to the fees you paid in the
twelve months before the claim. We are not liable for indirect damages or lost profits.

## 11. Changes to These Terms

We may update these terms. We will give you at least {notice} days' notice by email before a
material change takes effect, and continued use after that date means you accept the new terms.

## 15. Disputes

Any dispute will be resolved by binding individual arbitration administered by the American
Arbitration Association. You waive any right to a jury trial and to take part in a class action.
The courts of Delaware have jurisdiction over any claim that is not subject to arbitration.
"""

LANDING = """# Build faster with Acme

Acme helps teams ship products with fast cloud machines, simple pricing and friendly support.
Start for free today and join thousands of developers who build and deploy with Acme every day.
Book a demo, read our blog or follow us on social media for the latest product news and events.
"""

PARTIAL = TERMS.split("## 4. Credits")[0]  # only the first section: a truncated capture


# pairs of texts: a real change, a landing page, a truncation, a doubled page, lost legal words,
# a text too short to judge, and a letter whose lower case is two characters ("İ")
LOSS_CASES = [
    (TERMS.format(days=90, notice=30), TERMS.format(days=30, notice=7)),
    (TERMS.format(days=90, notice=30), LANDING),
    (TERMS.format(days=90, notice=30), PARTIAL.format()),
    (TERMS.format(days=90, notice=30), TERMS.format(days=90, notice=30) * 2),
    # the legal words go, the others stay: lost legal vocabulary only
    (
        TERMS.format(days=90, notice=30),
        TERMS.format(days=90, notice=30)
        .replace("terms", "pages")
        .replace("account", "profile")
        .replace("liab", "respons")
        .replace("arbitration", "mediation")
        .replace("claim", "request"),
    ),
    (LANDING, TERMS.format(days=90, notice=30)),  # too short to judge
    (TERMS.format(days=90, notice=30).replace("i", "İ"), PARTIAL.format().replace("i", "İ")),
]


@pytest.mark.parametrize(("before", "after"), LOSS_CASES)
def test_loss_counted_from_the_changed_lines_equals_content_loss(before: str, after: str) -> None:
    verdict, counted = unconfirmed.loss(unconfirmed.tally(before), after)
    assert verdict == content_loss(before, after)
    assert counted == unconfirmed.tally(after)  # the tally of the new text, as if counted anew


@pytest.mark.parametrize(("before", "after"), LOSS_CASES)
def test_content_loss_from_the_changed_lines_equals_counting_both_texts(
    before: str, after: str
) -> None:
    """`content_loss` counts only the lines that differ; counting every word of both texts
    gives the same verdict."""
    words_before, words_after = word_counts(before), word_counts(after)
    legal_before, legal_after = legal_counts(before), legal_counts(after)
    expected = None
    if words_before.total() >= MIN_JUDGED_WORDS:
        kept = (words_before & words_after).total() / words_before.total()
        legal_kept = (
            (legal_before & legal_after).total() / legal_before.total()
            if legal_before.total() >= LEGAL_MIN
            else 1.0
        )
        if kept < MIN_KEPT_SHARE:
            expected = f"it keeps {kept:.0%} of the previous version's words (lost {1 - kept:.0%})"
        elif legal_kept < MIN_KEPT_SHARE:
            expected = (
                f"it keeps {legal_kept:.0%} of the previous version's legal vocabulary"
                f" (lost {1 - legal_kept:.0%})"
            )
    assert content_loss(before, after) == expected


def _history(tmp_path: Path, texts: list[tuple[str, str]]) -> Path:
    """An OTA repository with one document whose versions are `texts` ((subject, text) pairs)."""
    repo = tmp_path / "versions"
    repo.mkdir()
    ota.git(repo, "init", "-q")
    (repo / "README.md").write_text("versions\n")
    ota.git(repo, "add", "-A")
    ota.git(repo, "commit", "-q", "-m", "Initial commit", date="2024-01-01T00:00:00Z")
    for day, (subject, text) in enumerate(texts, start=1):
        ota.commit(repo, text, f"{subject} Acme Terms of Service", f"2024-02-{day:02d}T10:00:00Z")
    return repo


FIRST, CHANGE, TECHNICAL = (
    "First record of",
    "Record new changes of",
    "Apply technical or declaration upgrade on",
)


def _imported(tmp_path: Path, texts: list[tuple[str, str]], workers: int = 0) -> tuple:
    store = Store(f"sqlite:///{tmp_path}/import-{workers}.sqlite3")
    stats = import_repository(store, _history(tmp_path, texts), clock=utc_now, workers=workers)
    with store.session() as s:
        versions = [v.text for v in s.scalars(select(Version).order_by(Version.id))]
        alerting = {
            c.to_version_id for c in s.scalars(select(Change)) if is_substantive(c)
        }  # fmt: skip
        return stats, versions, len(alerting)


def test_landing_page_between_two_versions_never_becomes_a_version(tmp_path: Path) -> None:
    good, better = TERMS.format(days=90, notice=30), TERMS.format(days=30, notice=30)
    stats, versions, alerting = _imported(
        tmp_path, [(FIRST, good), (CHANGE, LANDING), (CHANGE, better)]
    )
    assert versions == [good, better]
    assert stats.rejected["suspicious"] == 1
    assert "brings the text back" in stats.refused[0]
    assert alerting == 1  # the credit validity change, compared with the version before the page


def test_partial_capture_over_two_versions_ended_by_a_reextraction_is_dropped(
    tmp_path: Path,
) -> None:
    good = TERMS.format(days=90, notice=30)
    partial = PARTIAL.format()
    stats, versions, alerting = _imported(
        tmp_path,
        [
            (FIRST, good),
            (CHANGE, partial),
            (CHANGE, partial.replace("16 years", "sixteen years")),
            (TECHNICAL, good.replace("## 4. Credits", "## 4.  Credits")),
        ],
    )
    assert versions == [good, good.replace("## 4. Credits", "## 4.  Credits")]
    assert stats.rejected["suspicious"] == 2
    assert alerting == 0


@pytest.mark.parametrize("workers", [0, 2])
def test_a_lasting_cut_is_kept_and_alerts(tmp_path: Path, workers: int) -> None:
    good = TERMS.format(days=90, notice=30)
    partial = PARTIAL.format()
    later = partial.replace("16 years", "18 years")
    stats, versions, alerting = _imported(
        tmp_path, [(FIRST, good), (CHANGE, partial), (CHANGE, later)], workers
    )
    assert versions == [good, partial, later]
    assert stats.rejected["suspicious"] == 0
    assert alerting == 2


def test_a_history_ending_in_the_cut_keeps_it(tmp_path: Path) -> None:
    good = TERMS.format(days=90, notice=30)
    stats, versions, _ = _imported(tmp_path, [(FIRST, good), (CHANGE, LANDING)])
    assert versions == [good, LANDING]
    assert stats.rejected["suspicious"] == 0


def test_longer_runs_of_losses_count_as_confirmed(tmp_path: Path) -> None:
    good = TERMS.format(days=90, notice=30)
    cut = [PARTIAL.replace("16 years", f"{n} years") for n in range(17, 22)]
    assert len(cut) > unconfirmed.MAX_UNCONFIRMED
    _, versions, _ = _imported(
        tmp_path, [(FIRST, good), *((CHANGE, c) for c in cut), (CHANGE, good)]
    )
    assert versions == [good, *cut, good]
