"""Change summaries from the store: stored change rows (or a fresh diff) -> rendered text/HTML/Markdown."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.changes.version_analysis import compute_events
from monitor.clauses import extract_provisions, load_taxonomy
from monitor.errors import NotFound
from monitor.publish.render import build_summary_context, render_change_summary
from monitor.store import Document, Version
from monitor.store.queries import (
    change_dict,
    changes_between,
    event_from_row,
    find_document,
    version_at,
    version_ref,
)


def previous_version(s: Session, version: Version) -> Version | None:
    return s.scalars(
        select(Version)
        .where(
            Version.document_id == version.document_id,
            (Version.captured_at < version.captured_at)
            | ((Version.captured_at == version.captured_at) & (Version.id < version.id)),
        )
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(1)
    ).first()


def summary_context(s: Session, doc: Document, old: Version, new: Version) -> dict[str, Any]:
    """Verified template context for the change old -> new (stored events when they exist)."""
    rows = changes_between(s, old, new)
    if rows:
        events = [event_from_row(c) for c in rows]
    else:
        events = compute_events(
            old,
            new,
            extract_provisions(old.text, doc.terms_type),
            extract_provisions(new.text, doc.terms_type),
        )
    return build_summary_context(
        doc.service_id,
        doc.terms_type,
        version_ref(s, doc, old),
        version_ref(s, doc, new),
        events,
        load_taxonomy(),
        old.text,
        new.text,
    )


def summary_between(
    s: Session,
    service_id: str,
    terms_type: str,
    when_from: datetime | None,
    when_to: datetime | None,
    fmt: str,
) -> Any:
    """Render the change between two versions (default: the latest version and the one before)."""
    doc = find_document(s, service_id, terms_type)
    new = version_at(s, doc, when_to)
    old = version_at(s, doc, when_from) if when_from is not None else previous_version(s, new)
    if old is None:
        raise NotFound(f"{service_id!r} / {terms_type!r} has a single version: nothing to compare")
    if old.id == new.id:
        raise NotFound("--from and --to select the same version: nothing to compare")
    if fmt == "json":
        rows = changes_between(s, old, new)
        if rows:
            return [change_dict(c, doc, {old.id: old, new.id: new}) for c in rows]
        context = summary_context(s, doc, old, new)
        return {"service": service_id, "terms_type": terms_type, **context}
    context = summary_context(s, doc, old, new)
    return render_change_summary(context, fmt)  # type: ignore[arg-type]
