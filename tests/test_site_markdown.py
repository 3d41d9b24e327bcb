"""A version's Markdown rendered as safe HTML on the site (monitor/publish/site/markdown_html.py)."""

from __future__ import annotations

import html.parser
import re

import pytest

from monitor.publish.site.markdown_html import Highlight, render_markdown


class _Tags(html.parser.HTMLParser):
    """Tags, attributes and text of an HTML fragment; checks it is balanced."""

    VOID = {"br", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(fragment: str) -> _Tags:
    p = _Tags()
    p.feed(fragment)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)
    return p


ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "blockquote", "pre",
    "code", "strong", "em", "del", "a", "span", "mark", "div", "table", "thead", "tbody", "tr",
    "th", "td",
}  # fmt: skip
ALLOWED_ATTRS = {"href", "rel", "class", "title", "id", "start", "scope"}


def test_headings_paragraphs_lists_emphasis() -> None:
    src = (
        "# Acme Terms\n\nLast updated: 1 May\n\n## 1. Credits\n\n"
        "Credits **expire** after _90 days_ and ~~never~~ roll over.\nA second line.\n\n"
        "- Standard: **2** jobs\n- Pro: 4 jobs\n  - priority queue\n\n"
        "3. third\n4. fourth\n\nSetext title\n============\n"
    )
    out = render_markdown(src)
    assert "<h1>Acme Terms</h1>" in out and "<h2>1. Credits</h2>" in out
    assert "<h1>Setext title</h1>" in out
    assert "<p>Last updated: 1 May</p>" in out
    assert "<strong>expire</strong>" in out and "<em>90 days</em>" in out
    assert "<del>never</del>" in out
    assert "roll over.<br>\nA second line." in out  # a line break the extractor wrote for <br>
    assert re.search(r"<ul>\s*<li>Standard: <strong>2</strong> jobs</li>", out)
    assert re.search(r"<li>Pro: 4 jobs\s*<ul>\s*<li>priority queue</li>\s*</ul>\s*</li>", out)
    assert '<ol start="3">' in out and "<li>fourth</li>" in out
    assert "#" not in "".join(parse(out).text)
    shifted = render_markdown(src, heading_offset=2)
    assert "<h3>Acme Terms</h3>" in shifted and "<h4>1. Credits</h4>" in shifted
    assert "<h6>" not in render_markdown("###### deep", heading_offset=3).replace("<h6>deep", "")


def test_tables_and_quotes_and_code() -> None:
    src = (
        "| Plan | Jobs | Price |\n| --- | :---: | ---: |\n| Free | 1 | $0 |\n| Pro \\| Team | 4 |\n\n"
        "> Quoted **text**\n> on two lines\n\n```\n<b>kept as text</b>\n```\n\nUse `a < b` here.\n\n---\n"
    )
    out = render_markdown(src)
    assert (
        '<th scope="col">Plan</th>' in out and '<th scope="col" class="al-right">Price</th>' in out
    )
    assert '<td class="al-center">1</td>' in out
    assert "<td>Pro | Team</td>" in out  # escaped pipe, and a missing cell is filled
    assert out.count("<tr>") == 3
    assert (
        "<blockquote>\n<p>Quoted <strong>text</strong><br>\non two lines</p>\n</blockquote>" in out
    )
    assert "<pre><code>&lt;b&gt;kept as text&lt;/b&gt;</code></pre>" in out
    assert "<code>a &lt; b</code>" in out
    assert "<hr>" in out
    parse(out)


@pytest.mark.parametrize(
    "url,linked",
    [
        ("https://acme.test/terms?a=1&b=2", True),
        ("http://acme.test/x", True),
        ("mailto:legal@acme.test", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:msgbox(1)", False),
        ("/relative/path", False),
        ("#fragment", False),
        ("//evil.test/x", False),
        ('https://acme.test/"onmouseover="alert(1)', False),
    ],
)
def test_links_keep_http_and_mailto_only(url: str, linked: bool) -> None:
    out = render_markdown(f"See [the terms]({url}) and <{url}>.")
    tags = parse(out)
    hrefs = [a.get("href") for t, a in tags.tags if t == "a"]
    assert "the terms" in "".join(tags.text)
    if linked:
        assert hrefs and all(h == url for h in hrefs)
    else:
        assert not [h for h in hrefs if h and not h.startswith(("http:", "https:", "mailto:"))]
        assert not re.search(r"(?i)javascript:|data:|vbscript:", " ".join(str(h) for h in hrefs))


def test_images_are_never_loaded() -> None:
    out = render_markdown("![Plan chart](https://img.test/c.png) ![x](javascript:alert(1))")
    assert "<img" not in out
    assert "[image: Plan chart]" in out and 'href="https://img.test/c.png"' in out
    assert "javascript" not in out


def test_everything_is_escaped() -> None:
    hostile = (
        '# <script>alert(1)</script>\n\n<img src=x onerror=alert(2)> "q" & &amp; '
        "<iframe src=https://x.test></iframe>\n\n"
        "| <b>h</b> |\n| --- |\n| <svg onload=alert(3)> |\n\n"
        "- <a href=javascript:alert(4)>x</a>\n\n[**<i>x</i>**](https://ok.test/)\n"
    )
    out = render_markdown(hostile)
    tags = parse(out)
    assert {t for t, _ in tags.tags} <= ALLOWED_TAGS
    assert {k for _, attrs in tags.tags for k in attrs} <= ALLOWED_ATTRS
    text = "".join(tags.text)
    for visible in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "&amp;",
        "<b>h</b>",
    ):
        assert visible in text
    assert "<script" not in out and "<img" not in out and "<iframe" not in out
    assert "&amp;amp;" in out  # the literal "&amp;" shown as written


