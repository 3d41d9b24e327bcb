"""Alerts: who hears about which change, composed into outbox messages.

Two steps, so that nothing is lost if the process dies in between:

1. `on_changes` (inside the transaction that records a version's changes) writes one `AlertItem`
   per (subscriber, matching substantive change), and one `FeedItem` per substantive change for
   the global channels (`[notify] urls`) when there are any.
2. `on_run_finished` composes, per (run, subscriber), ONE e-mail listing every matching change of
   the run (dedupe key ``alert:{run_id}:{subscriber_id}``) plus one message per notification URL of
   the subscriber (``...:ch:{url hash}``), and per run one message per global URL
   (``feed:{run_id}:{url hash}``), and links the items to them, in one transaction.

Items without a message are an unfinished batch; `compose_pending` (daemon start, housekeeping,
`clausewatch send`) composes them. Operators get one message when a document reaches the failure
threshold and one when it recovers (`Document.failure_alerted`), never a storm, and one when a
channel refuses a message for good (`report_undeliverable`), once per stored version whose text
fails its sha256 (`report_bad_version`: its changes are held, the others go out) and once a week
about evidence problems (`report_verification`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from monitor.capture.archive import sha256_text
from monitor.clock import Clock, utc_now
from monitor.config import Settings, notify_channel
from monitor.errors import ExcerptMismatch, describe_reason
from monitor.models import ChangeEvent, is_substantive
from monitor.notify.outbox import enqueue, new_message_id
from monitor.notify.subscribers import EXPOSURE_RANK, alert_recipients, is_alertable, matches
from monitor.store import (
    Capture,
    Change,
    Document,
    OutboxMessage,
    Run,
    Service,
    Store,
    Subscriber,
    Version,
)
from monitor.store.queries import event_from_row, version_ref
from monitor.store.schema import AlertItem, FeedItem

# The taxonomy (with the clause model's package) and the templates are imported by the functions
# that compose alerts: a check pass whose hooks find nothing to compose needs neither.

log = logging.getLogger("clausewatch.alerts")

# An unfinished run younger than this is assumed to be still running (housekeeping leaves it).
STALE_RUN = timedelta(hours=1)
MAX_SUBJECT = 180


def _utc(dt: datetime | None) -> str:
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M UTC")


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


# ---------------------------------------------------------------- checker hooks


def checker_hooks(
    settings: Settings, store: Store, *, clock: Clock | None = None
) -> dict[str, Any]:
    """Keyword arguments for `monitor.ops.checker.Checker`: record, compose and queue alerts."""
    now = clock or utc_now

    def on_changes(
        session: Session,
        document: Document,
        version: Version,
        changes: list[Change],
        run_id: int | None,
    ) -> None:
        record_alert_items(session, settings, document, changes, run_id, now())
        record_feed_items(session, settings, changes, run_id, now())

    def on_failure(session: Session, document: Document, outcome: Any) -> None:
        queue_failure_alert(session, settings, document, now())

    def on_recovery(session: Session, document: Document) -> None:
        queue_recovery_alert(session, settings, document, now())

    def on_run_finished(run_id: int) -> None:
        try:
            with store.session() as s:
                compose_pending(s, settings, now(), run_id=run_id)
        except Exception:  # the items stay; housekeeping composes them later
            log.exception("composing the alerts of run %s failed; will retry", run_id)

    return {
        "on_changes": on_changes,
        "on_failure": on_failure,
        "on_recovery": on_recovery,
        "on_run_finished": on_run_finished,
    }


def record_alert_items(
    session: Session,
    settings: Settings,
    document: Document,
    changes: Sequence[Change],
    run_id: int | None,
    now: datetime,
) -> int:
    """Write an AlertItem for every (subscriber, change) that passes the subscriber's filters."""
    recipients = alert_recipients(session, settings)
    count = 0
    for sub in recipients:
        for change in changes:
            if change.id is None or not matches(sub, document.service_id, change):
                continue
            session.add(
                AlertItem(
                    run_id=run_id,
                    subscriber_id=sub.id,
                    change_id=change.id,
                    created_at=now,
                )
            )
            count += 1
    if count:
        session.flush()
    return count


def record_feed_items(
    session: Session,
    settings: Settings,
    changes: Sequence[Change],
    run_id: int | None,
    now: datetime,
) -> int:
    """Write a FeedItem for every alertable change at or above `[notify] min_exposure`, when
    global notification URLs are configured."""
    if not settings.notify.urls:
        return 0
    floor = EXPOSURE_RANK.get(settings.notify.min_exposure, 0)
    count = 0
    for change in changes:
        if change.id is None or not is_alertable(change):
            continue
        if EXPOSURE_RANK.get(change.exposure, 0) < floor:
            continue
        session.add(FeedItem(run_id=run_id, change_id=change.id, created_at=now))
        count += 1
    if count:
        session.flush()
    return count


