"""Atom 1.0 feeds (RFC 4287) of substantive changes: all platforms, per platform, per category.

Built with ElementTree so every piece of fetched text is escaped by the XML writer. Links are
absolute (base_url from the [site] settings) because feed readers fetch feeds out of context;
ids are the change pages' URLs, which never change for a given change.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import escape

from monitor.publish.site.model import ChangeView
from monitor.publish.site.paths import SitePaths

__all__ = ["MAX_ENTRIES", "atom_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50


def _ts(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _content_html(c: ChangeView) -> str:
    """The entry's HTML content (escaped here, then escaped again as XML text by ElementTree)."""
    parts = [f"<p>{escape(c.summary)}</p>"]
    if c.fact_lines:
        parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in c.fact_lines) + "</ul>")
    parts.append(
        f"<p>Exposure: {escape(c.exposure)}{' · potentially unfair' if c.unfair else ''}</p>"
    )
    if c.after is not None:
        parts.append(f"<blockquote>{escape(c.after.text)}</blockquote>")
    elif c.before is not None:
        parts.append(f"<p>Removed text:</p><blockquote>{escape(c.before.text)}</blockquote>")
    if c.analysis.get("disclaimer"):
        parts.append(f"<p><small>{escape(c.analysis['disclaimer'])}</small></p>")
    return "".join(parts)


def atom_feed(
    *,
    title: str,
    feed_path: str,
    page_path: str,
    changes: Sequence[ChangeView],
    base_url: str,
    generated_at: datetime,
) -> bytes:
    """A complete Atom document (UTF-8 bytes) for `changes` (newest first, at most MAX_ENTRIES)."""
    ET.register_namespace("", ATOM_NS)
    entries = [c for c in changes if c.substantive][:MAX_ENTRIES]
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    q = lambda tag: f"{{{ATOM_NS}}}{tag}"  # noqa: E731
    _sub(feed, q("id"), SitePaths.absolute(base_url, feed_path))
    _sub(feed, q("title"), title)
    updated = max((c.detected_at for c in entries), default=generated_at)
    _sub(feed, q("updated"), _ts(updated))
    _sub(
        feed,
        q("link"),
        rel="self",
        type="application/atom+xml",
        href=SitePaths.absolute(base_url, feed_path),
    )
    _sub(
        feed,
        q("link"),
        rel="alternate",
        type="text/html",
        href=SitePaths.absolute(base_url, page_path),
    )
    author = _sub(feed, q("author"))
    _sub(author, q("name"), "ClauseWatch")
    _sub(feed, q("generator"), "ClauseWatch")
    for c in entries:
        entry = _sub(feed, q("entry"))
        url = SitePaths.absolute(base_url, c.path)
        _sub(entry, q("id"), url)
        _sub(entry, q("title"), c.title)
        _sub(entry, q("updated"), _ts(c.detected_at))
        _sub(entry, q("published"), _ts(c.detected_at))
        _sub(entry, q("link"), rel="alternate", type="text/html", href=url)
        for cat in c.categories:
            _sub(entry, q("category"), term=cat.id, label=cat.title)
        _sub(entry, q("summary"), c.summary, type="text")
        _sub(entry, q("content"), _content_html(c), type="html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
