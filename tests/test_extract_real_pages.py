"""extract_version on the shapes real pages have: remove before select, loose text in lists,
layout tables, wrapped list items, links around blocks, protected e-mail addresses.

Every page here is a small one written for the test; none is taken from a captured document.
"""

from __future__ import annotations

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
    assert out == "## 1. Use\n\nUse the service lawfully.\n"


def test_select_resolved_after_remove_like_ota() -> None:
    # Removing the only element holding the selection leaves nothing to select: an error, as in
    # OTA's engine, never the removed text.
    with pytest.raises(ExtractError) as err:
        md(CHROME_PAGE, select=["main h2"], remove=["main"])
    assert err.value.reason == "selector_not_found"
    # :nth-child() in a select counts what is left after remove.
    page = "<div><p class='ad'>Ad</p><p>First</p><p>Second</p></div>"
    assert md(page, select=["div > p:nth-child(1)"], remove=[".ad"]) == "First\n"


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
            "Intro **text**\n\n1. One\n\nbetween\n\n2. Two\n",
        ),
        # A block straight inside a list is a paragraph, not a numbered item.
        ("<ol><p>Heading-like line</p><li>Item</li></ol>", "Heading-like line\n\n1. Item\n"),
    ],
)
def test_text_directly_inside_a_list_is_kept(body: str, expected: str) -> None:
    assert md(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<ul><span><li>One</li><li>Two</li></span></ul>", "- One\n- Two\n"),
        ("<ol><span><li>One</li></span><span><li>Two</li></span></ol>", "1. One\n2. Two\n"),
        (
            "<ul><div class='row'><span><li>Deep</li></span><li>Next<ul><li>sub</li></ul></li></div></ul>",
            "- Deep\n- Next\n  - sub\n",
        ),
    ],
)
def test_items_wrapped_in_inline_elements_stay_separate(body: str, expected: str) -> None:
    assert md(body) == expected
