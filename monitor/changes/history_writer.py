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

from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from monitor.capture.archive import sha256_text
from monitor.changes import volatile
from monitor.changes.decision import EarlierVersion, RecentVersion, decide, plan_provisions
from monitor.changes.provision_rows import ProvisionRecord, load_records, new_record, write_records
from monitor.changes.recording import last_flapping_states, latest_version
from monitor.changes.version_analysis import VersionAnalysis, analyse_text
from monitor.models import is_substantive
from monitor.store import Change, Document, Version

_VERSIONS = cast(Table, Version.__table__)
_CHANGES = cast(Table, Change.__table__)
# built once: a statement built per version costs more than executing it
_INSERT_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
KEEP_TEXTS = 4  # latest versions whose texts and lines stay in memory


@dataclass(frozen=True)
class StoredVersion:
    """The document's latest written version: what the next one is compared with."""

    id: int
    captured_at: datetime
    text: str
    sha256: str
    normalised_sha256: str
    technical_upgrade: bool


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
        self.provisions = load_records(session, document.id)
        # every version of the document, oldest first by (capture time, id), and the versions of
        # each normalised state: the history `decide` reads (`DocumentHistory`, answered from
        # memory here as recording.StoreHistory answers it from the store); an import may bring
        # versions captured before those already stored
        self._versions: list[tuple[datetime, int]] = []
        self._by_state: dict[str, list[tuple[datetime, int]]] = {}
        self._technical: dict[int, bool] = {}
        for id_, captured_at, digest, technical in session.execute(
            select(
                Version.id,
                Version.captured_at,
                Version.normalised_sha256,
                Version.technical_upgrade,
            ).where(Version.document_id == document.id)
        ):
            self._remember(id_, captured_at, digest, technical)
        # the texts of recent versions (their lines once needed), read back when missing
        self._texts: dict[int, str] = {}
        self._lines: dict[int, volatile.Lines] = {}
        self._transitions: dict[tuple[int, int], volatile.Transition] = {}
        self._last_flapping = last_flapping_states(session, document.id)
        self.previous = self._latest()
        self._changes: list[dict[str, Any]] = []
        self._changed: dict[int, ProvisionRecord] = {}  # by id(): rows to write whole
        self._seen_again: dict[int, ProvisionRecord] = {}  # by id(): rows whose "last seen" moved

    def _remember(self, id_: int, captured_at: datetime, digest: str, technical: bool) -> None:
        insort(self._versions, (captured_at, id_))
        insort(self._by_state.setdefault(digest, []), (captured_at, id_))
        self._technical[id_] = technical

    def _latest(self) -> StoredVersion | None:
        latest = latest_version(self.session, self.document.id)
        if latest is None:
            return None
        return StoredVersion(
            latest.id,
            latest.captured_at,
            latest.text,
            latest.sha256,
            latest.normalised_sha256,
            latest.technical_upgrade,
        )

    # ------------------------------------------------------------ DocumentHistory, from memory

    def earlier_state(
        self, normalised_sha256: str, since: datetime, previous_id: int
    ) -> RecentVersion | None:
        for captured_at, id_ in reversed(self._by_state.get(normalised_sha256, ())):
            if captured_at < since:
                return None
            if id_ != previous_id:
                return RecentVersion(id_, captured_at, normalised_sha256)
        return None

    def last_flapping_states(self) -> list[str] | None:
        return self._last_flapping

    def _text_of(self, version_id: int) -> str:
        text = self._texts.get(version_id)
        if text is None:  # an older version (a re-run, or a commit dated out of order)
            query = select(Version.text).where(Version.id == version_id)
            text = self._texts[version_id] = self.session.scalars(query).one()
        return text

    def _lines_of(self, version_id: int) -> volatile.Lines:
        lines = self._lines.get(version_id)
        if lines is None:
            lines = self._lines[version_id] = volatile.lines_of(self._text_of(version_id))
        return lines

    def recent_transitions(self, since: datetime) -> list[volatile.Transition]:
        start = max(
            bisect_left(self._versions, (since, 0)), len(self._versions) - volatile.MAX_VERSIONS
        )
        window = [id_ for _, id_ in self._versions[start:]]
        out = []
        for older, newer in reversed(list(zip(window, window[1:], strict=False))):
            if self._technical[newer]:
                continue
            keys = self._transitions.get((older, newer))
            if keys is None:
                keys = volatile.transition(self._lines_of(older), self._lines_of(newer))
                self._transitions[(older, newer)] = keys
            out.append(keys)
        return out

    def before_previous(self) -> EarlierVersion | None:
        p = self.previous
        if p is None:
            return None
        at = bisect_left(self._versions, (p.captured_at, p.id))
        if at == 0:
            return None
        captured_at, id_ = self._versions[at - 1]
        text = self._text_of(id_)
        return EarlierVersion(id_, captured_at, text, sha256_text(text), self._lines_of(id_))

    def _note_transition(self, version_id: int, captured_at: datetime, technical: bool) -> None:
        """Compute the transition into a new version now, while its predecessor's lines are at
        hand, and keep only the latest versions' texts and lines: the volatility window then
        reads transitions, not texts (memory stays bounded; an older text is read back when
        needed)."""
        at = bisect_left(self._versions, (captured_at, version_id))
        if at > 0 and not technical:
            older = self._versions[at - 1][1]
            self._transitions[(older, version_id)] = volatile.transition(
                self._lines_of(older), self._lines_of(version_id)
            )
        keep = {id_ for _, id_ in self._versions[-KEEP_TEXTS:]}
        if len(self._texts) > 2 * KEEP_TEXTS:
            self._texts = {i: v for i, v in self._texts.items() if i in keep}
            self._lines = {i: v for i, v in self._lines.items() if i in keep}
        if len(self._transitions) > 2 * volatile.MAX_VERSIONS:
            window = {id_ for _, id_ in self._versions[-(volatile.MAX_VERSIONS + 1) :]}
            self._transitions = {
                k: v for k, v in self._transitions.items() if k[0] in window and k[1] in window
            }

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
        decision = decide(
            text,
            analysis,
            self.previous,
            terms_type=terms_type,
            technical_upgrade=technical_upgrade,
            captured_at=captured_at,
            history=self,  # this version is remembered below, once decided
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
        self.previous = StoredVersion(
            version_id,
            captured_at,
            text,
            analysis.sha256,
            analysis.normalised_sha256,
            technical_upgrade,
        )
        self._remember(version_id, captured_at, analysis.normalised_sha256, technical_upgrade)
        self._texts[version_id] = text
        self._note_transition(version_id, captured_at, technical_upgrade)
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
            return new_record(document_id, **columns)

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
        fresh_ids = {id(p) for p in fresh}  # inserted with their latest columns already
        write_records(
            s,
            fresh,
            [p for k, p in self._changed.items() if k not in fresh_ids],
            [
                p
                for k, p in self._seen_again.items()
                if k not in fresh_ids and k not in self._changed
            ],
        )
        self._changed.clear()
        self._seen_again.clear()
        # one statement per run of rows with the same columns (a flapping row leaves the excerpts
        # unset, as record_version does), in order: change ids follow the history
        for _, run in groupby(self._changes, key=lambda row: row.keys()):
            s.execute(insert(_CHANGES), list(run))
        self._changes = []