# ---------------------------------------------------------------- composing


def _resolve_run_ids(session: Session) -> None:
    """Items recorded without a run id get the run of the capture that recorded their version."""
    orphans: list[AlertItem | FeedItem] = [
        *session.scalars(
            select(AlertItem).where(AlertItem.outbox_id.is_(None), AlertItem.run_id.is_(None))
        ).all(),
        *session.scalars(
            select(FeedItem).where(FeedItem.outbox_id.is_(None), FeedItem.run_id.is_(None))
        ).all(),
    ]
    for item in orphans:
        change = session.get(Change, item.change_id)
        if change is None:
            continue
        run_id = session.scalar(
            select(Capture.run_id)
            .where(Capture.version_id == change.to_version_id, Capture.run_id.is_not(None))
            .order_by(Capture.id)
            .limit(1)
        )
        if run_id is not None:
            item.run_id = run_id


def unfinished_batches(session: Session) -> int:
    """How many alert and feed items are waiting to be composed into a message."""
    from sqlalchemy import func

    return sum(
        int(
            session.scalar(select(func.count()).select_from(table).where(table.outbox_id.is_(None)))
            or 0
        )
        for table in (AlertItem, FeedItem)
    )


def _still_running(
    session: Session, run_id: int | None, now: datetime, stale_after: timedelta | None
) -> bool:
    if run_id is None or stale_after is None:
        return False
    run = session.get(Run, run_id)
    return run is not None and run.finished_at is None and run.started_at > now - stale_after


def held_items(session: Session, now: datetime, stale_after: timedelta | None = STALE_RUN) -> int:
    """Alert and feed items that `compose_pending` met and left without a message: their
    document's stored text fails its sha256, or composing them failed (the operators are told)."""
    held = 0
    for table in (AlertItem, FeedItem):
        runs = session.scalars(select(table.run_id).where(table.outbox_id.is_(None))).all()
        held += sum(1 for run in runs if not _still_running(session, run, now, stale_after))
    return held


def compose_pending(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    run_id: int | None = None,
    stale_after: timedelta | None = STALE_RUN,
) -> list[OutboxMessage]:
    """Compose the unfinished batches (of `run_id`, or of every run that is over) into messages;
    returns one message per batch (a subscriber's e-mail, or a run's first feed message).

    With `run_id=None`, a batch whose run has not finished and started less than `stale_after`
    ago is left alone (it is still running); `stale_after=None` composes everything (the caller
    knows no run is in progress, e.g. the daemon at start-up). Messages refused for good since
    the last call are reported to the operators (`report_undeliverable`).
    """
    _resolve_run_ids(session)
    query = select(AlertItem).where(AlertItem.outbox_id.is_(None)).order_by(AlertItem.id)
    if run_id is not None:
        query = query.where(AlertItem.run_id == run_id)
    items = list(session.scalars(query).all())
    groups: dict[tuple[int | None, int], list[AlertItem]] = {}
    for item in items:
        groups.setdefault((item.run_id, item.subscriber_id), []).append(item)
    messages: list[OutboxMessage] = []
    for (batch_run, subscriber_id), batch in groups.items():
        if run_id is None and _still_running(session, batch_run, now, stale_after):
            continue
        sub = session.get(Subscriber, subscriber_id)
        if sub is None or not sub.active:
            for item in batch:  # unsubscribed meanwhile: nothing to send (items are not evidence)
                session.delete(item)
            continue
        try:
            with session.begin_nested():  # one subscriber's failure never stops the others
                message = _compose_batch(session, settings, sub, batch_run, batch, now)
        except Exception:
            log.exception("composing the alert of run %s for %s failed", batch_run, sub.email)
            continue
        if message is not None:
            messages.append(message)
    feed_query = select(FeedItem).where(FeedItem.outbox_id.is_(None)).order_by(FeedItem.id)
    if run_id is not None:
        feed_query = feed_query.where(FeedItem.run_id == run_id)
    feed_groups: dict[int | None, list[FeedItem]] = {}
    for feed_item in session.scalars(feed_query).all():
        feed_groups.setdefault(feed_item.run_id, []).append(feed_item)
    for batch_run, feed_batch in feed_groups.items():
        if run_id is None and _still_running(session, batch_run, now, stale_after):
            continue
        try:
            with session.begin_nested():
                message = _compose_feed(session, settings, batch_run, feed_batch, now)
        except Exception:
            log.exception("composing the notification of run %s failed", batch_run)
            continue
        if message is not None:
            messages.append(message)
    session.flush()
    report_undeliverable(session, settings, now)
    return messages


