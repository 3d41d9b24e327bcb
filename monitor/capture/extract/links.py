"""URLs in the selection: the base URL (<base href>), absolute link and image URLs, and e-mail
addresses hidden by e-mail protection.

Links are made absolute before filters run and before rendering, so a version never depends on
the address the page was read from.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

from lxml import etree


def _base_href(root: etree._Element, base_url: str) -> str:
    """Links resolve against <base href> when the page has one, as in a browser."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(base_url, href)
    return base_url


def absolutise_links(selection: etree._Element, base_url: str) -> None:
    """Make link URLs absolute, so a version never depends on where it was read, and write them
    as a browser does (`serialise_url`), so they read as in OTA's versions. A link to a place on
    the page itself (`#section`) stays as written; so do image sources (OTA keeps both)."""
    for el in selection.iter("a", "area"):
        value = el.get("href")
        if value is None:
            continue
        value = value.strip()
        if not value or value.startswith("#") or value.lower().startswith(("javascript:", "data:")):
            continue
        try:
            url = urljoin(base_url, value)
            if value.partition("#")[0].endswith("?") and "?" not in url:
                url = url.replace("#", "?#", 1) if "#" in url else url + "?"  # kept, as a browser
            el.set("href", serialise_url(url))
        except ValueError:  # malformed URL (e.g. a bad IPv6 literal): leave it as written
            continue


_DEFAULT_PORTS = {"http": 80, "https": 443}
# what a browser percent-encodes, besides non-ASCII characters, in each part of a web address
_PATH_ENCODE = frozenset(' "<>`{}')
_QUERY_ENCODE = frozenset(" \"<>'")
_FRAGMENT_ENCODE = frozenset(' "<>`')


def _encode(text: str, chars: frozenset[str]) -> str:
    if text.isascii() and not any(c in chars for c in text):
        return text
    return "".join(quote(c, safe="") if (c in chars or not c.isascii()) else c for c in text)


def serialise_url(url: str) -> str:
    """An http(s) URL as a browser's URL parser writes it (the WHATWG URL standard): scheme and
    host in lower case, an international host in punycode, no default port, `/` for an empty
    path, spaces and non-ASCII characters percent-encoded. Other URLs are returned unchanged."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname  # lower-cased by urlsplit
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return url
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    out = f"{scheme}://{netloc}{_encode(parts.path or '/', _PATH_ENCODE)}"
    if parts.query or url.split("#", 1)[0].endswith("?"):
        out += "?" + _encode(parts.query, _QUERY_ENCODE)
    if "#" in url:
        out += "#" + _encode(parts.fragment, _FRAGMENT_ENCODE)
    return out


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
