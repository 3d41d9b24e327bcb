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

`Tally` carries a text's lines and totals from one version to the next, so that over a whole
history no text is counted twice; the verdict is `content_loss`'s own (`loss_of`, from the lines
that differ; tests/test_unconfirmed.py holds them equal).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from monitor.capture.check import MIN_JUDGED_WORDS, legal_counts, loss_of, word_counts

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
    gone, came = previous.lines - lines, lines - previous.lines
    gone_text, came_text = "\n".join(gone.elements()), "\n".join(came.elements())
    new = Tally(
        lines,
        previous.words - word_counts(gone_text).total() + word_counts(came_text).total(),
        previous.legal - legal_counts(gone_text).total() + legal_counts(came_text).total(),
    )
    if previous.words < MIN_JUDGED_WORDS:
        return None, new
    return loss_of(previous.words, lambda: previous.legal, gone, came), new
