"""Record a new version of a document: provisions with stable identity, change events, flapping.

Used by the live check (pipeline.py) and `rebuild`; the history import (history_writer.py) makes the
same decisions with the functions here. Runs inside the caller's transaction so that a version, its
changes and the alerts queued for them land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from monitor.changes.version_analysis import ProvisionEntry, analyse_text, events_between
from monitor.clauses import similarity
from monitor.models import ChangeEvent, Excerpt, FactDelta, is_substantive
from monitor.store import Change, Document, Provision, Service, Version

# How many recent versions to compare against when looking for content flapping back and forth.
FLAP_WINDOW = 6
# Two provisions of one category are the same provision when their text is at least this similar.
IDENTITY_THRESHOLD = 0.55

# Called inside the transaction that records the changes (run id, or None outside a check run).
ChangeHook = Callable[[Session, Document, Version, list[Change], int | None], None]


@dataclass
class Recorded:
    version: Version
    changes: list[Change] = field(default_factory=list)
    flapping: bool = False

    @property
    def substantive(self) -> list[Change]:
        return [c for c in self.changes if is_substantive(c)]


def ensure_document(
    session: Session,
    service_id: str,
    name: str,
    terms_type: str,
    url: str | None,
    now: datetime,
) -> Document:
    """The document's row (and its service's), created on first sight; a known URL is kept current."""
    if session.get(Service, service_id) is None:
        session.add(Service(id=service_id, name=name, created_at=now))
        session.flush()
    doc = session.scalars(
        select(Document).where(Document.service_id == service_id, Document.terms_type == terms_type)
    ).first()
    if doc is None:
        doc = Document(
            service_id=service_id,
            terms_type=terms_type,
            url=url,
            created_at=now,
            consecutive_failures=0,
        )
        session.add(doc)
        session.flush()
    if url is not None:
        doc.url = url
    return doc


def latest_version(session: Session, document_id: int) -> Version | None:
    return session.scalars(
        select(Version)
        .where(Version.document_id == document_id)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(1)
    ).first()


def record_version(
    session: Session,
    document: Document,
    text: str,
    *,
    captured_at: datetime,
    recorded_at: datetime,
    url: str | None,
    snapshot_ids: list[int],
    origin: str = "capture",
    technical_upgrade: bool = False,
    alertable: bool = True,
    source_ref: str | None = None,
    previous: Version | None = None,
    on_changes: ChangeHook | None = None,
    run_id: int | None = None,
) -> Recorded:
    """Store `text` as the document's newest version and derive everything that follows from it.

    The history import stores versions with the same decisions through `HistoryWriter`
    (monitor/history_writer.py), which keeps a document's state in memory instead of reading it back.
    """
    if previous is None:
        previous = latest_version(session, document.id)
    analysis = analyse_text(text, document.terms_type)
    version = Version(
        document_id=document.id,
        captured_at=captured_at,
        recorded_at=recorded_at,
        text=text,
        sha256=analysis.sha256,
        normalised_sha256=analysis.normalised_sha256,
        snapshot_ids=snapshot_ids,
        url=url,
        origin=origin,
        technical_upgrade=technical_upgrade,
        source_ref=source_ref,
        doctype_ok=analysis.doctype_ok,
        doctype_reason=analysis.doctype_reason,
        analysed=True,
    )
    session.add(version)
    session.flush()
    update_provisions(session, document, version, analysis.provisions)
    result = Recorded(version)
    if previous is None or technical_upgrade:
        return result  # first record or re-extraction: nothing to compare, nothing to alert
    partner = None
    if version.normalised_sha256 != previous.normalised_sha256:
        partner = flapping_partner(
            _recent_versions(session, document.id, version.id),
            version.normalised_sha256,
            previous.normalised_sha256,
        )
    if partner is not None:
        result.flapping = True
        last_states = last_flapping_states(session, document.id)
        if not repeats_last_flapping(last_states, version.normalised_sha256):
            values = flapping_values(
                document.id, version_ref(previous), version_ref(version), partner, recorded_at
            )
            change = Change(**values)
            session.add(change)
            result.changes.append(change)
        session.flush()
        return result
    events = events_between(
        previous.text, previous.sha256, text, version.sha256, document.terms_type
    )
    for event in events:
        change = change_row(document, previous, version, event, recorded_at, alertable)
        session.add(change)
        result.changes.append(change)
    session.flush()
    if on_changes is not None and alertable and result.substantive:
        on_changes(session, document, version, result.changes, run_id)
    return result


def change_row(
    document: Document,
    previous: Version,
    version: Version,
    event: ChangeEvent,
    detected_at: datetime,
    alertable: bool,
) -> Change:
    return Change(
        **change_values(document.id, previous.id, version.id, event, detected_at, alertable)
    )


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
    }


class ProvisionFields(Protocol):
    """The columns of a provision that matching reads and writes: a `Provision` row, or the
    history writer's in-memory record of one."""

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
            match = _most_similar(candidates, e.text, similarity)
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


