"""Volatile page text, learnt from a document's own history: the lines that change in most of its
recent captures (cookie-banner counters, tracking-pixel URLs, rotating promotions, relative times).

A version is compared with the previous one line by line: the lines present in only one of the two
are its changed lines, each known by its *key*, the line with every token that holds a digit
masked (so "We and our 812 partners" and "We and our 818 partners" share a key). Over the
document's transitions between the versions of the last 90 days (`PERIOD`, at most
`MAX_VERSIONS` of them; technical upgrades aside: a re-extraction changes every line once), a key
is volatile when it changed at least `MIN_CHANGES` times and in at least half of them, or in its
numbers only at least `MIN_CHANGES` times (a counter: the line stays, its number moves), or at
least `MIN_CHANGES` times alone (in captures where the rest of the page stayed the same, volatile
lines aside). A new version whose changed lines are all volatile changed only volatile text; a
version that also changes any other line is judged as usual, whatever else it touches. No phrase
list: what is volatile is whatever keeps changing on that document's page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

PERIOD = timedelta(days=90)  # the transitions looked at: between versions captured this recently
MAX_VERSIONS = 200  # and at most this many of the latest versions (a page captured hourly)
MIN_CHANGES = 3  # a key must have changed at least this often (several toggles, never one edit)
FEW = 2  # a line changed "alone" when its transition changed at most this many lines

_NUMERIC_TOKEN = re.compile(r"\S*\d\S*")

Lines = frozenset[str]


def lines_of(text: str) -> Lines:
    """The text's non-blank lines, stripped (a line whose inner spacing changed counts as
    changed: that only keeps a change from being silenced)."""
    return frozenset(filter(None, map(str.strip, text.splitlines())))


def line_key(line: str) -> str:
    """The line with every token that holds a digit masked: counters, dates and ids vary in it."""
    return _NUMERIC_TOKEN.sub("#", line)


@dataclass(frozen=True)
class Transition:
    """What changed from one version to the next: the keys of the lines present in only one of
    the two, and among them those whose line stayed and changed only in its numbers (the key is
    on both sides)."""

    changed: frozenset[str]
    numbers_only: frozenset[str]


def transition(old: Lines, new: Lines) -> Transition:
    """The `Transition` between two versions' lines."""
    removed = {line_key(line) for line in old - new}
    added = {line_key(line) for line in new - old}
    return Transition(frozenset(removed | added), frozenset(removed & added))


def volatile_keys(transitions: Sequence[Transition]) -> frozenset[str]:
    """The keys volatile in a document's recent transitions: a key that changed at least
    `MIN_CHANGES` times and

    - in at least half of the transitions (a tracking pixel, a clock), or
    - in its numbers only, at least `MIN_CHANGES` times (a counter), or
    - alone, at least `MIN_CHANGES` times: in transitions that changed at most `FEW` other lines
      besides those of the first kind (a title's notification count, a rotating promotion).
      A document's real edits come several lines at a time and rarely touch one line thrice."""
    counts: Counter[str] = Counter(key for t in transitions for key in t.changed)
    in_numbers: Counter[str] = Counter(key for t in transitions for key in t.numbers_only)
    frequent = {k for k, n in counts.items() if n >= MIN_CHANGES and 2 * n >= len(transitions)}
    alone: Counter[str] = Counter()
    for t in transitions:
        rest = t.changed - frequent
        if len(rest) <= FEW:
            alone.update(rest)
    return frozenset(
        key
        for key, n in counts.items()
        if n >= MIN_CHANGES
        and (key in frequent or in_numbers[key] >= MIN_CHANGES or alone[key] >= MIN_CHANGES)
    )


def only_volatile(now: Transition, transitions: Sequence[Transition]) -> bool:
    """True when the new version's every changed line is volatile in `transitions` (and
    something changed)."""
    return bool(now.changed) and now.changed <= volatile_keys(transitions)
