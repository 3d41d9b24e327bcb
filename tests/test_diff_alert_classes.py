"""The classes of false and missed alerts of issue 18 that live in the differ, the blocks and the
summaries, each on small texts written here: setext headings, categories of the changed clauses
only, HTML entities, links and short list items judged by context, the lead paragraph, volatile
page text (relative times, counters, media durations, "Last Update:"), and summaries that state
the change."""

from __future__ import annotations

import hashlib

from monitor.changes.analysis import assess, change_phrase, describe_fact_delta, summarise
from monitor.changes.blocks import split_blocks
from monitor.changes.editorial import editorial_kind, normalise
from monitor.changes.version_analysis import diff_versions
from monitor.clauses.segment import segment
from monitor.models import ChangeEvent, Classification, ClassifiedClause, FactDelta


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# a tiny keyword classifier over the real segmenter: enough to give clauses categories
KEYWORDS = {
    "liable": "limitation_of_liability",
    "share": "data_sharing_third_parties",
    "collect": "data_collection",
    "arbitration": "arbitration",
}


def classified(text: str) -> list[ClassifiedClause]:
    out = []
    for clause in segment(text):
        cats = [
            Classification(cat, 0.9, False)
            for word, cat in KEYWORDS.items()
            if word in clause.text.lower()
        ]
        out.append(ClassifiedClause(clause, cats, []))
    return out


def events(old: str, new: str) -> list[ChangeEvent]:
    return diff_versions(
        old,
        classified(old),
        new,
        classified(new),
        old_sha256=sha(old),
        new_sha256=sha(new),
        fact_reader=None,
    )


def substantive(old: str, new: str) -> list[ChangeEvent]:
    return [e for e in events(old, new) if not e.editorial and e.kind != "moved"]


# ------------------------------------------------------------------ headings

SETEXT = """Example Terms
=============

Payments
--------

You pay each month in advance.

Disputes
--------

Any dispute goes to arbitration in Paris.
"""


def test_setext_headings_give_events_their_heading() -> None:
    new = SETEXT.replace("in Paris", "in London")
    (ev,) = substantive(SETEXT, new)
    assert ev.heading_path == ("Example Terms", "Disputes")


def test_blocks_and_segmenter_read_the_same_headings() -> None:
    paths = {c.text: c.heading_path for c in segment(SETEXT)}
    for block in split_blocks(SETEXT):
        if not block.is_heading:
            assert paths[block.text] == block.heading_path
    assert [b.text for b in split_blocks(SETEXT) if b.is_heading][1] == "Payments\n--------"


def test_renamed_heading_is_one_editorial_event() -> None:
    new = SETEXT.replace("Payments\n--------", "Billing and payment\n-------------------")
    evs = events(SETEXT, new)
    assert [(e.kind, e.editorial_kind) for e in evs] == [("editorial", "heading_rename")]


# ------------------------------------------------------------------ categories


# one paragraph longer than the segmenter's limit: one block, several sentence clauses
LONG = (
    "We provide the service as is and you use it at your own risk and we will try to keep it "
    "running every day of the year, although some maintenance windows will be announced. "
    "We are not liable for any indirect damages that arise from your use of the service. "
    "We may share your data with our hosting providers to run the service, and with nobody "
    "else unless the law requires it. You can reach our support team by e-mail at any time "
    "of the day and we will answer your questions within a reasonable time."
)


def test_categories_come_from_the_clauses_holding_the_changed_words() -> None:
    new = LONG.replace("every day of the year", "every weekday of the year")
    (ev,) = substantive(LONG, new)
    assert ev.categories == []
    assert ev.exposure == "low"
    assert "touches no classified provision" in summarise([ev])
    new = LONG.replace("indirect damages", "indirect or direct damages")
    (ev,) = substantive(LONG, new)
    assert ev.categories == ["limitation_of_liability"]


# ------------------------------------------------------------------ entities


def test_html_entities_are_characters_not_words() -> None:
    assert normalise("you&nbsp;agree &amp; accept") == "you agree and accept"
    assert editorial_kind("You agree to the terms.", "You&nbsp;agree to the terms.") == "invisible"
    doc = "# Terms\n\nYou agree to the terms.\n"
    assert substantive(doc, doc.replace("You agree", "You&nbsp;agree")) == []


# ------------------------------------------------------------------ links and short list items

POLICY = """# Privacy

We collect the following information:

* Name
* Email address

We may share your data with:

* Our hosting provider
* Payment processors

Useful links

* [Home](https://ex.test/)
* [Blog](https://ex.test/blog)
"""


