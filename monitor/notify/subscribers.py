"""Subscribers: validated subscriptions under plan limits, filters, and unsubscribe tokens.

Pure library code: functions take a session and the settings, raise `SubscriptionError` with a
one-line message on bad input, and never print.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import Settings, check_email, check_notify_url, mask_url
from monitor.errors import ClauseWatchError
from monitor.models import EXPOSURE_RANK, EXPOSURES, is_substantive
from monitor.store import Change, Service, Subscriber

MAX_NOTIFY_URLS = 10


class SubscriptionError(ClauseWatchError):
    """A subscription request breaks a rule (address, plan, limit, unknown service or category)."""


@dataclass(frozen=True)
class SubscribeResult:
    subscriber: Subscriber
    created: bool  # False: an existing subscription was updated (or re-activated)


def normalise_email(email: str) -> str:
    value = email.strip()
    problem = check_email(value)
    if problem:
        raise SubscriptionError(problem)
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def known_services(session: Session, declared: Iterable[str] = ()) -> dict[str, str]:
    """Service id -> display name, from the declarations and the services already in the store."""
    out = {sid: sid for sid in declared}
    for service in session.scalars(select(Service)).all():
        out[service.id] = service.name
    return out


def resolve_services(requested: Iterable[str], services: dict[str, str]) -> list[str]:
    """Map service ids or display names (case-insensitive) to service ids; unknown ones fail."""
    by_lower: dict[str, str] = {}
    for service_id, name in services.items():
        by_lower.setdefault(name.lower(), service_id)
        by_lower[service_id.lower()] = service_id
    out: list[str] = []
    unknown: list[str] = []
    for item in requested:
        sid: str | None = item if item in services else by_lower.get(item.strip().lower())
        if sid is None:
            unknown.append(item)
        elif sid not in out:
            out.append(sid)
    if unknown:
        choices = ", ".join(sorted(services)) or "none declared yet"
        raise SubscriptionError(
            f"unknown service(s): {', '.join(repr(u) for u in unknown)} (known: {choices})"
        )
    return out


def validate_categories(requested: Iterable[str], category_ids: Collection[str]) -> list[str]:
    out: list[str] = []
    unknown = [c for c in requested if c not in category_ids]
    if unknown:
        raise SubscriptionError(
            f"unknown category id(s): {', '.join(repr(u) for u in unknown)} "
            f"(see the taxonomy; e.g. {', '.join(sorted(category_ids)[:5])}, ...)"
        )
    for c in requested:
        if c not in out:
            out.append(c)
    return out


def validate_notify_urls(urls: Iterable[str]) -> list[str]:
    """The URLs, each checked (Apprise or http(s) webhook), without duplicates; the error names a
    URL by its position and masked form, never in full."""
    out: list[str] = []
    for i, url in enumerate(urls, start=1):
        problem = check_notify_url(url)
        if problem:
            raise SubscriptionError(f"--notify #{i} ({mask_url(url)}): {problem}")
        if url not in out:
            out.append(url)
    if len(out) > MAX_NOTIFY_URLS:
        raise SubscriptionError(f"at most {MAX_NOTIFY_URLS} notification URLs, got {len(out)}")
    return out


def taxonomy_category_ids() -> list[str]:
    from monitor.clauses.taxonomy import load_taxonomy  # not at start-up: see notify.alerts

    return list(load_taxonomy().categories)


def subscribe(
    session: Session,
    settings: Settings,
    email: str,
    plan: str,
    *,
    services: Iterable[str] = (),
    categories: Iterable[str] = (),
    min_exposure: str = "low",
    declared_services: Iterable[str] = (),
    category_ids: Collection[str] | None = None,
    notify_urls: Iterable[str] | None = None,
    now: datetime,
) -> SubscribeResult:
    """Create or update the subscription of `email`. Raises SubscriptionError on any rule broken.

    No services means "all platforms", allowed only when the plan covers every known service.
    `notify_urls` (Apprise URLs or http(s) webhooks) get the same alerts as the e-mail; None keeps
    the URLs of an existing subscription, a list (empty too) replaces them.
    """
    address = normalise_email(email)
    if plan not in settings.plans:
        raise SubscriptionError(
            f"unknown plan {plan!r} (plans: {', '.join(sorted(settings.plans))})"
        )
    limits = settings.plans[plan]
    if min_exposure not in EXPOSURE_RANK:
        raise SubscriptionError(
            f"min exposure must be one of {', '.join(EXPOSURES)}, got {min_exposure!r}"
        )
    catalogue = known_services(session, declared_services)
    chosen = resolve_services(services, catalogue)
    if chosen and len(chosen) > limits.max_platforms:
        raise SubscriptionError(
            f"plan {plan!r} allows {limits.max_platforms} platform(s); "
            f"{len(chosen)} requested ({', '.join(chosen)})"
        )
    if not chosen and len(catalogue) > limits.max_platforms:
        raise SubscriptionError(
            f"plan {plan!r} allows {limits.max_platforms} platform(s) and {len(catalogue)} are "
            "watched; pick the platforms with --service"
        )
    wanted_categories = list(categories)
    cats = (
        validate_categories(
            wanted_categories,
            category_ids if category_ids is not None else taxonomy_category_ids(),
        )
        if wanted_categories
        else []
    )
    urls = validate_notify_urls(notify_urls) if notify_urls is not None else None
    if urls and not limits.same_day_alerts:
        raise SubscriptionError(
            f"plan {plan!r} has no same-day alerts, so --notify would never be used; "
            "pick a plan with same_day_alerts (e.g. watcher)"
        )
    existing = session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    created = existing is None
    sub = existing or Subscriber(
        email=address, token=secrets.token_urlsafe(24), created_at=now, active=True
    )
    sub.plan = plan
    sub.services = chosen
    sub.categories = cats
    sub.min_exposure = min_exposure
    if urls is not None:
        sub.notify_urls = urls
    elif created:
        sub.notify_urls = []
    sub.active = True
    if created:
        session.add(sub)
    session.flush()
    return SubscribeResult(sub, created)


def unsubscribe(session: Session, email: str) -> Subscriber | None:
    """Deactivate the subscription of `email` (kept for the audit trail); None when unknown."""
    address = normalise_email(email)
    sub = session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    if sub is None:
        return None
    sub.active = False
    return sub


def unsubscribe_token(session: Session, token: str) -> Subscriber | None:
    """Deactivate the subscription holding `token` (the List-Unsubscribe link); None if unknown."""
    if not token or len(token) > 64:
        return None
    sub = session.scalars(select(Subscriber).where(Subscriber.token == token)).first()
    if sub is None:
        return None
    sub.active = False
    return sub


def subscriber_dict(sub: Subscriber) -> dict[str, Any]:
    return {
        "email": sub.email,
        "plan": sub.plan,
        "services": list(sub.services),
        "categories": list(sub.categories),
        "min_exposure": sub.min_exposure,
        "notify": [mask_url(url) for url in sub.notify_urls or []],
        "active": sub.active,
        "created_at": sub.created_at.isoformat(timespec="seconds") + "Z",
    }


def list_subscribers(session: Session, *, include_inactive: bool = True) -> list[Subscriber]:
    query = select(Subscriber).order_by(Subscriber.email)
    if not include_inactive:
        query = query.where(Subscriber.active.is_(True))
    return list(session.scalars(query).all())


# ---------------------------------------------------------------- matching


def is_alertable(change: Change) -> bool:
    """Alert-worthy at all: alertable (not imported/technical) and substantive."""
    return bool(change.alertable) and is_substantive(change)


def matches(sub: Subscriber, service_id: str, change: Change) -> bool:
    """Does this substantive change pass the subscriber's filters?"""
    if not is_alertable(change):
        return False
    if sub.services and service_id not in sub.services:
        return False
    if sub.categories and not set(sub.categories) & set(change.categories or []):
        return False
    rank = EXPOSURE_RANK.get(change.exposure, 0)
    return rank >= EXPOSURE_RANK.get(sub.min_exposure, 0)


def alert_recipients(session: Session, settings: Settings) -> list[Subscriber]:
    """Active subscribers whose plan includes same-day alerts."""
    plans = {name for name, plan in settings.plans.items() if plan.same_day_alerts}
    if not plans:
        return []
    return list(
        session.scalars(
            select(Subscriber)
            .where(Subscriber.active.is_(True), Subscriber.plan.in_(plans))
            .order_by(Subscriber.id)
        ).all()
    )
