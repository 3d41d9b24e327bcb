"""Read-side queries returning plain dicts: the documented JSON shapes of the read commands."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from monitor.errors import NotFound
from monitor.models import ChangeEvent, Excerpt, FactDelta, VersionRef
from monitor.store import Capture, Change, Document, Snapshot, Version


def iso(dt: datetime | None) -> str | None:
    """Stored datetimes are naive UTC; JSON carries them as ISO 8601 with 'Z'."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def unknown_document(s: Session, service_id: str, terms_type: str | None) -> NotFound:
    """The NotFound for a service or document the store does not have, saying which one is
    missing: the service (with the services it knows) or only the type (with the service's)."""
    types = list(
        s.scalars(
            select(Document.terms_type)
            .where(Document.service_id == service_id)
            .order_by(Document.terms_type)
        ).all()
    )
    if types:
        return NotFound(
            f"service {service_id!r} has no document type {terms_type!r} in the store; "
            f"its types: {_listing(types)}"
        )
    services = list(
        s.scalars(select(Document.service_id).distinct().order_by(Document.service_id)).all()
    )
    known = f"known services: {_listing(services)}" if services else "the store has no documents"
    return NotFound(
        f"no service {service_id!r} in the store ({known}; a newly declared service appears "
        "after `clausewatch check`)"
    )


def find_document(s: Session, service_id: str, terms_type: str) -> Document:
    doc = s.scalars(
        select(Document).where(Document.service_id == service_id, Document.terms_type == terms_type)
    ).first()
    if doc is None:
        raise unknown_document(s, service_id, terms_type)
    return doc


def documents_of(s: Session, service_id: str, terms_type: str | None = None) -> list[Document]:
    stmt = select(Document).where(Document.service_id == service_id)
    if terms_type is not None:
        stmt = stmt.where(Document.terms_type == terms_type)
    docs = list(s.scalars(stmt.order_by(Document.terms_type)).all())
    if not docs:
        raise unknown_document(s, service_id, terms_type)
    return docs


def version_at(s: Session, doc: Document, at: datetime | None) -> Version:
    stmt = select(Version).where(Version.document_id == doc.id)
    if at is not None:
        stmt = stmt.where(Version.captured_at <= at)
    version = s.scalars(
        stmt.order_by(Version.captured_at.desc(), Version.id.desc()).limit(1)
    ).first()
    if version is None:
        when = f" at {iso(at)}" if at else ""
        raise NotFound(f"no version of {doc.service_id!r} / {doc.terms_type!r}{when}")
    return version


def history(s: Session, service_id: str, terms_type: str | None = None) -> list[dict[str, Any]]:
    """Per document: versions (newest first) and recent captures, including failures."""
    out = []
    for doc in documents_of(s, service_id, terms_type):
        versions = s.scalars(
            select(Version)
            .where(Version.document_id == doc.id)
            .order_by(Version.captured_at.desc(), Version.id.desc())
        ).all()
        captures = s.scalars(
            select(Capture)
            .where(Capture.document_id == doc.id)
            .order_by(Capture.id.desc())
            .limit(50)
        ).all()
        snaps = {
            sn.id: sn
            for sn in s.scalars(select(Snapshot).where(Snapshot.document_id == doc.id)).all()
        }
        out.append(
            {
                "service": doc.service_id,
                "terms_type": doc.terms_type,
                "url": doc.url,
                "versions": [version_dict(v, snaps) for v in versions],
                "captures": [
                    {
                        "checked_at": iso(c.checked_at),
                        "outcome": c.outcome,
                        "reason": c.reason,
                        "message": c.message,
                        "version_id": c.version_id,
                        "snapshots": [snaps[i].path for i in c.snapshot_ids if i in snaps],
                        "warnings": c.warnings,
                    }
                    for c in captures
                ],
            }
        )
    return out


def version_dict(
    v: Version, snaps: dict[int, Snapshot], *, with_text: bool = False
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": v.id,
        "captured_at": iso(v.captured_at),
        "sha256": v.sha256,
        "url": v.url,
        "origin": v.origin,
        "technical_upgrade": v.technical_upgrade,
        "source_ref": v.source_ref,
        "document_type_ok": v.doctype_ok,
        "document_type_reason": v.doctype_reason,
        "snapshots": [
            {"path": snaps[i].path, "sha256": snaps[i].sha256, "url": snaps[i].final_url}
            for i in v.snapshot_ids
            if i in snaps
        ],
    }
    if with_text:
        d["text"] = v.text
    return d