def test_an_item_added_to_a_provision_list_is_a_change() -> None:
    new = POLICY.replace("* Email address\n", "* Email address\n* Date of birth\n")
    (ev,) = substantive(POLICY, new)
    assert (ev.kind, ev.after and ev.after.text) == ("added", "* Date of birth")
    assert ev.categories == ["data_collection"]  # read with its lead-in clause
    new = POLICY.replace("* Payment processors\n", "* Payment processors\n* Law enforcement\n")
    (ev,) = substantive(POLICY, new)
    assert ev.categories == ["data_sharing_third_parties"]


def test_a_link_added_to_a_menu_is_navigation() -> None:
    new = POLICY.replace(
        "* [Blog](https://ex.test/blog)\n",
        "* [Blog](https://ex.test/blog)\n* [Events](https://ex.test/events)\n",
    )
    assert substantive(POLICY, new) == []
    assert [e.editorial_kind for e in events(POLICY, new)] == ["navigation"]


def test_a_linked_item_of_a_provision_list_is_a_change() -> None:
    old = (
        "# Sub-processors\n\nWe share data with these sub-processors:\n\n* [Acme](https://a.test)\n"
    )
    new = old + "* [Globex](https://g.test)\n"
    (ev,) = substantive(old, new)
    assert ev.kind == "added"


def test_banner_and_page_title_are_chrome() -> None:
    old = "[Model X is live](https://ex.test/x)\n\nTerms\n=====\n\nYou agree.\n"
    new = "EU terms of use | Example\n\n[Model Y is live!](https://ex.test/y)\n\nTerms\n=====\n\nYou agree.\n"
    assert substantive(old, new) == []


def test_a_cookie_banner_is_chrome_but_a_cookie_section_is_not() -> None:
    doc = "# Terms\n\nYou agree to the terms.\n"
    banner = (
        "We value your privacy\n\nWe and our partners use cookies to improve your experience.\n\n"
        "Customise Reject All Accept All\n\n"
    )
    assert substantive(doc, banner + doc) == []
    section = doc + "\n## Cookies\n\nWe use cookies to remember your settings.\n"
    assert [e.kind for e in substantive(doc, section)] == ["added"]


# ------------------------------------------------------------------ lead paragraph


def test_a_notice_added_above_the_first_heading_is_an_event() -> None:
    old = "Terms of Service\n================\n\nYou agree to these terms.\n"
    new = "Note: these terms change on 1 May 2026 for all users.\n\n" + old
    (ev,) = substantive(old, new)
    assert ev.kind == "added" and ev.heading_path == ()


# ------------------------------------------------------------------ volatile page text


def test_relative_times_counters_and_durations_are_editorial() -> None:
    cases = [
        ("Updated 3 days ago", "Updated 5 days ago", "relative_time"),
        ("Posted: yesterday", "Posted: 2 weeks ago", "relative_time"),
        ("Example has 1.2M followers", "Example has 1.3M followers", "counter"),
        (
            "We and our 1702 partners use cookies.",
            "We and our 1711 partners use cookies.",
            "counter",
        ),
        (
            "Number of Vendors seeking consent: 802",
            "Number of Vendors seeking consent: 815",
            "counter",
        ),
        ("Ad Tech Providers (715)", "Ad Tech Providers (720)", "counter"),
        ("0:00 / 3:45", "1:12 / 3:45", "media_duration"),
        ("Last Update: March 3, 2024", "Last Update: May 3, 2025", "date_stamp"),
    ]
    for old, new, kind in cases:
        assert editorial_kind(old, new) == kind, (old, new)


def test_numbers_that_are_terms_stay_substantive() -> None:
    for old, new in [
        ("Refunds within thirty (30) days.", "Refunds within thirty (60) days."),
        ("Up to 5 users per plan.", "Up to 10 users per plan."),
        ("Posted within 3 days of the request.", "Posted within 5 days of the request."),
        ("Cookies are set on openai.com.", "Cookies are set on openai.com and chatgpt.com."),
    ]:
        assert editorial_kind(old, new) is None, (old, new)


