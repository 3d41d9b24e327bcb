"""diff_versions: event kinds, editorial detection, moves, fact deltas, excerpts, flapping."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from monitor.changes.blocks import normalised_hash, split_blocks
from monitor.changes.decision import detect_flapping
from monitor.changes.diff import fact_deltas, fact_direction, word_diff
from monitor.changes.version_analysis import diff_versions
from monitor.models import ChangeEvent, Classification, ClassifiedClause, Clause, Fact

DOC = """# Example Studio Terms of Service

Last updated: March 3, 2024

## 1. Using the service

By using Example Studio you agree to these terms. You must be at least 18 years old.

## 2. Credits and billing

Purchased credits never expire and remain in your account until used.

You can run up to 5 concurrent jobs on the Pro plan.

- Failed jobs are not billed.
- Refunds are available within 14 days of purchase.

## 3. Changes to these terms

We will give you 30 days notice before any change takes effect. See the [notice page](https://ex.test/notices).

## 4. Your content

We will never train our models on your content.

## 5. Disputes

These terms are governed by the laws of Ireland.
"""

RULES: dict[str, tuple[str, list[Fact], bool]] = {
    "credits": ("credit_expiry", [], False),
    "concurrent": ("concurrency_limits", [], False),
    "notice": ("unilateral_change", [], False),
    "train": ("training_on_content", [], False),
    "governed": ("choice_of_law", [], False),
    "arbitration": ("arbitration", [], True),
    "class action": ("class_action_waiver", [], True),
    "refunds": ("refunds", [], False),
}


def _facts(sentence: str) -> list[Fact]:
    """A tiny stand-in for the colleague's fact extractor (enough for synthetic tests)."""
    import re

    facts: list[Fact] = []
    if m := re.search(r"(\d+) days notice", sentence):
        facts.append(Fact("duration", "notice_period", float(m.group(1)), "days", m.group(0)))
    if m := re.search(r"expire (?:after|within) (\d+) days", sentence):
        facts.append(Fact("duration", "credit_validity", float(m.group(1)), "days", m.group(0)))
    if m := re.search(r"up to (\d+) concurrent jobs", sentence):
        facts.append(Fact("count", "concurrent_jobs", float(m.group(1)), "jobs", m.group(0)))
    if m := re.search(r"within (\d+) days of purchase", sentence):
        facts.append(Fact("duration", "refund_window", float(m.group(1)), "days", m.group(0)))
    if "never train" in sentence:
        facts.append(Fact("boolean", "training_on_content", "never", "", "never train"))
    elif "opt out of training" in sentence:
        facts.append(Fact("boolean", "training_on_content", "opt_out", "", "opt out of training"))
    if m := re.search(r"laws of (\w+)", sentence):
        facts.append(Fact("law", "governing_law", m.group(1), "", m.group(0)))
    return facts


def classify(text: str) -> list[ClassifiedClause]:
    """Sentence-level clauses for every line that a keyword rule recognises."""
    out: list[ClassifiedClause] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        low = body.lower()
        cats = [
            Classification(cat, 0.9, unfair)
            for key, (cat, _, unfair) in RULES.items()
            if key in low
        ]
        if cats:
            clause = Clause(len(out), (), body, pos, pos + len(body))
            out.append(ClassifiedClause(clause, cats, _facts(body)))
        pos += len(line)
    return out


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run(old: str, new: str, taxonomy: Any = None) -> list[ChangeEvent]:
    events = diff_versions(
        old,
        classify(old),
        new,
        classify(new),
        old_sha256=sha(old),
        new_sha256=sha(new),
        taxonomy=taxonomy or FakeTaxonomy(),
        fact_reader=None,  # the facts of the hand-built clauses, not the real extractor
    )
    for ev in events:  # every excerpt is an exact substring of its version
        if ev.before:
            assert old[ev.before.start : ev.before.end] == ev.before.text
            assert ev.before.version_sha256 == sha(old)
        if ev.after:
            assert new[ev.after.start : ev.after.end] == ev.after.text
            assert ev.after.version_sha256 == sha(new)
        if ev.diff and ev.before and ev.after:
            assert "".join(t for op, t in ev.diff if op <= 0) == ev.before.text
            assert "".join(t for op, t in ev.diff if op >= 0) == ev.after.text
    return events


@dataclass
class FakeCategory:
    id: str
    title: str
    default_exposure: str = "medium"
    description: str = ""
    analysis: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeTaxonomy:
    disclaimer: str = "Describes the document; not a legal determination."
    categories: dict[str, FakeCategory] = field(
        default_factory=lambda: {
            c.id: c
            for c in [
                FakeCategory("credit_expiry", "Credit expiry", "high"),
                FakeCategory("concurrency_limits", "Concurrency limits", "medium"),
                FakeCategory("unilateral_change", "Unilateral change of terms", "medium"),
                FakeCategory("training_on_content", "Training on user content", "high"),
                FakeCategory("choice_of_law", "Choice of law", "low"),
                FakeCategory("arbitration", "Arbitration", "high"),
                FakeCategory("class_action_waiver", "Class-action waiver", "high"),
                FakeCategory("refunds", "Refunds", "medium"),
            ]
        }
    )


def substantive(events: list[ChangeEvent]) -> list[ChangeEvent]:
    return [e for e in events if not e.editorial]


# ------------------------------------------------------------------ blocks


def test_split_blocks_offsets_and_headings() -> None:
    blocks = split_blocks(DOC)
    for b in blocks:
        assert DOC[b.start : b.end] == b.text
    item = next(b for b in blocks if b.text.startswith("- Refunds"))
    assert item.heading_path == ("Example Studio Terms of Service", "2. Credits and billing")
    heading = next(b for b in blocks if b.text == "## 4. Your content")
    assert heading.is_heading and heading.heading_path == ("Example Studio Terms of Service",)


def test_identical_versions_have_no_events() -> None:
    assert run(DOC, DOC) == []


# ------------------------------------------------------------------ kinds


def test_modified_notice_period_is_substantive_and_less_favourable() -> None:
    new = DOC.replace("30 days notice", "7 days notice")
    events = run(DOC, new)
    assert len(events) == 1
    ev = events[0]
    assert ev.kind == "modified" and not ev.editorial
    assert ev.categories == ["unilateral_change"]
    assert ev.heading_path[-1] == "3. Changes to these terms"
    (delta,) = ev.fact_deltas
    assert (delta.name, delta.old, delta.new, delta.unit) == ("notice_period", 30.0, 7.0, "days")
    assert delta.direction == "less_favourable"
    assert ev.exposure == "high"
    assert "notice period shortened from 30 days to 7 days" in ev.reasons[-1]
    assert (-1, "30") in ev.diff and (1, "7") in ev.diff


def test_negation_insertion_is_substantive() -> None:
    new = DOC.replace("Failed jobs are not billed.", "Failed jobs are billed.")
    (ev,) = run(DOC, new)
    assert ev.kind == "modified" and ev.diff == [
        (0, "- Failed jobs are "),
        (-1, "not "),
        (0, "billed."),
    ]


def test_added_provision_with_fact_appearing() -> None:
    new = DOC.replace(
        "Purchased credits never expire and remain in your account until used.",
        "Purchased credits never expire and remain in your account until used.\n\n"
        "Promotional credits expire after 90 days.",
    )
    events = run(DOC, new)
    (ev,) = events
    assert ev.kind == "added" and ev.before is None and ev.after is not None
    assert ev.after.text == "Promotional credits expire after 90 days."
    assert ev.categories == ["credit_expiry"]
    (delta,) = ev.fact_deltas
    assert delta.old is None and delta.new == 90.0 and delta.direction == "less_favourable"
    assert ev.exposure == "high"
    assert any("credits now expire after 90 days" in r for r in ev.reasons)


def test_removed_only_when_text_left_the_document() -> None:
    new = DOC.replace("- Refunds are available within 14 days of purchase.\n", "")
    (ev,) = run(DOC, new)
    assert ev.kind == "removed" and ev.after is None
    assert ev.before is not None and "Refunds" in ev.before.text
    (delta,) = ev.fact_deltas
    assert delta.name == "refund_window" and delta.direction == "less_favourable"


def test_duplicate_paragraph_removed_is_not_a_removal() -> None:
    dup = DOC.replace(
        "## 5. Disputes", "We will never train our models on your content.\n\n## 5. Disputes"
    )
    events = run(dup, DOC)
    (ev,) = events
    assert ev.kind == "editorial" and ev.editorial_kind == "duplicate"


def test_moved_section_is_recognised() -> None:
    section = "## 4. Your content\n\nWe will never train our models on your content.\n\n"
    without = DOC.replace(section, "")
    new = without.replace("## 1. Using the service", section + "## 1. Using the service")
    events = run(DOC, new)
    assert events and all(e.kind == "moved" for e in events)
    assert all(e.editorial and e.exposure == "low" for e in events)
    moved = next(e for e in events if "train" in (e.after.text if e.after else ""))
    assert moved.extra["from_heading_path"] == [
        "Example Studio Terms of Service",
        "4. Your content",
    ]


def test_insertion_shift_is_not_a_move() -> None:
    new = DOC.replace(
        "## 1. Using the service", "## 0. Welcome\n\nHello.\n\n## 1. Using the service"
    )
    kinds = sorted((e.kind, e.editorial_kind) for e in run(DOC, new))
    # the new heading alone is structure; the text under it is the addition
    assert kinds == [("added", None), ("editorial", "heading_format")]


def test_moved_and_modified_far_away() -> None:
    para = "We will never train our models on your content."
    new = DOC.replace(para + "\n", "").replace(
        "By using Example Studio",
        para.replace("never train", "train") + "\n\nBy using Example Studio",
    )
    mods = [e for e in run(DOC, new) if e.kind == "modified"]
    assert mods and mods[0].extra["moved"] is True
    (delta,) = mods[0].fact_deltas
    assert delta.name == "training_on_content" and delta.new is None


def test_training_never_to_opt_out() -> None:
    new = DOC.replace(
        "We will never train our models on your content.",
        "We may train our models on your content unless you opt out of training.",
    )
    (ev,) = run(DOC, new)
    (delta,) = ev.fact_deltas
    assert (delta.old, delta.new, delta.direction) == ("never", "opt_out", "less_favourable")
    assert ev.exposure == "high"


def test_new_waiver_in_modified_paragraph_is_high() -> None:
    new = DOC.replace(
        "These terms are governed by the laws of Ireland.",
        "These terms are governed by the laws of Ireland. Disputes go to binding arbitration "
        "and you waive any class action.",
    )
    (ev,) = run(DOC, new)
    assert ev.kind == "modified" and ev.exposure == "high"
    assert "arbitration" in ev.categories and "class_action_waiver" in ev.categories
    assert any("new provision: arbitration" in r for r in ev.reasons)


def test_uncategorised_change_is_low() -> None:
    new = DOC.replace("You must be at least 18 years old.", "You must be an adult.")
    (ev,) = run(DOC, new)
    assert ev.kind == "modified" and ev.categories == [] and ev.exposure == "low"


# ------------------------------------------------------------------ editorial kinds in a diff


def _only_editorial(new: str, kind: str) -> None:
    events = run(DOC, new)
    assert events, "expected an editorial event"
    assert all(e.editorial and e.exposure == "low" for e in events), events
    assert kind in {e.editorial_kind for e in events}, [e.editorial_kind for e in events]


def test_editorial_whitespace() -> None:
    _only_editorial(DOC.replace("agree to these terms.", "agree  to\nthese terms."), "whitespace")


def test_editorial_invisible() -> None:
    _only_editorial(DOC.replace("Purchased", "Pur\u200bchased"), "invisible")


def test_editorial_case() -> None:
    _only_editorial(DOC.replace("Purchased credits", "Purchased Credits"), "case")


def test_editorial_punctuation() -> None:
    _only_editorial(DOC.replace("until used.", "until used;"), "punctuation")


def test_editorial_link_only() -> None:
    _only_editorial(DOC.replace("https://ex.test/notices", "https://ex.test/legal/notices"), "link")


def test_editorial_heading_format() -> None:
    _only_editorial(DOC.replace("## 4. Your content", "### 4. Your content"), "heading_format")


def test_editorial_reorder_in_place() -> None:
    a = "- Failed jobs are not billed."
    b = "- Refunds are available within 14 days of purchase."
    _only_editorial(DOC.replace(a + "\n" + b, b + "\n" + a), "reorder")


def test_editorial_date_stamp() -> None:
    _only_editorial(DOC.replace("March 3, 2024", "September 21, 2025"), "date_stamp")


def test_editorial_typo() -> None:
    _only_editorial(DOC.replace("Purchased credits", "Purchsed credits"), "typo")


def test_paragraph_split_is_whitespace() -> None:
    new = DOC.replace("these terms. You must", "these terms.\n\nYou must")
    _only_editorial(new, "whitespace")


# ------------------------------------------------------------------ facts, word diff, flapping


def test_fact_directions() -> None:
    assert fact_direction("notice_period", 30.0, 7.0) == "less_favourable"
    assert fact_direction("notice_period", 7.0, 30.0) == "more_favourable"
    assert fact_direction("retention", 30.0, 365.0) == "less_favourable"
    assert fact_direction("liability_cap", 100.0, 50.0) == "less_favourable"
    assert fact_direction("liability_cap", None, 100.0) == "less_favourable"
    assert fact_direction("credit_validity", None, 365.0) == "less_favourable"
    assert fact_direction("credit_validity", 365.0, None) == "more_favourable"
    assert fact_direction("concurrent_jobs", 5.0, 2.0) == "less_favourable"
    assert fact_direction("requests_per_minute", 60.0, 120.0) == "more_favourable"
    assert fact_direction("training_on_content", "never", "opt_out") == "less_favourable"
    assert fact_direction("training_on_content", "yes", "opt_in") == "more_favourable"
    assert fact_direction("arbitration_body", "AAA", "JAMS") == "neutral"
    assert fact_direction("arbitration_body", None, "AAA") == "less_favourable"
    assert fact_direction("governing_law", "Ireland", "California") == "neutral"


def test_fact_deltas_ignore_unchanged_values() -> None:
    f = Fact("duration", "notice_period", 30.0, "days", "30 days")
    assert fact_deltas([f], [f]) == []
    g = Fact("duration", "notice_period", 7.0, "days", "7 days")
    (d,) = fact_deltas([f], [g])
    assert (d.old, d.new) == (30.0, 7.0)


def test_word_diff_rebuilds_both_sides() -> None:
    old, new = "Credits never expire.", "Credits expire after 12 months."
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op <= 0) == old
    assert "".join(t for op, t in ops if op >= 0) == new


