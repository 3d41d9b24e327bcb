"""What a version's text yields on its own: its hashes, document-type check and provision entries
(segmented and classified clauses), and the assessed change events from another text. Pure: no
store, so the history import computes it in worker processes.

(`monitor.changes.analysis` is something else: the exposure and wording of change events.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from monitor import clauses
from monitor.capture.archive import sha256_text
from monitor.changes import blocks
from monitor.changes.analysis import assess
from monitor.changes.blocks import normalised_hash
from monitor.changes.diff import FactReader, diff_texts, read_passage_facts
from monitor.clauses import (
    anchor_for,
    check_document_type,
    doctype,
    extract_provisions,
    known_clauses,
    load_taxonomy,
)
from monitor.clauses.segment import clear_cache as clear_segment_cache
from monitor.models import ChangeEvent, Classification, ClassifiedClause


@lru_cache(maxsize=16)
def provisions_of(text: str, terms_type: str) -> list[ClassifiedClause]:
    """Clause extraction, memoised: each version is compared with its successor, so its clauses
    are needed twice (and a history import walks thousands of versions)."""
    return extract_provisions(text, terms_type)


class ProvisionEntry(NamedTuple):
    """One category of one classified clause, as a provision row takes it: a clause with two
    categories is two provisions."""

    category: str
    anchor: str
    text: str
    heading_path: tuple[str, ...]
    facts: list[dict[str, Any]]  # shared between versions: copied into a row, never changed
    confidence: float
    unfair: bool
    reasons: tuple[str, ...]
    exposure: str


@dataclass
class VersionAnalysis:
    """What a version's text yields on its own. `events` (against the text whose sha256 is
    `events_against`) are the change events from that text, when they were asked for: the
    decision about the version (`monitor.changes.decision.decide`) uses them when the text is
    its previous version's."""

    sha256: str
    normalised_sha256: str
    doctype_ok: bool
    doctype_reason: str | None
    provisions: list[ProvisionEntry]
    events: list[ChangeEvent] | None = None
    events_against: str | None = None
    # `content_loss` from the `events_against` text to this one, when the history import asked
    content_loss: str | None = None
    # the text's classified clauses, when asked for (`keep_clauses`)
    clauses: list[ClassifiedClause] | None = None


_CACHE_MAX = 65_536  # entries kept by each per-process cache here

# normalised hash by sha256 of the text: histories return to earlier texts (normalising a 60 KB
# version takes ~20 ms)
_NORMALISED: dict[str, str] = {}


def analyse_text(
    text: str,
    terms_type: str,
    previous_text: str | None = None,
    *,
    previous_clauses: list[ClassifiedClause] | None = None,
    keep_clauses: bool = False,
) -> VersionAnalysis:
    """Analysis of `text`; with `previous_text`, also the change events from it to `text`
    (`previous_clauses`: that text's `extract_provisions`, when the caller kept them: the clauses
    both texts share are then taken from them). With `keep_clauses`, the analysis carries the
    text's classified clauses."""
    doctype = check_document_type(text, terms_type)
    sha = sha256_text(text)
    normalised = _NORMALISED.get(sha)
    if normalised is None:
        normalised = normalised_hash(text)
        if len(_NORMALISED) >= _CACHE_MAX:
            _NORMALISED.clear()
        _NORMALISED[sha] = normalised
    if previous_text is not None and previous_clauses is not None:
        # the clauses the previous text shares with this one are not classified again
        clauses = extract_provisions(
            text, terms_type, known=known_clauses(previous_text, previous_clauses)
        )
    else:
        clauses = provisions_of(text, terms_type)
    analysis = VersionAnalysis(
        sha256=sha,
        normalised_sha256=normalised,
        doctype_ok=doctype.ok,
        doctype_reason=None if doctype.ok else doctype.reason,
        provisions=provision_entries(clauses),
        clauses=clauses if keep_clauses else None,
    )
    if previous_text is not None:
        old_sha = sha256_text(previous_text)
        if previous_clauses is None:
            previous_clauses = provisions_of(previous_text, terms_type)
        analysis.events = diff_versions(
            previous_text, previous_clauses, text, clauses, old_sha256=old_sha, new_sha256=sha
        )
        analysis.events_against = old_sha
    return analysis


# Texts a process analyses for the live check between two clearings of its caches. The caches here
# and in the clause stages are sized for an import, where a document's versions share most of
# their text; a check's documents share little (a changed document's previous clauses come from
# the clause cache), so they only grow: about 0.6 MiB per document, which freeing does not give
# back to the system. Cleared every 32 texts, 200 synthetic documents analysed in one process
# stay at ~95 MiB instead of growing to 190 MiB, for the same CPU time; every 8, a first pass of
# 200 pages peaks at 140 MiB instead of 156 MiB, in the same time.
CHECK_CACHE_PERIOD = 8
_checked = 0


