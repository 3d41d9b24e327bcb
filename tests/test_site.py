"""The static site: pages parse, links resolve, feeds are Atom, fetched text stays inert.

`fill_store` (also used by test_site_browser.py and test_digest.py) writes a small synthetic store
directly through the SQLAlchemy models: four platforms (ids with dots, non-ASCII and spaces),
versions over several ISO weeks, provisions with facts, substantive, editorial and imported
changes, and one version whose text contains `<script>alert(1)</script>` and `&amp;`.
"""

from __future__ import annotations

import hashlib
import html
import html.parser
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from diff_match_patch import diff_match_patch
from sqlalchemy import select

from monitor.config import Settings
from monitor.publish.site import build_site
from monitor.publish.site.pages import highlight
from monitor.publish.site.paths import (
    SitePaths,
    iso_week,
    rel_url,
    site_paths,
    slugify,
    week_bounds,
)
from monitor.store import Change, Document, Provision, Service, Snapshot, Store, Version

NOW = datetime(2026, 11, 25, 12, 0)  # Wednesday of 2026-W48
HOSTILE = "<script>alert(1)</script>"


# ---------------------------------------------------------------- synthetic store


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Filled:
    store: Store
    settings: Settings
    ids: dict[str, Any] = field(default_factory=dict)


class _Writer:
    def __init__(self, session: Any) -> None:
        self.s = session
        self.snap_n = 0

    def service(self, sid: str, name: str) -> None:
        self.s.add(Service(id=sid, name=name, created_at=datetime(2026, 10, 1)))

    def document(self, sid: str, terms_type: str, url: str, checked: datetime) -> Document:
        doc = Document(
            service_id=sid,
            terms_type=terms_type,
            url=url,
            created_at=datetime(2026, 10, 1),
            last_checked_at=checked,
            last_success_at=checked,
            consecutive_failures=0,
        )
        self.s.add(doc)
        self.s.flush()
        return doc

    def version(self, doc: Document, text: str, at: datetime, origin: str = "capture") -> Version:
        self.snap_n += 1
        raw = f"<html><body><main>{text}</main></body></html>"
        snap = Snapshot(
            document_id=doc.id,
            captured_at=at,
            sha256=_sha(raw),
            path=f"{doc.service_id}/{doc.terms_type}/{at:%Y-%m-%dT%H-%M-%SZ}.html",
            url=doc.url or "",
            final_url=doc.url or "",
            status=200,
            mime_type="text/html",
            fetcher="http",
            size=len(raw),
        )
        self.s.add(snap)
        self.s.flush()
        v = Version(
            document_id=doc.id,
            captured_at=at,
            recorded_at=at,
            text=text,
            sha256=_sha(text),
            normalised_sha256=_sha(text.lower()),
            snapshot_ids=[snap.id],
            url=doc.url,
            origin=origin,
        )
        self.s.add(v)
        self.s.flush()
        return v

    def provision(
        self,
        doc: Document,
        v: Version,
        category: str,
        clause: str,
        facts: list[dict[str, Any]],
        exposure: str,
        unfair: bool = False,
        heading: tuple[str, ...] = ("Terms",),
    ) -> Provision:
        assert clause in v.text
        p = Provision(
            document_id=doc.id,
            category=category,
            anchor=clause[:40],
            heading_path=list(heading),
            text=clause,
            facts=facts,
            confidence=0.9,
            unfair=unfair,
            exposure=exposure,
            reasons=[],
            first_version_id=v.id,
            last_version_id=v.id,
            first_seen_at=v.captured_at,
            last_seen_at=v.captured_at,
            active=True,
        )
        self.s.add(p)
        self.s.flush()
        return p

    def change(
        self,
        doc: Document,
        old: Version,
        new: Version,
        old_clause: str | None,
        new_clause: str | None,
        categories: list[str],
        exposure: str,
        at: datetime,
        *,
        kind: str = "modified",
        deltas: list[dict[str, Any]] | None = None,
        editorial: bool = False,
        alertable: bool = True,
        unfair: bool = False,
    ) -> Change:
        def excerpt(v: Version, clause: str | None) -> dict[str, Any] | None:
            if clause is None:
                return None
            start = v.text.index(clause)
            return {
                "text": clause,
                "start": start,
                "end": start + len(clause),
                "version_sha256": v.sha256,
            }

        dmp = diff_match_patch()
        ops = dmp.diff_main(old_clause or "", new_clause or "")
        dmp.diff_cleanupSemantic(ops)
        c = Change(
            document_id=doc.id,
            from_version_id=old.id,
            to_version_id=new.id,
            detected_at=at,
            kind=kind,
            categories=categories,
            editorial=editorial,
            editorial_kind="spelling" if editorial else None,
            exposure=exposure,
            unfair=unfair,
            reasons=[] if editorial else [f"{kind} {', '.join(categories)} provision"],
            fact_deltas=deltas or [],
            heading_path=["Terms"],
            before=excerpt(old, old_clause),
            after=excerpt(new, new_clause),
            diff=[[op, t] for op, t in ops],
            alertable=alertable and not editorial,
        )
        self.s.add(c)
        self.s.flush()
        return c


