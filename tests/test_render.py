"""Change summaries: golden files for text/HTML/Markdown, hostile text, excerpt verification.

UPDATE_GOLDEN=1 rewrites the golden files in tests/golden/render/.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.changes.version_analysis import diff_versions
from monitor.errors import ExcerptMismatch
from monitor.models import (
    ChangeEvent,
    Classification,
    ClassifiedClause,
    Clause,
    Excerpt,
    Fact,
    VersionRef,
)
from monitor.publish.render import build_summary_context, md_escape, render_change_summary

GOLDEN = Path(__file__).parent / "golden" / "render"

OLD = """# Render Test Terms

Last updated: January 5, 2024

## Credits

Credits you buy never expire.

## Changes

We give 30 days notice of changes by e-mail.

## Disputes

Courts of Ireland decide disputes & claims.
"""

NEW = """# Render Test Terms

Last updated: June 7, 2024

## Credits

Credits you buy expire 365 days after purchase.

## Changes

We give 7 days notice of changes by e-mail.

## Disputes

Courts of Ireland decide disputes & claims.

Any dispute is settled by binding arbitration, and you waive any right to a jury trial.
"""


@dataclass
class Cat:
    id: str
    title: str
    default_exposure: str
    description: str = ""
    analysis: dict[str, Any] = field(default_factory=dict)


def _blocks(topic: str, level: str) -> dict[str, Any]:
    return {
        "summary": f"The document states how {topic} works.",
        "who_is_affected": "Paying customers and teams that budget in advance.",
        "regulatory_landscape": "Consumer-protection rules on unfair terms may apply.",
        "governance_exposure": {"level": level, "reason": f"{topic.capitalize()} shapes cost."},
        "jurisdiction_flags": ["EU consumers"],
        "contract_implications": "Check the master agreement for an override.",
        "compliance_considerations": "Record the change in the vendor register.",
    }


@dataclass
class Tax:
    disclaimer: str = (
        "This analysis describes what the document states, permits or reserves; "
        "it is not a legal determination."
    )
    categories: dict[str, Cat] = field(
        default_factory=lambda: {
            "credit_expiry": Cat(
                "credit_expiry", "Credit expiry", "high", analysis=_blocks("credit expiry", "high")
            ),
            "unilateral_change": Cat(
                "unilateral_change",
                "Unilateral change of terms",
                "medium",
                analysis=_blocks("notice", "medium"),
            ),
            "arbitration": Cat(
                "arbitration", "Arbitration", "high", analysis=_blocks("arbitration", "high")
            ),
            "jury_trial_waiver": Cat("jury_trial_waiver", "Jury-trial waiver", "high"),
        }
    )


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clauses(text: str) -> list[ClassifiedClause]:
    out: list[ClassifiedClause] = []
    for sentence, cats, facts in [
        ("Credits you buy never expire.", ["credit_expiry"], []),
        (
            "Credits you buy expire 365 days after purchase.",
            ["credit_expiry"],
            [Fact("duration", "credit_validity", 365.0, "days", "365 days")],
        ),
        (
            "We give 30 days notice of changes by e-mail.",
            ["unilateral_change"],
            [Fact("duration", "notice_period", 30.0, "days", "30 days")],
        ),
        (
            "We give 7 days notice of changes by e-mail.",
            ["unilateral_change"],
            [Fact("duration", "notice_period", 7.0, "days", "7 days")],
        ),
        (
            "Any dispute is settled by binding arbitration, and you waive any right to a jury trial.",
            ["arbitration", "jury_trial_waiver"],
            [],
        ),
    ]:
        start = text.find(sentence)
        if start >= 0:
            clause = Clause(len(out), (), sentence, start, start + len(sentence))
            classes = [Classification(c, 0.9, c != "credit_expiry") for c in cats]
            out.append(ClassifiedClause(clause, classes, facts))
    return out


def refs(old: str, new: str) -> tuple[VersionRef, VersionRef]:
    return (
        VersionRef(
            "render-test",
            "Terms of Service",
            datetime(2024, 1, 5, 9, 30, tzinfo=UTC),
            sha(old),
            "a" * 64,
            "https://terms.example.test/tos",
        ),
        VersionRef(
            "render-test",
            "Terms of Service",
            datetime(2024, 6, 7, 18, 0, tzinfo=UTC),
            sha(new),
            None,
            "https://terms.example.test/tos",
        ),
    )


def events_for(old: str, new: str) -> list[ChangeEvent]:
    return diff_versions(
        old,
        clauses(old),
        new,
        clauses(new),
        old_sha256=sha(old),
        new_sha256=sha(new),
        taxonomy=Tax(),
        fact_reader=None,  # the facts of the hand-built clauses
    )


def context(old: str = OLD, new: str = NEW) -> dict[str, Any]:
    o, n = refs(old, new)
    return build_summary_context(
        "render-test", "Terms of Service", o, n, events_for(old, new), Tax(), old, new
    )


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("html", "html"), ("markdown", "md")])
def test_golden(fmt: str, suffix: str) -> None:
    rendered = render_change_summary(context(), fmt)  # type: ignore[arg-type]
    path = GOLDEN / f"change_summary.{suffix}"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_content_of_summary() -> None:
    text = render_change_summary(context(), "text")
    assert "credits now expire after 365 days (less favourable to users)" in text
    assert "notice period: 30 days -> 7 days (less favourable to users)" in text
    assert "We give [-30-] days notice" in text and "We give {+7+} days notice" in text
    assert "new provision: arbitration, jury-trial waiver" in text
    assert "Who is affected: Paying customers" in text
    assert "captured 2024-01-05T09:30:00Z" in text and sha(OLD) in text and "a" * 64 in text
    assert "it is not a legal determination." in text
    assert "EDITORIAL CHANGES (recorded, no alert): 1" in text


HOSTILE_LINE = "x" * 5000


def hostile_new() -> str:
    return NEW.replace(
        "Courts of Ireland decide disputes & claims.",
        "Courts of Ireland decide disputes & claims. <script>alert(1)</script> &amp; "
        "<img src=https://evil.test/p.png> [click](javascript:alert(1)) " + HOSTILE_LINE,
    )


def test_hostile_text_is_escaped_in_html() -> None:
    html = render_change_summary(context(OLD, hostile_new()), "html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" in html
    assert "<style" not in html and "https://evil.test" not in html.split("&lt;img")[0]
    assert not re.search(r"<(?:img|link|script|iframe)\b", html)
    # the 5,000-character line sits in a box that wraps anywhere
    line_at = html.index(HOSTILE_LINE[:100])
    box = html.rfind("<div style=", 0, line_at)
    assert "overflow-wrap:anywhere" in html[box:line_at]


def test_hostile_text_is_escaped_in_markdown() -> None:
    md = render_change_summary(context(OLD, hostile_new()), "markdown")
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md and "&amp;amp;" in md
    assert "\\[click\\](javascript:alert(1))" in md
    assert md_escape("# not a heading\n- not a list") == "\\# not a heading\n\\- not a list"


def test_hostile_text_kept_verbatim_in_text() -> None:
    text = render_change_summary(context(OLD, hostile_new()), "text")
    assert "<script>alert(1)</script> &amp;" in text
    assert "\x1b" not in render_change_summary(
        context(OLD, NEW.replace("Credits you", "\x1b[31mCredits you")), "text"
    )


def test_tampered_offset_raises() -> None:
    events = events_for(OLD, NEW)
    target = next(e for e in events if e.after is not None and e.kind == "modified")
    assert target.after is not None
    a = target.after
    target.after = dataclasses.replace(a, start=a.start + 1, end=a.end + 1)
    o, n = refs(OLD, NEW)
    with pytest.raises(ExcerptMismatch):
        build_summary_context("render-test", "Terms of Service", o, n, events, Tax(), OLD, NEW)


def test_wrong_version_sha_raises() -> None:
    events = events_for(OLD, NEW)
    target = next(e for e in events if e.before is not None)
    assert target.before is not None
    target.before = Excerpt(target.before.text, target.before.start, target.before.end, "0" * 64)
    o, n = refs(OLD, NEW)
    with pytest.raises(ExcerptMismatch):
        build_summary_context("render-test", "Terms of Service", o, n, events, Tax(), OLD, NEW)
    with pytest.raises(ExcerptMismatch):  # the stored text itself was altered
        build_summary_context(
            "render-test", "Terms of Service", o, n, events_for(OLD, NEW), Tax(), OLD, NEW + " "
        )


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_change_summary(context(), "pdf")  # type: ignore[arg-type]
