"""PDF capture -> plain text: PDFium's lines, with their geometry, joined into paragraphs by layout.

PDFium (pypdfium2) gives every character of a page with its box and font size, in reading order
with line ends marked. A line ends its paragraph when:
- the gap to the next line is clearly wider than the document's line spacing, the next line sits
  higher (a new column) or its font size differs (a heading);
- the next line's first word would have fitted at the end of this one: the line was cut short on
  purpose (a paragraph's last line, a heading, a list entry);
- the indentation changes: after a paragraph's second line every line starts where the second
  did; a second line further right than the first starts a new paragraph unless it lines up with
  a word of the first line (a hanging indent: "1.2   To the extent ..." and its continuation);
- the next line starts with a bullet, or with a number or letter marker after a sentence end.
Page numbers and the running headers and footers repeated after the first page are dropped, and a
paragraph cut by a page end continues on the next page, so text moving between pages is not a
change. Ligature characters become plain letters (chars.CHAR_MAP). Selectors and filters do not
apply to a PDF. PDFium is not thread-safe: one lock serialises every use of it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from statistics import median
from typing import Any

from monitor.capture.extract.chars import CHAR_MAP
from monitor.errors import ExtractError, FailureReason

_LIST_START = re.compile(
    r"^(\d+(\.\d+)*[.)]|\d+(\.\d+)+|\([a-zA-Z0-9]{1,4}\)|[a-zA-Z][.)]|[ivxIVX]{1,5}[.)]"
    r"|[•▪◦·‣*●○■□➢►–-])\s"
)
_BULLET = re.compile(r"^[•▪◦·‣*●○■□➢►]\s")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.I)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = (".", ":", ";", "!", "?")
_HYPHENS = ("-", "\u2010", "\u00ad")
_RUNNING_ZONE = 3  # lines at the top and at the bottom of a page that may be headers or footers
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_LOCK = threading.Lock()
_Box = tuple[float, float, float, float]  # left, bottom, right, top (PDF points, y upwards)
_Char = tuple[str, _Box | None, float]  # character, its box (None for a space), font size


@dataclass(frozen=True)
class _Line:
    """One line of a page, in PDF points; `base` grows downwards from the page's top."""

    text: str
    left: float
    right: float
    base: float  # baseline position, measured from the top of the page
    size: float  # font size
    em: float  # median glyph width: the unit of horizontal tolerances
    starts: tuple[float, ...]  # where each word starts
    first_width: float  # width of the first word


def pdf_to_text(content: bytes) -> str:
    """A PDF's text, lines joined into paragraphs by layout. Raises ExtractError."""
    text = "\n\n".join(_paragraphs(_pdf_lines(content)))
    if not text.strip():
        raise ExtractError(
            "the PDF has no extractable text (a scanned image?)",
            reason=FailureReason.UNREADABLE_PDF,
        )
    return text + "\n"


# ---------------------------------------------------------------- PDFium: pages -> lines


def _pdf_lines(content: bytes) -> list[list[_Line]]:
    import pypdfium2 as pdfium  # imported lazily: only PDF captures pay for it

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(content)
        except Exception as exc:  # PdfiumError, or ValueError/TypeError for unusable input
            if getattr(exc, "err_code", None) == _PASSWORD_ERROR:
                raise ExtractError(
                    "the PDF is encrypted", reason=FailureReason.UNREADABLE_PDF
                ) from exc
            raise ExtractError(
                f"the PDF cannot be read: {exc}", reason=FailureReason.UNREADABLE_PDF
            ) from exc
        try:
            return [_page_lines(pdf[i]) for i in range(len(pdf))]
        except Exception as exc:  # a damaged page: the whole capture is unreadable
            raise ExtractError(
                f"the PDF cannot be read: {exc}", reason=FailureReason.UNREADABLE_PDF
            ) from exc
        finally:
            pdf.close()


def _page_lines(page: Any) -> list[_Line]:
    import pypdfium2.raw as pdfium_c

    try:
        textpage = page.get_textpage()
    except Exception:
        page.close()
        raise
    try:
        height = page.get_height()
        lines: list[_Line] = []
        chars: list[_Char] = []
        for k in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage, k)
            char = "-" if code == 2 else chr(code) if code else ""  # 2: PDFium's line-end hyphen
            if char in ("\r", "\n"):
                _add_line(lines, chars, height)
                chars = []
            elif char.isspace():
                chars.append((" ", None, 0.0))
            elif char and char.isprintable():
                box = textpage.get_charbox(k, loose=True)
                size = pdfium_c.FPDFText_GetFontSize(textpage, k)
                if _new_line(chars, box, size):  # PDFium marks no line end after a hyphen
                    _add_line(lines, chars, height)
                    chars = []
                chars.append((char, box, size))
        _add_line(lines, chars, height)
        return lines
    finally:
        textpage.close()
        page.close()


def _new_line(
    chars: list[_Char],
    box: _Box,
    size: float,
) -> bool:
    """True if a character starts a new line: back to the left and on another baseline."""
    last = next((c for c in reversed(chars) if c[1] is not None), None)
    if last is None or last[1] is None:
        return False
    shift = max(size, last[2], 1.0)
    return box[0] < last[1][2] - shift and abs(box[1] - last[1][1]) > 0.5 * shift


