"""What to do with a new version of a document: one decision, made here, for both writers.

`decide` compares a new version (its text and `VersionAnalysis`) with the document's previous one:

- "first": the document's first version: nothing to compare, nothing to record but the version;
- "technical": a technical upgrade (a re-extraction): the new baseline, no change events;
- "flapping": the content returns to the state of a recent earlier version (A -> B -> A): one
  flapping row reports the episode, and its two states become the document's last episode;
- "repeat": such a return that the document's last flapping episode already covers: no row;
- "change": the change events from the previous version (none when it changed only editorially
  enough to normalise the same, or not at all).

Whatever the kind, the version's provision entries are matched to the document's provisions
(`plan_provisions`). `record_version` (recording.py: one live capture) and `HistoryWriter`
(history_writer.py: an imported history, in batches) only persist what is decided here:
the version row, the provision plan and `VersionDecision.change_rows`. Pure: no store, no session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, Protocol, TypeVar

from monitor.changes import volatile
from monitor.changes.continuity import markup_only
from monitor.changes.version_analysis import ProvisionEntry, VersionAnalysis, events_between
from monitor.clauses import similarity
from monitor.models import ChangeEvent, Excerpt, FactDelta, is_substantive

# A return to a state the document had within this period is flapping (or a return from a broken
# capture), however many captures came between.
FLAP_PERIOD = timedelta(days=90)
# Two provisions of one category are the same provision when their text is at least this similar.
IDENTITY_THRESHOLD = 0.55

VersionKind = Literal["first", "technical", "flapping", "repeat", "change"]


@dataclass(frozen=True)
class RecentVersion:
    """An earlier version of the document, as flapping detection finds it: its normalised state."""

    id: int
    captured_at: datetime
    normalised_sha256: str


@dataclass(frozen=True)
class EarlierVersion:
    """The version before the previous one, as the return rules read it."""

    id: int
    captured_at: datetime
    text: str
    sha256: str
    lines: volatile.Lines


class PreviousVersion(Protocol):
    """The document's previous version, as the decision reads it: a `Version` row, or the history
    writer's record of the last version it wrote."""

    @property
    def id(self) -> int: ...
    @property
    def captured_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def normalised_sha256(self) -> str: ...
    @property
    def technical_upgrade(self) -> bool: ...


class DocumentHistory(Protocol):
    """What the decision reads of the document's stored history, only when it needs it: the live
    path reads it from the store (recording.py), the import from memory (history_writer.py)."""

    def earlier_state(
        self, normalised_sha256: str, since: datetime, previous_id: int
    ) -> RecentVersion | None:
        """The latest version with this normalised hash captured at or after `since`, other than
        the previous version (`previous_id`)."""
        ...

    def last_flapping_states(self) -> Sequence[str] | None:
        """The two states of the document's last flapping episode (None when it had none)."""
        ...

    def recent_transitions(self, since: datetime) -> Sequence[volatile.Transition]:
        """`volatile.transition` of each transition between consecutive versions (by capture time,
        then id) among the latest `volatile.MAX_VERSIONS` captured at or after `since`, those into
        technical upgrades left out."""
        ...

    def before_previous(self) -> EarlierVersion | None:
        """The version just before the previous one (by capture time, then id)."""
        ...


@dataclass(frozen=True)
class Flapping:
    """A return to an earlier state: `partner` holds it, `states` are the episode's two states
    (normalised hashes, sorted)."""

    partner: RecentVersion
    states: tuple[str, ...]


@dataclass(frozen=True)
class VersionDecision:
    """What recording a new version means beyond the version row and its provisions."""

    kind: VersionKind
    previous_id: int | None = None
    events: list[ChangeEvent] = field(default_factory=list)  # kind "change" only
    flapping: Flapping | None = None  # kinds "flapping" and "repeat"
    # kind "technical" when the source or extractor changed and only the markup differs
    continuity: bool = False

    def change_rows(
        self, document_id: int, version_id: int, detected_at: datetime, alertable: bool
    ) -> list[dict[str, Any]]:
        """The `changes` rows to record for the new version (`version_id`), oldest first."""
        if self.previous_id is None:
            return []
        if self.kind == "flapping":
            assert self.flapping is not None
            return [
                flapping_values(
                    document_id, self.previous_id, version_id, self.flapping, detected_at
                )
            ]
        return [
            change_values(document_id, self.previous_id, version_id, event, detected_at, alertable)
            for event in self.events
        ]


