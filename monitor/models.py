"""Dataclasses passed between stages. Stages are pure functions over these; I/O lives at the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

# ---------------------------------------------------------------- capture


@dataclass
class FetchResult:
    """What a fetcher returns for one URL."""

    requested_url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes  # raw bytes exactly as received (empty for a 304)
    mime_type: str  # e.g. "text/html", "application/pdf", "text/plain", "text/markdown"
    fetcher: str  # "http" | "browser"
    not_modified: bool = False  # True for a 304 answer to a conditional GET
    charset: str | None = None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- clauses


@dataclass(frozen=True)
class Fact:
    """A structured fact found in a clause, with normalised units.

    kind:  "duration" | "money" | "count" | "rate" | "percent" | "age" | "body" | "law" | "venue"
           | "boolean"
    name:  what it measures, e.g. "notice_period", "user_notice_period", "cancellation_deadline",
           "credit_validity", "refund_window", "payment_deadline", "optout_window", "retention",
           "liability_cap", "liability_cap_months", "liability_cap_formula", "concurrent_jobs",
           "requests_per_minute", "requests_per_day", "minimum_age", "parental_consent_age",
           "arbitration_body", "governing_law", "venue" (one fact per place),
           "training_on_content", "credits_expire"
    value: normalised value for comparison: days for durations (a month is a twelfth of a year),
           a float amount for money, a count, years for ages, or a string
    unit:  "days", "USD"/"EUR"/..., "jobs", "requests/minute", "years", "" for strings
    text:  the verbatim text the fact was read from (a substring of the clause)
    written: the value in the document's own unit ("12 months", "one year" as "1 year",
           "3 jobs", "USD 100"); "" when not recorded (facts stored before it existed)
    """

    kind: str
    name: str
    value: float | str
    unit: str
    text: str
    written: str = ""


@dataclass(frozen=True)
class Classification:
    category: str  # taxonomy id
    confidence: float  # 0..1
    unfair: bool  # potentially or clearly unfair to the user (CLAUDETTE degree 2 or 3)
    reasons: tuple[str, ...] = ()  # rules or features that fired, for audit


@dataclass(frozen=True)
class Clause:
    """A span of a version's Markdown text: text == version_text[start:end]."""

    index: int
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int


@dataclass
class ClassifiedClause:
    clause: Clause
    categories: list[Classification]
    facts: list[Fact]


@dataclass(frozen=True)
class Excerpt:
    """A verbatim quote of a stored version, checked against the version's sha256 when rendered."""

    text: str
    start: int
    end: int
    version_sha256: str


# ---------------------------------------------------------------- changes


class Exposure(StrEnum):
    """How much a change or provision may matter to a user, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


EXPOSURES: tuple[str, ...] = tuple(e.value for e in Exposure)
EXPOSURE_RANK: dict[str, int] = {name: rank for rank, name in enumerate(EXPOSURES)}


def exposure_rank(level: str | None) -> int:
    """0 for low (and unknown or missing levels), 1 for medium, 2 for high."""
    return EXPOSURE_RANK.get((level or "low").lower(), 0)


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    MOVED = "moved"  # always editorial: the same text elsewhere
    EDITORIAL = "editorial"
    FLAPPING = "flapping"  # a return to an earlier state, reported once per episode


class ChangeLike(Protocol):
    """A change event or a stored change row."""

    kind: str
    editorial: bool


def is_substantive(change: ChangeLike) -> bool:
    """A change to what the document says: not editorial, not a move, not a flapping episode."""
    return not change.editorial and change.kind not in (ChangeKind.FLAPPING, ChangeKind.MOVED)


@dataclass(frozen=True)
class FactDelta:
    name: str
    kind: str
    old: float | str | None
    new: float | str | None
    unit: str
    # "less_favourable" | "more_favourable" | "neutral" (from the user's point of view)
    direction: str
    # the values in the documents' own units (Fact.written), "" when not known
    old_written: str = ""
    new_written: str = ""


@dataclass
class ChangeEvent:
    """One clause-level change between two versions of a document.

    kind: "added" | "removed" | "modified" | "moved" | "editorial" | "flapping"
    """

    kind: str
    categories: list[str]
    editorial: bool
    exposure: str  # "low" | "medium" | "high"
    reasons: list[str]
    fact_deltas: list[FactDelta]
    heading_path: tuple[str, ...]
    before: Excerpt | None
    after: Excerpt | None
    # diff-match-patch operations (op, text) with op in {-1, 0, 1}, for highlighting
    diff: list[tuple[int, str]] = field(default_factory=list)
    editorial_kind: str | None = None  # whitespace, punctuation, case, link, invisible, ...
    unfair: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class VersionRef:
    """Enough about a stored version to cite it as evidence."""

    service_id: str
    terms_type: str
    captured_at: datetime
    sha256: str  # sha256 of the version text (UTF-8)
    snapshot_sha256: str | None
    url: str | None
