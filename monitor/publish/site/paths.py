"""Where every page of the site lives: safe slugs, ISO weeks and relative links.

Shared by the site builder, the feeds and the digest e-mails so a link in an e-mail always points
at a page the builder writes. Paths are POSIX, relative to the site root, and always name the file
(`.../index.html`) so links also work from file:// where a folder does not open its index.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

__all__ = [
    "SitePaths",
    "site_paths",
    "iso_week",
    "rel_url",
    "slugify",
    "week_bounds",
    "week_start",
]

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Names Windows refuses as file or folder names, whatever the extension.
_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
MAX_SLUG = 60


def slugify(value: str) -> str:
    """A lowercase ASCII slug safe as one path component: "DALL·E" -> "dall-e", "" -> "x-<hash>".

    Never empty, never "." or "..", no separators; long names are cut and keep a short hash.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    # accents go ("é" -> "e"); any other non-ASCII character separates words ("DALL·E" -> "dall-e")
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = _NON_SLUG.sub("-", base.lower()).strip("-")
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"x-{digest}"
    if len(slug) > MAX_SLUG:
        slug = f"{slug[:MAX_SLUG].rstrip('-')}-{digest}"
    if slug in _RESERVED:
        slug = f"{slug}-{digest[:4]}"
    return slug


def unique_slugs(values: Iterable[str]) -> dict[str, str]:
    """Slugs for distinct values; values whose slugs collide ("Le Chat", "le-chat") get a hash."""
    ordered = sorted(set(values))
    plain = {v: slugify(v) for v in ordered}
    counts: dict[str, int] = {}
    for slug in plain.values():
        counts[slug] = counts.get(slug, 0) + 1
    out: dict[str, str] = {}
    for v in ordered:
        slug = plain[v]
        if counts[slug] > 1:
            slug = f"{slug}-{hashlib.sha1(v.encode('utf-8')).hexdigest()[:6]}"
        out[v] = slug
    return out


def iso_week(dt: datetime) -> str:
    """ "2026-W48" for a datetime (ISO 8601 week-numbering year and week)."""
    year, week, _ = dt.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(dt: datetime) -> datetime:
    """Monday 00:00 of dt's ISO week (naive UTC in, naive UTC out)."""
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def week_bounds(key: str) -> tuple[datetime, datetime]:
    """[start, end) of an ISO week key such as "2026-W48". Raises ValueError for a bad key."""
    m = _WEEK.match(key)
    if not m:
        raise ValueError(f"not an ISO week: {key!r} (expected YYYY-Www)")
    start = datetime.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return start, start + timedelta(days=7)


def rel_url(from_page: str, target: str) -> str:
    """The relative link from one site path to another ("digest/x/index.html" -> "../../a.css")."""
    base = posixpath.dirname(from_page) or "."
    rel = posixpath.relpath(target, base)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


class SitePaths:
    """Slugs of services and documents, and the site path of every page."""

    def __init__(self, service_ids: Iterable[str], documents: Iterable[tuple[int, str, str]]):
        """`documents`: (document id, service id, terms type)."""
        docs = list(documents)
        self.services = unique_slugs(list(service_ids) + [sid for _, sid, _ in docs])
        self.documents: dict[int, str] = {}
        by_service: dict[str, list[tuple[int, str]]] = {}
        for doc_id, sid, terms_type in docs:
            by_service.setdefault(sid, []).append((doc_id, terms_type))
        for items in by_service.values():
            slugs = unique_slugs(t for _, t in items)
            for doc_id, terms_type in items:
                self.documents[doc_id] = slugs[terms_type]
        self._doc_service = {doc_id: sid for doc_id, sid, _ in docs}
        self._categories: dict[str, str] = {}

    # ---- pages (files) ----

    home = "index.html"
    stylesheet = "style.css"
    favicon = "favicon.svg"
    digest_index = "digest/index.html"
    categories_index = "categories/index.html"
    feed_all = "feeds/all.atom.xml"
    unsubscribe = "unsubscribe/index.html"  # help page behind the e-mails' web unsubscribe link

    def platform(self, service_id: str) -> str:
        return f"platforms/{self.services[service_id]}/index.html"

    def document(self, document_id: int) -> str:
        sid = self._doc_service[document_id]
        return f"platforms/{self.services[sid]}/{self.documents[document_id]}/index.html"

    def change(self, document_id: int, change_id: int) -> str:
        return posixpath.join(
            posixpath.dirname(self.document(document_id)), f"changes/{change_id}/index.html"
        )

    def digest_week(self, week: str) -> str:
        week_bounds(week)  # validates the key
        return f"digest/{week}/index.html"

    def category_slug(self, category_id: str) -> str:
        if category_id not in self._categories:
            self._categories[category_id] = slugify(category_id)
        return self._categories[category_id]

    def category(self, category_id: str) -> str:
        return f"categories/{self.category_slug(category_id)}/index.html"

    def feed_platform(self, service_id: str) -> str:
        return f"feeds/platforms/{self.services[service_id]}.atom.xml"

    def feed_category(self, category_id: str) -> str:
        return f"feeds/categories/{self.category_slug(category_id)}.atom.xml"

    # ---- absolute URLs (e-mails, feeds) ----

    @staticmethod
    def absolute(base_url: str, path: str) -> str:
        """base_url + path, with "x/index.html" shown as the cleaner "x/" (served by any web server)."""
        base = base_url if base_url.endswith("/") else base_url + "/"
        if path == "index.html":
            path = ""
        elif path.endswith("/index.html"):
            path = path[: -len("index.html")]
        return base + path


_last_paths: tuple[tuple[tuple[str, ...], tuple[tuple[int, str, str], ...]], SitePaths] | None = (
    None
)


def site_paths(service_ids: Iterable[str], documents: Iterable[tuple[int, str, str]]) -> SitePaths:
    """`SitePaths(service_ids, documents)`, reused while both are the same: a worker composes
    alerts every few documents, and slugging a 10,000-document store each time cost more than
    the checks themselves."""
    global _last_paths
    key = (tuple(service_ids), tuple(documents))
    cached = _last_paths
    if cached is not None and cached[0] == key:
        return cached[1]
    paths = SitePaths(*key)
    _last_paths = (key, paths)
    return paths