def _add_line(
    lines: list[_Line],
    chars: list[_Char],
    height: float,
) -> None:
    ink = [(box, size) for _, box, size in chars if box is not None and box[2] > box[0]]
    text = " ".join("".join(c for c, _, _ in chars).translate(CHAR_MAP).split())
    if not ink or not text:
        return
    starts: list[float] = []
    first_end = 0.0
    after_space = True
    for _, box, _ in chars:
        if box is None:
            after_space = True
            continue
        if box[2] <= box[0]:
            continue
        if after_space:
            starts.append(box[0])
        if len(starts) == 1:
            first_end = box[2]
        after_space = False
    sizes = [size for _, size in ink if size > 0] or [box[3] - box[1] for box, _ in ink]
    lines.append(
        _Line(
            text=text,
            left=min(box[0] for box, _ in ink),
            right=max(box[2] for box, _ in ink),
            base=height - median(box[1] for box, _ in ink),
            size=max(median(sizes), 1.0),
            em=max(median(box[2] - box[0] for box, _ in ink), 0.5),
            starts=tuple(starts),
            first_width=first_end - starts[0],
        )
    )


# ---------------------------------------------------------------- lines -> paragraphs


def _paragraphs(pages: list[list[_Line]]) -> list[str]:
    pages = _drop_running_lines(pages)
    lines = [line for page in pages for line in page]
    if not lines:
        return []
    rights = sorted(line.right for line in lines)
    measure = rights[int(0.9 * (len(rights) - 1))]  # where full lines end
    pitch = _line_pitch(pages)
    paragraphs: list[list[_Line]] = []
    for number, page in enumerate(pages):
        current: list[_Line] = []
        for k, line in enumerate(page):
            if current and _ends_paragraph(current, line, measure, pitch):
                paragraphs.append(current)
                current = []
            if k == 0 and number and paragraphs and _runs_on(paragraphs[-1], line, measure):
                current = paragraphs.pop()  # a paragraph cut by the page end goes on here
            current.append(line)
        if current:
            paragraphs.append(current)
    return [_join_lines(p) for p in paragraphs]


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop page numbers, and headers and footers repeated on most pages (kept on the first).

    Only the lines nearest the top and the bottom edge of a page qualify, wherever a producer
    wrote them in the page's content.
    """
    zones = [_edge_lines(page) for page in pages]
    counts: dict[str, int] = {}
    for zone in zones:
        for key in {_running_key(line) for line in zone}:
            counts[key] = counts.get(key, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    repeated = {key for key, n in counts.items() if n >= need} if len(pages) > 1 else set()
    out: list[list[_Line]] = []
    for number, (page, zone) in enumerate(zip(pages, zones, strict=True)):
        dropped = {id(line) for line in zone if number and _running_key(line) in repeated}
        kept = sorted((line for line in page if id(line) not in dropped), key=lambda ln: ln.base)
        # A page number is the line nearest the top or the bottom edge, once headers are gone.
        for edge in kept[:1] + kept[-1:]:
            if _PAGE_NUMBER.match(edge.text):
                dropped.add(id(edge))
        out.append([line for line in page if id(line) not in dropped])
    return out


def _edge_lines(page: list[_Line]) -> list[_Line]:
    """The lines nearest the top and the bottom of a page: where headers and footers sit."""
    by_height = sorted(page, key=lambda line: line.base)
    if len(by_height) <= 2 * _RUNNING_ZONE:
        return by_height
    return by_height[:_RUNNING_ZONE] + by_height[-_RUNNING_ZONE:]


def _running_key(line: _Line) -> str:
    return _DIGITS.sub("#", line.text.casefold())


def _line_pitch(pages: list[list[_Line]]) -> float:
    """Single line spacing as a multiple of the font size (lower quartile of the document's)."""
    ratios = sorted(
        (b.base - a.base) / a.size
        for page in pages
        for a, b in zip(page, page[1:], strict=False)
        if b.base > a.base and abs(a.size - b.size) <= 0.15 * a.size
    )
    return ratios[len(ratios) // 4] if ratios else 1.2


def _cut_short(line: _Line, following: _Line, measure: float) -> bool:
    """True if the following line's first word would have fitted at the end of line."""
    return measure - line.right > following.first_width + 1.5 * line.em


def _ends_paragraph(paragraph: list[_Line], line: _Line, measure: float, pitch: float) -> bool:
    last = paragraph[-1]
    if line.base <= last.base or abs(line.size - last.size) > 0.15 * max(line.size, last.size):
        return True
    if (line.base - last.base) / last.size > 1.35 * pitch or _cut_short(last, line, measure):
        return True
    tolerance = 1.5 * last.em
    first = paragraph[0]
    if len(paragraph) == 1:
        hanging = any(abs(line.left - start) <= tolerance for start in first.starts[1:])
        if line.left > first.left + tolerance and not hanging:
            return True
    elif abs(line.left - paragraph[1].left) > tolerance:
        return True
    return bool(
        _BULLET.match(line.text)
        or (_LIST_START.match(line.text) and last.text.endswith(_SENTENCE_END))
    )


def _runs_on(paragraph: list[_Line], line: _Line, measure: float) -> bool:
    """True if the first line of a page continues the last paragraph of the previous page."""
    last = paragraph[-1]
    text = last.text
    if text.endswith(_SENTENCE_END) or _LIST_START.match(line.text):
        return False
    if abs(line.size - last.size) > 0.15 * max(line.size, last.size):
        return False
    return not _cut_short(last, line, measure) or line.text[:1].islower()


def _join_lines(paragraph: list[_Line]) -> str:
    text = paragraph[0].text
    for line in paragraph[1:]:
        # Undo a line-end hyphen before a lower-case continuation ("pur-" + "chase").
        if text.endswith(_HYPHENS) and text[-2:-1].isalpha() and line.text[:1].islower():
            text = text[:-1] + line.text
        else:
            text += " " + line.text
    return text