FRAME_V1 = """# Framecast Terms of Service

## 1. Rendering

You may run up to 5 concurrent render jobs on the Studio plan. Jobs above the limit wait in a queue.

## 2. Credits

Purchased credits expire 12 months after purchase and are not refundable.

## 3. Disputes

Any dispute will be resolved by binding arbitration administered by the AAA; you waive any right to a jury trial.
"""
FRAME_V2 = FRAME_V1.replace("up to 5 concurrent", "up to 2 concurrent").replace(
    "expire 12 months", "expire 90 days"
)
FRAME_V3 = FRAME_V2.replace("wait in a queue", "wait in a queue.").replace("..", ".")

CLAUDE_V1 = """# Claude.ai Consumer Terms

We may change these Terms. We will give you at least 30 days' notice before material changes take effect.

You may run up to 3 concurrent conversations with extended thinking at a time.
"""
CLAUDE_V2 = CLAUDE_V1.replace("30 days' notice", "7 days' notice")

DALLE_V1 = f"""# DALL·E Content Policy

Do not create images of real people without consent. Terms & conditions apply: see "Safety &amp; Security".

Example of text we strip from prompts: {HOSTILE} <img src=x onerror=alert(2)>
"""
DALLE_ARB = (
    "All claims are resolved by individual arbitration before JAMS; class actions are waived."
)
DALLE_V2 = DALLE_V1 + "\n" + DALLE_ARB + "\n"

LECHAT_V1 = """# Le Chat Terms of Use

Free accounts may run up to 4 concurrent requests. Paid credits remain valid for 24 months.
"""
LECHAT_V2 = LECHAT_V1.replace("24 months", "18 months")


def _fact(
    name: str, value: float | str, unit: str, text: str, kind: str = "count"
) -> dict[str, Any]:
    return {"kind": kind, "name": name, "value": value, "unit": unit, "text": text}


def _delta(name: str, old: float, new: float, unit: str, direction: str) -> dict[str, Any]:
    kind = "duration" if unit == "days" else "count"
    return {
        "name": name,
        "kind": kind,
        "old": old,
        "new": new,
        "unit": unit,
        "direction": direction,
    }