def update_provisions(
    session: Session,
    document: Document,
    version: Version,
    entries: list[ProvisionEntry],
) -> None:
    """Match a version's provision entries (`provision_entries`) to the document's provision rows
    (`plan_provisions`)."""
    existing = list(
        session.scalars(
            select(Provision).where(Provision.document_id == document.id).order_by(Provision.id)
        ).all()
    )

    def new(**columns: Any) -> Provision:
        row = Provision(document_id=document.id, **columns)
        session.add(row)  # flushed with the version, not one by one
        return row

    plan = plan_provisions(
        existing,
        entries,
        version_id=version.id,
        captured_at=version.captured_at,
        doctype_ok=version.doctype_ok,
        new=new,
    )
    if plan.untouched:
        table = cast(Table, Provision.__table__)  # Core: no ORM bookkeeping per statement
        session.execute(
            update(table)
            .where(table.c.id.in_([p.id for p in plan.untouched]))
            .values(last_version_id=version.id, last_seen_at=version.captured_at)
        )
        for p in plan.untouched:
            set_committed_value(p, "last_version_id", version.id)
            set_committed_value(p, "last_seen_at", version.captured_at)


def _most_similar(
    candidates: list[P], text: str, similarity: Callable[[str, str], float]
) -> P | None:
    best, best_score = None, IDENTITY_THRESHOLD
    for p in candidates:
        score = similarity(p.text, text)
        if score > best_score:
            best, best_score = p, score
    return best


@dataclass(frozen=True)
class VersionRef:
    """What flapping detection needs of a stored version."""

    id: int
    captured_at: datetime
    normalised_sha256: str


def version_ref(version: Version) -> VersionRef:
    return VersionRef(version.id, version.captured_at, version.normalised_sha256)


def flapping_partner(
    recent: Sequence[VersionRef], new_hash: str, previous_hash: str
) -> VersionRef | None:
    """A recent version, other than the latest, with the new version's normalised content.

    `recent`: the document's latest versions before the new one, newest first (by capture time,
    then id). A new version normalising like its predecessor is no return to an earlier state.
    """
    if new_hash == previous_hash:
        return None
    for candidate in recent[1:FLAP_WINDOW]:
        if candidate.normalised_sha256 == new_hash:
            return candidate
    return None


def repeats_last_flapping(last_states: Sequence[str] | None, new_hash: str) -> bool:
    """True when the document's last flapping episode (its two states) already covers the new
    version: the content keeps alternating and is reported once."""
    return last_states is not None and new_hash in last_states


def flapping_values(
    document_id: int,
    previous: VersionRef,
    version: VersionRef,
    partner: VersionRef,
    detected_at: datetime,
) -> dict[str, Any]:
    """The `changes` row reporting a flapping episode between `partner`'s and `previous`'s states."""
    return {
        "document_id": document_id,
        "from_version_id": previous.id,
        "to_version_id": version.id,
        "detected_at": detected_at,
        "kind": "flapping",
        "editorial": True,
        "exposure": "low",
        "reasons": [
            "content returned to the state of "
            f"{partner.captured_at:%Y-%m-%d %H:%M} UTC (alternating between two states)"
        ],
        "alertable": False,
        "extra": {"states": sorted({partner.normalised_sha256, previous.normalised_sha256})},
    }


def _recent_versions(session: Session, document_id: int, exclude_id: int) -> list[VersionRef]:
    rows = session.execute(
        select(Version.id, Version.captured_at, Version.normalised_sha256)
        .where(Version.document_id == document_id, Version.id != exclude_id)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(FLAP_WINDOW)
    ).all()
    return [VersionRef(*row) for row in rows]


def last_flapping_states(session: Session, document_id: int) -> list[str] | None:
    """The two states of the document's last recorded flapping episode, None when it had none."""
    extra = session.scalars(
        select(Change.extra)
        .where(Change.document_id == document_id, Change.kind == "flapping")
        .order_by(Change.id.desc())
        .limit(1)
    ).first()
    return None if extra is None else list(extra.get("states", []))