def show(s: Session, service_id: str, terms_type: str, at: datetime | None) -> dict[str, Any]:
    doc = find_document(s, service_id, terms_type)
    v = version_at(s, doc, at)
    snaps = {sn.id: sn for sn in s.scalars(select(Snapshot).where(Snapshot.id.in_(v.snapshot_ids)))}
    return {
        "service": service_id,
        "terms_type": terms_type,
        **version_dict(v, snaps, with_text=True),
    }


def change_dict(change: Change, doc: Document, versions: dict[int, Version]) -> dict[str, Any]:
    """The stable JSON shape of one change event (documented in docs/json.md)."""
    old = versions.get(change.from_version_id) if change.from_version_id else None
    new = versions.get(change.to_version_id)
    return {
        "id": change.id,
        "service": doc.service_id,
        "terms_type": doc.terms_type,
        "from_captured_at": iso(old.captured_at) if old else None,
        "to_captured_at": iso(new.captured_at) if new else None,
        "detected_at": iso(change.detected_at),
        "kind": change.kind,
        "categories": list(change.categories),
        "editorial": change.editorial,
        "editorial_kind": change.editorial_kind,
        "exposure": change.exposure,
        "unfair": change.unfair,
        "reasons": list(change.reasons),
        "fact_deltas": list(change.fact_deltas),
        "heading_path": list(change.heading_path),
        "before": change.before,
        "after": change.after,
        "alertable": change.alertable,
        "from_version_sha256": old.sha256 if old else None,
        "to_version_sha256": new.sha256 if new else None,
    }