def _long_pair() -> tuple[str, str]:
    """Two ~40 KB texts: a synthetic provision list and a copy with scattered word edits."""
    import random

    rng = random.Random(7)
    words = ("you", "we", "may", "not", "credits", "refund", "days", "notice", "terms", "data")
    old_words = [rng.choice(words) + rng.choice(["", "", ",", "."]) for _ in range(6000)]
    new_words = list(old_words)
    for _ in range(300):
        i = rng.randrange(len(new_words))
        edit = rng.random()
        if edit < 0.4:
            new_words[i] = rng.choice(words)
        elif edit < 0.7:
            del new_words[i]
        else:
            new_words.insert(i, rng.choice(words) + " " + rng.choice(words))
    return " ".join(old_words), " ".join(new_words)


def test_word_diff_long_pair_is_exact_and_deterministic() -> None:
    from monitor.changes.diff import _word_diff_uncached

    old, new = _long_pair()
    ops = _word_diff_uncached(old, new)
    assert "".join(t for op, t in ops if op <= 0) == old
    assert "".join(t for op, t in ops if op >= 0) == new
    assert all(t for _, t in ops)
    assert all(a[0] != b[0] for a, b in zip(ops, ops[1:], strict=False))
    # the alignment is exact, not cut short by a clock: the same ops every time
    assert all(_word_diff_uncached(old, new) == ops for _ in range(3))
    # highlights never split a word: every chunk boundary on either side falls between words
    for side, text in ((-1, old), (1, new)):
        pos = 0
        for op, t in ops:
            if op in (0, side):
                pos += len(t)
                assert not (0 < pos < len(text) and (text[pos - 1] + text[pos]).isalnum())


