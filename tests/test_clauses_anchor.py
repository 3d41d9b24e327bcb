"""Provision identity helpers: anchors and fuzzy similarity survive rewording and renumbering."""

from __future__ import annotations

from monitor.clauses import anchor_for, extract_provisions, similarity

OLD = """# Terms

## 7. Fees

Purchased credits expire twelve (12) months after the date of purchase.
"""
NEW = """# Terms

## 8. Fees and Credits

Purchased credits expire six (6) months after the date of purchase.
"""
RENUMBERED = OLD.replace("## 7. Fees", "## 9. Fees").replace("Purchased", "purchased")


def test_anchor_shape_and_renumbering() -> None:
    a = anchor_for(extract_provisions(OLD, "Terms of Service")[0])
    b = anchor_for(extract_provisions(RENUMBERED, "Terms of Service")[0])
    assert a.startswith("credit_expiry|fees|")
    assert a == b


def test_anchor_names_the_requested_category() -> None:
    cc = extract_provisions(OLD, "Terms of Service")[0]
    default = anchor_for(cc)
    refunds = anchor_for(cc, "refunds")
    assert refunds.startswith("refunds|fees|")
    assert refunds.split("|", 1)[1] == default.split("|", 1)[1]


def test_similarity_reworded_clause() -> None:
    old = extract_provisions(OLD, "Terms of Service")[0].clause.text
    new = extract_provisions(NEW, "Terms of Service")[0].clause.text
    assert similarity(old, new) > 0.6
    assert similarity(old, old) == 1.0
    unrelated = "You may not use the Service to harass other users."
    assert similarity(old, unrelated) < 0.2


def test_similarity_ignores_case_and_punctuation() -> None:
    assert similarity("We MAY change these Terms.", "we may change these terms") == 1.0
