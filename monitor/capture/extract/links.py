"""URLs in the selection: the page's base URL (<base href>) and absolute link and image URLs.

Links are made absolute before filters run and before rendering, so a version never depends on
the address the page was read from.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree


def _base_href(root: etree._Element, base_url: str) -> str:
    """Links resolve against <base href> when the page has one, as in a browser."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(base_url, href)
    return base_url


_URL_ATTRS = (("a", "href"), ("area", "href"), ("img", "src"))


def absolutise_links(selection: etree._Element, base_url: str) -> None:
    """Make link and image URLs absolute, so a version never depends on where it was read."""
    for tag, attr in _URL_ATTRS:
        for el in selection.iter(tag):
            value = el.get(attr)
            if value is None:
                continue
            value = value.strip()
            if not value or value.lower().startswith(("javascript:", "data:")):
                continue
            try:
                el.set(attr, urljoin(base_url, value))
            except ValueError:  # malformed URL (e.g. a bad IPv6 literal): leave it as written
                continue