def test_flapping_a_b_a() -> None:
    a, b = "Terms, regional variant A.", "Terms, regional variant B."
    history = [("v1", normalised_hash(a)), ("v2", normalised_hash(b))]
    assert detect_flapping(normalised_hash(a), history) == "v1"
    assert detect_flapping(normalised_hash(b), history) is None  # same as predecessor
    assert detect_flapping(normalised_hash("Something new."), history) is None
    assert normalised_hash("Terms,  regional variant A") == normalised_hash(a)


def test_interface_fragment_added_is_editorial_but_a_short_sentence_is_not() -> None:
    from monitor.changes.version_analysis import diff_versions

    old = "# Terms\n\nYou may cancel at any time from your account settings page.\n"
    chrome = old + "\nSelect language\n"
    events = diff_versions(old, [], chrome, [], old_sha256="a", new_sha256="b", fact_reader=None)
    assert [(e.kind, e.editorial_kind) for e in events] == [("editorial", "interface_text")]
    sentence = old + "\nNo refunds.\n"
    events = diff_versions(old, [], sentence, [], old_sha256="a", new_sha256="b", fact_reader=None)
    assert [e.kind for e in events] == ["added"]


def test_rewritten_provision_under_same_heading_is_modified() -> None:
    from monitor.changes.version_analysis import diff_versions
    from monitor.models import Classification, ClassifiedClause, Clause

    def classified(text: str, sentence: str) -> list[ClassifiedClause]:
        start = text.index(sentence)
        clause = Clause(0, ("Training",), sentence, start, start + len(sentence))
        cls = Classification("ai_training_on_user_content", 0.9, False, ("test",))
        return [ClassifiedClause(clause, [cls], [])]

    old_sentence = "We will never use the materials you submit to develop our systems."
    new_sentence = "Your chats may improve our models unless you switch this off in Settings."
    old = f"# Terms\n\n## Training\n\n{old_sentence}\n\n## Contact\n\nWrite to us by post.\n"
    new = old.replace(old_sentence, new_sentence)
    events = diff_versions(
        old,
        classified(old, old_sentence),
        new,
        classified(new, new_sentence),
        old_sha256="a",
        new_sha256="b",
        fact_reader=None,
    )
    assert [e.kind for e in events] == ["modified"]
    assert events[0].categories == ["ai_training_on_user_content"]


