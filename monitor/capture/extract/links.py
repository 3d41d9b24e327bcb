"""URLs in the selection: the base URL (<base href>), absolute link and image URLs, and e-mail
addresses hidden by e-mail protection.

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


_EMAIL_PROTECTION = "/cdn-cgi/l/email-protection"


def decode_protected_emails(selection: etree._Element) -> None:
    """Put back the e-mail addresses a CDN's e-mail protection hides (Cloudflare's scheme).

    The page carries `data-cfemail="HEX"` or links to `/cdn-cgi/l/email-protection#HEX`, where the
    first byte of HEX is a key XORed into the others; the key changes on every fetch, so without
    decoding the text would change on every capture. The address becomes the element's text and
    the link a `mailto:` link; a protected link that cannot be decoded loses its changing part.
    """
    for el in list(selection.iter()):
        encoded = el.get("data-cfemail") if isinstance(el.tag, str) else None
        if encoded is None:
            continue
        address = _cf_decode(encoded)
        if address is None:
            continue
        for child in list(el):
            el.remove(child)
        el.text = address
        del el.attrib["data-cfemail"]
        if el.tag == "a" and "@" in address:
            el.set("href", "mailto:" + address)
    for link in selection.iter("a"):
        href = link.get("href") or ""
        if _EMAIL_PROTECTION not in href:
            continue
        _, _, fragment = href.partition("#")
        address = _cf_decode(fragment) if fragment else None
        text = "".join(link.itertext()).strip()
        if address is None and "@" in text and " " not in text:
            address = text  # the address itself was protected and decoded above
        if address is not None and "@" in address:
            link.set("href", "mailto:" + address)
        else:
            link.set("href", href.partition("#")[0])


def _cf_decode(encoded: str) -> str | None:
    """Cloudflare's e-mail obfuscation: hex bytes, the first one XORed into each of the others."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    try:
        text = bytes(b ^ data[0] for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() and not any(c.isspace() for c in text) else None
