"""extract_version: golden Markdown for synthetic pages, selectors, filters, charsets, PDF, text.

Golden files live in tests/golden/extract/: `<page>.html` inputs and `<case>.md` expectations.
After an intended change to the output, rewrite them with `UPDATE_GOLDEN=1 pytest
tests/test_extract.py` and review the diff of the .md files like any other code change.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from monitor.capture.declarations import RangeSelector, SourceDocument
from monitor.capture.extract import ExtractResult, combine_versions, extract_version
from monitor.capture.filters import apply_filters, strip_query
from monitor.errors import ExtractError

GOLDEN = Path(__file__).parent / "golden" / "extract"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
TERMS_URL = "https://www.lumenframe.example/legal/terms"
POLICY_URL = "https://northwind.example/policies/usage"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / f"{name}.md"
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8")


def source(
    select: list[Any] | None = None,
    remove: list[Any] | None = None,
    filters: list[Any] | None = None,
) -> SourceDocument:
    return SourceDocument(
        fetch="https://example.test/",
        select=select or [],
        remove=remove or [],
        filters=filters or [],
    )


def extract_page(
    page: str, src: SourceDocument, base_url: str = TERMS_URL, **kw: Any
) -> ExtractResult:
    return extract_version((GOLDEN / page).read_bytes(), "text/html", src, base_url, **kw)


@dataclass(frozen=True)
class Case:
    name: str
    page: str
    select: list[Any] = field(default_factory=list)
    remove: list[Any] = field(default_factory=list)
    filters: list[Any] = field(default_factory=list)
    base_url: str = TERMS_URL
    warnings: tuple[str, ...] = ()


CASES = [
    # A terms page: the article selected, share buttons removed; nav and footer are outside.
    Case("terms_selected", "terms_page.html", select=["article.terms"], remove=[".share-buttons"]),
    # No select: the whole <body>, with site chrome removed by `remove` alone.
    Case("terms_remove_chrome", "terms_page.html", remove=["header", ".cookie-banner", "footer"]),
    # No select, no remove: everything visible in <body> (scripts and styles never are).
    Case("terms_whole_body", "terms_page.html"),
    # startBefore a heading six levels deep, endBefore a paragraph two levels deep.
    Case(
        "range_different_depths",
        "range_depths.html",
        select=[RangeSelector(start_before="#limits", end_before="#policy-end")],
        base_url=POLICY_URL,
    ),
    # startAfter excludes the start element, endAfter includes the end element.
    Case(
        "range_after_after",
        "range_depths.html",
        select=[RangeSelector(start_after="#intro", end_after="#policy-end")],
        remove=[".promo"],
        base_url=POLICY_URL,
    ),
    # OTA JSON form of a range, a remove range across elements, and CSS + range combined.
    Case(
        "range_remove_range",
        "range_depths.html",
        select=[{"startAfter": ".toc", "endBefore": "#prohibited"}, ".site-footer"],
        remove=[{"startBefore": "#limits ~ ul", "endAfter": ".promo"}],
        base_url=POLICY_URL,
    ),
    Case(
        "filters_all_params", "filters_page.html", select=["#policy"], filters=["removeQueryParams"]
    ),
    Case(
        "filters_named_params",
        "filters_page.html",
        select=["#policy"],
        filters=[
            {"removeQueryParams": ["utm_source", "utm_medium", "utm_campaign"]},
            "removeTrackingIDs",
        ],
        warnings=("filter 'removeTrackingIDs' is not built in; skipped",),
    ),
    # windows-1252 bytes declared by <meta http-equiv>; zero-width characters, &shy; and &nbsp;.
    Case("windows1252", "windows1252.html", select=[".cgu"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Case) -> None:
    src = source(case.select, case.remove, case.filters)
    result = extract_page(case.page, src, case.base_url)
    assert result.warnings == list(case.warnings)
    assert_golden(case.name, result.markdown)
    assert_well_formed(result.markdown)
    # Deterministic: the same capture always gives the same version.
    assert extract_page(case.page, src, case.base_url).markdown == result.markdown


def assert_well_formed(markdown: str) -> None:
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")
    assert "\n\n\n" not in markdown
    assert not re.search(r"[ \t]$", markdown, re.M), "trailing spaces"
    assert not re.search("[\u200b\u200c\u200d\ufeff\u00ad\u00a0]", markdown)


def test_combine_of_two_sources() -> None:
    first = extract_page("filters_page.html", source(["#policy"], filters=["removeQueryParams"]))
    second = extract_page(
        "range_depths.html",
        source([RangeSelector(start_before="#limits", end_before="#prohibited")]),
        POLICY_URL,
    )
    combined = combine_versions([first.markdown, second.markdown])
    assert_golden("combined", combined)
    # a `- - -` rule between the parts, as OTA's engine joins them
    assert combined == first.markdown + "\n- - -\n\n" + second.markdown
    assert combine_versions(["", "a\n", "\n\nb\n\n"]) == "a\n\n- - -\n\nb\n"
    assert combine_versions([]) == ""


# ---------------------------------------------------------------- selectors


def test_select_matching_nothing_names_the_selector() -> None:
    with pytest.raises(ExtractError) as err:
        extract_page("terms_page.html", source(["article.terms", "#no-such-section"]))
    assert err.value.reason == "selector_not_found"
    assert "#no-such-section" in str(err.value)


def test_range_end_matching_nothing_names_the_selector() -> None:
    with pytest.raises(ExtractError) as err:
        extract_page(
            "range_depths.html", source([RangeSelector(start_before="#intro", end_before="#gone")])
        )
    assert err.value.reason == "selector_not_found"
    assert "#gone" in str(err.value)


def test_range_ending_before_it_starts_is_an_error() -> None:
    src = source([RangeSelector(start_before="#prohibited", end_before="#intro")])
    with pytest.raises(ExtractError) as err:
        extract_page("range_depths.html", src)
    assert err.value.reason == "invalid_range"


def test_invalid_css_selector_is_an_extract_error() -> None:
    with pytest.raises(ExtractError) as err:
        extract_page("terms_page.html", source(["article[[["]))
    assert err.value.reason == "invalid_selector"


def test_remove_range_not_found_is_a_warning() -> None:
    src = source(["#policy"], remove=[{"startBefore": "#nothing", "endBefore": "p"}])
    result = extract_page("filters_page.html", src)
    assert result.warnings == [
        "remove range {startBefore: '#nothing', endBefore: 'p'} not found on the page; skipped"
    ]
    assert "Privacy Policy" in result.markdown


def test_remove_enclosing_the_selection_takes_it_along() -> None:
    # Remove comes first, as in OTA's engine: nothing is left for the select to match.
    with pytest.raises(ExtractError) as err:
        extract_page("terms_page.html", source(["#accounts"], remove=["main", "article"]))
    assert err.value.reason == "selector_not_found"


def test_select_list_keeps_selector_order_without_duplicates() -> None:
    result = extract_page("terms_page.html", source(["#disputes", "h2", "#accounts"]))
    headings = [line for line in result.markdown.splitlines() if line[:1].isdigit()]
    assert headings == [  # h2 as setext headings, `1\.` escaped, as OTA writes them
        "4\\. Disputes",
        "1\\. Accounts",
        "2\\. Credits and payment",
        "3\\. Your content",
    ]


def test_range_selector_dataclass_and_json_form_agree() -> None:
    as_json = {"startAfter": "#intro", "endAfter": "#policy-end"}
    as_class = RangeSelector(start_after="#intro", end_after="#policy-end")
    a = extract_page("range_depths.html", source([as_json]), POLICY_URL)
    b = extract_page("range_depths.html", source([as_class]), POLICY_URL)
    assert a.markdown == b.markdown


# ---------------------------------------------------------------- Markdown details


def html_md(body: str, base_url: str = "https://a.example/dir/page") -> str:
    html = f"<html><body>{body}</body></html>".encode()
    return extract_version(html, "text/html", source(), base_url).markdown


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>a <b> bold </b>word</p>", "a **bold** word\n"),
        ("<p>x<strong><b>nested</b></strong></p>", "x**nested**\n"),
        ("<h2><strong>Bold</strong> heading</h2>", "**Bold** heading\n----------------\n"),
        ("<h1>Title</h1><h3>Sub</h3>", "Title\n=====\n\n### Sub\n"),
        ("<p><a href='#top'>Top</a> <a href=''>empty</a></p>", "[Top](#top) empty\n"),
        (
            "<p><a href='x y(1).html'>odd</a> <a href='HTTP://Ex.COM'>host</a></p>",
            "[odd](https://a.example/dir/x%20y\\(1\\).html) [host](http://ex.com/)\n",
        ),
        (
            "<p><a href='/x'><img src='i.png' alt='Icon'></a> <img src='/d.png'></p>",
            "[![Icon](i.png)](https://a.example/x) ![](/d.png)\n",
        ),
        ("<p>1. not a list, a_b [c] *d*</p>", "1\\. not a list, a\\_b \\[c\\] \\*d\\*\n"),
        ("<p>- not a bullet; x - y</p>", "\\- not a bullet; x - y\n"),
        (
            "<p><a href='mailto:a@b.example'>a@b.example<br></a>555</p>",
            "[a@b.example](mailto:a@b.example)\n555\n",
        ),
        ("<p>line one<br>  line two</p>", "line one\nline two\n"),
        ("<p>use <code>a  |  b</code></p>", "use `a | b`\n"),
        ("<ul><li>one</li><li></li><li>two</li></ul>", "*   one\n*   two\n"),
        (
            "<ol start='9'><li>nine</li><li>ten<ul><li>sub</li></ul></li></ol>",
            "9.  nine\n10.  ten\n    *   sub\n",
        ),
        (  # no <th>: an empty header row (OTA's turndown); a short row stays short
            "<table><tr><td>a</td><td>b</td></tr><tr><td>1</td></tr></table>",
            "|  |  |\n| --- | --- |\n| a | b |\n| 1 |\n",
        ),
        (
            "<table><tr><th>h</th><th>i</th></tr><tr><td>1</td><td>2</td></tr></table>",
            "| h | i |\n| --- | --- |\n| 1 | 2 |\n",
        ),
        (  # a <thead> row left empty (its cells removed) is an empty header, not the first row
            "<table><thead><tr><th><img src=''></th></tr></thead><tr><td>1</td><td>2</td></tr></table>",
            "|  |  |\n| --- | --- |\n| 1 | 2 |\n",
        ),
        ("<div>loose <span>inline</span></div><div>next</div>", "loose inline\n\nnext\n"),
        (
            "<a href='/card'><div>Card title</div><p>Card text</p></a>",
            "[Card title](https://a.example/card)\n\n[Card text](https://a.example/card)\n",
        ),
        ("<p>a</p><p></p><p>&nbsp;</p><p>b</p><hr><p>c</p>", "a\n\nb\n\n* * *\n\nc\n"),
        ("<script>x()</script><noscript>enable js</noscript><template><p>t</p></template>", ""),
        ("<p aria-hidden='true'>kept like OTA does</p>", "kept like OTA does\n"),
    ],
)
def test_markdown_conversion(body: str, expected: str) -> None:
    assert html_md(body) == expected


def test_base_href_is_honoured() -> None:
    html = b"<html><head><base href='https://cdn.example/docs/'></head><body><a href='t.html'>t</a></body></html>"
    assert extract_version(html, "text/html", source(), "https://a.example/").markdown == (
        "[t](https://cdn.example/docs/t.html)\n"
    )


# ---------------------------------------------------------------- decoding


def test_declared_charset_wins_and_mime_parameter_is_read() -> None:
    page = "<html><body><p>Crédits – 5 €</p></body></html>".encode("cp1252")
    assert extract_version(
        page, "text/html", source(), "https://a.example/", "windows-1252"
    ).markdown == ("Crédits – 5 €\n")
    assert extract_version(
        page, "text/html; charset=windows-1252", source(), "https://a.example/"
    ).markdown == ("Crédits – 5 €\n")


def test_undeclared_non_utf8_is_detected_and_invalid_bytes_replaced() -> None:
    text = "<html><body><p>Les conditions générales s’appliquent à tous les crédits achetés.</p></body></html>"
    detected = extract_version(text.encode("cp1252"), "text/html", source(), "https://a.example/")
    assert "générales" in detected.markdown
    broken = extract_version(
        b"<p>ok \xff\xfe\xfd</p>" + "é".encode(), "text/html", source(), "https://a.example/"
    )
    assert broken.markdown.startswith("ok ")


def test_windows1252_meta_and_declared_charset_agree() -> None:
    src = source([".cgu"])
    assert (
        extract_page("windows1252.html", src).markdown
        == extract_page("windows1252.html", src, charset="windows-1252").markdown
    )


def test_plain_text_and_markdown_are_taken_as_is() -> None:
    raw = "\ufeffTerms\r\n\r\n1. Use\u200b the  service\rwell.\n\n\n".encode()
    for mime in ("text/plain", "text/markdown; charset=utf-8"):
        result = extract_version(raw, mime, source(), "https://a.example/t.txt")
        assert result.markdown == "Terms\n\n1. Use the  service\nwell.\n"


def test_unknown_type_is_rejected_but_html_is_sniffed() -> None:
    with pytest.raises(ExtractError) as err:
        extract_version(b"\x89PNG\r\n", "image/png", source(), "https://a.example/")
    assert err.value.reason == "unsupported_type"
    sniffed = extract_version(
        b"<!DOCTYPE html><p>hi</p>", "application/octet-stream", source(), "https://a/"
    )
    assert sniffed.markdown == "hi\n"


# ---------------------------------------------------------------- filters


def test_strip_query() -> None:
    url = "https://x.example/p?utm_source=a&keep=1&utm_medium=b&q=a%20b#frag"
    assert strip_query(url, None) == "https://x.example/p#frag"
    assert (
        strip_query(url, frozenset({"utm_source", "utm_medium"}))
        == "https://x.example/p?keep=1&q=a%20b#frag"
    )
    assert strip_query("/plain", None) == "/plain"


def test_apply_filters_reports_bad_entries() -> None:
    from lxml import etree

    root = etree.fromstring("<div><a href='/a?x=1'>a</a></div>")
    warnings = apply_filters(
        root, [42, {"removeQueryParams": 7}, {"removeQueryParams": "x"}], "https://a/"
    )
    assert warnings == [
        "filter entry 42 is neither a name nor an object; skipped",
        "filter 'removeQueryParams': parameter 7 is not a list of names; skipped",
    ]
    assert root[0].get("href") == "/a"


# ---------------------------------------------------------------- PDF


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        for paragraph in text.split("\n\n"):
            for line in paragraph.split("\n"):
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
    return bytes(pdf.output())


PDF_PAGES = [
    "1. Credits\n\n"
    "Purchased credits remain valid for twelve months from the date of pur-\n"
    "chase and cannot be transferred to another account or exchanged for\n"
    "cash.\n\n"
    "2. Refunds\n\n"
    "Refund requests must be made within fourteen days of the charge and are\n"
    "handled by our billing team, who will answer each request by e-mail\n"
    "within five business days of receiving it, in the order received, and\n",
    "without any additional fees.\n\n"
    "3. Changes\n\n"
    "We will give at least thirty days of notice before any change to these\n"
    "terms takes effect.\n\n"
    "2",
]
PDF_TEXT = (
    "1. Credits\n\n"
    "Purchased credits remain valid for twelve months from the date of purchase and cannot be "
    "transferred to another account or exchanged for cash.\n\n"
    "2. Refunds\n\n"
    "Refund requests must be made within fourteen days of the charge and are handled by our "
    "billing team, who will answer each request by e-mail within five business days of "
    "receiving it, in the order received, and without any additional fees.\n\n"
    "3. Changes\n\n"
    "We will give at least thirty days of notice before any change to these terms takes effect.\n"
)


def test_pdf_two_pages_dehyphenated_paragraphs() -> None:
    result = extract_version(
        make_pdf(PDF_PAGES), "application/pdf", source(), "https://a.example/t.pdf"
    )
    assert result.markdown == PDF_TEXT
    assert result.warnings == []


def test_pdf_ignores_selectors_with_a_warning() -> None:
    result = extract_version(make_pdf(PDF_PAGES), "application/pdf", source(["main"]), "https://a/")
    assert result.warnings == ["select/remove/filter do not apply to a PDF; ignored"]


@pytest.mark.parametrize("content", [b"%PDF-1.7\nthis is not really a pdf", b"", b"\x00" * 64])
def test_garbage_pdf_is_unreadable(content: bytes) -> None:
    with pytest.raises(ExtractError) as err:
        extract_version(content, "application/pdf", source(), "https://a.example/t.pdf")
    assert err.value.reason == "unreadable_pdf"


def test_encrypted_pdf_is_unreadable() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Secret terms")
    pdf.set_encryption(owner_password="owner", user_password="user")
    try:
        content = bytes(pdf.output())
    except Exception as exc:  # an fpdf2 build without its encryption dependency
        pytest.skip(f"fpdf2 cannot encrypt here: {exc}")
    with pytest.raises(ExtractError) as err:
        extract_version(content, "application/pdf", source(), "https://a.example/t.pdf")
    assert err.value.reason == "unreadable_pdf"


def test_pdf_bytes_are_sniffed_whatever_the_mime_type() -> None:
    stream = io.BytesIO(make_pdf(["Hello from a PDF served as octet-stream."]))
    result = extract_version(stream.getvalue(), "application/octet-stream", source(), "https://a/")
    assert result.markdown == "Hello from a PDF served as octet-stream.\n"
