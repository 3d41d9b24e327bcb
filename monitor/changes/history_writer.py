"""Write an imported document history to the store in bulk.

`record_version` stores one live capture through the ORM and reads the document's recent state back
from the store every time. An import stores thousands of versions of one document in a row, so
`HistoryWriter` keeps that state in memory (the provision rows as plain records, the capture times and
normalised hashes of the versions, the last flapping episode) and writes with Core statements, a
batch at a time. Both persist the same decision (`monitor.changes.decision`: `decide`,
`plan_provisions`, `VersionDecision.change_rows`): an imported version is stored as record_version
would store it, which tests/test_ota_import.py checks.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from monitor.capture.archive import sha256_text
from monitor.changes.decision import FLAP_WINDOW, RecentVersion, decide, plan_provisions
from monitor.changes.recording import last_flapping_states, latest_version
from monitor.changes.version_analysis import VersionAnalysis, analyse_text
from monitor.models import is_substantive
from monitor.store import Change, Document, Provision, Version

_VERSIONS = cast(Table, Version.__table__)
_PROVISIONS = cast(Table, Provision.__table__)
_CHANGES = cast(Table, Change.__table__)
# built once: a statement built per version costs more than executing it
_INSERT_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)


@dataclass(eq=False)  # identity, not value: two provisions may hold the same text
class ProvisionRecord:
    """A `provisions` row held in memory; `id` is None until the row is inserted."""

    id: int | None
    document_id: int
    category: str
    anchor: str
    heading_path: list[Any]
    text: str
    facts: list[Any]
    confidence: float
    unfair: bool
    exposure: str
    reasons: list[Any]
    first_version_id: int
    last_version_id: int
    first_seen_at: datetime
    last_seen_at: datetime
    active: bool


_COLUMNS = [f.name for f in fields(ProvisionRecord)]
_MUTABLE = [
    "anchor",
    "heading_path",
    "text",
    "facts",
    "confidence",
    "unfair",
    "exposure",
    "reasons",
    "last_version_id",
    "last_seen_at",
    "active",
]


@dataclass(frozen=True)
class StoredVersion:
    """The document's latest written version: what the next one is compared with."""

    id: int
    text: str
    sha256: str
    normalised_sha256: str


@dataclass(frozen=True)
class Written:
    changes: int
    substantive: int
    flapping_reported: bool  # a flapping episode was recorded (once per episode)


