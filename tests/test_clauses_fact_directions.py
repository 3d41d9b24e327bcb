"""The direction of a fact delta is decided per fact kind; values read in the document's units."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.changes.analysis import (
    assess,
    describe_fact_delta,
    fact_direction,
    format_fact_value,
)
from monitor.models import ChangeEvent, FactDelta

LESS, MORE, SAME = "less_favourable", "more_favourable", "neutral"


@pytest.mark.parametrize(
    ("name", "old", "new", "direction"),
    [
        # notice the provider gives before a change: longer is better, a new one is good news
        ("notice_period", 30.0, 7.0, LESS),
        ("notice_period", 7.0, 30.0, MORE),
        ("notice_period", None, 30.0, MORE),
        ("notice_period", 30.0, None, LESS),
        # how long before renewal the user must cancel: longer is worse
        ("cancellation_deadline", 1.0, 30.0, LESS),
        ("cancellation_deadline", 30.0, 1.0, MORE),
        ("cancellation_deadline", None, 7.0, LESS),
        # notice the user must give: longer is worse
        ("user_notice_period", 5.0, 30.0, LESS),
        # credits: a shorter validity is worse; credits that now expire are worse
        ("credit_validity", 365.0, 91.25, LESS),
        ("credit_validity", None, 365.0, LESS),
        ("credit_validity", 365.0, None, MORE),
        ("credits_expire", "never", "yes", LESS),
        ("credits_expire", "yes", "never", MORE),
        ("credits_expire", "yes", "on termination", MORE),
        # refunds and opt-outs: a longer window is better
        ("refund_window", 14.0, 30.0, MORE),
        ("refund_window", 30.0, None, LESS),
        ("optout_window", 30.0, 14.0, LESS),
        # data retention, funds held: longer is worse
        ("retention", 30.0, 365.0, LESS),
        ("hold_period", 90.0, 120.0, LESS),
        # caps and usage limits: lower is worse, a new one is worse
        ("liability_cap", 100.0, 50.0, LESS),
        ("liability_cap", None, 100.0, LESS),
        ("liability_cap_months", 12.0, 6.0, LESS),
        ("concurrent_jobs", 5.0, 2.0, LESS),
        ("concurrent_videos", 2.0, 5.0, MORE),
        ("requests_per_minute", 60.0, 120.0, MORE),
        ("tokens_per_day", None, 100000.0, LESS),
        # a higher minimum age shuts more people out
        ("minimum_age", 13.0, 18.0, LESS),
        ("minimum_age", 18.0, 13.0, MORE),
        # stances
        ("training_on_content", "never", "opt_out", LESS),
        ("training_on_content", "yes", "opt_in", MORE),
        ("training_on_content", None, "never", MORE),
        ("training_on_content", "never", None, LESS),
        ("arbitration", "none", None, LESS),
        ("arbitration", None, "none", MORE),
        # names and places: worth reading, not ranked
        ("governing_law", "IE", "US-CA", SAME),
        ("venue", "Dublin", "San Francisco County, California", SAME),
        ("arbitration_body", "AAA", "JAMS", SAME),
        ("arbitration_body", None, "AAA", LESS),
        ("notice_period", 30.0, "unspecified", SAME),
        ("payment_deadline", 30.0, 14.0, LESS),
        ("liability_cap_formula", "12 months of fees", "6 months of fees", SAME),
        ("duration", 10.0, 20.0, SAME),
    ],
)
def test_direction_per_fact_kind(name: str, old: Any, new: Any, direction: str) -> None:
    assert fact_direction(name, old, new) == direction


def test_assess_decides_the_direction_per_kind() -> None:
    delta = FactDelta("cancellation_deadline", "duration", 1.0, 30.0, "days", SAME)
    event = ChangeEvent(
        kind="modified",
        categories=["auto_renewal"],
        editorial=False,
        exposure="low",
        reasons=[],
        fact_deltas=[delta],
        heading_path=("Terms", "Subscriptions"),
        before=None,
        after=None,
    )
    (out,) = assess([event])
    assert out.fact_deltas[0].direction == LESS
    assert any("less favourable" in r for r in out.reasons)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (91.25, "days", "3 months"),
        (182.5, "days", "6 months"),
        (30.0, "days", "30 days"),
        (1.0, "days", "1 day"),
        (365.0, "days", "365 days"),
        (18.0, "years", "18 years"),
    ],
)
def test_durations_read_in_natural_units(value: float, unit: str, text: str) -> None:
    assert format_fact_value("credit_validity", value, unit) == text


def test_the_documents_own_units_win() -> None:
    delta = FactDelta(
        "credit_validity", "duration", 365.0, 91.25, "days", LESS, "12 months", "3 months"
    )
    assert describe_fact_delta(delta) == "credit validity shortened from 12 months to 3 months"
    plain = FactDelta("credit_validity", "duration", 365.0, 91.25, "days", LESS)
    assert describe_fact_delta(plain) == "credit validity shortened from 365 days to 3 months"


def test_new_kinds_have_labels() -> None:
    delta = FactDelta("minimum_age", "age", 13.0, 18.0, "years", LESS)
    assert describe_fact_delta(delta) == "minimum age raised from 13 years to 18 years"
    delta = FactDelta("cancellation_deadline", "duration", 1.0, 7.0, "days", LESS)
    # having to cancel earlier is a stricter deadline, not an extension (issue 18)
    assert describe_fact_delta(delta) == "cancellation deadline made stricter: from 1 day to 7 days"


def test_a_change_event_says_the_documents_units_also_once_stored() -> None:
    """The differ passes each side's written value; the stored row keeps it; the description of
    the reloaded event reads "12 months to 3 months", not "365 days to 91.25 days"."""
    from datetime import datetime

    from monitor.changes.decision import change_values
    from monitor.changes.version_analysis import events_between
    from monitor.store.queries import event_from_row
    from monitor.store.schema import Change

    old = "# Terms\n\n## Credits\n\nUnused credits expire 12 months after purchase.\n"
    new = "# Terms\n\n## Credits\n\nUnused credits expire 3 months after purchase.\n"
    (event,) = events_between(old, "a" * 64, new, "b" * 64, "Terms of Service")
    (delta,) = [d for d in event.fact_deltas if d.name == "credit_validity"]
    assert (delta.old_written, delta.new_written) == ("12 months", "3 months")
    assert "from 12 months to 3 months" in describe_fact_delta(delta)
    row = Change(**change_values(1, 1, 2, event, datetime(2026, 1, 1), alertable=True))
    (stored,) = [d for d in event_from_row(row).fact_deltas if d.name == "credit_validity"]
    assert describe_fact_delta(stored) == describe_fact_delta(delta)
