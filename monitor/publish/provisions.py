"""Read-side views of provisions: a document's clauses at a date, and cross-platform comparison.

Every excerpt handed out here is checked against the stored version it quotes (exact substring at
its offsets, and the version text's sha256) before it is returned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clauses import anchor_for, extract_provisions, load_taxonomy
from monitor.errors import ExcerptMismatch, NotFound
from monitor.models import Excerpt
from monitor.publish.render import verify_excerpt
from monitor.store import Document, Provision, Service, Version
from monitor.store.queries import find_document, iso, version_at


def verified_excerpt(version_text: str, version_sha256: str, start: int, end: int) -> Excerpt:
    """An excerpt of a stored version, refused (ExcerptMismatch) if the text does not hash to the
    version's sha256 or the offsets fall outside it."""
    if not 0 <= start <= end <= len(version_text):
        raise ExcerptMismatch(f"excerpt offsets {start}..{end} fall outside the version")
    excerpt = Excerpt(version_text[start:end], start, end, version_sha256)
    verify_excerpt(excerpt, version_text)
    return excerpt


def clauses_at(s: Session, service_id: str, terms_type: str, at: datetime | None) -> dict[str, Any]:
    """The provisions of a document in the version in force at `at` (default: latest)."""
    doc = find_document(s, service_id, terms_type)
    version = version_at(s, doc, at)
    taxonomy = load_taxonomy()
    stored = {
        p.anchor: p
        for p in s.scalars(select(Provision).where(Provision.document_id == doc.id)).all()
    }
    provisions = []
    for cc in extract_provisions(version.text, terms_type):
        excerpt = verified_excerpt(version.text, version.sha256, cc.clause.start, cc.clause.end)
        for cls in cc.categories:
            anchor = anchor_for(cc, cls.category)
            known = stored.get(anchor)
            category = taxonomy.get(cls.category)
            provisions.append(
                {
                    "category": cls.category,
                    "title": category.title if category else cls.category,
                    "confidence": round(cls.confidence, 3),
                    "unfair": cls.unfair,
                    "exposure": category.default_exposure if category else "low",
                    "reasons": list(cls.reasons),
                    "facts": [asdict(f) for f in cc.facts],
                    "heading_path": list(cc.clause.heading_path),
                    "excerpt": asdict(excerpt),
                    "provision_id": known.id if known else None,
                    "first_seen_at": iso(known.first_seen_at) if known else None,
                }
            )
    return {
        "service": service_id,
        "terms_type": terms_type,
        "version": {
            "id": version.id,
            "captured_at": iso(version.captured_at),
            "sha256": version.sha256,
            "document_type_ok": version.doctype_ok,
            "document_type_reason": version.doctype_reason,
        },
        "published": version.doctype_ok,
        "provisions": provisions if version.doctype_ok else [],
        "withheld": 0 if version.doctype_ok else len(provisions),
    }


DURATION_LABEL = {"credit_validity": "validity", "notice_period": "notice"}


def compare(s: Session, category_id: str) -> dict[str, Any]:
    """Every platform's current provisions of one category, side by side, and how common it is."""
    taxonomy = load_taxonomy()
    category = taxonomy.get(category_id)
    if category is None:
        raise NotFound(f"unknown category {category_id!r} (see `clausewatch taxonomy`)")
    watched = {sid for (sid,) in s.execute(select(Service.id)).all()}
    # a platform never captured neither has nor lacks the provision: it is not counted
    platforms = {
        sid
        for (sid,) in s.execute(
            select(Document.service_id)
            .join(Version, Version.document_id == Document.id)
            .where(Version.doctype_ok.is_not(False))
            .distinct()
        ).all()
    }
    rows = s.execute(
        select(Provision, Document)
        .join(Document, Document.id == Provision.document_id)
        .where(Provision.category == category_id, Provision.active.is_(True))
        .order_by(Document.service_id, Document.terms_type, Provision.id)
    ).all()
    by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
    numeric: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for p, d in rows:
        by_service[d.service_id].append(
            {
                "terms_type": d.terms_type,
                "provision_id": p.id,
                "text": p.text,
                "facts": p.facts,
                "unfair": p.unfair,
                "exposure": p.exposure,
                "heading_path": p.heading_path,
                "first_seen_at": iso(p.first_seen_at),
                "last_seen_at": iso(p.last_seen_at),
            }
        )
        for f in p.facts:
            if isinstance(f.get("value"), int | float):
                numeric[f["name"]].append((float(f["value"]), f.get("unit", ""), d.service_id))
    ranges: dict[str, dict[str, Any]] = {
        name: {
            "min": min(vals)[0],
            "min_service": min(vals)[2],
            "max": max(vals)[0],
            "max_service": max(vals)[2],
            "unit": vals[0][1],
            "count": len(vals),
        }
        for name, vals in numeric.items()
    }
    platforms |= set(by_service)
    not_captured = sorted(watched - platforms)
    summary = (
        f"{len(by_service)} of {len(platforms)} platform{'' if len(platforms) == 1 else 's'} "
        f"{'has' if len(by_service) == 1 else 'have'} a provision of this kind"
    )
    if not_captured:
        names = ", ".join(not_captured[:5])
        more = f" and {len(not_captured) - 5} more" if len(not_captured) > 5 else ""
        summary += f" ({len(not_captured)} not captured yet: {names}{more})"
    for name, r in sorted(ranges.items()):
        summary += f"; {name.replace('_', ' ')}: {_fmt(r['min'])}–{_fmt(r['max'])} {r['unit']}"
    return {
        "category": category_id,
        "title": category.title,
        "platforms_total": len(platforms),
        "platforms_with_provision": len(by_service),
        "summary": summary,
        "fact_ranges": ranges,
        "platforms": dict(by_service),
        "disclaimer": taxonomy.disclaimer,
    }


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
