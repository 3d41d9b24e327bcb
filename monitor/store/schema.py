"""Database tables (SQLAlchemy 2 ORM). SQLite by default, PostgreSQL by URL.

Raw evidence lives on disk (archive.py); the database holds metadata, versions (Markdown text),
provisions, changes, subscribers and the outbox. Every table is rebuildable from the archive except
subscribers and the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = (
    2  # 2: outbox channels and permanent failures, subscribers' notify URLs, feed items
)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Service(Base):
    __tablename__ = "services"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("service_id", "terms_type"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    terms_type: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # set when operators were told this document is failing; cleared (with a recovery notice) on success
    failure_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)


class Snapshot(Base):
    """One archived capture (raw bytes on disk under `path`, relative to the snapshots root)."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    captured_at: Mapped[datetime] = mapped_column(DateTime)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(100))
    fetcher: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    source_index: Mapped[int] = mapped_column(Integer, default=0)


class Capture(Base):
    """Every check attempt of a document, successful or not (the audit trail)."""

    __tablename__ = "captures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime)
    # new | changed | unchanged | verified | not_modified | failed
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot_ids: Mapped[list[Any]] = mapped_column(default=list)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"), nullable=True)
    warnings: Mapped[list[Any]] = mapped_column(default=list)


class Version(Base):
    """An extracted Markdown version, stored only when it differs from the previous one."""

    __tablename__ = "versions"
    __table_args__ = (Index("ix_versions_doc_time", "document_id", "captured_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    captured_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    normalised_sha256: Mapped[str] = mapped_column(String(64))
    snapshot_ids: Mapped[list[Any]] = mapped_column(default=list)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # capture | import | rebuild
    origin: Mapped[str] = mapped_column(String(20), default="capture")
    # re-extraction or declaration upgrade: never a change, never alerts
    technical_upgrade: Mapped[bool] = mapped_column(Boolean, default=False)
    source_ref: Mapped[str | None] = mapped_column(String(80), nullable=True)  # e.g. OTA commit
    doctype_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    doctype_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    analysed: Mapped[bool] = mapped_column(Boolean, default=False)


class Provision(Base):
    """A classified clause with identity across versions (category + anchor, matched fuzzily)."""

    __tablename__ = "provisions"
    __table_args__ = (Index("ix_provisions_doc_cat", "document_id", "category"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    category: Mapped[str] = mapped_column(String(64))
    anchor: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    facts: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float] = mapped_column(Float)
    unfair: Mapped[bool] = mapped_column(Boolean, default=False)
    exposure: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    first_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    last_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Change(Base):
    """A clause-level change event between two versions of a document."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_doc_to", "document_id", "to_version_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    from_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"), nullable=True)
    to_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    detected_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    categories: Mapped[list[Any]] = mapped_column(default=list)
    editorial: Mapped[bool] = mapped_column(Boolean, default=False)
    editorial_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    exposure: Mapped[str] = mapped_column(String(10))
    unfair: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    fact_deltas: Mapped[list[Any]] = mapped_column(default=list)
    heading_path: Mapped[list[Any]] = mapped_column(default=list)
    before: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    diff: Mapped[list[Any]] = mapped_column(default=list)
    # imported history is recorded but never alerts anyone
    alertable: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # check | rebuild | import
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Subscriber(Base):
    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    plan: Mapped[str] = mapped_column(String(64))
    services: Mapped[list[Any]] = mapped_column(default=list)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    min_exposure: Mapped[str] = mapped_column(String(10), default="low")
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Apprise URLs or http(s) webhooks that get the same alerts as the e-mail (may hold tokens:
    # never printed unmasked)
    notify_urls: Mapped[list[Any]] = mapped_column(default=list)


class OutboxMessage(Base):
    """A message waiting for (or done with) delivery; written in the change's transaction.

    `channel` says how: "email" (SMTP to `recipient`), "webhook" (ClauseWatch's JSON body POSTed
    to `destination`) or "apprise" (the Apprise URL in `destination`). For the last two
    `recipient` is the masked URL, safe to show. A message the receiver refused for good has
    `failed_at` (and is never retried); `failure_notified` once operators were told.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # alert | operator | digest | feed
    recipient: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(20), default="email", server_default="email")
    destination: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    failure_notified: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertItem(Base):
    """A change a subscriber is to hear about, recorded in the change's own transaction.

    After the run, the items of one (run, subscriber) are composed into one outbox message and
    `outbox_id` is set; items without an `outbox_id` are an unfinished batch (the process died
    between recording and composing) and are composed by housekeeping.
    """

    __tablename__ = "alert_items"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "change_id"),
        Index("ix_alert_items_pending", "outbox_id", "run_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)


class FeedItem(Base):
    """A change for the global channels (`[notify] urls`), recorded in the change's transaction.

    Like `AlertItem` without a subscriber: after the run the items of one run become one message
    per configured URL, and `outbox_id` (the first of them) marks the item composed.
    """

    __tablename__ = "feed_items"
    __table_args__ = (Index("ix_feed_items_pending", "outbox_id", "run_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)


class WorkerRow(Base):
    """A `clausewatch worker` process sharing the store (store/leases.py); its heartbeat says it
    is alive, and its claims expire when the heartbeat stops."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checks: Mapped[int] = mapped_column(Integer, default=0)


class Lease(Base):
    """One declared document's turn: due at `due_at`; while `owner` holds it (until
    `lease_until`, renewed by the owner's heartbeat) no other worker checks it."""

    __tablename__ = "document_leases"
    __table_args__ = (Index("ix_document_leases_due", "due_at"),)
    service_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    terms_type: Mapped[str] = mapped_column(String(200), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    takeovers: Mapped[int] = mapped_column(Integer, default=0)


class SnapshotBlob(Base):
    """Raw capture bytes kept in the store (`archive = "database"`), addressed by their sha256:
    written once, never updated; a `Snapshot.path` of `sha256:<hex>` points here."""

    __tablename__ = "snapshot_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class HostTurn(Base):
    """When a host may next be asked, shared by the workers so that per-host politeness holds
    across them (store/host_turns.py; PostgreSQL only)."""

    __tablename__ = "host_turns"
    host: Mapped[str] = mapped_column(String(300), primary_key=True)  # host:port
    free_at: Mapped[float] = mapped_column(Float)  # Unix seconds on the database server's clock