class HistoryWriter:
    """Appends imported versions to one document's history inside the caller's session.

    Rows are written by `flush()`, which the caller must call before each commit: versions are
    inserted at once (their ids are needed), provisions and change events at the flush.
    """

    def __init__(self, session: Session, document: Document) -> None:
        self.session = session
        self.document = document
        self.provisions = [
            ProvisionRecord(**row._mapping)
            for row in session.execute(
                select(*(_PROVISIONS.c[name] for name in _COLUMNS))
                .where(_PROVISIONS.c.document_id == document.id)
                .order_by(_PROVISIONS.c.id)
            )
        ]
        # every version of the document, oldest first by (capture time, id): flapping looks at
        # the latest few, and an import may bring versions captured before those already stored
        self._versions: list[tuple[datetime, int, str]] = sorted(
            (captured_at, id_, digest)
            for id_, captured_at, digest in session.execute(
                select(Version.id, Version.captured_at, Version.normalised_sha256).where(
                    Version.document_id == document.id
                )
            )
        )
        self._last_flapping = last_flapping_states(session, document.id)
        self.previous = self._latest()
        self._changes: list[dict[str, Any]] = []
        self._changed: dict[int, ProvisionRecord] = {}  # by id(): rows to write whole
        self._seen_again: dict[int, ProvisionRecord] = {}  # by id(): rows whose "last seen" moved

    def _latest(self) -> StoredVersion | None:
        latest = latest_version(self.session, self.document.id)
        if latest is None:
            return None
        return StoredVersion(latest.id, latest.text, latest.sha256, latest.normalised_sha256)

    def add(
        self,
        text: str,
        *,
        captured_at: datetime,
        recorded_at: datetime,
        technical_upgrade: bool,
        source_ref: str | None,
        analysis: VersionAnalysis | None,
    ) -> Written:
        """Store `text` as an imported version (never alertable). `analysis` is
        `analyse_text(text, terms_type, previous text or None)`, computed beforehand (in worker
        processes); it is recomputed when it does not belong to this text."""
        terms_type = self.document.terms_type
        if analysis is None or analysis.sha256 != sha256_text(text):
            analysis = analyse_text(text, terms_type)
        versions = self._versions  # this version is inserted in it below, once decided
        decision = decide(
            text,
            analysis,
            self.previous,
            terms_type=terms_type,
            technical_upgrade=technical_upgrade,
            # the latest versions before this one, newest first, as record_version reads them
            recent=lambda: [
                RecentVersion(i, c, d) for c, i, d in reversed(versions[-FLAP_WINDOW:])
            ],
            last_flapping_states=lambda: self._last_flapping,
        )
        version_id: int = self.session.execute(
            _INSERT_VERSION,
            {
                "document_id": self.document.id,
                "captured_at": captured_at,
                "recorded_at": recorded_at,
                "text": text,
                "sha256": analysis.sha256,
                "normalised_sha256": analysis.normalised_sha256,
                "snapshot_ids": [],
                "url": None,
                "origin": "import",
                "technical_upgrade": technical_upgrade,
                "source_ref": source_ref,
                "doctype_ok": analysis.doctype_ok,
                "doctype_reason": analysis.doctype_reason,
                "analysed": True,
            },
        ).scalar_one()
        self._update_provisions(version_id, captured_at, analysis)
        self.previous = StoredVersion(version_id, text, analysis.sha256, analysis.normalised_sha256)
        insort(versions, (captured_at, version_id, analysis.normalised_sha256))
        rows = decision.change_rows(self.document.id, version_id, recorded_at, False)
        self._changes.extend(rows)
        if decision.kind == "flapping":
            assert decision.flapping is not None
            self._last_flapping = list(decision.flapping.states)
        substantive = sum(1 for e in decision.events if is_substantive(e))
        return Written(len(rows), substantive, decision.kind == "flapping")

    def _update_provisions(
        self, version_id: int, captured_at: datetime, analysis: VersionAnalysis
    ) -> None:
        document_id = self.document.id

        def new(**columns: Any) -> ProvisionRecord:
            return ProvisionRecord(
                id=None,
                document_id=document_id,
                heading_path=[],
                facts=[],
                unfair=False,
                reasons=[],
                active=True,
                **columns,
            )

        plan = plan_provisions(
            self.provisions,
            analysis.provisions,
            version_id=version_id,
            captured_at=captured_at,
            doctype_ok=analysis.doctype_ok,
            new=new,
        )
        self.provisions.extend(plan.created)
        for p in plan.untouched:
            p.last_version_id = version_id
            p.last_seen_at = captured_at
            self._seen_again[id(p)] = p
        for p in (*plan.changed, *plan.deactivated):
            self._changed[id(p)] = p

    def flush(self) -> None:
        """Write the provisions and change events gathered since the last flush."""
        s = self.session
        fresh = [p for p in self.provisions if p.id is None]  # in creation order, as ids go
        if fresh:
            rows = [{name: getattr(p, name) for name in _COLUMNS[1:]} for p in fresh]
            ids = s.execute(
                insert(_PROVISIONS).returning(_PROVISIONS.c.id, sort_by_parameter_order=True),
                rows,
            ).scalars()
            for p, id_ in zip(fresh, ids, strict=True):
                p.id = id_
        fresh_ids = {id(p) for p in fresh}  # inserted with their latest columns already
        changed = [p for k, p in self._changed.items() if k not in fresh_ids]
        if changed:
            s.execute(
                update(_PROVISIONS)
                .where(_PROVISIONS.c.id == bindparam("row_id"))
                .values({name: bindparam(f"new_{name}") for name in _MUTABLE}),
                [
                    {"row_id": p.id, **{f"new_{name}": getattr(p, name) for name in _MUTABLE}}
                    for p in changed
                ],
            )
        seen_again = [
            p for k, p in self._seen_again.items() if k not in fresh_ids and k not in self._changed
        ]
        if seen_again:
            s.execute(
                update(_PROVISIONS)
                .where(_PROVISIONS.c.id == bindparam("row_id"))
                .values(last_version_id=bindparam("version_id"), last_seen_at=bindparam("seen_at")),
                [
                    {"row_id": p.id, "version_id": p.last_version_id, "seen_at": p.last_seen_at}
                    for p in seen_again
                ],
            )
        self._changed.clear()
        self._seen_again.clear()
        # one statement per run of rows with the same columns (a flapping row leaves the excerpts
        # unset, as record_version does), in order: change ids follow the history
        for _, run in groupby(self._changes, key=lambda row: row.keys()):
            s.execute(insert(_CHANGES), list(run))
        self._changes = []
