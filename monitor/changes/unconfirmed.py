"""Broken captures in an imported history: the import's counterpart of the checker's hold.

A live capture that loses most of the previous version (`monitor.capture.check.content_loss`) is
held until the next capture repeats it; a capture that is not repeated never becomes a version.
An Open Terms Archive history records a commit only when the text changes, so no repetition is
ever seen: the import reads the next versions instead. A run of at most `MAX_UNCONFIRMED`
successive versions that each lost most of the last kept version, followed by a version that did
not (the text came back, possibly through a re-extraction), was a broken capture (an error,
partial or landing page): it is counted as refused and never becomes a version, as an unrepeated
held capture would not. A run that is followed by more of the same, or ends the history, stays:
the loss was real, as a repeated capture confirms it live.

`Tally` measures the loss incrementally, line by line: `content_loss` counts every word of both
texts, which over a whole history costs more than the rest of the import; the words and legal
vocabulary of the lines both texts share cancel out, so only the lines that differ are counted.
The verdict is the same as `content_loss`'s (tests/test_unconfirmed.py holds them equal).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from monitor.capture.check import (
    LEGAL_MIN,
    MIN_JUDGED_WORDS,
    MIN_KEPT_SHARE,
    legal_counts,
    word_counts,
)

# Successive versions that may form one broken state before their loss counts as confirmed (a
# partial capture that lasted until the declaration was fixed spans two versions in the GenAI
# history); a bound, so a real large cut is never withheld for long.
MAX_UNCONFIRMED = 3


@dataclass(frozen=True)
class Tally:
    """A text's lines (a multiset), its word count and its legal vocabulary count, as
    `content_loss` counts them."""

    lines: Counter[str]
    words: int
    legal: int


def tally(text: str) -> Tally:
    """The tally of `text`, counted in full (a history's first text)."""
    return Tally(Counter(text.splitlines()), word_counts(text).total(), legal_counts(text).total())


def loss(previous: Tally, text: str) -> tuple[str | None, Tally]:
    """`content_loss(previous text, text)` and the tally of `text`, from the lines that differ."""
    lines = Counter(text.splitlines())
    gone = "\n".join((previous.lines - lines).elements())
    came = "\n".join((lines - previous.lines).elements())
    words_gone, words_came = word_counts(gone), word_counts(came)
    legal_gone, legal_came = legal_counts(gone), legal_counts(came)
    new = Tally(
        lines,
        previous.words - words_gone.total() + words_came.total(),
        previous.legal - legal_gone.total() + legal_came.total(),
    )
    if previous.words < MIN_JUDGED_WORDS:
        return None, new
    kept = (
        previous.words - words_gone.total() + (words_gone & words_came).total()
    ) / previous.words
    if kept < MIN_KEPT_SHARE:
        return f"it keeps {kept:.0%} of the previous version's words (lost {1 - kept:.0%})", new
    if previous.legal >= LEGAL_MIN:
        legal_kept = (
            previous.legal - legal_gone.total() + (legal_gone & legal_came).total()
        ) / previous.legal
        if legal_kept < MIN_KEPT_SHARE:
            return (
                f"it keeps {legal_kept:.0%} of the previous version's legal vocabulary"
                f" (lost {1 - legal_kept:.0%})"
            ), new
    return None, new