def test_cached_block_normalisation_matches_normalise_many() -> None:
    """split_blocks keeps block normalisations by text; a second document sharing blocks, and one
    with control characters (normalised as a whole batch), read exactly as without the cache."""
    from monitor.changes.editorial import normalise_many

    texts = [
        DOC,
        DOC.replace("30 days", "7 days") + "\n\nA new [link](https://x.example) — “quoted”.\n",
        DOC + "\n\nBell\x07 and DEL\x7f inside; café naïve\n",
    ]
    for text in texts * 2:
        blocks = split_blocks(text)
        assert [b.norm for b in blocks] == normalise_many([b.text for b in blocks])


def test_paragraph_with_list_rewritten_into_one_paragraph_is_one_modification() -> None:
    """A promise with listed exceptions, rewritten as one opt-out paragraph: one modified event
    whose before side spans the paragraph and its list, with the stance delta never -> opt_out,
    and no stray "removed" events for the list items."""
    from monitor.changes.version_analysis import provisions_of

    lead = (
        "**Your content.** We use your content to run and secure the service. We will not train "
        "our models on your content, except in two cases:"
    )
    items = (
        "1. If you send us feedback about your content, we may use that feedback.\n\n"
        "2. If your content is flagged for safety review, we may use it to train our safety "
        "classifiers."
    )
    rewritten = (
        "**Your content.** We use your content to run and secure the service, including training "
        "our models, unless you opt out of training in your account settings. Even if you opt "
        "out, we use content for training when you send us feedback or when it is flagged for "
        "safety review."
    )
    head = "# Terms\n\n## 4. Content\n\n"
    tail = "\n\n## 5. Contact\n\nWrite to us at the address below.\n"
    old = f"{head}{lead}\n\n{items}{tail}"
    new = f"{head}{rewritten}{tail}"
    events = diff_versions(
        old,
        provisions_of(old, "Terms of Service"),
        new,
        provisions_of(new, "Terms of Service"),
        old_sha256="a",
        new_sha256="b",
    )
    substantive = [e for e in events if not e.editorial]
    assert [e.kind for e in substantive] == ["modified"]
    (ev,) = substantive
    assert ev.before is not None and ev.before.text.startswith("**Your content.**")
    assert ev.before.text.endswith("safety classifiers.")
    assert old[ev.before.start : ev.before.end] == ev.before.text
    deltas = {d.name: (d.old, d.new, d.direction) for d in ev.fact_deltas}
    assert deltas["training_on_content"] == ("never", "opt_out", "less_favourable")


