"""A document's `provisions` rows as plain records, written in bulk: one statement per kind of
write, not one per row.

Both writers match a version's provision entries to these records (`decision.plan_provisions`) and
write the outcome here: the live check once per version (recording.py), the history import once
per batch of versions (history_writer.py). ORM objects cost about 0.4 ms each to build and flush,
and a first capture creates some 170 of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from monitor.store import Provision

PROVISIONS = cast(Table, Provision.__table__)


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


COLUMNS = [f.name for f in fields(ProvisionRecord)]
# what matching may change in a row (`plan_provisions`)
MUTABLE = [
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


def load_records(session: Session, document_id: int) -> list[ProvisionRecord]:
    """The document's provision rows, in id order (the order matching expects)."""
    return [
        ProvisionRecord(**row._mapping)
        for row in session.execute(
            select(*(PROVISIONS.c[name] for name in COLUMNS))
            .where(PROVISIONS.c.document_id == document_id)
            .order_by(PROVISIONS.c.id)
        )
    ]


def new_record(document_id: int, **columns: Any) -> ProvisionRecord:
    """A provision not yet inserted, as `plan_provisions` creates it (`new`); matching then sets
    every mutable column."""
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


def write_records(
    session: Session,
    fresh: list[ProvisionRecord],
    changed: Iterable[ProvisionRecord],
    seen_again: Iterable[ProvisionRecord],
) -> None:
    """Insert `fresh` records (in list order, so ids follow it; each gets its id), write every
    mutable column of `changed` ones and move "last seen" of `seen_again` ones, one statement
    each. A fresh record is inserted with its latest columns: pass it only in `fresh`."""
    if fresh:
        rows = [{name: getattr(p, name) for name in COLUMNS[1:]} for p in fresh]
        ids = session.execute(
            insert(PROVISIONS).returning(PROVISIONS.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        for p, id_ in zip(fresh, ids, strict=True):
            p.id = id_
    updates = [
        {"row_id": p.id, **{f"new_{name}": getattr(p, name) for name in MUTABLE}} for p in changed
    ]
    if updates:
        session.execute(
            update(PROVISIONS)
            .where(PROVISIONS.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in MUTABLE}),
            updates,
        )
    seen = [
        {"row_id": p.id, "version_id": p.last_version_id, "seen_at": p.last_seen_at}
        for p in seen_again
    ]
    if seen:
        session.execute(
            update(PROVISIONS)
            .where(PROVISIONS.c.id == bindparam("row_id"))
            .values(last_version_id=bindparam("version_id"), last_seen_at=bindparam("seen_at")),
            seen,
        )