def fill_store(
    tmp_path: Path, base_url: str = "https://watch.example.org/terms/", database_url: str = ""
) -> Filled:
    """A store with four platforms and changes in 2026-W45..W48 (NOW is in W48); `database_url`
    "" is the default SQLite file."""
    settings = Settings(root=tmp_path, database_url=database_url)
    settings.site.base_url = base_url
    store = Store(settings.database_url)
    ids: dict[str, Any] = {}
    with store.session() as s:
        w = _Writer(s)
        for sid, name in (
            ("Framecast", "Framecast"),
            ("Claude.ai", "Claude.ai"),
            ("DALL·E", "DALL·E"),
            ("Le Chat", "Le Chat"),
        ):
            w.service(sid, name)
        s.flush()
        checked = NOW - timedelta(hours=6)

        # Framecast: W45 first capture, W47 concurrency + credit changes and an editorial fix
        fc = w.document("Framecast", "Terms of Service", "https://framecast.test/terms", checked)
        f1 = w.version(fc, FRAME_V1, datetime(2026, 11, 2, 6))
        f2 = w.version(fc, FRAME_V2, datetime(2026, 11, 18, 6))
        f3 = w.version(fc, FRAME_V3, datetime(2026, 11, 19, 6))
        conc2 = "You may run up to 2 concurrent render jobs on the Studio plan."
        cred2 = "Purchased credits expire 90 days after purchase and are not refundable."
        ids["fc_conc"] = w.change(
            fc,
            f1,
            f2,
            conc2.replace("2 conc", "5 conc"),
            conc2,
            ["concurrency_limit"],
            "high",
            datetime(2026, 11, 18, 6, 5),
            deltas=[_delta("concurrent_jobs", 5, 2, "jobs", "less_favourable")],
        ).id
        ids["fc_cred"] = w.change(
            fc,
            f1,
            f2,
            cred2.replace("90 days", "12 months"),
            cred2,
            ["credit_expiry"],
            "high",
            datetime(2026, 11, 18, 6, 5),
            unfair=True,
            deltas=[_delta("credit_validity", 365, 90, "days", "less_favourable")],
        ).id
        ids["fc_edit"] = w.change(
            fc,
            f2,
            f3,
            "wait in a queue",
            "wait in a queue.",
            [],
            "low",
            datetime(2026, 11, 19, 6, 5),
            kind="editorial",
            editorial=True,
        ).id
        w.provision(
            fc,
            f3,
            "concurrency_limit",
            conc2,
            [_fact("concurrent_jobs", 2, "jobs", "up to 2 concurrent render jobs")],
            "high",
        )
        w.provision(
            fc,
            f3,
            "credit_expiry",
            cred2,
            [_fact("credit_validity", 90, "days", "90 days", "duration")],
            "high",
            unfair=True,
        )
        arb = "Any dispute will be resolved by binding arbitration administered by the AAA; you waive any right to a jury trial."
        w.provision(
            fc,
            f3,
            "arbitration",
            arb,
            [_fact("arbitration_body", "AAA", "", "the AAA", "body")],
            "high",
            unfair=True,
        )
        # a second Framecast document without changes
        fp = w.document("Framecast", "Privacy Policy", "https://framecast.test/privacy", checked)
        w.version(
            fp, "# Privacy Policy\n\nWe keep render logs for 30 days.\n", datetime(2026, 11, 2, 6)
        )

        # Claude.ai: W46 notice period shortened
        cl = w.document("Claude.ai", "Terms of Service", "https://claude.test/terms", checked)
        c1 = w.version(cl, CLAUDE_V1, datetime(2026, 11, 3, 6))
        c2 = w.version(cl, CLAUDE_V2, datetime(2026, 11, 12, 6))
        notice2 = "We will give you at least 7 days' notice before material changes take effect."
        ids["cl_notice"] = w.change(
            cl,
            c1,
            c2,
            notice2.replace("7 days", "30 days"),
            notice2,
            ["unilateral_change"],
            "medium",
            datetime(2026, 11, 12, 6, 3),
            deltas=[_delta("notice_period", 30, 7, "days", "less_favourable")],
        ).id
        w.provision(
            cl,
            c2,
            "unilateral_change",
            notice2,
            [_fact("notice_period", 7, "days", "7 days'", "duration")],
            "medium",
        )
        w.provision(
            cl,
            c2,
            "concurrency_limit",
            "You may run up to 3 concurrent conversations with extended thinking at a time.",
            [_fact("concurrent_jobs", 3, "jobs", "up to 3 concurrent")],
            "medium",
        )

        # DALL·E: hostile text; W48 (current week) arbitration added
        da = w.document("DALL·E", "Content Policy", "https://dalle.test/policy?a=1&b=<2>", checked)
        d1 = w.version(da, DALLE_V1, datetime(2026, 11, 4, 6))
        d2 = w.version(da, DALLE_V2, datetime(2026, 11, 24, 6))
        ids["da_arb"] = w.change(
            da,
            d1,
            d2,
            None,
            DALLE_ARB,
            ["arbitration"],
            "high",
            datetime(2026, 11, 24, 6, 2),
            kind="added",
            unfair=True,
        ).id
        w.provision(
            da,
            d2,
            "arbitration",
            DALLE_ARB,
            [_fact("arbitration_body", "JAMS", "", "JAMS", "body")],
            "high",
            unfair=True,
        )
        hostile_clause = f"Example of text we strip from prompts: {HOSTILE}"
        w.provision(da, d2, "acceptable_use", hostile_clause, [], "low")

        # Le Chat: imported history in W46 (recorded, never alerted)
        lc = w.document("Le Chat", "Terms of Service", "https://lechat.test/terms", checked)
        l1 = w.version(lc, LECHAT_V1, datetime(2026, 10, 20, 6), origin="import")
        l2 = w.version(lc, LECHAT_V2, datetime(2026, 11, 10, 6), origin="import")
        ids["lc_cred"] = w.change(
            lc,
            l1,
            l2,
            "Paid credits remain valid for 24 months.",
            "Paid credits remain valid for 18 months.",
            ["credit_expiry"],
            "medium",
            datetime(2026, 11, 10, 6, 1),
            alertable=False,
            deltas=[_delta("credit_validity", 730, 545, "days", "less_favourable")],
        ).id
        w.provision(
            lc,
            l2,
            "concurrency_limit",
            "Free accounts may run up to 4 concurrent requests.",
            [_fact("concurrent_jobs", 4, "jobs", "up to 4 concurrent")],
            "low",
        )
        w.provision(
            lc,
            l2,
            "credit_expiry",
            "Paid credits remain valid for 18 months.",
            [_fact("credit_validity", 545, "days", "18 months", "duration")],
            "medium",
        )
    return Filled(store, settings, ids)


# ---------------------------------------------------------------- HTML helpers