def test_normalised_hash_read_from_blocks_is_the_whole_texts() -> None:
    """The hash is computed from the cached block normalisations; it is the hash of the whole
    normalised text, for headings, lists, tables, rules, links and non-ASCII punctuation alike."""
    import hashlib

    from monitor.changes.editorial import normalise

    text = (
        "# Terms of Service\n\nLast updated: 1 March 2025\n\n## 1. Credits\n\n"
        "Credits are valid for **12 months** — see [pricing](https://example.com/pricing).\n"
        "Unused credits expire.\n\n- Item one;\n- Item *two*.\n\n---\n\n"
        "| Plan | Limit |\n|---|---|\n| Pro | 5 jobs |\n\nTitle\n=====\n\n"
        "„Quoted“ text, L.L.C. & partners; 1.5 GB per user’s account.\n"
    )
    assert normalised_hash(text) == hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
    reflowed = text.replace("valid for **12 months**", "valid for\n12 Months")
    assert normalised_hash(reflowed) == normalised_hash(text)
    assert normalised_hash(text.replace("12 months", "6 months")) != normalised_hash(text)


def test_block_alignment_covers_both_versions_and_pairs_equal_blocks_only() -> None:
    """Head and tail are matched before the middle is aligned; the opcodes still cover both
    lists in order, and every "equal" run pairs equal blocks."""
    from monitor.changes.diff import _block_opcodes

    cases = [
        (["a", "b", "c", "d"], ["a", "b", "x", "c", "d"]),  # insertion in the middle
        (["a", "b", "c"], ["a", "b", "c"]),  # no change
        ([], ["a"]),
        (["a"], []),
        (["h", "", "x", "", "t"], ["h", "", "y", "z", "", "t"]),  # repeated empty blocks
        (["a", "b", "a", "b"], ["a", "b"]),  # head and tail overlap
    ]
    for old, new in cases:
        ops = _block_opcodes(old, new)
        i = j = 0
        for tag, i1, i2, j1, j2 in ops:
            assert (i1, j1) == (i, j)
            if tag == "equal":
                assert old[i1:i2] == new[j1:j2]
            i, j = i2, j2
        assert (i, j) == (len(old), len(new))


def test_normalised_hash_of_a_text_with_control_characters_is_the_whole_texts() -> None:
    """Control characters are kept or dropped by normalisation depending on the whole text, so a
    block seen before in another text must not lend its cached normalisation here."""
    import hashlib

    from monitor.changes.editorial import normalise

    ascii_text = "Pay a\x07b fee.\n\nMore.\n"
    mixed_text = "Caf\u00e9 terms.\n\nPay a\x07b fee.\n"
    normalised_hash(ascii_text)  # caches the shared block's normalisation in an ASCII text
    for text in (ascii_text, mixed_text):
        expected = hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
        assert normalised_hash(text) == expected
