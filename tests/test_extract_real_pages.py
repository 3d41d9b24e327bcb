"""extract_version on the shapes real pages have: remove before select, loose text in lists,
layout tables, wrapped list items, links around blocks, protected e-mail addresses.

Every page here is a small one written for the test; none is taken from a captured document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.capture.declarations import SourceDocument
from monitor.capture.extract import extract_version
from monitor.errors import ExtractError

BASE = "https://terms.example/legal/terms"


def md(body: str, select: list[Any] | None = None, remove: list[Any] | None = None) -> str:
    page = f"<html><body>{body}</body></html>".encode()
    src = SourceDocument(fetch=BASE, select=select or [], remove=remove or [])
    return extract_version(page, "text/html", src, BASE).markdown


# ---------------------------------------------------------------- 1. remove before select

CHROME_PAGE = """
<nav><p>Home</p><p>Pricing</p></nav>
<main><h2>1. Use</h2><p>Use the service lawfully.</p>
  <aside><p>Related: our blog</p></aside></main>
<footer><p>Copyright Example Inc.</p></footer>
"""


def test_remove_applies_to_elements_enclosing_a_broad_selection() -> None:
    # `p` also matches inside nav, aside and footer: removing those takes their paragraphs along.
    out = md(CHROME_PAGE, select=["h2", "p"], remove=["nav", "aside", "footer"])
    assert out == "1\\. Use\n-------\n\nUse the service lawfully.\n"


def test_select_resolved_after_remove_like_ota() -> None:
    # Removing the only element holding the selection leaves nothing to select: an error, as in
    # OTA's engine, never the removed text.
    with pytest.raises(ExtractError) as err:
        md(CHROME_PAGE, select=["main h2"], remove=["main"])
    assert err.value.reason == "selector_not_found"
    # :nth-child() in a select counts what is left after remove.
    page = "<div><p class='ad'>Ad</p><p>First</p><p>Second</p></div>"
    assert md(page, select=["div > p:nth-child(1)"], remove=[".ad"]) == "First\n"


def test_nth_child_counts_style_and_script_elements_as_a_browser_does() -> None:
    # A <style> is an element of the page: `.col:nth-child(3)` is the second column here.
    page = (
        "<div class='row'><style>.col{float:left}</style><div class='col'>Menu</div>"
        "<div class='col'><p>The statement.</p></div><script>x()</script></div>"
    )
    assert md(page, select=[".col:nth-child(3)"]) == "The statement.\n"
    assert md(page, select=[".row"]) == "Menu\n\nThe statement.\n"  # dropped from the text


# ---------------------------------------------------------------- 2. and 4. lists


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Text straight inside <ol>, as some sites write their lettered sub-clauses.
        (
            "<ol>(a) first duty;</ol><ol>(b) second duty.</ol>",
            "(a) first duty;\n\n(b) second duty.\n",
        ),
        (
            "<ol>Intro <b>text</b><li>One</li>between<li>Two</li></ol>",
            "Intro **text**\n\n1.  One\n\nbetween\n\n2.  Two\n",
        ),
        # A block straight inside a list is a paragraph, not a numbered item.
        ("<ol><p>Heading-like line</p><li>Item</li></ol>", "Heading-like line\n\n1.  Item\n"),
    ],
)
def test_text_directly_inside_a_list_is_kept(body: str, expected: str) -> None:
    assert md(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<ul><span><li>One</li><li>Two</li></span></ul>", "*   One\n*   Two\n"),
        ("<ol><span><li>One</li></span><span><li>Two</li></span></ol>", "1.  One\n2.  Two\n"),
        (
            "<ul><div class='row'><span><li>Deep</li></span><li>Next<ul><li>sub</li></ul></li></div></ul>",
            "*   Deep\n*   Next\n    *   sub\n",
        ),
    ],
)
def test_items_wrapped_in_inline_elements_stay_separate(body: str, expected: str) -> None:
    assert md(body) == expected


# ---------------------------------------------------------------- 3. layout tables


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A whole page in one cell, with a real data table nested in it.
        (
            "<table><tr><td><h2>Terms</h2><p>First clause.</p>"
            "<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>9</td></tr></table>"
            "</td></tr></table>",
            "Terms\n-----\n\nFirst clause.\n\n| Plan | Price |\n| --- | --- |\n| Pro | 9 |\n",
        ),
        # A sidebar beside the text: one row of cells holding blocks.
        (
            "<table><tr><td><ul><li>Menu</li></ul></td>"
            "<td><p>First clause.</p><p>Second clause.</p></td></tr></table>",
            "*   Menu\n\nFirst clause.\n\nSecond clause.\n",
        ),
        # Headings in the cells of a grid.
        (
            "<table><tr><td><h3>1. Use</h3><p>Use it well.</p></td><td><h3>2. Pay</h3></td></tr>"
            "<tr><td><p>More on use.</p></td><td><p>Pay on time.</p></td></tr></table>",
            "### 1\\. Use\n\nUse it well.\n\n### 2\\. Pay\n\nMore on use.\n\nPay on time.\n",
        ),
        # A single column, and a table marked as presentation.
        ("<table><tr><td>One</td></tr><tr><td><b>Two</b></td></tr></table>", "One\n\n**Two**\n"),
        (
            "<table role='presentation'><tr><td>Logo</td><td>Terms text.</td></tr></table>",
            "Logo\n\nTerms text.\n",
        ),
    ],
)
def test_layout_tables_render_as_their_blocks(body: str, expected: str) -> None:
    assert md(body) == expected


def test_data_tables_stay_tables_even_with_lists_in_cells() -> None:
    body = (
        "<table><thead><tr><th>Purpose</th><th>Legal basis</th></tr></thead>"
        "<tr><td><p>Billing</p></td><td><ul><li>Contract</li><li>Law</li></ul></td></tr>"
        "<tr><td>Support</td><td>Consent</td></tr></table>"
    )
    assert md(body) == (
        "| Purpose | Legal basis |\n| --- | --- |\n| Billing | Contract Law |\n| Support | Consent |\n"
    )


# ---------------------------------------------------------------- 5. links around blocks


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "<a href='/legal/privacy'><div><h3>Privacy Policy</h3><p>How we use data</p></div></a>",
            "### [Privacy Policy](https://terms.example/legal/privacy)\n\n"
            "[How we use data](https://terms.example/legal/privacy)\n",
        ),
        (
            "<a href='/dpa'><div>Data Processing <b>Addendum</b></div>"
            "<ul><li>Sub-processors</li></ul></a>",
            "[Data Processing **Addendum**](https://terms.example/dpa)\n\n"
            "*   [Sub-processors](https://terms.example/dpa)\n",
        ),
        # Items wrapped in a link inside a list keep the target too.
        (
            "<ul><a href='https://x.example/a'><li>A</li></a><li>B</li></ul>",
            "*   [A](https://x.example/a)\n*   B\n",
        ),
        # Not a usable target: the blocks only.
        ("<a href='javascript:void(0)'><div>Open</div></a>", "Open\n"),
    ],
)
def test_links_wrapped_around_blocks_keep_their_target(body: str, expected: str) -> None:
    assert md(body) == expected


# ---------------------------------------------------------------- 6. protected e-mail addresses


def cf_encode(text: str, key: int) -> str:
    """Cloudflare's public e-mail obfuscation: a key byte, then each byte XORed with it."""
    return bytes([key, *(b ^ key for b in text.encode())]).hex()


