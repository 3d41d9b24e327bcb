"""Segmentation: exact offsets, heading paths, list items, long-paragraph sentence splits."""

from __future__ import annotations

from monitor.clauses import segment

DOC = (
    """Terms of Service
================

Last updated: 1 March 2026

## 1. Accounts

You must keep your password secret.

- First item of the list.
- Second item, which continues
  on a second line.

**1.1 Suspension**

We may suspend your account.

## 2. Payments

### 2.1 Credits

"""
    + " ".join(
        f"Sentence number {i} explains one more detail of how prepaid credits are applied to usage."
        for i in range(8)
    )
    + """

10\\. Liability[](#anchor)
-------------------------

1. We are not liable for indirect damages, e.g. lost profits.
(a) Nothing limits liability for fraud.
"""
)


def test_offsets_are_exact_slices() -> None:
    clauses = segment(DOC)
    assert clauses
    for i, c in enumerate(clauses):
        assert DOC[c.start : c.end] == c.text
        assert c.index == i
        assert c.text == c.text.strip()


def test_heading_paths() -> None:
    by_text = {c.text[:20]: c.heading_path for c in segment(DOC)}
    assert by_text["You must keep your p"] == ("Terms of Service", "1. Accounts")
    assert by_text["We may suspend your "] == ("Terms of Service", "1. Accounts", "1.1 Suspension")
    assert by_text["Sentence number 0 ex"] == ("Terms of Service", "2. Payments", "2.1 Credits")
    assert by_text["We are not liable fo"] == ("Terms of Service", "10. Liability")


def test_list_items_are_separate_clauses_without_markers() -> None:
    texts = [c.text for c in segment(DOC)]
    assert "First item of the list." in texts
    assert "Second item, which continues\n  on a second line." in texts
    assert any(t.startswith("Nothing limits liability") for t in texts)


def test_long_paragraph_split_into_sentences() -> None:
    sents = [c for c in segment(DOC) if c.text.startswith("Sentence number")]
    assert len(sents) == 8


def test_abbreviations_do_not_split() -> None:
    text = "## A\n\n" + (
        "We may, e.g. for security, restrict access to the Service at any time. " * 8
    )
    for c in segment(text):
        assert not c.text.startswith("for security")


def test_empty_and_whitespace() -> None:
    assert segment("") == []
    assert segment("\n\n   \n") == []


def test_repeated_paragraphs_keep_their_own_heading_path_and_offsets() -> None:
    """Paragraphs are segmented once per heading stack (cached): a paragraph repeated under another
    heading, or after a setext heading or a bold pseudo-heading, still gets its own path."""
    para = "You may cancel at any time.\n- Refunds are not available.\n"
    text = (
        f"# Terms\n\n## Billing\n\n{para}\nCredits\n-------\n{para}\n\n**Refunds**\n\n{para}\r\n"
        f"\x0c\n# Other\n{para}"
    )
    clauses = segment(text)
    for c in clauses:
        assert text[c.start : c.end] == c.text
    assert [c.index for c in clauses] == list(range(len(clauses)))
    paths = [c.heading_path for c in clauses if c.text.startswith("You may cancel")]
    assert paths == [
        ("Terms", "Billing"),
        ("Terms", "Credits"),
        ("Terms", "Credits", "Refunds"),
        ("Other",),
    ]
    assert segment(text) == clauses