Item = TypeVar("Item", AlertItem, FeedItem)  # a subscriber's alert items or the feed's


def _documents_to_send(
    session: Session, settings: Settings, batch: list[Item], now: datetime
) -> tuple[list[dict[str, Any]], Any, list[Item]]:
    """The alert documents of `batch`'s changes, the taxonomy, and the items that go out now: those
    of a document whose stored text fails its sha256 are held until it is restored (the
    operators are told), so the other documents still go out."""
    changes = [session.get_one(Change, item.change_id) for item in batch]
    from monitor.clauses.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    docs, bad = checked_alert_documents(session, changes, taxonomy, settings.site.base_url)
    if bad:
        for broken in bad:
            report_bad_version(session, settings, broken, now)
        held = {cid for broken in bad for cid in broken.change_ids}
        batch = [item for item in batch if item.change_id not in held]
    return docs, taxonomy, batch


def _compose_batch(
    session: Session,
    settings: Settings,
    sub: Subscriber,
    run_id: int | None,
    batch: list[AlertItem],
    now: datetime,
) -> OutboxMessage | None:
    docs, taxonomy, batch = _documents_to_send(session, settings, batch, now)
    if not batch:
        return None
    email = _compose_email(settings, sub, docs, taxonomy)
    base_key = (
        f"alert:{run_id}:{sub.id}"
        if run_id is not None
        else f"alert:c{batch[0].change_id}:{sub.id}"
    )
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == base_key)
    ).first()
    key = base_key if existing is None else f"{base_key}:{batch[0].id}"  # a late straggler
    message = enqueue(
        session,
        kind="alert",
        recipient=sub.email,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        dedupe_key=key,
        now=now,
        headers=email.headers,
        domain=_domain(settings),
    )
    created = message is not None
    if message is None:  # the same batch was composed concurrently: link to that message
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        ).one()
    # Claim the items with one conditional UPDATE: another composer (the run's own hook, the
    # minute job, `send`) may have read the same unlinked items; whoever claims them first sends.
    claimed = session.execute(
        update(AlertItem)
        .where(AlertItem.id.in_([item.id for item in batch]), AlertItem.outbox_id.is_(None))
        .values(outbox_id=message.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(batch):  # type: ignore[attr-defined]
        if created:  # ours and uncommitted: give back what we claimed and queue nothing twice
            session.execute(
                update(AlertItem)
                .where(AlertItem.outbox_id == message.id)
                .values(outbox_id=None)
                .execution_options(synchronize_session=False)
            )
            session.delete(message)
        session.flush()
        for item in batch:
            session.refresh(item)
        log.info("alert batch of run %s for %s was composed concurrently", run_id, sub.email)
        return None
    for item in batch:
        set_committed_value(item, "outbox_id", message.id)
    log.info(
        "queued alert %s to %s: %d change(s), %s",
        message.message_id,
        sub.email,
        len(batch),
        email.subject,
    )
    _, web = unsubscribe_links(settings, sub.token)
    for url in sub.notify_urls or []:
        _queue_channel(
            session,
            settings,
            url,
            kind="alert",
            key=f"{key}:ch:{_url_key(url)}",
            subject=email.subject,
            docs=docs,
            taxonomy=taxonomy,
            now=now,
            subscriber=sub.email,
            unsubscribe_url=web,
        )
    return message


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def _queue_channel(
    session: Session,
    settings: Settings,
    url: str,
    *,
    kind: str,
    key: str,
    subject: str,
    docs: list[dict[str, Any]],
    taxonomy: Any,
    now: datetime,
    subscriber: str | None,
    unsubscribe_url: str | None,
) -> OutboxMessage | None:
    """Queue one message to a notification URL: the JSON body for a webhook, Markdown else."""
    domain = _domain(settings)
    message_id = new_message_id(key, domain)
    if notify_channel(url) == "webhook":
        body = json.dumps(
            webhook_payload(
                docs,
                subject=subject,
                message_id=message_id,
                subscriber=subscriber,
                site_url=settings.site.base_url,
                unsubscribe_url=unsubscribe_url,
                disclaimer=str(taxonomy.disclaimer),
            ),
            ensure_ascii=False,
            sort_keys=True,
        )
    else:
        body = channel_text(docs, unsubscribe_url=unsubscribe_url)
    message = enqueue(
        session,
        kind=kind,
        recipient="",
        subject=subject,
        body_text=body,
        body_html=None,
        dedupe_key=key,
        now=now,
        domain=domain,
        destination=url,
        message_id=message_id,
    )
    if message is not None:
        log.info("queued %s %s to %s", kind, message.message_id, message.recipient)
    return message


def _compose_feed(
    session: Session,
    settings: Settings,
    run_id: int | None,
    batch: list[FeedItem],
    now: datetime,
) -> OutboxMessage | None:
    """One message per global notification URL for the run's changes; links the items."""
    urls = settings.notify.urls
    if not urls:  # the URLs were removed from the configuration meanwhile: nothing to send
        for item in batch:
            session.delete(item)
        return None
    docs, taxonomy, batch = _documents_to_send(session, settings, batch, now)
    if not batch:
        return None
    if not docs:
        for item in batch:
            session.delete(item)
        return None
    subject = alert_subject(docs)
    base_key = f"feed:{run_id}" if run_id is not None else f"feed:c{batch[0].change_id}"
    composed_before = session.scalar(
        select(FeedItem.id)
        .where(FeedItem.run_id == run_id, FeedItem.outbox_id.is_not(None))
        .limit(1)
    )
    key = base_key if run_id is None or composed_before is None else f"{base_key}:{batch[0].id}"
    created: list[OutboxMessage] = []
    first: OutboxMessage | None = None
    for url in urls:
        url_key = f"{key}:{_url_key(url)}"
        message = _queue_channel(
            session,
            settings,
            url,
            kind="feed",
            key=url_key,
            subject=subject,
            docs=docs,
            taxonomy=taxonomy,
            now=now,
            subscriber=None,
            unsubscribe_url=None,
        )
        if message is not None:
            created.append(message)
        else:
            message = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == url_key)
            ).one()
        first = first or message
    assert first is not None
    claimed = session.execute(
        update(FeedItem)
        .where(FeedItem.id.in_([item.id for item in batch]), FeedItem.outbox_id.is_(None))
        .values(outbox_id=first.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(batch):  # type: ignore[attr-defined]
        # another composer claimed (some of) them first: give back ours, queue nothing twice
        session.execute(
            update(FeedItem)
            .where(FeedItem.id.in_([item.id for item in batch]), FeedItem.outbox_id == first.id)
            .values(outbox_id=None)
            .execution_options(synchronize_session=False)
        )
        for message in created:
            session.delete(message)
        session.flush()
        for item in batch:
            session.refresh(item)
        log.info("feed batch of run %s was composed concurrently", run_id)
        return None
    for item in batch:
        set_committed_value(item, "outbox_id", first.id)
    return first


@dataclass
class ComposedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def _domain(settings: Settings) -> str:
    domain = settings.smtp.from_addr.rpartition("@")[2]
    return domain or "clausewatch.local"


def unsubscribe_links(settings: Settings, token: str) -> tuple[str, str]:
    """(mailto link, https link) for the List-Unsubscribe header and the body."""
    mailto = f"mailto:{settings.smtp.from_addr}?subject={quote('unsubscribe ' + token)}"
    web = f"{settings.site.base_url}unsubscribe?token={quote(token)}"
    return mailto, web


def _document_context(
    session: Session, doc: Document, changes: list[Change], taxonomy: Any
) -> dict[str, Any]:
    """The summary context of one document's changes, plus what the alert shows around it."""
    new = session.get_one(Version, changes[0].to_version_id)
    old_id = changes[0].from_version_id
    old = session.get(Version, old_id) if old_id is not None else None
    events = [event_from_row(c) for c in changes]
    new_ref = version_ref(session, doc, new)
    old_ref = version_ref(session, doc, old) if old is not None else new_ref
    old_text = old.text if old is not None else new.text

    def build(evs: list[ChangeEvent]) -> dict[str, Any]:
        from monitor.publish.render import build_summary_context

        return build_summary_context(
            doc.service_id, doc.terms_type, old_ref, new_ref, evs, taxonomy, old_text, new.text
        )

    try:
        ctx = build(events)
        ctx["verified"] = True
    except ExcerptMismatch as exc:  # never quote what we cannot verify; still tell the reader
        log.error("%s / %s: excerpts not verifiable (%s)", doc.service_id, doc.terms_type, exc)
        ctx = build([replace(e, before=None, after=None, diff=[]) for e in events])
        ctx["verified"] = False
    service = session.get(Service, doc.service_id)
    ctx["service_name"] = service.name if service else doc.service_id
    ctx["url"] = doc.url or new.url or ""
    ctx["detected_at"] = _utc(max(c.detected_at for c in changes))
    ctx["detected_iso"] = max(c.detected_at for c in changes).isoformat(timespec="seconds") + "Z"
    ctx["document_id"] = doc.id
    # the rows behind ctx["changes"] (the substantive events, in the same order)
    ctx["change_ids"] = [c.id for c, ev in zip(changes, events, strict=True) if is_substantive(ev)]
    return ctx


@dataclass
class BadVersion:
    """A stored version whose text no longer hashes to its recorded sha256: its changes are held
    (never quoted unverified) and the operators are told."""

    document: Document
    version: Version
    change_ids: list[int]
    actual_sha256: str


def _bad_version(session: Session, changes: Sequence[Change]) -> Version | None:
    """The first version behind `changes` (new, then old) whose text fails its sha256."""
    ids = [changes[0].to_version_id, changes[0].from_version_id]
    for version_id in ids:
        version = session.get(Version, version_id) if version_id is not None else None
        if version is not None and sha256_text(version.text) != version.sha256:
            return version
    return None


def alert_documents(
    session: Session, changes: Sequence[Change], taxonomy: Any, base_url: str
) -> list[dict[str, Any]]:
    """One context per (document, new version) of `changes`, most exposed first, with links to
    the document's and each change's page on the site (`page_url`, `change_urls`). Raises
    ExcerptMismatch when a version's text fails its sha256."""
    docs, bad = checked_alert_documents(session, changes, taxonomy, base_url)
    if bad:
        raise ExcerptMismatch(_bad_version_line(bad[0]))
    return docs


def checked_alert_documents(
    session: Session, changes: Sequence[Change], taxonomy: Any, base_url: str
) -> tuple[list[dict[str, Any]], list[BadVersion]]:
    """`alert_documents` that sets aside each document whose stored text fails its sha256,
    so one bad version never stops the others' alerts."""
    by_doc: dict[tuple[int, int], list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.id):
        by_doc.setdefault((change.document_id, change.to_version_id), []).append(change)
    from monitor.publish.site.paths import site_paths

    paths = site_paths(  # plain rows: ORM objects of every document cost ~50 µs each
        session.scalars(select(Service.id).order_by(Service.id)),
        session.execute(
            select(Document.id, Document.service_id, Document.terms_type).order_by(Document.id)
        ).tuples(),
    )
    docs: list[dict[str, Any]] = []
    bad: list[BadVersion] = []
    for (doc_id, _version_id), doc_changes in by_doc.items():
        doc = session.get_one(Document, doc_id)
        broken = _bad_version(session, doc_changes)
        if broken is not None:
            ids = [c.id for c in doc_changes]
            bad.append(BadVersion(doc, broken, ids, sha256_text(broken.text)))
            continue
        ctx = _document_context(session, doc, doc_changes, taxonomy)
        ctx["page_url"] = paths.absolute(base_url, paths.document(doc.id))
        ctx["change_urls"] = [
            paths.absolute(base_url, paths.change(doc.id, cid)) for cid in ctx["change_ids"]
        ]
        docs.append(ctx)
    docs.sort(key=lambda d: (-EXPOSURE_RANK.get(d["exposure"], 0), d["service_name"]))
    return docs, bad


def _bad_version_line(bad: BadVersion) -> str:
    return (
        f"{bad.document.service_id} / {bad.document.terms_type}: stored version {bad.version.id} "
        f"hashes to {bad.actual_sha256[:12]}, not {bad.version.sha256[:12]} as recorded"
    )


def alert_subject(docs: Sequence[dict[str, Any]]) -> str:
    """e.g. "[ClauseWatch] High: Framecast changed concurrency limits, credit expiry (+2 more)"."""
    exposure = max((d["exposure"] for d in docs), key=lambda e: EXPOSURE_RANK.get(e, 0))
    platforms = list(dict.fromkeys(_one_line(str(d["service_name"])) for d in docs))
    ranked = sorted(
        (
            (ch["exposure"], c["title"])
            for d in docs
            for ch in d["changes"]
            for c in ch["categories"]
        ),
        key=lambda pair: -EXPOSURE_RANK.get(pair[0], 0),
    )  # the most significant provisions first
    categories = list(dict.fromkeys(_one_line(str(title)) for _e, title in ranked))
    who = ", ".join(platforms[:2]) + (
        f" and {len(platforms) - 2} more" if len(platforms) > 2 else ""
    )
    if categories:
        what = ", ".join(categories[:2])
        if len(categories) > 2:
            what += f" (+{len(categories) - 2} more)"
    elif len(docs) == 1:
        what = f"its {_one_line(str(docs[0]['terms_type']))}"
    else:
        what = "their terms"
    subject = f"[ClauseWatch] {exposure.capitalize()}: {who} changed {what}"
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1].rstrip() + "…"
    return subject


def compose_alert(
    session: Session, settings: Settings, sub: Subscriber, changes: Sequence[Change]
) -> ComposedEmail:
    """One e-mail (subject, text, HTML, headers) listing `changes` for `sub`."""
    from monitor.clauses.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    docs = alert_documents(session, changes, taxonomy, settings.site.base_url)
    return _compose_email(settings, sub, docs, taxonomy)


def _compose_email(
    settings: Settings, sub: Subscriber, docs: list[dict[str, Any]], taxonomy: Any
) -> ComposedEmail:
    subject = alert_subject(docs)
    mailto, web = unsubscribe_links(settings, sub.token)
    context = {
        "subject": subject,
        "documents": docs,
        "change_count": sum(len(d["changes"]) for d in docs),
        "subscriber_email": sub.email,
        "plan": sub.plan,
        "filters": {
            "services": list(sub.services),
            "categories": list(sub.categories),
            "min_exposure": sub.min_exposure,
        },
        "unsubscribe_url": web,
        "unsubscribe_mailto": mailto,
        "site_url": settings.site.base_url,
        "disclaimer": str(taxonomy.disclaimer),
    }
    from monitor.publish.render import environment

    env = environment(_templates_dir())
    text = env.get_template("email_alert.txt.j2").render(**context)
    html = env.get_template("email_alert.html.j2").render(**context)
    headers = {
        "List-Unsubscribe": f"<{mailto}>, <{web}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-ClauseWatch-Exposure": docs[0]["exposure"] if docs else "low",
    }
    return ComposedEmail(subject, text, html, headers)


def _templates_dir() -> Path:
    from monitor.publish.render import TEMPLATES_DIR

    return TEMPLATES_DIR


# ---------------------------------------------------------------- other channels


def webhook_payload(
    docs: Sequence[dict[str, Any]],
    *,
    subject: str,
    message_id: str,
    subscriber: str | None,
    site_url: str,
    unsubscribe_url: str | None,
    disclaimer: str,
) -> dict[str, Any]:
    """The JSON body a webhook receives (documented in docs/json.md, "The alert webhook")."""
    exposure = max(
        (d["exposure"] for d in docs), key=lambda e: EXPOSURE_RANK.get(e, 0), default="low"
    )
    documents = []
    for d in docs:
        changes = []
        for i, ch in enumerate(d["changes"]):
            changes.append(
                {
                    "id": d["change_ids"][i] if i < len(d["change_ids"]) else None,
                    "kind": ch["kind"],
                    "exposure": ch["exposure"],
                    "categories": [dict(c) for c in ch["categories"]],
                    "heading": ch["heading"],
                    "summary": ch["description"],
                    "reasons": list(ch["reasons"]),
                    "fact_deltas": [
                        {k: f[k] for k in ("name", "label", "old", "new", "direction")}
                        for f in ch["fact_deltas"]
                    ],
                    "url": d["change_urls"][i] if i < len(d["change_urls"]) else None,
                }
            )
        documents.append(
            {
                "service_id": d["service_id"],
                "service": d["service_name"],
                "document": d["terms_type"],
                "exposure": d["exposure"],
                "summary": d["summary"],
                "detected_at": d["detected_iso"],
                "categories": list(
                    dict.fromkeys(c["id"] for ch in d["changes"] for c in ch["categories"])
                ),
                "links": {"document": d["url"] or None, "page": d["page_url"]},
                "changes": changes,
            }
        )
    return {
        "type": "clausewatch.alert",
        "version": 1,
        "message_id": message_id,
        "subject": subject,
        "exposure": exposure,
        "change_count": sum(len(d["changes"]) for d in documents),
        "subscriber": subscriber,
        "documents": documents,
        "links": {"site": site_url, "unsubscribe": unsubscribe_url},
        "disclaimer": disclaimer,
    }


def _md(value: Any) -> str:
    """One line of document-derived text, safe inside Markdown (no markup, no links)."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", _one_line(str(value)))


def channel_text(docs: Sequence[dict[str, Any]], *, unsubscribe_url: str | None) -> str:
    """The Markdown body of a chat message (Slack, Teams, Matrix, ...): per document its summary,
    each change with its provisions and exposure, and the links; no excerpts."""
    lines: list[str] = []
    for d in docs:
        lines.append(
            f"**{_md(d['service_name'])} / {_md(d['terms_type'])}**: exposure "
            f"{str(d['exposure']).upper()}"
        )
        if d["summary"]:
            lines.append(_md(d["summary"]))
        for i, ch in enumerate(d["changes"]):
            cats = ", ".join(_md(c["title"]) for c in ch["categories"])
            head = f"- {ch['kind_label']}" + (f" ({cats})" if cats else "")
            line = f"{head}, {ch['exposure']}: {_md(ch['description'])}"
            if i < len(d["change_urls"]):
                line += f" [details]({d['change_urls'][i]})"
            lines.append(line)
            for f in ch["fact_deltas"]:
                lines.append(f"  - {_md(f['label'])}: {_md(f['old'])} → {_md(f['new'])}")
        links = [f"[on the site]({d['page_url']})"]
        if d["url"]:
            links.insert(0, f"[document]({d['url']})")
        lines.append(" · ".join(links))
        lines.append("")
    if docs:
        lines.append(f"_{_md(docs[0]['disclaimer'])}_")
    if unsubscribe_url:
        lines.append(f"[Unsubscribe]({unsubscribe_url})")
    return "\n".join(lines).strip() + "\n"


# ---------------------------------------------------------------- operators


def report_undeliverable(session: Session, settings: Settings, now: datetime) -> int:
    """Tell operators once about each message a channel refused for good; returns the notices
    queued. The destination is shown masked."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None), OutboxMessage.failure_notified.is_(False))
        .order_by(OutboxMessage.id)
    ).all()
    queued = 0
    for row in rows:
        row.failure_notified = True
        what = f"{row.channel} message {row.message_id} ({row.kind}) to {row.recipient}"
        if row.kind == "operator":  # telling operators about their own notice would loop
            log.error("%s refused for good: %s; check `operators`", what, row.last_error)
            continue
        if not settings.operators:
            log.warning("%s refused for good: %s; no operators configured", what, row.last_error)
            continue
        subject = _one_line(f"[ClauseWatch] Undeliverable: {row.channel} to {row.recipient}")[
            :MAX_SUBJECT
        ]
        body = "\n".join(
            [
                "A ClauseWatch notification was refused for good and will not be retried.",
                "",
                f"Channel:     {row.channel}",
                f"Destination: {row.recipient} (secrets masked)",
                f"Message:     {row.message_id} ({row.kind}, queued {_utc(row.created_at)})",
                f"Subject:     {_one_line(row.subject)}",
                f"Answer:      {_one_line(row.last_error or '')}",
                f"Attempts:    {row.attempts}; refused {_utc(row.failed_at)}",
                "",
                *_undeliverable_advice(row.channel),
                "",
            ]
        )
        queued += _notify_operators(
            session, settings, subject, body, f"operator:undeliverable:{row.id}", now
        )
        log.warning("%s refused for good; operators told", what)
    if rows:
        session.flush()
    return queued


