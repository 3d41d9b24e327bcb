"""PDF capture -> plain text: pypdf's text page by page, wrapped lines joined into paragraphs.

Running page numbers are dropped and a sentence broken by a page end is rejoined, so text moving
between pages is not a change. Selectors and filters do not apply to a PDF.
"""

from __future__ import annotations

import io
import re

from monitor.capture.extract.chars import CHAR_MAP
from monitor.errors import ExtractError, FailureReason

_LIST_START = re.compile(r"^(\d+(\.\d+)*[.)]|\([a-zA-Z0-9]{1,4}\)|[a-zA-Z][.)]|[•▪◦·‣*–-])\s")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.I)
_HYPHENS = ("-", "\u2010", "\u00ad")


def pdf_to_text(content: bytes) -> str:
    """A PDF's text, page by page, lines joined into paragraphs. Raises ExtractError."""
    pages = _pdf_pages(content)
    paragraphs: list[str] = []
    for page_text in pages:
        page_paragraphs = _paragraphs(_page_lines(page_text))
        if paragraphs and page_paragraphs and _continues(paragraphs[-1], page_paragraphs[0]):
            # A sentence running over the page break is one paragraph.
            paragraphs[-1] = _join_line(paragraphs[-1], page_paragraphs.pop(0))
        paragraphs.extend(page_paragraphs)
    text = "\n\n".join(p for p in paragraphs if p)
    if not text.strip():
        raise ExtractError(
            "the PDF has no extractable text (a scanned image?)",
            reason=FailureReason.UNREADABLE_PDF,
        )
    return text + "\n"


def _pdf_pages(content: bytes) -> list[str]:
    from pypdf import PdfReader  # imported lazily: only PDF captures pay for it

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError("the PDF is encrypted", reason=FailureReason.UNREADABLE_PDF)
        return [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean "unreadable"
        raise ExtractError(
            f"the PDF cannot be read: {exc}", reason=FailureReason.UNREADABLE_PDF
        ) from exc


def _page_lines(page_text: str) -> list[str]:
    text = page_text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00ad\n", "-\n")
    lines = [" ".join(line.translate(CHAR_MAP).split()) for line in text.split("\n")]
    # Running page numbers change whenever text moves between pages: they are not content.
    while lines and (not lines[0] or _PAGE_NUMBER.match(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1] or _PAGE_NUMBER.match(lines[-1])):
        lines.pop()
    return lines


def _paragraphs(lines: list[str]) -> list[str]:
    widths = sorted(len(line) for line in lines if line)
    full = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line or (current and _LIST_START.match(line)):
            paragraphs.append(current)
            current = ""
        if not line:
            continue
        current = _join_line(current, line) if current else line
        # A line well short of the full measure ends its paragraph (or is a heading).
        if len(line) < 0.7 * full:
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return [p for p in paragraphs if p]


def _join_line(head: str, line: str) -> str:
    """Join a wrapped line, undoing a line-end hyphen before a lower-case continuation."""
    if head.endswith(_HYPHENS) and len(head) > 1 and head[-2].isalpha() and line[:1].islower():
        return head[:-1] + line
    return head + " " + line


def _continues(paragraph: str, next_paragraph: str) -> bool:
    return not paragraph.endswith((".", ":", ";", "!", "?")) and next_paragraph[:1].islower()
