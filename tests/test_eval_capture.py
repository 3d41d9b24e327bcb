"""The comparison functions of benchmarks/eval_capture.py, on tiny texts written here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from eval_capture import (  # noqa: E402 (the benchmarks folder must be importable first)
    Block,
    Doc,
    SnapshotFile,
    Stored,
    classify_block,
    classify_same_words,
    compare,
    fold_markdown,
    https_where_protocol_relative,
    links_as_text,
    lost_extra,
    normalise_ws,
    protocol_relative_links,
    uncombine,
    visible_words,
    word_diff,
)

# The same content as turndown (OTA) and as a converter with ATX headings would write it.
OTA = """Terms of Use
============

Last updated: _May 2, 2025_

1\\. Scope
---------

*   **Credits** expire after 12 months.
*   See the [FAQ](https://ex.test/faq "Questions").

* * *

### Contact\u200b

Write to \\[legal\\] at <https://ex.test/contact>.
"""

OURS = """# Terms of Use

Last updated: *May 2, 2025*

## 1. Scope

- __Credits__ expire after 12 months.
- See the [FAQ](https://ex.test/faq).

---

### Contact ###

Write to [legal] at https://ex.test/contact.
"""


def test_normalise_ws_collapses_every_run() -> None:
    assert normalise_ws("  a\n\n b\t c \u00a0") == "a b c"


def test_fold_markdown_makes_two_styles_of_the_same_content_equal() -> None:
    assert normalise_ws(OTA) != normalise_ws(OURS)
    assert fold_markdown(OTA) == fold_markdown(OURS)


def test_fold_markdown_keeps_what_a_reader_sees() -> None:
    assert fold_markdown("Credits expire after 12 months.") != fold_markdown(
        "Credits expire after 6 months."
    )
    # link targets are content, not style
    assert fold_markdown("[FAQ](https://a.test/x)") != fold_markdown("[FAQ](https://b.test/x)")
    assert links_as_text(fold_markdown("[FAQ](https://a.test/x)")) == "FAQ"
    # heading levels and list numbers are kept
    assert fold_markdown("# A") != fold_markdown("## A")
    assert fold_markdown("3. item") != fold_markdown("4. item")
    # snake_case is not emphasis
    assert fold_markdown("the oai_did cookie") == "the oai_did cookie"


def test_fold_markdown_heading_inside_a_numbered_item() -> None:
    assert fold_markdown("1.  Scope\n    -----\n") == fold_markdown("1. ## Scope\n")


def test_fold_markdown_rule_styles_and_empty_links() -> None:
    assert fold_markdown("a\n\n* * *\n\nb") == fold_markdown("a\n\n___\n\nb")
    assert fold_markdown("mail [](mailto:x@ex.test)[x@ex.test](mailto:x@ex.test)") == (
        fold_markdown("mail [x@ex.test](mailto:x@ex.test)")
    )


def test_visible_words_ignore_syntax_and_targets() -> None:
    assert visible_words(OTA) == visible_words(OURS)
    assert visible_words("See [the FAQ](https://ex.test/a_b?x=1) **now**.") == [
        "see",
        "the",
        "faq",
        "now",
    ]
    # an escaped number (OTA) and a heading number (ours) are the same word
    assert visible_words("1\\. Scope") == visible_words("## 1. Scope") == ["1", "scope"]
    assert visible_words("cell<br>next | x") == ["cell", "next", "x"]


def test_visible_words_split_cjk_characters() -> None:
    assert visible_words("用户协议 v2") == ["用", "户", "协", "议", "v2"]


def test_lost_and_extra_words_by_alignment() -> None:
    ota = ["we", "may", "suspend", "your", "account", "at", "any", "time"]
    ours = ["we", "may", "suspend", "or", "close", "your", "account"]
    assert lost_extra(ota, ours) == (3, 2)  # lost "at any time", extra "or close"
    assert lost_extra(ota, ota) == (0, 0)
    assert lost_extra(ota, []) == (len(ota), 0)
    blocks = word_diff(ota, ours)
    assert sum(b.lost for b in blocks) == 3 and sum(b.extra for b in blocks) == 2


def test_word_diff_merges_adjacent_deletion_and_insertion() -> None:
    blocks = word_diff(["as", "defined", "here"], ["asdefined", "here"])
    assert blocks == [Block(0, 2, 0, 1)]


def _classify(ota: list[str], ours: list[str], **kw: object) -> list[str]:
    args = {"pdf": False, "removed_texts": " ", "list_texts": " "} | kw
    return [classify_block(b, ota, ours, **args) for b in word_diff(ota, ours)]  # type: ignore[arg-type]


def test_classify_blocks() -> None:
    para = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    assert _classify([*para, *para], para) == ["ota_nested_repeat"]
    assert _classify(["as", "defined"], ["asdefined"]) == ["word_boundary"]
    assert _classify(["asdefined"], ["as", "defined"], pdf=True) == ["ota_pdf_glued_words"]
    assert _classify(["defined"], ["de\ufb01ned"], pdf=True) == ["ligature"]
    assert _classify(["1", "scope"], ["2", "scope"]) == ["list_numbering"]
    menu = ["home", "pricing", "blog", "careers", "contact"]
    assert _classify(para, [*menu, *para], removed_texts=f" {' '.join(menu)} ") == [
        "removal_not_applied"
    ]
    item = ["a", "responding", "to", "your", "queries", "and", "requests"]
    assert _classify([*item, *para], para, list_texts=f" {' '.join(item)} ") == ["list_text_lost"]
    assert _classify(["we", "may", "share"], ["we", "will", "share"]) == ["other"]


def test_pdf_running_headers_kept_by_ota_are_page_furniture() -> None:
    header = ["master", "services", "agreement", "last", "updated", "2025"]
    pages = [["clause", "one", "text"], ["clause", "two", "text"], ["clause", "three", "text"]]
    ota = [w for i, page in enumerate(pages) for w in [*page, *header, str(i + 1)]]
    ours = [w for page in pages for w in page]
    joined = f" {' '.join(ota)} "
    classes = set(_classify(ota, ours, pdf=True, ota_joined=joined))
    assert classes == {"pdf_page_furniture"}
    # the same words once only are not furniture: a real difference of layout or content
    once = [*pages[0], *header, *pages[1]]
    assert _classify(once, [*pages[0], *pages[1]], pdf=True, ota_joined=f" {' '.join(once)} ") == [
        "pdf_layout"
    ]


def test_classify_same_words() -> None:
    assert classify_same_words("[a](#x) b", "[a](https://ex.test/#x) b", js_filter=False) == (
        "link_target"
    )
    assert classify_same_words("[a](#x) b", "[a](/y) b", js_filter=True) == "ota_js_filter"
    assert classify_same_words(
        "[a](https://ex.test/x)", "[a](http://ex.test/x)", js_filter=False
    ) == ("loopback_scheme")
    ota_table = "| | |\n| --- | --- |\n| Name | Role |\n| Ada | Admin<br>Owner |\n"
    ours_table = "| Name | Role |\n| --- | --- |\n| Ada | Admin Owner |\n"
    assert classify_same_words(ota_table, ours_table, js_filter=False) == "table_header"
    assert classify_same_words("Title\n\n##\n\nPart two", "## Title Part two", js_filter=False) == (
        "heading_split"
    )
    assert classify_same_words("(see Settings)This", "(see Settings) This", js_filter=False) == (
        "spacing"
    )
    assert classify_same_words("Name Ada", "| Name | Ada |\n| --- | --- |", js_filter=False) == (
        "layout_table"
    )


def test_fold_covers_cells_line_breaks_empty_emphasis_and_link_padding() -> None:
    # a line break in a cell: OTA writes <br>, ClauseWatch a space (same words, same cells)
    assert fold_markdown("| A<br>B |\n| --- |") == fold_markdown("| A B |\n| --- |")
    assert fold_markdown("A<br>B") != fold_markdown("A B")  # outside a table it is not folded
    # `**\u200d**` (bold around a joiner) is not a rule once the joiner is gone
    assert fold_markdown("end.\n\n**\u200d**\n\nNext") == fold_markdown("end.\n\nNext")
    assert fold_markdown("a\n\n* * *\n\nb") == fold_markdown("a\n\n***\n\nb")
    # spaces inside a link's brackets read as spaces beside it
    assert fold_markdown("the [Settings ](https://ex.test/s)menu") == fold_markdown(
        "the [Settings](https://ex.test/s) menu"
    )


def test_uncombine_drops_only_the_separator_lines() -> None:
    assert uncombine("part one\n\n- - -\n\npart two - - - here") == (
        "part one\n\n\n\npart two - - - here"
    )


def _doc(tmp_path: Path, name: str, body: bytes, url: str, mime: str) -> Doc:
    (tmp_path / name).write_bytes(body)
    declaration = {"name": "Ex", "terms": {"Terms of Service": {"fetch": url}}}
    (tmp_path / "Ex.json").write_text(json.dumps(declaration), encoding="utf-8")
    return Doc(
        "Ex", "Terms of Service", "Ex", "c0ffee", "Ex/Terms of Service.md", "2025-01-01",
        [SnapshotFile(name, url, mime)], "Ex.json", None, False, False, "terms",
    )  # fmt: skip


def test_protocol_relative_links_are_https_when_the_page_was() -> None:
    """`//host/path` resolves to http on the loopback copy; the real https page gives https.
    Only the links the page writes protocol-relative are rewritten."""
    text = "See [here](http://docs.ex.test/privacy) and [old](http://legacy.ex.test/a).\n"
    fixed = https_where_protocol_relative(text, {"docs.ex.test/privacy"})
    assert fixed == "See [here](https://docs.ex.test/privacy) and [old](http://legacy.ex.test/a).\n"


def test_protocol_relative_links_read_from_https_snapshots_only(tmp_path: Path) -> None:
    page = b'<p><a href="//docs.ex.test/privacy?a=1&amp;b=2">x</a> <a href="/terms">t</a></p>'
    https = _doc(tmp_path, "a.html", page, "https://ex.test/terms", "text/html")
    http = _doc(tmp_path, "b.html", page, "http://ex.test/terms", "text/html")
    assert protocol_relative_links(tmp_path, https) == {"docs.ex.test/privacy?a=1&b=2"}
    assert protocol_relative_links(tmp_path, http) == set()


# A PDF's text as OTA's converter writes it (a word glued at a line end, the page number and the
# running header on every page) and as ours does (header once, no page numbers).
PDF_OTA = (
    "Master Agreement\n\nLast updated: 1 May 2025\n\nThe Subscriber pays within thirty days"
    " of theinvoice date.\n\n1\n\nMaster Agreement\n\nLast updated: 1 May 2025\n\nEither "
    "party may end it on notice.\n\n2\n\nMaster Agreement\n\nLast updated: 1 May 2025\n\n"
    "Notices go to the address on the order.\n\n3\n"
)
PDF_OURS = (
    "Master Agreement\n\nLast updated: 1 May 2025\n\nThe Subscriber pays within thirty days"
    " of the invoice date.\n\nEither party may end it on notice.\n\nNotices go to the address"
    " on the order.\n"
)


def test_a_reflowed_pdf_differs_only_on_the_ota_side(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "t.pdf", b"%PDF-1.4", "https://ex.test/t.pdf", "application/pdf")
    r = compare(tmp_path, doc, Stored(text=PDF_OURS), PDF_OTA)
    assert not r.same_words and r.ota_side_only and r.cls == "ota_pdf_reflowed"
    # one word changed in ours: not OTA's doing
    changed = PDF_OURS.replace("thirty days", "sixty days")
    r = compare(tmp_path, doc, Stored(text=changed), PDF_OTA)
    assert not r.ota_side_only and r.cls != "ota_pdf_reflowed"
