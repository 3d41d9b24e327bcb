"""Record a new version of a document: provisions with stable identity, change events, flapping.

Shared by the live check (pipeline.py), `rebuild` and the history import. Runs inside the caller's
transaction so that a version, its changes and the alerts queued for them land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from monitor.archive import sha256_text
from monitor.models import ChangeEvent, ClassifiedClause, Excerpt, Fact
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
        return [c for c in self.changes if not c.editorial and c.kind != "flapping"]


@lru_cache(maxsize=16)
def provisions_of(text: str, terms_type: str) -> list[ClassifiedClause]:
    """Clause extraction, memoised: each version is compared with its successor, so its clauses
    are needed twice (and a history import walks thousands of versions)."""
    from monitor.clauses import extract_provisions

    return extract_provisions(text, terms_type)


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
    provisions: list[Provision] | None = None,
    analysis: Analysis | None = None,
) -> Recorded:
    """Store `text` as the document's newest version and derive everything that follows from it.

    `provisions`, when given, is every provision row of the document in this session, in id order
    (as `update_provisions` loads them); it is used instead of reading them again and new provisions
    are appended to it. The history import keeps one per document across thousands of versions.
    `analysis`, when given, is `analyse_text(text, document.terms_type, ...)` computed beforehand
    (the import computes it in worker processes); its events are used only when they were computed
    against `previous`.
    """
    if previous is None:
        previous = latest_version(session, document.id)
    if analysis is None or analysis.sha256 != sha256_text(text):
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
    clauses = analysis.clauses
    update_provisions(session, document, version, clauses, existing=provisions)
    result = Recorded(version)
    if previous is None or technical_upgrade:
        return result  # first record or re-extraction: nothing to compare, nothing to alert
    flap = _flapping_partner(session, document.id, version, previous)
    if flap is not None:
        result.flapping = True
        if not _already_flapping(session, document.id, {flap.id, previous.id}, version):
            change = Change(
                document_id=document.id,
                from_version_id=previous.id,
                to_version_id=version.id,
                detected_at=recorded_at,
                kind="flapping",
                editorial=True,
                exposure="low",
                reasons=[
                    "content returned to the state of "
                    f"{flap.captured_at:%Y-%m-%d %H:%M} UTC (alternating between two states)"
                ],
                alertable=False,
                extra={"states": sorted({flap.normalised_sha256, previous.normalised_sha256})},
            )
            session.add(change)
            result.changes.append(change)
        session.flush()
        return result
    if analysis.events is not None and analysis.events_against == previous.sha256:
        events = analysis.events
    else:
        old_clauses = provisions_of(previous.text, document.terms_type)
        events = compute_events(previous, version, old_clauses, clauses)
    for event in events:
        change = change_row(document, previous, version, event, recorded_at, alertable)
        session.add(change)
        result.changes.append(change)
    session.flush()
    if on_changes is not None and alertable and result.substantive:
        on_changes(session, document, version, result.changes, run_id)
    return result


def compute_events(
    previous: Version,
    version: Version,
    old_clauses: list[ClassifiedClause],
    new_clauses: list[ClassifiedClause],
) -> list[ChangeEvent]:
    return _events(
        previous.text, previous.sha256, old_clauses, version.text, version.sha256, new_clauses
    )


def _events(
    old_text: str,
    old_sha256: str,
    old_clauses: list[ClassifiedClause],
    new_text: str,
    new_sha256: str,
    new_clauses: list[ClassifiedClause],
) -> list[ChangeEvent]:
    from monitor.clauses.taxonomy import load_taxonomy
    from monitor.diff import diff_versions

    taxonomy = load_taxonomy()
    events = diff_versions(
        old_text,
        old_clauses,
        new_text,
        new_clauses,
        old_sha256=old_sha256,
        new_sha256=new_sha256,
        taxonomy=taxonomy,
    )
    return events  # diff_versions has already assessed exposure and reasons


@dataclass
class Analysis:
    """What a version's text yields on its own, without the store: pure, so the history import can
    compute it in worker processes. `events` (against the text whose sha256 is `events_against`)
    are those `record_version` records unless the version is a first record, a technical upgrade
    or a return to an earlier state (flapping)."""

    sha256: str
    normalised_sha256: str
    doctype_ok: bool
    doctype_reason: str | None
    clauses: list[ClassifiedClause]
    events: list[ChangeEvent] | None = None
    events_against: str | None = None


# normalised hash by sha256 of the text: histories return to earlier texts (normalising a 60 KB
# version takes ~20 ms)
_NORMALISED: dict[str, str] = {}


def analyse_text(text: str, terms_type: str, previous_text: str | None = None) -> Analysis:
    """Analysis of `text`; with `previous_text`, also the change events from it to `text`."""
    from monitor.clauses.doctype import check_document_type
    from monitor.diff import normalised_hash

    doctype = check_document_type(text, terms_type)
    sha = sha256_text(text)
    normalised = _NORMALISED.get(sha)
    if normalised is None:
        normalised = normalised_hash(text)
        if len(_NORMALISED) >= _ANCHORS_MAX:
            _NORMALISED.clear()
        _NORMALISED[sha] = normalised
    analysis = Analysis(
        sha256=sha,
        normalised_sha256=normalised,
        doctype_ok=doctype.ok,
        doctype_reason=None if doctype.ok else doctype.reason,
        clauses=provisions_of(text, terms_type),
    )
    if previous_text is not None:
        old_sha = sha256_text(previous_text)
        old_clauses = provisions_of(previous_text, terms_type)
        analysis.events = _events(previous_text, old_sha, old_clauses, text, sha, analysis.clauses)
        analysis.events_against = old_sha
    return analysis


def change_row(
    document: Document,
    previous: Version,
    version: Version,
    event: ChangeEvent,
    detected_at: datetime,
    alertable: bool,
) -> Change:
    return Change(
        document_id=document.id,
        from_version_id=previous.id,
        to_version_id=version.id,
        detected_at=detected_at,
        kind=event.kind,
        categories=list(event.categories),
        editorial=event.editorial,
        editorial_kind=event.editorial_kind,
        exposure=event.exposure,
        unfair=event.unfair,
        reasons=list(event.reasons),
        fact_deltas=[asdict(d) for d in event.fact_deltas],
        heading_path=list(event.heading_path),
        before=excerpt_dict(event.before),
        after=excerpt_dict(event.after),
        diff=[[op, text] for op, text in event.diff],
        alertable=alertable and not event.editorial,
        extra=dict(event.extra),
    )


def excerpt_dict(excerpt: Excerpt | None) -> dict[str, Any] | None:
    return None if excerpt is None else asdict(excerpt)


class ProvisionRows(list[Provision]):
    """A document's provision rows kept across many versions (the history import). Unchanged
    provisions only move their "last seen" version: that is kept in the rows and written in one
    statement by `write_last_seen`, which the holder must call before committing."""

    def __init__(self, rows: list[Provision]) -> None:
        super().__init__(rows)
        self._last_seen: dict[int, Provision] = {}

    def seen_again(self, rows: list[Provision]) -> None:
        for p in rows:
            self._last_seen[id(p)] = p

    def write_last_seen(self, session: Session) -> None:
        if not self._last_seen:
            return
        table = cast(Table, Provision.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(last_version_id=bindparam("version_id"), last_seen_at=bindparam("seen_at")),
            [
                {"row_id": p.id, "version_id": p.last_version_id, "seen_at": p.last_seen_at}
                for p in self._last_seen.values()
            ],
        )
        self._last_seen.clear()


def update_provisions(
    session: Session,
    document: Document,
    version: Version,
    clauses: list[ClassifiedClause],
    *,
    existing: list[Provision] | None = None,
) -> None:
    """Match each classified clause to the document's provisions by category and fuzzy anchor.

    `existing`: the document's provision rows in id order, kept by the caller (new ones are
    appended); read from the session when None.
    """
    from monitor.clauses import anchor_for, similarity
    from monitor.clauses.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    kept = existing
    if existing is None:
        existing = list(
            session.scalars(
                select(Provision).where(Provision.document_id == document.id).order_by(Provision.id)
            ).all()
        )
    else:
        existing = list(existing)
    created: list[Provision] = []
    by_category: dict[str, list[Provision]] = {}
    # a clause's provision: an unmatched one with the same anchor (the active one first), else the
    # most similar unmatched one of its category
    by_anchor: dict[tuple[str, str], list[Provision]] = {}
    for p in existing:
        by_category.setdefault(p.category, []).append(p)
        by_anchor.setdefault((p.category, p.anchor), []).append(p)
    seen: set[int] = set()  # id() of the provisions matched in this version
    untouched: list[Provision] = []  # same text and facts as before: only "last seen" moves
    for cc in clauses:
        facts = _facts_of(cc)
        for cls in cc.categories:
            anchor = _anchor(anchor_for, cc, cls.category)  # each category: its own provision
            # a provision matched in this version keeps its entry under its old anchor, but it is
            # in `seen` and can no longer be a candidate
            exact = [p for p in by_anchor.get((cls.category, anchor), ()) if id(p) not in seen]
            if exact:
                match: Provision | None = max(exact, key=lambda p: p.active)
            else:
                candidates = [p for p in by_category.get(cls.category, []) if id(p) not in seen]
                match = _most_similar(candidates, cc.clause.text, similarity)
            category = taxonomy.categories.get(cls.category)
            exposure = category.default_exposure if category else "low"
            if match is None:
                match = Provision(
                    document_id=document.id,
                    category=cls.category,
                    anchor=anchor,
                    first_version_id=version.id,
                    first_seen_at=version.captured_at,
                    text=cc.clause.text,
                    confidence=cls.confidence,
                    exposure=exposure,
                    last_version_id=version.id,
                    last_seen_at=version.captured_at,
                )
                session.add(match)  # flushed with the version, not one by one
                by_category.setdefault(cls.category, []).append(match)
                by_anchor.setdefault((cls.category, anchor), []).append(match)
                created.append(match)
            elif (
                match.text == cc.clause.text
                and match.anchor == anchor
                and match.facts == facts
                and match.unfair == cls.unfair
                and match.active == version.doctype_ok
            ):
                seen.add(id(match))
                untouched.append(match)
                continue
            match.anchor = anchor
            match.heading_path = list(cc.clause.heading_path)
            match.text = cc.clause.text
            match.facts = [dict(f) for f in facts]
            match.confidence = cls.confidence
            match.unfair = cls.unfair
            match.exposure = exposure
            match.reasons = list(cls.reasons)
            match.last_version_id = version.id
            match.last_seen_at = version.captured_at
            match.active = version.doctype_ok
            seen.add(id(match))
    if untouched:
        if isinstance(kept, ProvisionRows):
            kept.seen_again(untouched)  # written before the caller commits
        else:
            # one statement instead of an UPDATE per provision
            table = cast(Table, Provision.__table__)  # Core: no ORM bookkeeping per statement
            session.execute(
                update(table)
                .where(table.c.id.in_([p.id for p in untouched]))
                .values(last_version_id=version.id, last_seen_at=version.captured_at)
            )
        for p in untouched:
            set_committed_value(p, "last_version_id", version.id)
            set_committed_value(p, "last_seen_at", version.captured_at)
    for p in existing:
        if id(p) not in seen and p.active:
            p.active = False  # its text left the document (or the version is not publishable)
    if kept is not None:
        kept.extend(created)


# anchor_for(cc, category) reads the clause's heading path and text; a history import asks for
# the same clause's anchor in every version, so the anchors are kept (bounded) by those inputs.
_ANCHORS: dict[tuple[tuple[str, ...], str, str], str] = {}
_ANCHORS_MAX = 65_536


def _anchor(
    anchor_for: Callable[[ClassifiedClause, str], str], cc: ClassifiedClause, category: str
) -> str:
    key = (cc.clause.heading_path, cc.clause.text, category)
    anchor = _ANCHORS.get(key)
    if anchor is None:
        anchor = anchor_for(cc, category)
        if len(_ANCHORS) >= _ANCHORS_MAX:
            _ANCHORS.clear()
        _ANCHORS[key] = anchor
    return anchor


def _most_similar(
    candidates: list[Provision], text: str, similarity: Callable[[str, str], float]
) -> Provision | None:
    best, best_score = None, IDENTITY_THRESHOLD
    for p in candidates:
        score = similarity(p.text, text)
        if score > best_score:
            best, best_score = p, score
    return best


# Facts of a clause as stored (dicts), kept by value: the same clauses recur version after version.
_FACT_DICTS: dict[tuple[Fact, ...], list[dict[str, Any]]] = {}


def _facts_of(cc: ClassifiedClause) -> list[dict[str, Any]]:
    """The clause's facts as dicts (shared: copy before storing)."""
    if not cc.facts:
        return []
    key = tuple(cc.facts)
    dicts = _FACT_DICTS.get(key)
    if dicts is None:
        dicts = [asdict(f) for f in cc.facts]
        if len(_FACT_DICTS) >= _ANCHORS_MAX:
            _FACT_DICTS.clear()
        _FACT_DICTS[key] = dicts
    return dicts


def _flapping_partner(
    session: Session, document_id: int, version: Version, previous: Version
) -> Version | None:
    """A recent version (other than the previous one) with the same normalised content."""
    if version.normalised_sha256 == previous.normalised_sha256:
        return None
    recent = session.scalars(
        select(Version)
        .options(defer(Version.text))  # only hashes are compared; texts can be large
        .where(Version.document_id == document_id, Version.id != version.id)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(FLAP_WINDOW)
    ).all()
    for candidate in recent[1:]:
        if candidate.normalised_sha256 == version.normalised_sha256:
            return candidate
    return None


def _already_flapping(
    session: Session, document_id: int, version_ids: set[int], version: Version
) -> bool:
    """True when the last recorded flapping event of this document is between the same two states."""
    last = session.scalars(
        select(Change)
        .where(Change.document_id == document_id, Change.kind == "flapping")
        .order_by(Change.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return False
    prev_states = set(last.extra.get("states", []))
    current = {version.normalised_sha256}
    return current <= prev_states