def analyse_for_check(
    text: str,
    terms_type: str,
    previous_text: str | None = None,
    *,
    previous_clauses: list[ClassifiedClause] | None = None,
    keep_clauses: bool = False,
) -> VersionAnalysis:
    """`analyse_text` for the live check, in the checking process or a worker: the process's
    analysis caches are forgotten every `CHECK_CACHE_PERIOD` texts."""
    global _checked
    analysis = analyse_text(
        text,
        terms_type,
        previous_text,
        previous_clauses=previous_clauses,
        keep_clauses=keep_clauses,
    )
    _checked += 1
    if _checked % CHECK_CACHE_PERIOD == 0:
        clear_caches()
    return analysis


def clear_caches() -> None:
    """Forget what this process cached of the texts it analysed (results are unchanged)."""
    provisions_of.cache_clear()
    _NORMALISED.clear()
    _ENTRIES.clear()
    clauses.clear_cache()
    doctype.clear_caches()
    clear_segment_cache()
    blocks.clear_cache()


# ------------------------------------------------------------------ change events


def diff_versions(
    old_text: str,
    old_clauses: Sequence[ClassifiedClause],
    new_text: str,
    new_clauses: Sequence[ClassifiedClause],
    *,
    old_sha256: str,
    new_sha256: str,
    taxonomy: Any = None,
    fact_reader: FactReader | None = read_passage_facts,
) -> list[ChangeEvent]:
    """Change events from `old_text` to `new_text` (`monitor.changes.diff.diff_texts`, which see),
    their exposure and reasons set by `monitor.changes.analysis.assess` with `taxonomy` (the
    packaged taxonomy when None)."""
    events = diff_texts(
        old_text,
        old_clauses,
        new_text,
        new_clauses,
        old_sha256=old_sha256,
        new_sha256=new_sha256,
        fact_reader=fact_reader,
    )
    return assess(events, taxonomy)


def events_between(
    old_text: str, old_sha256: str, new_text: str, new_sha256: str, terms_type: str
) -> list[ChangeEvent]:
    """Change events from `old_text` to `new_text`, their clauses extracted (memoised)."""
    return diff_versions(
        old_text,
        provisions_of(old_text, terms_type),
        new_text,
        provisions_of(new_text, terms_type),
        old_sha256=old_sha256,
        new_sha256=new_sha256,
    )


class HashedText(Protocol):
    """A stored version as far as change events read it."""

    @property
    def text(self) -> str: ...
    @property
    def sha256(self) -> str: ...


def compute_events(
    previous: HashedText,
    version: HashedText,
    old_clauses: list[ClassifiedClause],
    new_clauses: list[ClassifiedClause],
) -> list[ChangeEvent]:
    """Change events from `previous` to `version`, given their clauses."""
    return diff_versions(
        previous.text,
        old_clauses,
        version.text,
        new_clauses,
        old_sha256=previous.sha256,
        new_sha256=version.sha256,
    )


# ------------------------------------------------------------------ provision entries


def provision_entries(clauses: list[ClassifiedClause]) -> list[ProvisionEntry]:
    """The provision entries of a version's classified clauses, in document order.

    A clause's entries depend only on its heading path, text and classification, which recur
    version after version: they are kept, so successive versions share the same entry objects
    (cheap to compare, and pickled once per batch of versions sent between processes)."""
    out: list[ProvisionEntry] = []
    for cc in clauses:
        key = (cc.clause.heading_path, cc.clause.text)
        kept = _ENTRIES.get(key)
        # the same classification objects (the classifier's cache): else classify again
        if (
            kept is None
            or len(kept[0]) != len(cc.categories)
            or any(a is not b for a, b in zip(kept[0], cc.categories, strict=True))
        ):
            if len(_ENTRIES) >= _CACHE_MAX:
                _ENTRIES.clear()
            kept = (list(cc.categories), _entries_of(cc))
            _ENTRIES[key] = kept
        out.extend(kept[1])
    return out


_ENTRIES: dict[
    tuple[tuple[str, ...], str], tuple[list[Classification], tuple[ProvisionEntry, ...]]
] = {}


def _entries_of(cc: ClassifiedClause) -> tuple[ProvisionEntry, ...]:
    categories = load_taxonomy().categories
    facts = [asdict(f) for f in cc.facts]
    entries = []
    for cls in cc.categories:
        category = categories.get(cls.category)
        entries.append(
            ProvisionEntry(
                category=cls.category,
                anchor=anchor_for(cc, cls.category),  # each category: its own provision
                text=cc.clause.text,
                heading_path=cc.clause.heading_path,
                facts=facts,
                confidence=cls.confidence,
                unfair=cls.unfair,
                reasons=tuple(cls.reasons),
                exposure=category.default_exposure if category else "low",
            )
        )
    return tuple(entries)
