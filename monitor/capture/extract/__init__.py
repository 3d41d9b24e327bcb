"""HTML / PDF / text capture -> Markdown "version" (Open Terms Archive semantics).

Pipeline for HTML, in this order (the module doing each step in brackets):

1. decode (declared charset, else BOM, else `<meta charset>`, else UTF-8, else charset_normalizer)
   and parse with lxml directly (~1 ms for 50 KB; building a BeautifulSoup tree costs ~15 ms)
   [decode];
2. resolve every `remove` selector against the whole page and delete its matches, as OTA's
   engine does before selecting: a remove match that encloses a selected element takes it along
   [select, ranges];
3. resolve every `select` selector against what is left [select]; script, style, noscript and
   template elements are still in place, so `:nth-child()` counts them as a browser does;
4. build the selection: CSS matches in document order, range selectors as the content between
   their boundary points (start and end may sit at different depths) [select, ranges];
5. drop script/style/noscript/template from the selection [here]; put back e-mail addresses
   hidden by a CDN's e-mail protection and make links absolute [links], run the named filters [monitor.capture.filters], convert to Markdown [markdown].

Range selectors are implemented with marker elements inserted at the boundary points, so the
"content between two points" is cut out of the tree the way DOM Range.cloneContents() does it.
PDFs go through [pdf], plain text and Markdown through [chars]. The submodules never import this
one; only the names in `__all__` are the package's interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.capture.extract.chars import _plain_text
from monitor.capture.extract.decode import _DROP_TAGS, _content_kind, decode_bytes, parse_html
from monitor.capture.extract.links import _base_href, absolutise_links, decode_protected_emails
from monitor.capture.extract.markdown import html_to_markdown
from monitor.capture.extract.pdf import pdf_to_text
from monitor.capture.extract.ranges import _drop
from monitor.capture.extract.select import select_content
from monitor.capture.filters import apply_filters

__all__ = [
    "ExtractResult",
    "SourceLike",
    "combine_versions",
    "extract_version",
]

# ---------------------------------------------------------------- public API


@dataclass
class ExtractResult:
    markdown: str
    warnings: list[str] = field(default_factory=list)


class SourceLike(Protocol):
    """What extract needs from `monitor.capture.declarations.SourceDocument` (avoids an import cycle)."""

    @property
    def select(self) -> Sequence[Any]: ...

    @property
    def remove(self) -> Sequence[Any]: ...

    @property
    def filters(self) -> Sequence[Any]: ...


def extract_version(
    content: bytes,
    mime_type: str,
    source: SourceLike,
    base_url: str,
    charset: str | None = None,
) -> ExtractResult:
    """Turn one capture into the Markdown text of a version. Raises ExtractError."""
    kind, header_charset = _content_kind(mime_type, content)
    charset = charset or header_charset
    warnings: list[str] = []
    if kind == "pdf":
        if source.select or source.remove or source.filters:
            warnings.append("select/remove/filter do not apply to a PDF; ignored")
        return ExtractResult(pdf_to_text(content), warnings)
    text = decode_bytes(content, charset, html=kind == "html", warnings=warnings)
    if kind == "text":
        return ExtractResult(_plain_text(text), warnings)
    markdown = _extract_html(text, source, base_url, warnings)
    return ExtractResult(markdown, warnings)


COMBINE_SEPARATOR = "\n\n- - -\n\n"  # a rule between the parts, as OTA joins them


def combine_versions(parts: list[str]) -> str:
    """Join the versions of a `combine` declaration's sources into one document, a `- - -` rule
    between parts."""
    texts = [p.strip("\n") for p in parts]
    joined = COMBINE_SEPARATOR.join(t for t in texts if t)
    return joined + "\n" if joined else ""


# ---------------------------------------------------------------- HTML pipeline


def _extract_html(text: str, source: SourceLike, base_url: str, warnings: list[str]) -> str:
    root = parse_html(text)
    base = _base_href(root, base_url)
    # Selectors run on the page as parsed: a <style> or <script> counts for `:nth-child()` and
    # `+`/`~` as in a browser (and OTA's engine); they are dropped from the selection only.
    selection = select_content(root, source.select, source.remove, warnings)
    for el in list(selection.iter(*_DROP_TAGS)):
        _drop(el)
    decode_protected_emails(selection)
    absolutise_links(selection, base)
    warnings.extend(apply_filters(selection, list(source.filters), base))
    return html_to_markdown(selection, base)
