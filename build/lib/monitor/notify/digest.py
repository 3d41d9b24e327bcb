"""Weekly digest e-mails, queued through the outbox.

    queue_weekly_digests(settings, store, now) -> int   (number of messages queued)

Every active subscriber whose plan has `weekly_digest` gets one e-mail per complete ISO week
(Monday 00:00 to Monday 00:00 UTC) listing that week's substantive, alertable changes that match
their watch list (services, categories, min_exposure), with links to the change pages and the
week's digest page on the site (`[site] base_url`). Each message is multipart (text + HTML), has a
List-Unsubscribe header and carries the analysis disclaimer.

Exactly once: the dedupe key `digest:{iso_week}:{subscriber_id}` makes a second call for the same
week queue nothing. Catch-up: when the daemon was down on a Monday, the next call also queues the
weeks missed since the subscriber's last digest (at most CATCH_UP_WEEKS), each once. A subscriber
who never had a digest gets only the previous complete week (no backlog), and no digest for a week
that ended before they subscribed.

Quiet weeks: a subscriber with no matching change still gets a short "nothing changed on your watch
list" digest. A weekly e-mail that arrives every Monday is what users expect: silence cannot be
told apart from a broken monitor, and the short message confirms that the documents were checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.changes.analysis import describe_event, describe_fact_delta
from monitor.models import is_substantive
from monitor.notify.alerts import unsubscribe_links
from monitor.notify.outbox import enqueue
from monitor.publish.site.model import (
    DEFAULT_DISCLAIMER,
    EXPOSURE_RANK,
    load_categories,
    normal_exposure,
)
from monitor.publish.site.pages import environment
from monitor.publish.site.paths import SitePaths, iso_week, week_bounds, week_start
from monitor.store import Change, Document, OutboxMessage, Service, Subscriber
from monitor.store.queries import event_from_row

__all__ = ["CATCH_UP_WEEKS", "DigestItem", "queue_weekly_digests", "weeks_due"]

CATCH_UP_WEEKS = 4
_KEY = re.compile(r"^digest:(\d{4}-W\d{2}):(\d+)$")


@dataclass
class DigestItem:
    change_id: int
    service_id: str
    platform: str
    terms_type: str
    categories: list[str]  # ids
    category_titles: list[str]
    kind: str
    exposure: str
    unfair: bool
    summary: str
    fact_lines: list[str]
    detected_at: datetime
    url: str  # absolute link to the change page
    document_url: str


def dedupe_key(week: str, subscriber_id: int) -> str:
    return f"digest:{week}:{subscriber_id}"


def _last_digest_week(session: Session, subscriber_id: int) -> str | None:
    keys = session.scalars(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.kind == "digest",
            OutboxMessage.dedupe_key.like(f"digest:%:{subscriber_id}"),
        )
    ).all()
    weeks = [m.group(1) for k in keys if k and (m := _KEY.match(k))]
    return max(weeks, key=lambda w: week_bounds(w)[0]) if weeks else None


def weeks_due(
    now: datetime,
    created_at: datetime | None,
    last_sent: str | None,
    catch_up: int = CATCH_UP_WEEKS,
) -> list[str]:
    """The complete ISO weeks a subscriber should get now, oldest first."""
    this_week = week_start(now)
    previous = this_week - timedelta(days=7)
    if last_sent is None:
        candidates = [previous]
    else:
        after = week_bounds(last_sent)[1]
        candidates = []
        t = previous
        while t >= after and len(candidates) < catch_up:
            candidates.append(t)
            t -= timedelta(days=7)
        candidates.reverse()
    return [
        iso_week(t) for t in candidates if created_at is None or t + timedelta(days=7) > created_at
    ]


def _matches(item: DigestItem, sub: Subscriber) -> bool:
    if sub.services and item.service_id not in sub.services:
        return False
    if sub.categories and not set(item.categories) & set(sub.categories):
        return False
    return EXPOSURE_RANK.get(item.exposure, 0) >= EXPOSURE_RANK.get(
        normal_exposure(sub.min_exposure), 0
    )


class _WeekItems:
    """Digest items of one week (loaded once per week for all subscribers)."""

    def __init__(self, session: Session, base_url: str) -> None:
        self._describe = describe_event
        self._delta = describe_fact_delta
        self._as_event = event_from_row
        self.session = session
        self.base_url = base_url
        self.categories, self.disclaimer, self.taxonomy = load_categories()
        services = {s.id: s for s in session.scalars(select(Service)).all()}
        self.documents = {d.id: d for d in session.scalars(select(Document)).all()}
        self.names = {sid: s.name or sid for sid, s in services.items()}
        self.paths = SitePaths(
            list(services), [(d.id, d.service_id, d.terms_type) for d in self.documents.values()]
        )
        self._cache: dict[str, list[DigestItem]] = {}

    def title(self, cid: str) -> str:
        cat = self.categories.get(cid)
        return cat.title if cat else cid.replace("_", " ").capitalize()

    def items(self, week: str) -> list[DigestItem]:
        if week in self._cache:
            return self._cache[week]
        start, end = week_bounds(week)
        rows = self.session.scalars(
            select(Change)
            .where(
                Change.detected_at >= start,
                Change.detected_at < end,
                Change.alertable.is_(True),
                Change.editorial.is_(False),
            )
            .order_by(Change.detected_at, Change.id)
        ).all()
        out = []
        for c in rows:
            doc = self.documents.get(c.document_id)
            if doc is None or not is_substantive(c):
                continue
            event = self._as_event(c)
            out.append(
                DigestItem(
                    change_id=c.id,
                    service_id=doc.service_id,
                    platform=self.names.get(doc.service_id, doc.service_id),
                    terms_type=doc.terms_type,
                    categories=list(event.categories),
                    category_titles=[self.title(x) for x in event.categories],
                    kind=c.kind,
                    exposure=normal_exposure(c.exposure),
                    unfair=c.unfair,
                    summary=self._describe(event, self.taxonomy),
                    fact_lines=[self._delta(d) for d in event.fact_deltas],
                    detected_at=c.detected_at,
                    url=self.paths.absolute(self.base_url, self.paths.change(doc.id, c.id)),
                    document_url=self.paths.absolute(self.base_url, self.paths.document(doc.id)),
                )
            )
        out.sort(key=lambda i: (i.platform.lower(), -EXPOSURE_RANK[i.exposure], i.detected_at))
        self._cache[week] = out
        return out


def queue_weekly_digests(
    settings: Any, store: Any, now: datetime, *, catch_up: int = CATCH_UP_WEEKS
) -> int:
    """Queue the weekly digests that are due at `now` (naive UTC); returns how many were queued."""
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    env = environment()
    text_t = env.get_template("email_digest.txt.j2")
    html_t = env.get_template("email_digest.html.j2")
    base_url = settings.site.base_url
    queued = 0
    with store.session() as s:
        weeks = _WeekItems(s, base_url)
        subscribers = s.scalars(
            select(Subscriber).where(Subscriber.active.is_(True)).order_by(Subscriber.id)
        ).all()
        for sub in subscribers:
            plan = settings.plans.get(sub.plan)
            if plan is None or not plan.weekly_digest:
                continue
            for week in weeks_due(now, sub.created_at, _last_digest_week(s, sub.id), catch_up):
                items = [i for i in weeks.items(week) if _matches(i, sub)]
                mailto, web = unsubscribe_links(settings, sub.token)
                start, end = week_bounds(week)
                ctx = {
                    "week": week,
                    "start": start,
                    "end": end - timedelta(days=1),
                    "items": items,
                    "groups": _group(items),
                    "subscriber": sub,
                    "watch": _watch_list(sub, weeks),
                    "digest_url": SitePaths.absolute(base_url, f"digest/{week}/index.html"),
                    "site_url": SitePaths.absolute(base_url, "index.html"),
                    "disclaimer": weeks.disclaimer or DEFAULT_DISCLAIMER,
                    "unsubscribe": mailto,
                    "unsubscribe_web": web,
                }
                if items:
                    n = len(items)
                    high = sum(1 for i in items if i.exposure == "high")
                    subject = f"ClauseWatch weekly digest {week}: {n} change{'s' if n != 1 else ''}"
                    subject += f" ({high} high exposure)" if high else ""
                else:
                    subject = (
                        f"ClauseWatch weekly digest {week}: nothing changed on your watch list"
                    )
                message = enqueue(
                    s,
                    kind="digest",
                    recipient=sub.email,
                    subject=subject,
                    body_text=text_t.render(**ctx),
                    body_html=html_t.render(**ctx),
                    dedupe_key=dedupe_key(week, sub.id),
                    now=now,
                    headers={
                        "List-Unsubscribe": f"<{mailto}>, <{web}>",
                        "Auto-Submitted": "auto-generated",
                        "X-ClauseWatch-Digest": week,
                    },
                )
                queued += message is not None
    return queued


def _group(items: list[DigestItem]) -> list[tuple[str, list[DigestItem]]]:
    groups: dict[str, list[DigestItem]] = {}
    for i in items:
        groups.setdefault(i.platform, []).append(i)
    return list(groups.items())


def _watch_list(sub: Subscriber, weeks: _WeekItems) -> str:
    services = ", ".join(weeks.names.get(s, s) for s in sub.services) or "all platforms"
    cats = ", ".join(weeks.title(c) for c in sub.categories) or "all provisions"
    return f"{services}; {cats}; exposure {normal_exposure(sub.min_exposure)} and above"
