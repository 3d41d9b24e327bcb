"""The store read once into plain view objects that the pages, feeds and digests render.

Everything a page shows comes from here: services, documents, current versions, provisions in
force, change events (with their summary sentence, analysis blocks and verified excerpts) and the
taxonomy. Reading happens inside one session; rendering needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from monitor.changes.analysis import (
    FACT_LABELS,
    describe_event,
    describe_fact_delta,
    format_fact_value,
)
from monitor.clauses.taxonomy import load_taxonomy
from monitor.errors import ClauseWatchError, ExcerptMismatch
from monitor.models import EXPOSURE_RANK, ChangeEvent, is_substantive
from monitor.publish.render import verify_excerpt
from monitor.publish.site.paths import SitePaths, iso_week
from monitor.store import Change, Document, Provision, Service, Snapshot, Version
from monitor.store.queries import event_from_row, excerpt_from_dict

DEFAULT_DISCLAIMER = (
    "This analysis describes what the document states, permits or reserves. It is produced "
    "automatically from the published text, is not legal advice and is not a legal determination; "
    "read the cited text and ask a qualified lawyer before acting on it."
)
ANALYSIS_LABELS = (
    ("summary", "Summary"),
    ("who_is_affected", "Who is affected"),
    ("regulatory_landscape", "Regulatory landscape"),
    ("governance_exposure", "Governance exposure"),
    ("jurisdiction_flags", "Jurisdiction flags"),
    ("contract_implications", "Contract and vendor implications"),
    ("compliance_considerations", "Compliance considerations"),
)


def normal_exposure(level: str | None) -> str:
    value = (level or "low").lower()
    return value if value in EXPOSURE_RANK else "medium"


# ---------------------------------------------------------------- taxonomy


@dataclass
class CategoryView:
    id: str
    title: str
    description: str
    default_exposure: str
    analysis: dict[str, Any]  # keys of ANALYSIS_LABELS; governance_exposure = {level, reason}
    known: bool = True  # False: seen in the store but not in the taxonomy


def _analysis_dict(raw: Any) -> dict[str, Any]:
    """The taxonomy's analysis as a dict, whether it is stored as a mapping or a dataclass."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        out = dict(raw)
    else:
        out = {k: getattr(raw, k, "") for k, _ in ANALYSIS_LABELS if k != "governance_exposure"}
        out["governance_exposure"] = {
            "level": getattr(raw, "governance_exposure_level", ""),
            "reason": getattr(raw, "governance_exposure_reason", ""),
        }
    ge = out.get("governance_exposure") or {}
    out["governance_exposure"] = {
        "level": str(ge.get("level", "") if isinstance(ge, dict) else ge),
        "reason": str(ge.get("reason", "") if isinstance(ge, dict) else ""),
    }
    out["jurisdiction_flags"] = [str(f) for f in out.get("jurisdiction_flags") or []]
    return out


def load_categories() -> tuple[dict[str, CategoryView], str, Any]:
    """Categories by id, the disclaimer and the taxonomy object (None when it cannot be loaded)."""
    try:
        taxonomy: Any = load_taxonomy()
    except (OSError, ValueError, ClauseWatchError):
        # no (valid) taxonomy data file: pages still render, with titles made from the ids
        return {}, DEFAULT_DISCLAIMER, None
    cats: dict[str, CategoryView] = {}
    for cid, cat in taxonomy.categories.items():
        cats[cid] = CategoryView(
            id=cid,
            title=str(cat.title),
            description=str(getattr(cat, "description", "")),
            default_exposure=str(getattr(cat, "default_exposure", "low")),
            analysis=_analysis_dict(getattr(cat, "analysis", None)),
        )
    return cats, str(taxonomy.disclaimer or DEFAULT_DISCLAIMER), taxonomy


def unknown_category(cid: str) -> CategoryView:
    return CategoryView(
        id=cid,
        title=cid.replace("_", " ").capitalize(),
        description="",
        default_exposure="low",
        analysis={},
        known=False,
    )