class _Page(html.parser.HTMLParser):
    """Collects links, ids, <script> elements and checks tags are balanced."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "circle",
        "line",
        "path",
        "rect",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts = 0
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(str(a[name]))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("href"):
            self.links.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_page(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text("utf-8"))
    p.close()
    return p


def crawl(root: Path) -> dict[Path, _Page]:
    """Every page reachable from index.html; asserts every internal link resolves to a file."""
    seen: dict[Path, _Page] = {}
    todo = [root / "index.html"]
    broken: list[str] = []
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        parsed = parse_page(page)
        seen[page] = parsed
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                if parts.scheme not in ("http", "https", "mailto"):
                    broken.append(f"{page}: odd scheme {link}")
                continue  # external links (document sources) are shown, not fetched
            if not parts.path:
                if parts.fragment and parts.fragment not in parsed.ids:
                    broken.append(f"{page.relative_to(root)}: missing anchor #{parts.fragment}")
                continue
            target = Path(posixpath.normpath(posixpath.join(str(page.parent), unquote(parts.path))))
            if root not in target.parents and target != root:
                broken.append(f"{page.relative_to(root)}: {link} leaves the site")
            elif not target.is_file():
                broken.append(f"{page.relative_to(root)}: {link} -> missing {target}")
            elif target.suffix == ".html":
                todo.append(target)
    assert not broken, "\n".join(broken[:20])
    return seen


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Filled, Path]:
    tmp = tmp_path_factory.mktemp("site")
    filled = fill_store(tmp)
    out = tmp / "public" / "site"
    result = build_site(filled.settings, filled.store, output_dir=out, now=NOW)
    assert result.output_dir == out
    return filled, out


# ---------------------------------------------------------------- unit tests


def test_slugify_is_safe() -> None:
    assert slugify("Claude.ai") == "claude-ai"
    assert slugify("DALL·E") == "dall-e"
    assert slugify("Le Chat") == "le-chat"
    assert slugify("Crédit Agricole") == "credit-agricole"
    for hostile in ("..", "../../etc/passwd", "/", "", "日本語", "CON", "a" * 300):
        slug = slugify(hostile)
        assert slug and "/" not in slug and slug not in (".", "..") and len(slug) <= 70
        assert re.fullmatch(r"[a-z0-9-]+", slug)
    paths = SitePaths(["Le Chat", "le-chat", "LE CHAT"], [])
    assert len(set(paths.services.values())) == 3


def test_weeks_and_relative_links() -> None:
    assert iso_week(datetime(2026, 11, 25)) == "2026-W48"
    assert iso_week(datetime(2027, 1, 1)) == "2026-W53"
    start, end = week_bounds("2026-W48")
    assert start == datetime(2026, 11, 23) and end == datetime(2026, 11, 30)
    with pytest.raises(ValueError):
        week_bounds("2026-48")
    assert rel_url("digest/2026-W48/index.html", "style.css") == "../../style.css"
    assert rel_url("index.html", "digest/index.html") == "digest/index.html"
    assert SitePaths.absolute("https://x.test/a", "digest/2026-W48/index.html") == (
        "https://x.test/a/digest/2026-W48/"
    )


def test_highlight_overlapping_provisions() -> None:
    from monitor.publish.site.model import ProvisionView, unknown_category

    def prov(pid: int, text: str) -> ProvisionView:
        return ProvisionView(pid, unknown_category("x"), text, "", [], [], "high", False, NOW, NOW)

    text = "Alpha beta gamma delta."
    segs, located = highlight(text, [prov(1, "beta gamma"), prov(2, "gamma delta"), prov(3, "zzz")])
    assert "".join(s.text for s in segs) == text
    assert located == {1, 2}
    assert [(s.text, [p.id for p in s.provisions]) for s in segs] == [
        ("Alpha ", []),
        ("beta ", [1]),
        ("gamma", [1, 2]),
        (" delta", [2]),
        (".", []),
    ]


# ---------------------------------------------------------------- the built site


def test_every_page_parses_and_every_link_resolves(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    pages = crawl(out)
    all_html = sorted(out.rglob("*.html"))
    assert set(pages) == set(all_html), "every page is reachable from the home page"
    assert len(all_html) >= 20
    for path, parsed in pages.items():
        assert not parsed.errors, f"{path}: {parsed.errors[:3]}"
        assert not parsed.stack, f"{path}: unclosed {parsed.stack}"
        assert parsed.scripts == 0, f"{path}: has a <script> element"
        text = path.read_text("utf-8")
        assert '<meta name="viewport"' in text
        # no external requests: no absolute http(s) URL in any src or stylesheet link
        assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(css|js|woff2?)"', text)
    lxml_html = pytest.importorskip("lxml.html")
    for path in all_html:
        lxml_html.fromstring(path.read_bytes())  # lxml accepts it as well


def test_no_leftovers_and_rebuild_is_atomic(built: tuple[Filled, Path], tmp_path: Path) -> None:
    filled, out = built
    siblings = [p.name for p in out.parent.iterdir()]
    assert siblings == ["site"], siblings  # no temp folders left behind
    target = tmp_path / "s"
    build_site(filled.settings, filled.store, output_dir=target, now=NOW)
    (target / "stale.html").write_text("old")
    build_site(filled.settings, filled.store, output_dir=target, now=NOW)
    assert not (target / "stale.html").exists()
    assert (target / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_paths_are_slugified(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    platforms = sorted(p.name for p in (out / "platforms").iterdir())
    assert platforms == ["claude-ai", "dall-e", "framecast", "le-chat"]
    assert (out / "platforms/dall-e/content-policy/index.html").is_file()
    assert (out / "digest/2026-W47/index.html").is_file()
    assert (out / "digest/2026-W45/index.html").is_file()


def test_home_page(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    text = (out / "index.html").read_text("utf-8")
    for name in ("Framecast", "Claude.ai", "DALL·E", "Le Chat"):
        assert name in text
    assert "2026-11-25 06:00 UTC" in text  # last checked
    assert not re.search(r"</time><a", text)  # the date and the platform are apart
    assert "digest/2026-W47/index.html" in text  # last complete week
    # editorial changes are not on the home page
    assert "changes/" in text and f"changes/{built[0].ids['fc_edit']}/" not in text


def test_hostile_text_is_inert(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    page = out / "platforms/dall-e/content-policy/index.html"
    text = page.read_text("utf-8")
    parsed = parse_page(page)
    assert parsed.scripts == 0
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text
    assert "&amp;amp;" in text  # the literal "&amp;" of the document, escaped once more
    assert HOSTILE in "".join(parsed.text)  # shown to the reader as text
    assert "<mark" in text
    for p in out.rglob("*.html"):
        assert "<script" not in p.read_text("utf-8").lower()


def test_document_page_marks_provisions(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    text = (out / "platforms/framecast/terms-of-service/index.html").read_text("utf-8")
    assert re.search(r'<mark class="exposure-high"[^>]*>You may run up to 2 concurrent', text)
    assert "Version history" in text
    assert text.count("<tr>") >= 4  # header + 3 versions


def test_document_page_renders_the_markdown(built: tuple[Filled, Path]) -> None:
    """The version is shown as formatted text: headings, not "# ..." lines (issue: site polish)."""
    _filled, out = built
    page = out / "platforms/framecast/terms-of-service/index.html"
    text = page.read_text("utf-8")
    body = text[text.index('<div class="doc-text') : text.index("</div>", text.index("doc-text"))]
    # the document's own headings sit under the page's h1 and the "Current version" h2
    assert "<h3>Framecast Terms of Service</h3>" in body
    assert "<h4>1. Rendering</h4>" in body and "<h4>3. Disputes</h4>" in body
    assert body.count("<p>") >= 3
    shown = "".join(parse_page(page).text)
    assert not re.search(r"(?m)^\s*#", shown), "a raw Markdown heading is shown"
    assert "## " not in shown
    # a provision's anchor and mark survive the rendering, inside a paragraph
    assert re.search(r'<p><span id="p-\d+"></span><mark class="exposure-high"', body)


def test_provision_quotes_render_their_markdown(tmp_path: Path) -> None:
    filled = fill_store(tmp_path)
    with filled.store.session() as s:
        p = s.scalars(select(Provision).where(Provision.category == "concurrency_limit")).first()
        assert p is not None
        p.text = "**Studio:** up to 2 [concurrent](javascript:alert(1)) render jobs"
    out = build_site(filled.settings, filled.store, output_dir=tmp_path / "s", now=NOW).output_dir
    for page in ("categories/concurrency-limit/index.html", "platforms/framecast/index.html"):
        text = (out / page).read_text("utf-8")
        assert "<strong>Studio:</strong> up to 2 concurrent render jobs" in text
        assert "**Studio" not in text and "javascript:" not in text


def test_the_disclaimer_appears_once_per_page(built: tuple[Filled, Path]) -> None:
    filled, out = built
    from monitor.publish.site.model import load_categories

    disclaimer = load_categories()[1]
    needle = html.escape(disclaimer[:60], quote=True)
    pages = sorted(out.rglob("*.html"))
    counts = {str(p.relative_to(out)): p.read_text("utf-8").count(needle) for p in pages}
    assert {k: v for k, v in counts.items() if v != 1} == {}
    # next to the analysis where a page has one, in the footer otherwise
    change = (
        out / f"platforms/framecast/terms-of-service/changes/{filled.ids['fc_conc']}/index.html"
    )
    text = change.read_text("utf-8")
    assert text.index(needle) < text.index("<footer")
    home = (out / "index.html").read_text("utf-8")
    assert home.index(needle) > home.index("<footer")


def test_breadcrumbs_have_no_trailing_separator(built: tuple[Filled, Path]) -> None:
    filled, out = built
    change = f"platforms/framecast/terms-of-service/changes/{filled.ids['fc_conc']}/index.html"
    expected = {
        "platforms/framecast/terms-of-service/index.html": ["Framecast", "Terms of Service"],
        change: ["Framecast", "Terms of Service", f"Change {filled.ids['fc_conc']}"],
        "categories/arbitration/index.html": ["Compare provisions", "Arbitration"],
    }
    for page, trail in expected.items():
        text = (out / page).read_text("utf-8")
        crumbs = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', text, flags=re.S)
        assert crumbs, page
        words = re.sub(r"<[^>]+>", "", crumbs.group(1))
        assert [w.strip() for w in words.split("›")] == trail
        assert not words.rstrip().endswith("›")
    for p in out.rglob("*.html"):
        assert not re.search(r"›\s*</(p|nav)>", p.read_text("utf-8")), p


def test_change_page_has_diff_analysis_and_evidence(built: tuple[Filled, Path]) -> None:
    filled, out = built
    page = out / f"platforms/framecast/terms-of-service/changes/{filled.ids['fc_conc']}/index.html"
    text = page.read_text("utf-8")
    assert "<del>5</del>" in text and "<ins>2</ins>" in text
    assert "verified" in text and "could not be verified" not in text
    assert "concurrent job limit reduced from 5 jobs to 2 jobs" in text
    assert _sha(FRAME_V2) in text and _sha(FRAME_V1) in text
    assert "snapshot sha256" in text and "https://framecast.test/terms" in text
    assert "Governance exposure" in text
    assert "not a legal determination" in text or "legal" in text.lower()


def test_platform_page_timeline(built: tuple[Filled, Path]) -> None:
    filled, out = built
    text = (out / "platforms/framecast/index.html").read_text("utf-8")
    svg = text[text.index("<svg") : text.index("</svg>") + 6]
    assert svg.count("<circle") == 2  # two substantive changes, the editorial one is not drawn
    assert "<title>2026-11-18" in svg
    assert "#c62828" in svg  # high exposure colour
    assert f"changes/{filled.ids['fc_conc']}/index.html" in svg
    assert "18 Nov" in svg  # text label
    assert "potentially unfair" in text
    assert "concurrent job limit: 2 jobs" in text


def history_store(tmp_path: Path, *, same_instant: int = 0) -> Filled:
    """One platform with an imported history: 18 versions from December 2023 on, every change detected at
    the import (NOW - 1 h), as `import-ota` records them; plus `same_instant` live changes found
    in one check."""
    settings = Settings(root=tmp_path)
    store = Store(settings.database_url)
    imported = NOW - timedelta(hours=1)
    with store.session() as s:
        w = _Writer(s)
        w.service("Histo", "Histo")
        s.flush()
        doc = w.document("Histo", "Terms of Service", "https://histo.test/terms", imported)
        previous = None
        for k in range(18):
            at = datetime(2023, 12, 1) + timedelta(days=60 * k)
            text = f"# Histo Terms\n\nYou may run up to {k + 1} concurrent jobs.\n"
            v = w.version(doc, text, at, origin="import")
            if previous is not None:
                w.change(
                    doc,
                    previous,
                    v,
                    f"You may run up to {k} concurrent jobs.",
                    f"You may run up to {k + 1} concurrent jobs.",
                    ["concurrency_limit"],
                    ("low", "medium", "high")[k % 3],
                    imported,
                    alertable=False,
                )
            previous = v
        assert previous is not None
        if same_instant:
            live = w.version(doc, previous.text + "\nCredits expire.\n", NOW - timedelta(hours=2))
            for _ in range(same_instant):
                w.change(
                    doc, previous, live, None, "Credits expire.", ["credit_expiry"], "high",
                    NOW - timedelta(hours=2), kind="added",
                )  # fmt: skip
    return Filled(store, settings)


def _timeline_circles(page: Path) -> list[tuple[float, float, float]]:
    text = page.read_text("utf-8")
    svg = text[text.index("<svg") : text.index("</svg>")]
    return [
        (float(cx), float(cy), float(r))
        for cx, cy, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    ]


def test_timeline_spreads_an_imported_history(tmp_path: Path) -> None:
    from monitor.publish.site.svg import LEFT, RIGHT, WIDTH

    filled = history_store(tmp_path)
    out = build_site(filled.settings, filled.store, output_dir=tmp_path / "s", now=NOW).output_dir
    page = out / "platforms/histo/index.html"
    circles = _timeline_circles(page)
    assert len(circles) == 17  # one mark per change: none hidden in a group
    xs = sorted(cx for cx, _, _ in circles)
    assert xs[-1] - xs[0] > (WIDTH - LEFT - RIGHT) * 0.8, xs  # 2024 to 2026, not all at "now"
    assert all(LEFT <= x <= WIDTH - RIGHT for x in xs)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 14  # no two marks overlap
    text = page.read_text("utf-8")
    assert "<title>2024-01-30 (recorded 2026-11-25)" in text  # when it changed, when it was found
    assert re.search(r">Jan 2024</text>", text)  # labels carry the year on a long timeline
    assert text.count('<g class="captures">') == 1
    # the list under the timeline dates each change when it happened, newest first
    listed = re.findall(r'<li class="change[^"]*">\s*<time datetime="[^"]+">([\d-]+)</time>', text)
    assert listed[0] == "2026-09-16" and listed[-1] == "2024-01-30" and len(listed) == 17
    assert listed == sorted(listed, reverse=True)
    assert '2026-09-16</time> <span class="muted">(recorded 2026-11-25)</span>' in text


def test_timeline_groups_marks_at_the_same_moment(tmp_path: Path) -> None:
    filled = history_store(tmp_path, same_instant=6)
    out = build_site(filled.settings, filled.store, output_dir=tmp_path / "s", now=NOW).output_dir
    page = out / "platforms/histo/index.html"
    text = page.read_text("utf-8")
    circles = _timeline_circles(page)
    groups = [c for c in circles if c[2] > 7]
    assert len(groups) == 1 and len(circles) == 17 + 1
    assert re.search(r'font-weight="700" fill="#fff">6</text>', text)
    assert (
        '<a href="terms-of-service/index.html#changes"><g class="mark group exposure-high">' in text
    )
    crawl(out)  # the group's link and its anchor resolve
    xs = sorted(cx for cx, _, _ in circles)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 14


def test_timeline_svg_marks_never_overlap_or_leave_the_plot() -> None:
    import random

    from monitor.publish.site.svg import LEFT, RIGHT, WIDTH, TimelineMark, timeline_svg

    rng = random.Random(7)
    start = datetime(2024, 1, 1)
    for _ in range(50):
        marks = [
            TimelineMark(
                lane=rng.choice(["Terms", "Privacy"]),
                when=start + timedelta(days=rng.choice([0, 1, 2, 300, 301, 700, 701, 702, 703])),
                exposure=rng.choice(["low", "medium", "high"]),
                label="x",
                tooltip="t",
                href=f"c/{k}/index.html",
            )
            for k in range(rng.randint(1, 40))
        ]
        svg = str(timeline_svg(marks, ["Terms", "Privacy"], start, NOW))
        circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
        by_lane: dict[str, list[tuple[float, float]]] = {}
        for cx, cy, r in circles:
            assert LEFT <= float(cx) <= WIDTH - RIGHT
            by_lane.setdefault(cy, []).append((float(cx), float(r)))
        for items in by_lane.values():
            items.sort()
            for (x1, r1), (x2, r2) in zip(items, items[1:], strict=False):
                assert x2 - x1 >= r1 + r2, svg
        # every change is reachable: drawn alone, or counted in a group mark
        alone = len([c for c in circles if c[2] == "7"])
        grouped = sum(int(n) for n in re.findall(r'fill="#fff">(\d+)</text>', svg))
        assert alone + grouped == len(marks)


def test_category_page_compares_platforms(built: tuple[Filled, Path]) -> None:
    _filled, out = built
    text = (out / "categories/concurrency-limit/index.html").read_text("utf-8")
    assert "3 of 4 platforms" in text
    for snippet in (
        "up to 2 concurrent render jobs",
        "up to 3 concurrent conversations",
        "up to 4 concurrent requests",
    ):
        assert snippet in text
    assert "DALL·E" in text  # listed among the platforms without it


def _add_uncaptured_platform(filled: Filled) -> None:
    """ChatGPT is declared and its document row exists, but no fetch ever succeeded."""
    with filled.store.session() as s:
        s.add(Service(id="ChatGPT", name="ChatGPT", created_at=datetime(2026, 10, 1)))
        s.flush()
        s.add(
            Document(
                service_id="ChatGPT",
                terms_type="Terms of Use",
                url="https://chatgpt.test/terms",
                created_at=datetime(2026, 10, 1),
                last_checked_at=NOW - timedelta(hours=6),
                consecutive_failures=3,
                last_error="HTTP 403",
            )
        )


def test_category_pages_do_not_count_platforms_never_captured(tmp_path: Path) -> None:
    filled = fill_store(tmp_path)
    _add_uncaptured_platform(filled)
    out = build_site(filled.settings, filled.store, output_dir=tmp_path / "s", now=NOW).output_dir
    text = (out / "categories/arbitration/index.html").read_text("utf-8")
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
    assert "2 of 4 platforms have a provision of this kind in force" in shown
    assert "Not found in the current documents of: Claude.ai, Le Chat." in shown
    assert "Not captured yet, so not compared: ChatGPT." in shown
    assert "1 of 4 platforms has a provision" in re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", "", (out / "categories/acceptable-use/index.html").read_text()),
    )
    index = re.sub(r"<[^>]+>", "", (out / "categories/index.html").read_text("utf-8"))
    assert "How the 4 platforms with captured documents" in index
    assert "Not captured yet, so not counted: ChatGPT." in index
    assert re.search(r"Arbitration\s*2 of 4", index)
    assert " a arbitration" not in shown.lower() and "of 5" not in index


def test_compare_counts_captured_platforms_without_a_wrong_article(tmp_path: Path) -> None:
    from monitor.publish.provisions import compare

    filled = fill_store(tmp_path)
    _add_uncaptured_platform(filled)
    with filled.store.session() as s:
        data = compare(s, "arbitration")
    assert data["platforms_with_provision"] == 2 and data["platforms_total"] == 4
    assert data["summary"] == (
        "2 of 4 platforms have a provision of this kind (1 not captured yet: ChatGPT)"
    )
    with filled.store.session() as s:
        assert compare(s, "acceptable_use")["summary"].startswith(
            "1 of 4 platforms has a provision of this kind"
        )


def test_digest_pages(built: tuple[Filled, Path]) -> None:
    filled, out = built
    w47 = (out / "digest/2026-W47/index.html").read_text("utf-8")
    assert "2 substantive changes on 1 platform" in w47
    assert w47.index("Framecast") < w47.index("High exposure")
    assert f"changes/{filled.ids['fc_conc']}/index.html" in w47
    assert f"changes/{filled.ids['fc_edit']}/" not in w47
    assert "Analysis" in w47
    w46 = (out / "digest/2026-W46/index.html").read_text("utf-8")
    assert "Claude.ai" in w46 and "Le Chat" in w46  # imported history is on the site
    assert w46.index("Claude.ai") < w46.index("Le Chat")
    archive = (out / "digest/index.html").read_text("utf-8")
    for week in ("2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        assert f"{week}/index.html" in archive
    assert "(in progress)" in archive


def _feed(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feeds_are_valid_atom(built: tuple[Filled, Path]) -> None:
    filled, out = built
    base = filled.settings.site.base_url
    feed = _feed(out / "feeds/all.atom.xml")
    assert feed.feed.id == base + "feeds/all.atom.xml"
    assert feed.feed.title == "ClauseWatch: all changes"
    assert feed.feed.updated.startswith("2026-11-24")
    assert len(feed.entries) == 5  # substantive only: 2 Framecast, Claude, DALL·E, Le Chat
    for e in feed.entries:
        assert e.id.startswith(base + "platforms/") and e.link == e.id
        assert e.title and e.updated and e.summary and e.content[0].value
    first = feed.entries[0]
    assert "DALL·E" in first.title and "arbitration" in first.summary.lower()

    per_platform = _feed(out / "feeds/platforms/framecast.atom.xml")
    assert sorted(e.id.rsplit("/", 2)[-2] for e in per_platform.entries) == sorted(
        [str(filled.ids["fc_conc"]), str(filled.ids["fc_cred"])]
    )
    per_cat = _feed(out / "feeds/categories/credit-expiry.atom.xml")
    assert len(per_cat.entries) == 2
    assert {t.term for e in per_cat.entries for t in e.tags} >= {"credit_expiry"}


def test_cli_site_build(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    filled = fill_store(tmp_path)
    (tmp_path / "clausewatch.toml").write_text(
        '[site]\nbase_url = "https://watch.example.org/"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["--config", str(tmp_path / "clausewatch.toml"), "site", "build", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "index.html").is_file()
    default = CliRunner().invoke(
        main, ["--config", str(tmp_path / "clausewatch.toml"), "site", "build"]
    )
    assert default.exit_code == 0, default.output
    assert (filled.settings.site.output_dir / "index.html").is_file()


def test_the_site_from_postgresql_is_the_site_from_sqlite(
    built: tuple[Filled, Path], tmp_path: Path, postgres: Any
) -> None:
    """Every query behind the site (timelines, comparisons, digests, feeds) gives the same pages
    from PostgreSQL as from SQLite: the two builds are byte for byte the same."""
    url = postgres.create_database()
    try:
        filled = fill_store(tmp_path, database_url=url)
        out = tmp_path / "public" / "site"
        build_site(filled.settings, filled.store, output_dir=out, now=NOW)
        filled.store.dispose()
    finally:
        postgres.drop_database(url)
    _, reference = built

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    ours, theirs = tree(out), tree(reference)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def test_site_paths_are_reused_only_while_services_and_documents_are_the_same() -> None:
    """Alert composition asks for the paths every few documents: the slugs are computed again
    only when a service or document was added, removed or renamed."""
    docs = [(1, "Le Chat", "Terms of Service"), (2, "le-chat", "Terms of Service")]
    first = site_paths(["Le Chat", "le-chat"], docs)
    assert site_paths(["Le Chat", "le-chat"], list(docs)) is first
    assert first.document(1) != first.document(2)  # colliding slugs still told apart
    grown = site_paths(["Le Chat", "le-chat"], [*docs, (3, "Le Chat", "Privacy Policy")])
    assert grown is not first
    assert grown.document(3).endswith("/privacy-policy/index.html")
    renamed = site_paths(["Le Chat", "Mistral"], [(1, "Le Chat", "Terms"), (2, "Mistral", "Terms")])
    assert renamed.document(2) == SitePaths(["Mistral"], [(2, "Mistral", "Terms")]).document(2)