def protected_page(key: int) -> str:
    legal, privacy = cf_encode("legal@terms.example", key), cf_encode("privacy@terms.example", key)
    return (
        f"<p>Write to <a href='/cdn-cgi/l/email-protection#{legal}'>"
        f"<span class='__cf_email__' data-cfemail='{legal}'>[email&#160;protected]</span></a>"
        f" or <a href='/cdn-cgi/l/email-protection' class='__cf_email__' data-cfemail='{privacy}'>"
        f"[email&#160;protected]</a>; in text: <span data-cfemail='{privacy}'>[email protected]</span>.</p>"
        "<p><a href='/cdn-cgi/l/email-protection#zz'>[email&#160;protected]</a></p>"
    )


def test_protected_email_addresses_are_decoded_and_stable() -> None:
    first, second = md(protected_page(0x5A)), md(protected_page(0xC3))
    assert first == second  # the key changes on every fetch; the version does not
    assert first == (
        "Write to [legal@terms.example](mailto:legal@terms.example) or "
        "[privacy@terms.example](mailto:privacy@terms.example); in text: privacy@terms.example.\n\n"
        "[\\[email protected\\]](https://terms.example/cdn-cgi/l/email-protection)\n"
    )


# ---------------------------------------------------------------- 7. PDF paragraphs