# ---------------------------------------------------------------- views


@dataclass
class SnapshotView:
    sha256: str
    url: str
    captured_at: datetime
    path: str


@dataclass
class VersionView:
    id: int
    captured_at: datetime
    sha256: str
    url: str | None
    origin: str
    technical_upgrade: bool
    snapshots: list[SnapshotView]
    doctype_ok: bool = True  # False: withheld, it does not look like the declared document


@dataclass
class ProvisionView:
    id: int
    category: CategoryView
    text: str
    heading: str
    facts: list[dict[str, Any]]
    fact_lines: list[str]
    exposure: str
    unfair: bool
    first_seen_at: datetime
    last_seen_at: datetime
    document: DocumentView | None = None


@dataclass
class ExcerptView:
    text: str
    start: int
    end: int
    version_sha256: str
    verified: bool  # exact substring of the stored version at these offsets, sha256 matches


@dataclass
class ChangeView:
    id: int
    document: DocumentView
    kind: str
    detected_at: datetime
    week: str
    categories: list[CategoryView]
    editorial: bool
    editorial_kind: str | None
    substantive: bool
    alertable: bool
    exposure: str
    unfair: bool
    reasons: list[str]
    fact_lines: list[str]
    heading: str
    summary: str
    analysis: dict[str, Any]
    before: ExcerptView | None
    after: ExcerptView | None
    diff: list[tuple[int, str]]
    from_version: VersionView | None
    to_version: VersionView | None
    path: str = ""

    @property
    def category_ids(self) -> set[str]:
        return {c.id for c in self.categories}

    @property
    def changed_at(self) -> datetime:
        """When the document changed: the capture of the new version. An imported history is
        detected all at once, at the import; a live check finds a change when it is captured."""
        return self.to_version.captured_at if self.to_version else self.detected_at

    @property
    def recorded_later(self) -> bool:
        """Found more than a day after the change happened (an imported history)."""
        return self.detected_at - self.changed_at > timedelta(days=1)

    @property
    def title(self) -> str:
        cats = ", ".join(c.title for c in self.categories) or "text"
        return f"{self.document.platform.name} · {self.document.terms_type}: {cats} {self.kind}"


@dataclass
class DocumentView:
    id: int
    platform: PlatformView
    terms_type: str
    url: str | None
    last_checked_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    versions: list[VersionView] = field(default_factory=list)  # newest first
    current_text: str | None = None
    provisions: list[ProvisionView] = field(default_factory=list)
    changes: list[ChangeView] = field(default_factory=list)  # newest first
    path: str = ""

    @property
    def current(self) -> VersionView | None:
        return self.versions[0] if self.versions else None

    @property
    def captured(self) -> bool:
        """A version is in force whose provisions are published (it passed the type check)."""
        return self.current is not None and self.current.doctype_ok


@dataclass
class PlatformView:
    id: str
    name: str
    documents: list[DocumentView] = field(default_factory=list)
    path: str = ""

    @property
    def last_checked_at(self) -> datetime | None:
        times = [d.last_checked_at for d in self.documents if d.last_checked_at]
        return max(times) if times else None

    @property
    def provisions(self) -> list[ProvisionView]:
        return [p for d in self.documents for p in d.provisions]

    @property
    def captured(self) -> bool:
        """Has a captured document whose provisions count (else absence of a provision says nothing)."""
        return any(d.captured for d in self.documents) or bool(self.provisions)

    @property
    def changes(self) -> list[ChangeView]:
        out = [c for d in self.documents for c in d.changes]
        return sorted(out, key=lambda c: (c.detected_at, c.id), reverse=True)


@dataclass
class SiteModel:
    platforms: list[PlatformView]
    categories: dict[str, CategoryView]
    disclaimer: str
    changes: list[ChangeView]  # every change, newest first
    paths: SitePaths
    generated_at: datetime
    first_seen: datetime | None  # earliest capture or change in the store

    @property
    def substantive(self) -> list[ChangeView]:
        return [c for c in self.changes if c.substantive]

    def category(self, cid: str) -> CategoryView:
        if cid not in self.categories:
            self.categories[cid] = unknown_category(cid)
        return self.categories[cid]


