"""Captured bytes -> text -> lxml tree: content kind, charset, HTML parsing.

The kind comes from the MIME type, else from sniffing the bytes; the charset from the declared
label, else a BOM, else `<meta charset>`, else UTF-8, else charset_normalizer. Labels follow the
WHATWG encoding spec, as a browser reads them.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from monitor.errors import ExtractError, FailureReason

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
# Browsers treat these labels as windows-1252 (WHATWG encoding spec), and so do real pages.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _content_kind(mime_type: str, content: bytes) -> tuple[str, str | None]:
    """("html" | "pdf" | "text", charset from the MIME parameters)."""
    base, _, params = (mime_type or "").partition(";")
    base = base.strip().lower()
    match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.I)
    header_charset = match.group(1) if match else None
    if base == "application/pdf" or content[:1024].lstrip()[:5] == b"%PDF-":
        return "pdf", header_charset
    if base in _HTML_TYPES:
        return "html", header_charset
    if base in _TEXT_TYPES or base.startswith("text/"):
        return "text", header_charset
    # Unknown or missing type (application/octet-stream from a misconfigured server): sniff.
    if re.match(rb"\s*(<!doctype html|<html|<head|<body|<\?xml)", content[:512], re.I):
        return "html", header_charset
    raise ExtractError(
        f"unsupported content type {mime_type!r}", reason=FailureReason.UNSUPPORTED_TYPE
    )


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(
    content: bytes, charset: str | None, *, html: bool, warnings: list[str] | None = None
) -> str:
    """Decode a capture: declared charset, BOM, <meta charset>, UTF-8, then detection."""
    codec = _codec(charset)
    if charset and codec is None and warnings is not None:
        warnings.append(f"unknown charset {charset!r}; detecting the encoding instead")
    if codec is None:
        codec = _sniff_codec(content, html=html)
    text = content.decode(codec, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _sniff_codec(content: bytes, *, html: bool) -> str:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if content.startswith(bom):
            return name
    if html:
        match = _META_CHARSET.search(content[:4096])
        declared = _codec(match.group(1).decode("ascii", "replace")) if match else None
        # A page served as bytes cannot really be UTF-16 when its <meta> is readable as ASCII.
        if declared and not declared.startswith("utf-16"):
            return declared
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imported lazily: rarely needed, slow to import

    best = from_bytes(content[:65536]).best()
    return _codec(best.encoding if best else None) or "cp1252"


# Never content: the pipeline drops them right after parsing and the renderer skips them.
_DROP_TAGS = ("script", "style", "noscript", "template")
# Plain lxml elements, not lxml.html's HtmlElement: the custom class lookup costs ~15% per page.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_EMPTY_PAGE = "<html><body></body></html>"


def parse_html(text: str) -> etree._Element:
    """Parse a decoded page into an lxml tree (root <html>)."""
    # lxml refuses str input that carries an XML encoding declaration; the text is decoded already.
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    root = etree.fromstring(text, _PARSER) if text.strip() else None
    # libxml2 gives no root for a page of only whitespace or comments.
    return root if root is not None else etree.fromstring(_EMPTY_PAGE, _PARSER)