def _notify_operators(
    session: Session, settings: Settings, subject: str, body: str, dedupe: str, now: datetime
) -> int:
    """Queue one plain-text notice to every operator (deduplicated per operator by `dedupe`);
    returns the notices queued (0 for those already queued)."""
    queued = 0
    for operator in settings.operators:
        message = enqueue(
            session,
            kind="operator",
            recipient=operator,
            subject=subject,
            body_text=body,
            body_html=None,
            dedupe_key=f"{dedupe}:{operator}",
            now=now,
            headers={"Auto-Submitted": "auto-generated"},
            domain=_domain(settings),
        )
        queued += message is not None
    return queued


def report_bad_version(session: Session, settings: Settings, bad: BadVersion, now: datetime) -> int:
    """Tell operators once (per version and stored hash) that a stored text fails its sha256 and
    that its changes are held; returns the notices queued."""
    line = _bad_version_line(bad)
    subject = _one_line(
        f"[ClauseWatch] Integrity: {bad.document.service_id} / {bad.document.terms_type} "
        f"version {bad.version.id}"
    )[:MAX_SUBJECT]
    body = "\n".join(
        [
            "A stored version of a watched document no longer matches its recorded sha256.",
            "",
            f"Document: {bad.document.service_id} / {bad.document.terms_type}",
            f"Version:  version {bad.version.id}, captured {_utc(bad.version.captured_at)}",
            f"Recorded: {bad.version.sha256}",
            f"Now:      {bad.actual_sha256}",
            "",
            "Alerts for its changes are held (never quoted unverified); every other document's",
            "alerts were sent. Restore the database from a backup: the held alerts then go out.",
            "`clausewatch verify` checks the whole store and the archive.",
            "",
        ]
    )
    queued = _notify_operators(
        session,
        settings,
        subject,
        body,
        f"operator:integrity:{bad.version.id}:{bad.actual_sha256[:16]}",
        now,
    )
    # loud the first time (or every round when there is nobody to tell), quiet while held
    level = logging.ERROR if queued or not settings.operators else logging.DEBUG
    log.log(level, "%s; its changes are held until the text is restored", line)
    return queued