def test_plain_text_survives_unchanged() -> None:
    """Text without markup is shown character for character (apart from the line breaks)."""
    src = "Prices in EUR (incl. VAT) * 2 = 10 > 9; snake_case_name, 5 * 3 * 2, a_b_c & [brackets]."
    assert "".join(parse(render_markdown(src)).text) == src


def test_highlights_and_anchors_follow_the_source_offsets() -> None:
    src = "# Terms\n\n- **Standard:** up to 2 concurrent jobs.\n- Pro: 4 jobs.\n\n| a | b |\n| - | - |\n| x | y |\n"
    start = src.index("**Standard")
    end = src.index("jobs.") + len("jobs.")
    cell = src.index("| x") + 2
    out = render_markdown(
        src,
        [
            Highlight(start, end, "exposure-high", 'title "quoted"', ("p-1",)),
            Highlight(cell, cell + 1, "exposure-low", "", ("p-2",)),
            Highlight(src.index("# "), src.index("# ") + 2, "", "", ("p-3",)),  # markup only
        ],
    )
    tags = parse(out)
    # the highlight is split at the <strong> boundary so the HTML stays well formed
    assert (
        '<strong><span id="p-1"></span><mark class="exposure-high" '
        'title="title &quot;quoted&quot;">Standard:</mark></strong><mark' in out
    )
    assert "up to 2 concurrent jobs.</mark>" in out
    assert '<td><span id="p-2"></span><mark class="exposure-low">x</mark></td>' in out
    ids = [a["id"] for t, a in tags.tags if t == "span"]
    assert sorted(ids) == ["p-1", "p-2", "p-3"]  # every anchor is written, once
    assert "<mark" not in out.split("Pro")[1].split("<table")[0]


def test_large_document_renders_quickly() -> None:
    import time

    para = "Credits **expire** after 90 days; see [terms](https://a.test/) and `code`.\n\n"
    src = "# Title\n\n" + para * 3000  # about 250,000 characters
    spans = [Highlight(k, k + 30, "exposure-low") for k in range(10, len(src) - 40, 400)]
    t0 = time.perf_counter()
    out = render_markdown(src, spans)
    assert time.perf_counter() - t0 < 5
    assert out.count("<p>") == 3000


def test_random_markup_stays_well_formed() -> None:
    """Fragments of Markdown syntax in any order: no crash, balanced tags, only allowed tags."""
    import random

    rng = random.Random(20261125)
    pieces = [
        "#", "# ", "## ", "-", "- ", "* ", "1. ", "2) ", "> ", "|", " | ", "---", "```", "~~",
        "**", "*", "_", "__", "`", "\\", "[", "]", "(", ")", "](https://a.test/)", "![", "<",
        ">", "<https://b.test/>", "&", "&amp;", "<script>", "\n", "\n\n", "  ", "word", "x_y",
        ":---:", "é", "\t", "=", "\r\n",
    ]  # fmt: skip
    for _ in range(400):
        src = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        spans = sorted({rng.randint(0, len(src)) for _ in range(6)})
        highlights = [
            Highlight(a, b, "exposure-high", "t", (f"p-{k}",))
            for k, (a, b) in enumerate(zip(spans[::2], spans[1::2], strict=False))
        ]
        out = render_markdown(src, highlights, heading_offset=2)
        tags = parse(out)
        assert {t for t, _ in tags.tags} <= ALLOWED_TAGS, src
        ids = [a["id"] for t, a in tags.tags if t == "span" and "id" in a]
        assert sorted(ids) == sorted(f"p-{k}" for k in range(len(highlights))), src
        assert "<script" not in out