def decide(
    text: str,
    analysis: VersionAnalysis,
    previous: PreviousVersion | None,
    *,
    terms_type: str,
    technical_upgrade: bool,
    captured_at: datetime,
    history: DocumentHistory,
    source_changed: bool = False,
) -> VersionDecision:
    """The decision about a new version with `text` (analysed as `analysis`), captured at
    `captured_at`, after `previous`.

    `source_changed`: the text comes from another source or extractor than the previous version's
    (the first live capture after an imported history, a new engine, a declaration change): a
    difference of markup only is then a technical upgrade (continuity), never a change. The change
    events are those of `analysis` when they were computed against the previous text, else
    computed here; the document's history then judges them: a return that undoes the previous
    capture (`undoes`), a return from a broken capture (`leaves_broken_capture`: compared with the
    version before it), volatile text (`judge_volatile`)."""
    if previous is None:
        return VersionDecision("first")  # nothing to compare, nothing to report
    if technical_upgrade:
        return VersionDecision("technical", previous.id)  # re-extraction: the new baseline
    if source_changed and markup_only(previous.text, text):
        return VersionDecision("technical", previous.id, continuity=True)
    new_hash = analysis.normalised_sha256
    if new_hash != previous.normalised_sha256:
        partner = history.earlier_state(new_hash, captured_at - FLAP_PERIOD, previous.id)
        if partner is not None:
            states = tuple(sorted({partner.normalised_sha256, previous.normalised_sha256}))
            kind: VersionKind = (
                "repeat"
                if repeats_last_flapping(history.last_flapping_states(), new_hash)
                else "flapping"
            )
            return VersionDecision(kind, previous.id, flapping=Flapping(partner, states))
    if analysis.events is not None and analysis.events_against == previous.sha256:
        events = analysis.events
    else:
        events = events_between(previous.text, previous.sha256, text, analysis.sha256, terms_type)
    if not any(is_substantive(e) for e in events):
        return VersionDecision("change", previous.id, events=events)
    old, new = volatile.lines_of(previous.text), volatile.lines_of(text)
    # a return from the previous capture when it is recent (its state lasted at most
    # FLAP_PERIOD): a broken capture or a variant is short-lived, however old the good version is
    recent = not previous.technical_upgrade and previous.captured_at >= captured_at - FLAP_PERIOD
    earlier = history.before_previous() if recent else None
    if earlier is not None and undoes(old, new, earlier.lines):
        return VersionDecision(
            "change",
            previous.id,
            events=_silenced(
                events,
                "return",
                "returns to the text of the version captured "
                f"{earlier.captured_at:%Y-%m-%d %H:%M} UTC: it undoes the previous capture's "
                "change (a broken or partial capture, or a variant)",
            ),
        )
    if earlier is not None and leaves_broken_capture(old, new, earlier.lines):
        # compared with the last good version: what changed while the capture was broken
        # alerts, the return of the text the broken capture lacked does not
        rebased = events_between(earlier.text, earlier.sha256, text, analysis.sha256, terms_type)
        note = (
            "compared with the version captured "
            f"{earlier.captured_at:%Y-%m-%d %H:%M} UTC: the previous capture held little of "
            "the document (a broken, partial or landing page)"
        )
        return VersionDecision(
            "change",
            earlier.id,
            events=[replace(e, reasons=[*e.reasons, note]) for e in rebased],
        )
    events = judge_volatile(events, old, new, history, captured_at)
    return VersionDecision("change", previous.id, events=events)


# Shares of a version's lines: a capture keeping less than BROKEN_KEPT of the version before it is
# broken when the next one brings back at least RESTORED of them.
BROKEN_KEPT = 0.5
RESTORED = 0.8


def leaves_broken_capture(
    previous: volatile.Lines, new: volatile.Lines, earlier: volatile.Lines
) -> bool:
    """True when the previous version held little of the one before it (`earlier`) and the new
    one brings most of it back: the previous capture was a broken, partial or landing page."""
    if not earlier:
        return False
    return len(previous & earlier) < BROKEN_KEPT * len(earlier) and len(
        new & earlier
    ) >= RESTORED * len(earlier)


# ------------------------------------------------------------------ the document's own history