def report_verification(
    session: Session,
    settings: Settings,
    problems: Sequence[str],
    checked: str,
    now: datetime,
    *,
    period: str,
) -> int:
    """Tell operators about the evidence problems `clausewatch verify` found, once per `period`
    (the daemon's week); returns the notices queued."""
    if not problems:
        return 0
    log.error("evidence verification: %d problem(s); first: %s", len(problems), problems[0])
    subject = f"[ClauseWatch] Evidence check: {len(problems)} problem(s)"
    shown = list(problems[:50])
    if len(problems) > len(shown):
        shown.append(f"... and {len(problems) - len(shown)} more (`clausewatch verify`)")
    body = "\n".join(
        [
            f"The weekly evidence check found problems ({checked}):",
            "",
            *shown,
            "",
            "Archived captures are never rewritten by ClauseWatch: an edited or missing file",
            "points to a disk or a person. Restore the files (and the database) from a backup;",
            "`clausewatch verify` repeats the check. A capture still on the site is archived",
            "anew at its next check.",
            "",
        ]
    )
    queued = _notify_operators(session, settings, subject, body, f"operator:verify:{period}", now)
    return queued


def _undeliverable_advice(channel: str) -> list[str]:
    if channel == "email":
        return [
            "The mail server refused this address or message. Check the address; if the person",
            "left, `clausewatch unsubscribe EMAIL`. The changes stay in the store, on the site",
            "and in the weekly digest; other subscribers' alerts were delivered.",
        ]
    return [
        "Fix or remove the URL (`clausewatch subscribe EMAIL --notify URL` replaces a",
        "subscriber's URLs; global URLs are [notify] urls in clausewatch.toml). The changes",
        "stay in the store, on the site and in the weekly digest.",
    ]