# ---------------------------------------------------------------- formatting


def fact_line(fact: dict[str, Any]) -> str:
    """ "concurrent job limit: 3 jobs" from a stored Fact dict."""
    name = str(fact.get("name", ""))
    label = FACT_LABELS.get(name, name.replace("_", " "))
    value = format_fact_value(name, fact.get("value"), str(fact.get("unit", "")))
    return f"{label}: {value}"


def verified_excerpt(d: dict[str, Any] | None, version: Version | None) -> ExcerptView | None:
    """The excerpt, checked against the stored version it cites (design rule 2)."""
    ex = excerpt_from_dict(d)
    if ex is None:
        return None
    ok = version is not None and version.sha256 == ex.version_sha256
    if ok and version is not None:
        try:
            verify_excerpt(ex, version.text)  # the text hashes to the cited sha256, offsets match
        except ExcerptMismatch:
            ok = False
    return ExcerptView(ex.text, ex.start, ex.end, ex.version_sha256, ok)


def change_analysis(
    event: ChangeEvent, cats: list[CategoryView], disclaimer: str
) -> dict[str, Any]:
    """Analysis blocks of one change: its categories' blocks with the change's own exposure."""

    def joined(key: str) -> str:
        return " ".join(dict.fromkeys(str(c.analysis.get(key) or "") for c in cats if c.analysis))

    flags: list[str] = []
    for c in cats:
        flags.extend(f for f in c.analysis.get("jurisdiction_flags", []) if f not in flags)
    for d in event.fact_deltas:
        if d.name in ("governing_law", "venue", "arbitration_body") and d.new is not None:
            flag = f"{d.name.replace('_', ' ')}: {d.new}"
            if flag not in flags:
                flags.append(flag)
    category_reasons = "; ".join(
        c.analysis["governance_exposure"]["reason"]
        for c in cats
        if c.analysis and c.analysis["governance_exposure"]["reason"]
    )
    return {
        "summary": joined("summary"),
        "who_is_affected": joined("who_is_affected"),
        "regulatory_landscape": joined("regulatory_landscape"),
        "governance_exposure": {
            "level": event.exposure,
            "reason": "; ".join(event.reasons) or category_reasons,
        },
        "jurisdiction_flags": flags,
        "contract_implications": joined("contract_implications"),
        "compliance_considerations": joined("compliance_considerations"),
        "disclaimer": disclaimer,
    }


# ---------------------------------------------------------------- loading