def undoes(previous: volatile.Lines, new: volatile.Lines, earlier: volatile.Lines) -> bool:
    """True when every line that changed from the previous version goes back to how the version
    before it (`earlier`) had it: the previous capture was a broken or partial page, or a variant,
    and the new one undoes it (the undone change was reported when it came)."""
    added, removed = new - previous, previous - new
    return bool(added or removed) and added <= earlier and not removed & earlier


def judge_volatile(
    events: list[ChangeEvent],
    old: volatile.Lines,
    new: volatile.Lines,
    history: DocumentHistory,
    captured_at: datetime,
) -> list[ChangeEvent]:
    """`events` (from the previous version's lines `old` to the new `new`, captured at
    `captured_at`) with their substantive
    ones made editorial, of kind "volatile", when every changed line is volatile text of this
    document (`volatile`) and no event moves a recognised fact (a notice period, a price:
    provision values, never page chrome); else unchanged."""
    if any(e.fact_deltas for e in events):
        return events
    if volatile.only_volatile(
        volatile.transition(old, new), history.recent_transitions(captured_at - volatile.PERIOD)
    ):
        return _silenced(
            events,
            "volatile",
            "volatile page text: only lines that changed in most of this document's recent "
            "captures changed",
        )
    return events


def _silenced(events: list[ChangeEvent], kind: str, reason: str) -> list[ChangeEvent]:
    return [
        replace(
            e,
            kind="editorial",
            editorial=True,
            editorial_kind=kind,
            exposure="low",
            fact_deltas=[],
            reasons=[reason],
        )
        if is_substantive(e)
        else e
        for e in events
    ]


# ------------------------------------------------------------------ flapping


def repeats_last_flapping(last_states: Sequence[str] | None, new_hash: str) -> bool:
    """True when the document's last flapping episode (its two states) already covers the new
    version: the content keeps alternating and is reported once."""
    return last_states is not None and new_hash in last_states


_V = TypeVar("_V")


def detect_flapping(new_normalised_hash: str, recent: Sequence[tuple[_V, str]]) -> _V | None:
    """The id of an earlier version the new one returns to (A -> B -> A), or None.

    `recent` lists (version_id, normalised_hash) oldest first and ends with the version just before
    the new one. Matching that immediate predecessor is no change at all, so it is skipped; the
    most recent older match is returned.
    """
    if not recent or recent[-1][1] == new_normalised_hash:
        return None
    for version_id, digest in reversed(recent[:-1]):
        if digest == new_normalised_hash:
            return version_id
    return None


# ------------------------------------------------------------------ change rows


def flapping_values(
    document_id: int,
    from_version_id: int,
    to_version_id: int,
    flapping: Flapping,
    detected_at: datetime,
) -> dict[str, Any]:
    """The `changes` row reporting a flapping episode between `flapping.partner`'s state and the
    previous version's."""
    return {
        "document_id": document_id,
        "from_version_id": from_version_id,
        "to_version_id": to_version_id,
        "detected_at": detected_at,
        "kind": "flapping",
        "editorial": True,
        "exposure": "low",
        "reasons": [
            "content returned to the state of "
            f"{flapping.partner.captured_at:%Y-%m-%d %H:%M} UTC (alternating between two states)"
        ],
        "alertable": False,
        "extra": {"states": list(flapping.states)},
    }


def change_values(
    document_id: int,
    from_version_id: int,
    to_version_id: int,
    event: ChangeEvent,
    detected_at: datetime,
    alertable: bool,
) -> dict[str, Any]:
    """The `changes` row of a change event (the ORM and the history writer's Core inserts)."""
    return {
        "document_id": document_id,
        "from_version_id": from_version_id,
        "to_version_id": to_version_id,
        "detected_at": detected_at,
        "kind": event.kind,
        "categories": list(event.categories),
        "editorial": event.editorial,
        "editorial_kind": event.editorial_kind,
        "exposure": event.exposure,
        "unfair": event.unfair,
        "reasons": list(event.reasons),
        "fact_deltas": [_fact_delta_dict(d) for d in event.fact_deltas],
        "heading_path": list(event.heading_path),
        "before": excerpt_dict(event.before),
        "after": excerpt_dict(event.after),
        "diff": [[op, text] for op, text in event.diff],
        "alertable": alertable and not event.editorial,
        "extra": dict(event.extra),
    }


def excerpt_dict(excerpt: Excerpt | None) -> dict[str, Any] | None:
    # as dataclasses.asdict would give it (same keys, same order), without its deep copies
    if excerpt is None:
        return None
    return {
        "text": excerpt.text,
        "start": excerpt.start,
        "end": excerpt.end,
        "version_sha256": excerpt.version_sha256,
    }