def describe_failure(document: Document) -> str:
    reason = document.last_error_reason or "unknown"
    return describe_reason(reason)


def _operator_message(
    session: Session,
    settings: Settings,
    document: Document,
    *,
    event: str,
    subject: str,
    dedupe: str,
    now: datetime,
) -> int:
    from monitor.publish.render import environment

    env = environment(_templates_dir())
    body = env.get_template("email_operator.txt.j2").render(
        event=event,
        service_id=document.service_id,
        terms_type=document.terms_type,
        url=document.url or "",
        failures=document.consecutive_failures,
        threshold=settings.failure_threshold,
        reason=document.last_error_reason or "",
        reason_text=describe_failure(document),
        error=document.last_error or "",
        last_success=_utc(document.last_success_at) or "never",
        checked_at=_utc(document.last_checked_at or now),
    )
    queued = _notify_operators(session, settings, subject, body, dedupe, now)
    return queued


def queue_failure_alert(
    session: Session, settings: Settings, document: Document, now: datetime
) -> int:
    """Tell operators once when a document reaches `failure_threshold` consecutive failures."""
    if document.failure_alerted or document.consecutive_failures < settings.failure_threshold:
        return 0
    if not settings.operators:
        log.warning(
            "%s / %s has failed %d times (%s); no operators configured",
            document.service_id,
            document.terms_type,
            document.consecutive_failures,
            document.last_error_reason,
        )
        return 0
    stamp = (document.last_checked_at or now).isoformat()
    subject = _one_line(
        f"[ClauseWatch] Failing: {document.service_id} / {document.terms_type} "
        f"({describe_failure(document)})"
    )[:MAX_SUBJECT]
    queued = _operator_message(
        session,
        settings,
        document,
        event="failing",
        subject=subject,
        dedupe=f"operator:failing:{document.id}:{stamp}",
        now=now,
    )
    document.failure_alerted = True
    log.warning("%s / %s is failing; operators alerted", document.service_id, document.terms_type)
    return queued


def queue_recovery_alert(
    session: Session, settings: Settings, document: Document, now: datetime
) -> int:
    """Tell operators once that a document reported as failing is captured again."""
    if not document.failure_alerted:
        return 0
    document.failure_alerted = False
    if not settings.operators:
        return 0
    stamp = (document.last_checked_at or now).isoformat()
    subject = _one_line(f"[ClauseWatch] Recovered: {document.service_id} / {document.terms_type}")[
        :MAX_SUBJECT
    ]
    log.info("%s / %s recovered; operators told", document.service_id, document.terms_type)
    return _operator_message(
        session,
        settings,
        document,
        event="recovered",
        subject=subject,
        dedupe=f"operator:recovered:{document.id}:{stamp}",
        now=now,
    )
