"""Record a new version of a document through the ORM: the version row, its provisions and its
change rows, as `monitor.changes.decision.decide` decides them.

Used by the live check (monitor/ops/checker.py) and `rebuild`; the history import persists the same
decisions in bulk (history_writer.py). Runs inside the caller's transaction so that a version, its
changes and the alerts queued for them land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from monitor.capture.archive import sha256_text
from monitor.changes import volatile
from monitor.changes.decision import (
    EarlierVersion,
    PreviousVersion,
    RecentVersion,
    decide,
    plan_provisions,
)
from monitor.changes.provision_rows import ProvisionRecord, load_records, new_record, write_records
from monitor.changes.version_analysis import ProvisionEntry, VersionAnalysis, analyse_text
from monitor.models import is_substantive
from monitor.store import Change, Document, Service, Version

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
    analysis: VersionAnalysis | None = None,
    on_changes: ChangeHook | None = None,
    run_id: int | None = None,
    source_changed: bool = False,
) -> Recorded:
    """Store `text` as the document's newest version and what `decide` derives from it.

    `analysis` is `analyse_text(text, terms_type)` (with the previous text or not) when the
    caller computed it beforehand, e.g. outside its write lock; it is recomputed when it does not
    belong to `text`. The history import stores versions with the same decisions through
    `HistoryWriter` (history_writer.py), which keeps a document's state in memory instead of
    reading it back.
    """
    if previous is None:
        previous = latest_version(session, document.id)
    if analysis is None or analysis.sha256 != sha256_text(text):
        analysis = analyse_text(text, document.terms_type)
    decision = decide(
        text,
        analysis,
        previous,
        terms_type=document.terms_type,
        technical_upgrade=technical_upgrade,
        captured_at=captured_at,
        history=StoreHistory(session, document.id, previous),
        # continuity: a first capture after an imported or rebuilt history comes from another
        # extractor, and a caller that knows the extractor or declaration changed says so
        source_changed=source_changed or (previous is not None and previous.origin != origin),
    )
    technical_upgrade = technical_upgrade or decision.continuity
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
    result = Recorded(version, flapping=decision.flapping is not None)
    for values in decision.change_rows(document.id, version.id, recorded_at, alertable):
        change = Change(**values)
        session.add(change)
        result.changes.append(change)
    session.flush()
    if on_changes is not None and alertable and decision.kind == "change" and result.substantive:
        on_changes(session, document, version, result.changes, run_id)
    return result


def update_provisions(
    session: Session,
    document: Document,
    version: Version,
    entries: list[ProvisionEntry],
) -> None:
    """Match a version's provision entries (`provision_entries`) to the document's provision rows
    (`plan_provisions`), and write what changed in one statement per kind (`provision_rows`)."""
    document_id = document.id

    def new(**columns: Any) -> ProvisionRecord:
        return new_record(document_id, **columns)

    plan = plan_provisions(
        load_records(session, document_id),
        entries,
        version_id=version.id,
        captured_at=version.captured_at,
        doctype_ok=version.doctype_ok,
        new=new,
    )
    for p in plan.untouched:  # matching leaves "last seen" to the caller
        p.last_version_id, p.last_seen_at = version.id, version.captured_at
    created = {id(p) for p in plan.created}
    write_records(
        session,
        plan.created,
        [p for p in (*plan.changed, *plan.deactivated) if id(p) not in created],
        plan.untouched,
    )


class StoreHistory:
    """The document's history as `decide` reads it (`DocumentHistory`), from the store."""

    def __init__(self, session: Session, document_id: int, previous: PreviousVersion | None):
        self.session = session
        self.document_id = document_id
        self.previous = previous

    def earlier_state(
        self, normalised_sha256: str, since: datetime, previous_id: int
    ) -> RecentVersion | None:
        row = self.session.execute(
            select(Version.id, Version.captured_at, Version.normalised_sha256)
            .where(
                Version.document_id == self.document_id,
                Version.normalised_sha256 == normalised_sha256,
                Version.captured_at >= since,
                Version.id != previous_id,
            )
            .order_by(Version.captured_at.desc(), Version.id.desc())
            .limit(1)
        ).first()
        return None if row is None else RecentVersion(*row)

    def last_flapping_states(self) -> list[str] | None:
        return last_flapping_states(self.session, self.document_id)

    def recent_transitions(self, since: datetime) -> list[volatile.Transition]:
        rows = self.session.execute(
            select(Version.text, Version.technical_upgrade)
            .where(Version.document_id == self.document_id, Version.captured_at >= since)
            .order_by(Version.captured_at.desc(), Version.id.desc())
            .limit(volatile.MAX_VERSIONS)
        ).all()
        lines = [volatile.lines_of(text) for text, _ in rows]
        return [
            volatile.transition(lines[i + 1], lines[i])
            for i in range(len(rows) - 1)
            if not rows[i][1]  # a transition into a technical upgrade is no capture's change
        ]

    def before_previous(self) -> EarlierVersion | None:
        p = self.previous
        if p is None:
            return None
        row = self.session.execute(
            select(Version.id, Version.captured_at, Version.text, Version.sha256)
            .where(
                Version.document_id == self.document_id,
                or_(
                    Version.captured_at < p.captured_at,
                    and_(Version.captured_at == p.captured_at, Version.id < p.id),
                ),
            )
            .order_by(Version.captured_at.desc(), Version.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return EarlierVersion(row[0], row[1], row[2], row[3], volatile.lines_of(row[2]))


def last_flapping_states(session: Session, document_id: int) -> list[str] | None:
    """The two states of the document's last recorded flapping episode, None when it had none."""
    extra = session.scalars(
        select(Change.extra)
        .where(Change.document_id == document_id, Change.kind == "flapping")
        .order_by(Change.id.desc())
        .limit(1)
    ).first()
    return None if extra is None else list(extra.get("states", []))