def _fact_delta_dict(delta: FactDelta) -> dict[str, Any]:
    return {
        "name": delta.name,
        "kind": delta.kind,
        "old": delta.old,
        "new": delta.new,
        "unit": delta.unit,
        "direction": delta.direction,
        "old_written": delta.old_written,
        "new_written": delta.new_written,
    }


# ------------------------------------------------------------------ provisions


class ProvisionFields(Protocol):
    """The columns of a provision that matching reads and writes (both writers pass
    `provision_rows.ProvisionRecord`; this module stays free of the store)."""

    category: str
    anchor: str
    heading_path: list[Any]
    text: str
    facts: list[Any]
    confidence: float
    unfair: bool
    exposure: str
    reasons: list[Any]
    last_version_id: int
    last_seen_at: datetime
    active: bool


P = TypeVar("P", bound=ProvisionFields)


@dataclass
class ProvisionPlan(Generic[P]):
    """What matching a version's clauses did to a document's provisions."""

    created: list[P] = field(default_factory=list)
    changed: list[P] = field(default_factory=list)  # created ones included: every column set
    # same text and facts as before: only "last seen" must move, which the caller does (in one
    # statement rather than one per row)
    untouched: list[P] = field(default_factory=list)
    deactivated: list[P] = field(default_factory=list)  # their text left the document


def plan_provisions(
    existing: Sequence[P],
    entries: list[ProvisionEntry],
    *,
    version_id: int,
    captured_at: datetime,
    doctype_ok: bool,
    new: Callable[..., P],
) -> ProvisionPlan[P]:
    """Match each provision entry of a version to the document's provisions (`existing`, in id
    order) by category and fuzzy anchor, updating the matched ones in place; `new(**columns)` makes
    a provision for an entry that matches none (the caller appends `created` to its list)."""
    plan: ProvisionPlan[P] = ProvisionPlan()
    by_category: dict[str, list[P]] = {}
    # an entry's provision: an unmatched one with the same anchor (the active one first), else the
    # most similar unmatched one of its category
    by_anchor: dict[tuple[str, str], list[P]] = {}
    for p in existing:
        by_category.setdefault(p.category, []).append(p)
        by_anchor.setdefault((p.category, p.anchor), []).append(p)
    seen: set[int] = set()  # id() of the provisions matched in this version
    for e in entries:
        # a provision matched in this version keeps its entry under its old anchor, but it is in
        # `seen` and can no longer be a candidate
        exact = [p for p in by_anchor.get((e.category, e.anchor), ()) if id(p) not in seen]
        if exact:
            match: P | None = max(exact, key=lambda p: p.active)
        else:
            candidates = [p for p in by_category.get(e.category, []) if id(p) not in seen]
            match = _most_similar(candidates, e.text)
        if match is None:
            match = new(
                category=e.category,
                anchor=e.anchor,
                first_version_id=version_id,
                first_seen_at=captured_at,
                text=e.text,
                confidence=e.confidence,
                exposure=e.exposure,
                last_version_id=version_id,
                last_seen_at=captured_at,
            )
            by_category.setdefault(e.category, []).append(match)
            by_anchor.setdefault((e.category, e.anchor), []).append(match)
            plan.created.append(match)
        elif (
            match.text == e.text
            and match.anchor == e.anchor
            and match.facts == e.facts
            and match.unfair == e.unfair
            and match.active == doctype_ok
        ):
            seen.add(id(match))
            plan.untouched.append(match)
            continue
        match.anchor = e.anchor
        match.heading_path = list(e.heading_path)
        match.text = e.text
        match.facts = [dict(f) for f in e.facts]
        match.confidence = e.confidence
        match.unfair = e.unfair
        match.exposure = e.exposure
        match.reasons = list(e.reasons)
        match.last_version_id = version_id
        match.last_seen_at = captured_at
        match.active = doctype_ok
        seen.add(id(match))
        plan.changed.append(match)
    for p in existing:
        if id(p) not in seen and p.active:
            p.active = False  # its text left the document (or the version is not publishable)
            plan.deactivated.append(p)
    return plan


def _most_similar(candidates: list[P], text: str) -> P | None:
    best, best_score = None, IDENTITY_THRESHOLD
    for p in candidates:
        score = similarity(p.text, text)
        if score > best_score:
            best, best_score = p, score
    return best