def list_changes(
    s: Session,
    *,
    since: datetime | None = None,
    service: str | None = None,
    include_editorial: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Change events, newest capture first. Flapping counts as editorial (reported once)."""
    stmt = (
        select(Change, Document)
        .join(Document, Document.id == Change.document_id)
        .join(Version, Version.id == Change.to_version_id)
    )
    if since is not None:
        stmt = stmt.where(Version.captured_at >= since)
    if service is not None:
        documents_of(s, service)  # an unknown service is an error, not "no changes"
        stmt = stmt.where(Document.service_id == service)
    if not include_editorial:
        stmt = stmt.where(Change.editorial.is_(False))
    stmt = stmt.order_by(Version.captured_at.desc(), Change.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = s.execute(stmt).all()
    ids = {c.to_version_id for c, _ in rows} | {
        c.from_version_id for c, _ in rows if c.from_version_id
    }
    versions = {v.id: v for v in s.scalars(select(Version).where(Version.id.in_(ids))).all()}
    return [change_dict(c, d, versions) for c, d in rows]


def event_from_row(change: Change) -> ChangeEvent:
    """A stored change row back as the ChangeEvent the renderers and analysis take."""
    return ChangeEvent(
        kind=change.kind,
        categories=list(change.categories or []),
        editorial=change.editorial,
        exposure=change.exposure or "low",
        reasons=[str(r) for r in change.reasons or []],
        fact_deltas=[_delta(d) for d in change.fact_deltas or [] if isinstance(d, dict)],
        heading_path=tuple(str(h) for h in change.heading_path or []),
        before=excerpt_from_dict(change.before),
        after=excerpt_from_dict(change.after),
        diff=[(int(op), str(text)) for op, text in change.diff or []],
        editorial_kind=change.editorial_kind,
        unfair=change.unfair,
        extra=dict(change.extra or {}),
    )


def _delta(d: dict[str, Any]) -> FactDelta:
    return FactDelta(
        name=str(d.get("name", "")),
        kind=str(d.get("kind", "")),
        old=d.get("old"),
        new=d.get("new"),
        unit=str(d.get("unit", "")),
        direction=str(d.get("direction", "neutral")),
        old_written=str(d.get("old_written") or ""),
        new_written=str(d.get("new_written") or ""),
    )


def excerpt_from_dict(d: dict[str, Any] | None) -> Excerpt | None:
    if not d:
        return None
    return Excerpt(
        text=str(d.get("text", "")),
        start=int(d.get("start", 0)),
        end=int(d.get("end", 0)),
        version_sha256=str(d.get("version_sha256", "")),
    )


def version_ref(s: Session, doc: Document, version: Version) -> VersionRef:
    """Evidence for a version: capture time, text sha256, first snapshot's sha256 and URL."""
    snapshot = s.get(Snapshot, version.snapshot_ids[0]) if version.snapshot_ids else None
    return VersionRef(
        service_id=doc.service_id,
        terms_type=doc.terms_type,
        captured_at=version.captured_at,
        sha256=version.sha256,
        snapshot_sha256=snapshot.sha256 if snapshot else None,
        url=(snapshot.final_url if snapshot else version.url),
    )


def changes_between(s: Session, old: Version, new: Version) -> list[Change]:
    """The change rows recorded from `old` to `new`, in order."""
    return list(
        s.scalars(
            select(Change)
            .where(Change.from_version_id == old.id, Change.to_version_id == new.id)
            .order_by(Change.id)
        ).all()
    )


# ---------------------------------------------------------------- the unchanged path, batched


@dataclass(frozen=True)
class LatestSnapshot:
    """What a 304 is verified against: a source's latest archived capture."""

    path: str
    sha256: str
    size: int
    captured_at: datetime


@dataclass(frozen=True)
class DocumentState:
    """A document's row as a check starts, with whether it has a version and its sources' latest
    snapshots: everything the not-modified path needs, loaded for all documents at once."""

    id: int
    url: str | None
    etag: str | None
    last_modified: str | None
    healthy: bool  # no failure pending: a success changes nothing but the clock columns
    has_version: bool
    snapshots: dict[int, LatestSnapshot]  # source index -> latest snapshot


def latest_snapshots(
    s: Session, document_id: int | None = None, documents: Select[Any] | None = None
) -> dict[int, dict[int, LatestSnapshot]]:
    """document id -> source index -> its latest snapshot, for one document, the documents a
    subquery of ids selects, or all of them."""
    latest_ids = select(func.max(Snapshot.id)).group_by(Snapshot.document_id, Snapshot.source_index)
    if document_id is not None:
        latest_ids = latest_ids.where(Snapshot.document_id == document_id)
    if documents is not None:
        latest_ids = latest_ids.where(Snapshot.document_id.in_(documents))
    snapshots: dict[int, dict[int, LatestSnapshot]] = {}
    for snap in s.execute(
        select(
            Snapshot.document_id,
            Snapshot.source_index,
            Snapshot.path,
            Snapshot.sha256,
            Snapshot.size,
            Snapshot.captured_at,
        ).where(Snapshot.id.in_(latest_ids))
    ):
        snapshots.setdefault(snap[0], {})[snap[1]] = LatestSnapshot(*snap[2:])
    return snapshots


# Above this many services a run reads every document's state: a full pass wants nearly all of
# them, and SQLite builds older than 3.32 take at most 999 bound values in a statement.
STATES_BY_SERVICE_MAX = 500


def document_states(
    s: Session, service_ids: Collection[str] | None = None
) -> dict[tuple[str, str], DocumentState]:
    """The documents' states keyed by (service id, terms type), in three queries in all (no
    version text is read): of every document, or only of `service_ids`' when they are few (a
    worker's batch must not read the whole store's states each round)."""
    documents: Select[Any] | None = None
    if service_ids is not None and len(service_ids) <= STATES_BY_SERVICE_MAX:
        documents = select(Document.id).where(Document.service_id.in_(sorted(service_ids)))
    versioned_ids = select(Version.document_id).distinct()
    if documents is not None:
        versioned_ids = versioned_ids.where(Version.document_id.in_(documents))
    versioned = set(s.scalars(versioned_ids))
    snapshots = latest_snapshots(s, documents=documents)
    rows = select(
        Document.id,
        Document.service_id,
        Document.terms_type,
        Document.url,
        Document.etag,
        Document.last_modified,
        Document.consecutive_failures,
        Document.last_error,
        Document.last_error_reason,
    )
    if documents is not None:
        rows = rows.where(Document.id.in_(documents))
    states: dict[tuple[str, str], DocumentState] = {}
    for row in s.execute(rows):
        states[(row.service_id, row.terms_type)] = DocumentState(
            id=row.id,
            url=row.url,
            etag=row.etag,
            last_modified=row.last_modified,
            healthy=not row.consecutive_failures
            and row.last_error is None
            and row.last_error_reason is None,
            has_version=row.id in versioned,
            snapshots=snapshots.get(row.id, {}),
        )
    return states


@dataclass(frozen=True)
class NotModified:
    """One healthy document's verified 304, to be written with the others of its batch."""

    document_id: int
    run_id: int | None
    checked_at: datetime
    warnings: list[str]


def record_not_modified(s: Session, checks: list[NotModified]) -> None:
    """The capture rows and document clocks of many verified 304s in two statements: what the
    one-document path writes for a healthy document (its failure fields are already clear)."""
    if not checks:
        return
    s.execute(
        insert(Capture),
        [
            {
                "document_id": c.document_id,
                "run_id": c.run_id,
                "checked_at": c.checked_at,
                "outcome": "not_modified",
                "snapshot_ids": [],
                "warnings": c.warnings,
            }
            for c in checks
        ],
    )
    s.execute(
        update(Document),
        [
            {"id": c.document_id, "last_checked_at": c.checked_at, "last_success_at": c.checked_at}
            for c in checks
        ],
    )