def load_model(session: Session, now: datetime) -> SiteModel:
    """Read the whole store (current version texts only) into a SiteModel."""
    categories, disclaimer, taxonomy = load_categories()
    services = list(session.scalars(select(Service).order_by(Service.name, Service.id)).all())
    documents = list(
        session.scalars(select(Document).order_by(Document.service_id, Document.terms_type)).all()
    )
    paths = SitePaths(
        [s.id for s in services], [(d.id, d.service_id, d.terms_type) for d in documents]
    )
    model = SiteModel([], categories, disclaimer, [], paths, now, None)
    platforms: dict[str, PlatformView] = {}
    for s in services:
        platforms[s.id] = PlatformView(s.id, s.name or s.id, path=paths.platform(s.id))
    for d in documents:
        if d.service_id not in platforms:  # a document whose service row is missing
            platforms[d.service_id] = PlatformView(
                d.service_id, d.service_id, path=paths.platform(d.service_id)
            )
    docs: dict[int, DocumentView] = {}
    for d in documents:
        p = platforms[d.service_id]
        view = DocumentView(
            id=d.id,
            platform=p,
            terms_type=d.terms_type,
            url=d.url,
            last_checked_at=d.last_checked_at,
            last_success_at=d.last_success_at,
            consecutive_failures=d.consecutive_failures or 0,
            last_error=d.last_error,
            path=paths.document(d.id),
        )
        docs[d.id] = view
        p.documents.append(view)
    model.platforms = sorted(platforms.values(), key=lambda p: (p.name.lower(), p.id))

    snaps = {
        sn.id: SnapshotView(sn.sha256, sn.final_url or sn.url, sn.captured_at, sn.path)
        for sn in session.scalars(select(Snapshot)).all()
    }
    versions = session.scalars(
        select(Version)
        .options(defer(Version.text))
        .order_by(Version.captured_at.desc(), Version.id.desc())
    ).all()
    version_views: dict[int, VersionView] = {}
    for v in versions:
        vv = VersionView(
            id=v.id,
            captured_at=v.captured_at,
            sha256=v.sha256,
            url=v.url,
            origin=v.origin,
            technical_upgrade=v.technical_upgrade,
            snapshots=[snaps[i] for i in v.snapshot_ids or [] if i in snaps],
            doctype_ok=v.doctype_ok is not False,
        )
        version_views[v.id] = vv
        if v.document_id in docs:
            docs[v.document_id].versions.append(vv)
    for dv in docs.values():
        if dv.versions:
            dv.current_text = session.scalar(
                select(Version.text).where(Version.id == dv.versions[0].id)
            )

    for pr in session.scalars(
        select(Provision).where(Provision.active.is_(True)).order_by(Provision.id)
    ).all():
        pdoc = docs.get(pr.document_id)
        if pdoc is None or pdoc.current is None or pr.last_version_id != pdoc.current.id:
            continue  # not in force in the current version
        pdoc.provisions.append(
            ProvisionView(
                id=pr.id,
                category=model.category(pr.category),
                text=pr.text,
                heading=" › ".join(str(h) for h in pr.heading_path or []),
                facts=[f for f in pr.facts or [] if isinstance(f, dict)],
                fact_lines=[fact_line(f) for f in pr.facts or [] if isinstance(f, dict)],
                exposure=normal_exposure(pr.exposure),
                unfair=pr.unfair,
                first_seen_at=pr.first_seen_at,
                last_seen_at=pr.last_seen_at,
                document=pdoc,
            )
        )

    texts: dict[int, Version | None] = {}

    def version_row(vid: int | None) -> Version | None:
        if vid is None:
            return None
        if vid not in texts:
            texts[vid] = session.get(Version, vid)
        return texts[vid]

    for c in session.scalars(
        select(Change).order_by(Change.detected_at.desc(), Change.id.desc())
    ).all():
        cdoc = docs.get(c.document_id)
        if cdoc is None:
            continue
        event = event_from_row(c)
        cats = [model.category(cid) for cid in event.categories]
        cview = ChangeView(
            id=c.id,
            document=cdoc,
            kind=c.kind,
            detected_at=c.detected_at,
            week=iso_week(c.detected_at),
            categories=cats,
            editorial=c.editorial,
            editorial_kind=c.editorial_kind,
            substantive=is_substantive(c),
            alertable=c.alertable,
            exposure=normal_exposure(c.exposure),
            unfair=c.unfair,
            reasons=event.reasons,
            fact_lines=[describe_fact_delta(d) for d in event.fact_deltas],
            heading=" › ".join(event.heading_path),
            summary=describe_event(event, taxonomy),
            analysis=change_analysis(event, cats, disclaimer),
            before=verified_excerpt(c.before, version_row(c.from_version_id)),
            after=verified_excerpt(c.after, version_row(c.to_version_id)),
            diff=event.diff,
            from_version=version_views.get(c.from_version_id or -1),
            to_version=version_views.get(c.to_version_id),
            path=paths.change(c.document_id, c.id),
        )
        cdoc.changes.append(cview)
        model.changes.append(cview)
        if len(texts) > 64:  # bound memory on large stores
            texts.clear()

    starts = [v.captured_at for v in version_views.values()] + [
        c.detected_at for c in model.changes
    ]
    model.first_seen = min(starts) if starts else None
    return model
