"""check_capture on pages that are not the document although they carry enough words to pass the
minimum: redirect pages, "this page isn't available" pages, error pages with a long menu and
footer. Every page here is written for the test.
"""

from __future__ import annotations

import pytest

from monitor.capture.check import check_capture
from monitor.capture.declarations import SourceDocument
from monitor.capture.extract import extract_version
from monitor.errors import CaptureRejected

URL = "https://www.quillstack.example/legal/terms"

# A site's menu and footer: enough words that a page made of little else is not "too short".
MENU = " ".join(
    f"<a href='/{word.lower()}'>{word}</a>"
    for word in [
        "Products",
        "Pricing",
        "Enterprise",
        "Customers",
        "Blog",
        "Careers",
        "Documentation",
        "Community",
        "Events",
        "Partners",
        "Security",
        "Status",
        "Changelog",
        "Support",
        "Contact",
        "Press",
        "Brand",
        "Investors",
        "About",
        "Legal",
    ]
)
FOOTER = (
    "<footer><p>Quillstack builds writing tools for teams of every size, from two founders "
    "in a garage to companies with offices on four continents. Our products help people draft, "
    "review and publish documents together, and our support team answers questions in English, "
    "French and Spanish every working day of the year.</p><p>Copyright 2025 Quillstack Inc. All "
    "rights reserved. Quillstack and the Quillstack logo are trademarks of Quillstack Inc.</p>"
    f"<nav>{MENU}</nav></footer>"
)
SITEMAP = (
    "<ul>"
    + "".join(f"<li><a href='/s/{n}'>Guide number {n} for teams</a></li>" for n in range(90))
    + "</ul>"
)


def page(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><nav>{MENU}</nav>"
        f"<main>{body}</main>{FOOTER}</body></html>"
    ).encode()


def words(raw: bytes) -> int:
    return len(markdown_of(raw).split())


def markdown_of(raw: bytes) -> str:
    return extract_version(raw, "text/html", SourceDocument(fetch=URL), URL).markdown


def rejection(raw: bytes) -> CaptureRejected:
    with pytest.raises(CaptureRejected) as err:
        check_capture(200, URL, markdown_of(raw), raw_html=raw)
    message = str(err.value)
    # Never silent: one line naming the URL, the reason and what was seen.
    assert URL in message and str(err.value.reason) in message and "\n" not in message
    return err.value


REDIRECTING = page("Redirecting…", "<h1>Redirecting…</h1><p>Please wait a moment.</p>")
REFRESH_ONLY = page(
    "Quillstack",
    "<p>Our legal documents now live in the Quillstack Trust Center.</p>",
    head="<meta content='0; url=https://trust.quillstack.example/terms' http-equiv='refresh'>",
)
NOT_AVAILABLE = page(
    "Quillstack",
    "<h2>Sorry, this page isn't available</h2><p>The link you followed may be broken, or the page "
    "may have been removed.</p>" + SITEMAP,
)
REGION = page("Quillstack", "<p>This content is not available in your country.</p>" + SITEMAP)
LONG_404 = page(
    "Quillstack",
    "<h1>Oops</h1><p>We can't find that page. Try one of these guides instead:</p>" + SITEMAP,
)
DOCUMENT_NOT_FOUND = page(
    "Cookie Policy",
    "<h1>Cookie Policy</h1><p>The document could not be found. If you are the owner of the "
    "site, check your settings.</p>",
)


@pytest.mark.parametrize(
    ("raw", "reason", "evidence"),
    [
        (REDIRECTING, "redirect_stub", "Redirecting"),
        (REFRESH_ONLY, "redirect_stub", "https://trust.quillstack.example/terms"),
        (NOT_AVAILABLE, "unavailable", "this page isn't available"),
        (REGION, "unavailable", "This content is not available"),
        (LONG_404, "error_page", "can't find that page"),
        (DOCUMENT_NOT_FOUND, "error_page", "document could not be found"),
    ],
    ids=["redirecting", "meta-refresh", "not-available", "region", "long-404", "document"],
)
def test_pages_that_are_not_the_document_are_refused(
    raw: bytes, reason: str, evidence: str
) -> None:
    assert words(raw) > 100  # well over the minimum: only what the page says gives it away
    error = rejection(raw)
    assert error.reason == reason
    assert evidence in str(error)


CLAUSES = (
    "<h1>Terms of Service</h1><p>These terms apply to every Quillstack workspace and to every "
    "person who uses one, whether they pay for a plan or use the free tier.</p>"
    "<p>If a shared document is deleted, its link shows a page not found error.</p>"
    "<p>Some features are not available in your country when local law forbids them.</p>"
    "<p>You will be redirected to our payment provider to pay for a plan.</p>"
    "<p>This page has been reviewed by our legal team and was last updated in March 2025.</p>"
) * 3


def test_real_terms_mentioning_those_words_pass() -> None:
    raw = page("Terms of Service | Quillstack", CLAUSES + SITEMAP)
    check_capture(200, URL, markdown_of(raw), raw_html=raw)


def test_refresh_inside_noscript_or_to_reload_is_not_a_redirect() -> None:
    noscript = "<noscript><meta http-equiv='refresh' content='0; url=/no-js'></noscript>"
    reload = "<meta http-equiv='refresh' content='600'>"
    for head in (noscript, reload):
        raw = page("Terms of Service", CLAUSES + SITEMAP, head=head)
        check_capture(200, URL, markdown_of(raw), raw_html=raw)


@pytest.mark.parametrize(
    "heading",
    [
        "# Something went wrong",
        "Something went wrong\n====================",
        "Something went wrong\n---",
    ],
    ids=["atx", "setext-1", "setext-2"],
)
def test_markdown_only_error_page_is_refused_by_its_heading(heading: str) -> None:
    # An imported history has only the Markdown: its heading, ATX or setext (our extractor's and
    # Open Terms Archive's h1/h2), is what says this long menu page is not the document.
    sitemap = " ".join(["Products Pricing Enterprise Customers Blog Careers Documentation"] * 70)
    markdown = f"{heading}\n\nPlease try again later.\n\n{sitemap}"
    with pytest.raises(CaptureRejected) as caught:
        check_capture(200, URL, markdown)
    assert caught.value.reason == "error_page"
    assert "Something went wrong" in str(caught.value)
