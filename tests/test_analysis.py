"""analysis: exposure and reasons, analysis blocks, summaries (fake taxonomy, hand-built events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.changes.analysis import (
    analysis_blocks,
    assess,
    category_blocks,
    describe_fact_delta,
    format_fact_value,
    summarise,
)
from monitor.models import ChangeEvent, FactDelta


@dataclass
class Cat:
    id: str
    title: str
    default_exposure: str
    description: str = ""
    analysis: dict[str, Any] = field(default_factory=dict)


def _analysis(name: str) -> dict[str, Any]:
    return {
        "summary": f"Summary of {name}.",
        "who_is_affected": f"Users affected by {name}.",
        "regulatory_landscape": f"Rules about {name}.",
        "governance_exposure": {"level": "medium", "reason": f"Why {name} matters."},
        "jurisdiction_flags": ["EU"],
        "contract_implications": f"Contract notes on {name}.",
        "compliance_considerations": f"Compliance notes on {name}.",
    }


@dataclass
class Tax:
    disclaimer: str = "Not a legal determination."
    categories: dict[str, Cat] = field(
        default_factory=lambda: {
            "arbitration": Cat(
                "arbitration", "Arbitration", "high", analysis=_analysis("arbitration")
            ),
            "credit_expiry": Cat("credit_expiry", "Credit expiry", "high"),
            "unilateral_change": Cat("unilateral_change", "Unilateral change of terms", "medium"),
            "choice_of_law": Cat(
                "choice_of_law", "Choice of law", "low", analysis=_analysis("law")
            ),
        }
    )


def ev(kind: str, cats: list[str], deltas: list[FactDelta] | None = None, **kw: Any) -> ChangeEvent:
    return ChangeEvent(
        kind=kind,
        categories=cats,
        editorial=kw.pop("editorial", False),
        exposure="low",
        reasons=[],
        fact_deltas=deltas or [],
        heading_path=kw.pop("heading_path", ("Terms", "Disputes")),
        before=None,
        after=None,
        **kw,
    )


def d(
    name: str, old: Any, new: Any, unit: str, direction: str, kind: str = "duration"
) -> FactDelta:
    return FactDelta(name, kind, old, new, unit, direction)


def test_editorial_is_low() -> None:
    (e,) = assess([ev("editorial", ["arbitration"], editorial=True, editorial_kind="link")], Tax())
    assert e.exposure == "low" and "editorial change (link)" in e.reasons[0]


def test_new_arbitration_is_high() -> None:
    (e,) = assess([ev("added", ["arbitration"])], Tax())
    assert e.exposure == "high" and e.reasons == ["new provision: arbitration"]


def test_notice_cut_raises_medium_category_to_high() -> None:
    delta = d("notice_period", 30.0, 7.0, "days", "less_favourable")
    (e,) = assess([ev("modified", ["unilateral_change"], [delta])], Tax())
    assert e.exposure == "high"
    assert "notice period shortened from 30 days to 7 days (less favourable to users)" in e.reasons


def test_small_limit_trim_is_medium() -> None:
    delta = d("concurrent_jobs", 10.0, 9.0, "jobs", "less_favourable", "count")
    (e,) = assess([ev("modified", [], [delta])], Tax())
    assert e.exposure == "medium"


def test_more_favourable_change_stays_low_without_category() -> None:
    delta = d("refund_window", 14.0, 30.0, "days", "more_favourable")
    (e,) = assess([ev("modified", [], [delta])], Tax())
    assert e.exposure == "low" and "refund window extended from 14 days to 30 days" in e.reasons[0]


def test_removed_unfair_clause_steps_down() -> None:
    (e,) = assess([ev("removed", ["arbitration"], extra={"old_unfair": True})], Tax())
    assert e.exposure == "medium" and "flagged as potentially unfair" in e.reasons[0]


def test_uncategorised_text_is_low() -> None:
    (e,) = assess([ev("added", [])], Tax())
    assert e.exposure == "low" and e.reasons == ["new text outside any classified provision"]


def test_fact_delta_wording() -> None:
    assert describe_fact_delta(d("credit_validity", None, 365.0, "days", "less_favourable")) == (
        "credits now expire after 365 days"
    )
    assert describe_fact_delta(
        d("liability_cap", 100.0, 50.0, "USD", "less_favourable", "money")
    ) == ("liability cap reduced from USD 100 to USD 50")
    assert (
        describe_fact_delta(
            d("training_on_content", "never", "opt_out", "", "less_favourable", "boolean")
        )
        == "AI training on your content changed from never to on by default with an opt-out"
    )
    assert format_fact_value("notice_period", 1.0, "days") == "1 day"
    assert format_fact_value("requests_per_minute", 60.0, "requests/minute") == "60 requests/minute"


def test_analysis_blocks_adapt_to_change() -> None:
    law = d("governing_law", "Ireland", "California", "", "neutral", "law")
    (e,) = assess([ev("modified", ["choice_of_law"], [law])], Tax())
    blocks = analysis_blocks(e, Tax())
    assert blocks["summary"].startswith("The provision on choice of law (under “Terms › Disputes”)")
    assert "governing law changed from Ireland to California" in blocks["summary"]
    assert blocks["governance_exposure"]["level"] == e.exposure == "medium"
    assert blocks["jurisdiction_flags"] == ["EU", "governing law: California"]
    for key in ("who_is_affected", "regulatory_landscape", "contract_implications"):
        assert blocks[key]
    cat = category_blocks("choice_of_law", [e], Tax())
    assert cat["governance_exposure"]["category_reason"] == "Why law matters."


def test_summarise() -> None:
    events = assess(
        [
            ev("added", ["arbitration"]),
            ev(
                "modified",
                ["unilateral_change"],
                [d("notice_period", 30.0, 7.0, "days", "less_favourable")],
            ),
            ev("editorial", [], editorial=True, editorial_kind="whitespace"),
        ],
        Tax(),
    )
    text = summarise(events, Tax())
    # the first sentence states the highest-exposure change itself, then the counts follow
    assert text.startswith("The provision on arbitration (under “Terms › Disputes”) was added. ")
    assert "It is one of 2 substantive changes (1 passage added, 1 passage modified)" in text
    assert "highest exposure: high" in text and "new provision: arbitration" in text
    assert "1 editorial change (whitespace) recorded without alert." in text
    only = summarise([events[2]], Tax())
    assert only.startswith("Only editorial changes (whitespace)")
    assert summarise([], Tax()).startswith("No differences")