def test_url_only_edits_are_link_edits() -> None:
    assert (
        editorial_kind(
            "See https://ex.test/terms#aup for the policy.",
            "See https://ex.test/aup for the policy.",
        )
        == "link"
    )
    assert editorial_kind("Listed on www.ex.test (the Site).", "Listed on (the Site).") == "link"
    # a mail link written twice by a broken converter, then cleaned
    broken = "Write to ([help@ex.test](mailto:help@ex.test)\\](mailto:help@ex.test) today."
    assert editorial_kind(broken, "Write to [help@ex.test](mailto:help@ex.test) today.") == "link"


# ------------------------------------------------------------------ summaries


def _modified(diff: list[tuple[int, str]]) -> ChangeEvent:
    return ChangeEvent("modified", [], False, "low", [], [], (), None, None, diff)


def test_change_phrase_states_the_change() -> None:
    alt = _modified([(0, "Disputes go to the courts of Paris"), (1, " or London"), (0, ".")])
    assert change_phrase(alt) == "“London” added as an alternative"
    narrowed = _modified([(0, "We share data"), (1, " only"), (0, " with processors.")])
    assert change_phrase(narrowed) == "narrowed: “only” added"
    widened = _modified([(0, "We collect name"), (1, ", date of birth"), (0, " and email.")])
    assert change_phrase(widened) == "widened: “date of birth” added to a list"
    removed = _modified([(0, "You may cancel"), (-1, " at any time"), (0, ".")])
    assert change_phrase(removed) == "text removed: “at any time”"
    replaced = _modified([(0, "Courts of "), (-1, "Paris"), (1, "London"), (0, ".")])
    assert change_phrase(replaced) == "“Paris” replaced by “London”"


def test_summary_first_sentence_states_the_change() -> None:
    (ev,) = assess([_modified([(0, "Courts of Paris"), (1, " or London"), (0, ".")])])
    first = summarise([ev]).split(". ")[0]
    assert "“London” added as an alternative" in first


def test_a_stricter_cancellation_deadline_is_not_good_news() -> None:
    d = FactDelta("cancellation_deadline", "duration", 7.0, 30.0, "days", "neutral")
    (ev,) = assess([ChangeEvent("modified", [], False, "low", [], [d], (), None, None)])
    assert ev.fact_deltas[0].direction == "less_favourable"
    text = describe_fact_delta(ev.fact_deltas[0])
    assert "stricter" in text and "extended" not in text
    assert "more favourable" not in " ".join(ev.reasons)


def test_images_pixels_widgets_and_stamp_labels_are_chrome() -> None:
    doc = "# Guidelines\n\nBe kind to others.\n"
    for extra in [
        "[![report.png](/att/1)](https://ex.test/att/1)",  # a link around an image
        "![](https://t.test/px?id=1)![](https://t.test/px?id=2)Example - Terms of Service",
        "Was this page helpful?",
        "Version:January 19, 2026 (Latest)",
    ]:
        assert substantive(doc, doc + "\n" + extra + "\n") == [], extra
    # a stamp label with something else in it is text of the document
    assert substantive(doc, doc + "\nVersion 2 of these guidelines applies to teams.\n")


def test_a_labelled_menu_whose_entries_change_is_navigation() -> None:
    old = "# Terms\n\nYou agree.\n\nModels[A 1](https://x.test/a)[B 2](https://x.test/b)[C](https://x.test/c)\n"
    new = old.replace("[A 1]", "[A 2]")
    assert substantive(old, new) == []
    # links introduced by a clause are the clause's: a new entry there is a change
    old = "# Terms\n\nOur processors: [A](https://x.test/a), [B](https://x.test/b), [C](https://x.test/c).\n"
    new = old.replace("[C]", "[D]")
    assert substantive(old, new)


def test_every_substantive_event_has_an_analysis_in_the_summary() -> None:
    from datetime import UTC, datetime

    from monitor.clauses.taxonomy import load_taxonomy
    from monitor.models import VersionRef
    from monitor.publish.render import build_summary_context

    old = "# Terms\n\nYou may contact us by post.\n"
    new = "# Terms\n\nYou may contact us by post or by e-mail.\n"
    evs = substantive(old, new)
    assert evs and not evs[0].categories

    def ref(text: str) -> VersionRef:
        return VersionRef(
            "s", "Terms of Service", datetime(2026, 1, 1, tzinfo=UTC), sha(text), None, None
        )

    ctx = build_summary_context(
        "s", "Terms of Service", ref(old), ref(new), evs, load_taxonomy(), old, new
    )
    assert all(ch["analysis"] is not None for ch in ctx["changes"])
    assert ctx["summary"].startswith("Text that touches no classified provision")
    assert "“by e-mail” added as an alternative" in ctx["summary"]