# A typeset two-page document, drawn word by word at computed positions the way office suites and
# browsers write PDFs (each word its own text object): justified paragraphs, a heading in a larger
# font, numbered clauses with a hanging indent, bullets, a running header and a page number on
# every page, and a paragraph running over the page break.
PDF_DOC: list[list[tuple[str, ...]]] = [
    [
        ("title", "Example Cloud Terms"),
        (
            "p",
            "These terms govern the use of the Example Cloud service by any customer who "
            "creates an account, and they apply from the moment the account is created.",
        ),
        ("h", "1 Accounts"),
        (
            "item",
            "1.1",
            "The customer keeps the account credentials secret and tells us at once "
            "about any use of the account that the customer did not allow.",
        ),
        ("item", "1.2", "We may suspend an account that is used to break the law."),
        ("p", "The customer may use the service only for:"),
        ("bullet", "its own internal business;"),
        ("bullet", "testing its own software, within the limits of the chosen plan."),
        (
            "runon",
            "Credits bought for the service remain valid for twelve months from the date of "
            "purchase, cannot be transferred to another account or exchanged for cash, and are "
            "used in the order in which they were bought, the oldest credits first, unless the "
            "customer asks us in writing to use",
        ),
    ],
    [
        ("cont", "newer credits first for a given project."),
        ("h", "2 Changes"),
        ("p", "We give thirty days of notice before any change to these terms takes effect."),
    ],
]
PDF_PARAGRAPHS = [
    "Example Cloud Terms - last updated 1 March 2025",  # the running header, kept on page 1 only
    "Example Cloud Terms",
    "These terms govern the use of the Example Cloud service by any customer who creates an "
    "account, and they apply from the moment the account is created.",
    "1 Accounts",
    "1.1 The customer keeps the account credentials secret and tells us at once about any use of "
    "the account that the customer did not allow.",
    "1.2 We may suspend an account that is used to break the law.",
    "The customer may use the service only for:",
    "- its own internal business;",
    "- testing its own software, within the limits of the chosen plan.",
    "Credits bought for the service remain valid for twelve months from the date of purchase, "
    "cannot be transferred to another account or exchanged for cash, and are used in the order in "
    "which they were bought, the oldest credits first, unless the customer asks us in writing to "
    "use newer credits first for a given project.",
    "2 Changes",
    "We give thirty days of notice before any change to these terms takes effect.",
]


def typeset_pdf(pages: list[list[tuple[str, ...]]]) -> bytes:
    """Draw each word at its own position (justified lines), as real PDF producers do."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    left, right, lead = 72.0, 523.0, 14.0

    def words_at(x: float, y: float, words: list[str], width: float, justify: bool) -> None:
        gap = pdf.get_string_width(" ")
        if justify and len(words) > 1:
            gap = (width - sum(pdf.get_string_width(w) for w in words)) / (len(words) - 1)
        for word in words:
            pdf.text(x, y, word)
            x += pdf.get_string_width(word) + gap

    def wrap(text: str, width: float) -> list[list[str]]:
        lines: list[list[str]] = [[]]
        for word in text.split():
            if lines[-1] and pdf.get_string_width(" ".join([*lines[-1], word])) > width:
                lines.append([])
            lines[-1].append(word)
        return lines

    for number, blocks in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.text(left, 40, "Example Cloud Terms - last updated 1 March 2025")  # running header
        pdf.text(290, 800, str(number))  # page number
        y = 80.0
        for kind, *parts in blocks:
            size = {"title": 16, "h": 13}.get(kind, 11)  # "p", "runon", "cont", items
            pdf.set_font("Helvetica", size=size)
            text = parts[-1]
            x = left
            if kind == "item":
                pdf.text(left, y, parts[0])
                x = left + 36
            elif kind == "bullet":
                pdf.text(left + 18, y, "-")
                x = left + 36
            lines = wrap(text, right - x)
            for k, line in enumerate(lines):
                last = k == len(lines) - 1
                # A paragraph running on to the next page ends the page with a full line.
                words_at(x, y, line, right - x, justify=not last or kind == "runon")
                y += lead if not last else lead * 1.8
    return bytes(pdf.output())


def test_pdf_words_drawn_one_by_one_become_paragraphs() -> None:
    src = SourceDocument(fetch="https://terms.example/terms.pdf")
    result = extract_version(typeset_pdf(PDF_DOC), "application/pdf", src, src.fetch)
    assert result.markdown.split("\n\n") == [*PDF_PARAGRAPHS[:-1], PDF_PARAGRAPHS[-1] + "\n"]


LIGATURE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_ligatures_become_plain_letters() -> None:
    text = "The \ufb01nal o\ufb00er \ufb02ows to a\ufb03liates and a\ufb04uent sta\ufb00."
    plain = "The final offer flows to affiliates and affluent staff."
    assert md(f"<p>{text}</p>") == plain + "\n"
    src = SourceDocument(fetch=BASE)
    assert extract_version(text.encode(), "text/plain", src, BASE).markdown == plain + "\n"
    if not LIGATURE_FONT.exists():
        pytest.skip("no font with ligature glyphs to typeset a PDF")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(LIGATURE_FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.cell(0, 6, text)
    result = extract_version(bytes(pdf.output()), "application/pdf", src, BASE)
    assert result.markdown == plain + "\n"


def test_pdf_extraction_from_several_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    content = typeset_pdf(PDF_DOC)
    src = SourceDocument(fetch="https://terms.example/terms.pdf")
    with ThreadPoolExecutor(4) as pool:
        outs = list(
            pool.map(lambda _: extract_version(content, "application/pdf", src, BASE), range(8))
        )
    assert {o.markdown for o in outs} == {"\n\n".join(PDF_PARAGRAPHS) + "\n"}
