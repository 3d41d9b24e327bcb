"""Render every page of the static site from a SiteModel into a folder.

Templates live in `templates/site/` and are rendered with autoescaping on: every piece of fetched
text (document text, provision text, excerpts, diff fragments, service names) is escaped, so a
terms page containing `<script>` renders as inert text. Links are relative to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor.models import EXPOSURES, exposure_rank
from monitor.publish.render import TEMPLATES_DIR
from monitor.publish.site.feeds import atom_feed
from monitor.publish.site.markdown_html import Highlight, render_markdown
from monitor.publish.site.model import (
    ANALYSIS_LABELS,
    ChangeView,
    DocumentView,
    PlatformView,
    ProvisionView,
    SiteModel,
)
from monitor.publish.site.paths import SitePaths, iso_week, rel_url, week_bounds, week_start
from monitor.publish.site.svg import EXPOSURE_COLOURS, TimelineMark, timeline_svg

HOME_CHANGES = 20
MAX_WEEKS = 520  # digest pages kept (ten years)


def environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2", "xml", "xml.j2"), default_for_string=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = lambda d: "never" if d is None else f"{d:%Y-%m-%d %H:%M} UTC"
    env.filters["date"] = lambda d: "" if d is None else f"{d:%Y-%m-%d}"
    env.filters["iso"] = lambda d: "" if d is None else d.strftime("%Y-%m-%dT%H:%M:%SZ")
    # a provision's text is a piece of Markdown: quoted as rendered text, headings under an h3
    env.filters["markdown"] = lambda text: render_markdown(str(text or ""), heading_offset=3)
    env.globals["EXPOSURES"] = EXPOSURES
    env.globals["ANALYSIS_LABELS"] = ANALYSIS_LABELS
    env.globals["EXPOSURE_COLOURS"] = EXPOSURE_COLOURS
    return env


@dataclass
class Segment:
    text: str
    provisions: list[ProvisionView]
    anchors: list[int] = field(default_factory=list)  # provisions starting here

    @property
    def exposure(self) -> str:
        return max((p.exposure for p in self.provisions), key=exposure_rank, default="low")

    @property
    def label(self) -> str:
        return "; ".join(
            f"{p.category.title} ({p.exposure}{', potentially unfair' if p.unfair else ''})"
            for p in self.provisions
        )


def highlight(text: str, provisions: list[ProvisionView]) -> tuple[list[Segment], set[int]]:
    """Split `text` into segments marked with the provisions covering them.

    A provision's span is where its text occurs in the version (first occurrence); overlapping
    provisions split the text at every boundary. Returns the segments and the located ids.
    """
    spans: list[tuple[int, int, ProvisionView]] = []
    for p in provisions:
        i = text.find(p.text) if p.text else -1
        if i >= 0:
            spans.append((i, i + len(p.text), p))
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    segments: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [p for s, e, p in spans if s <= a and b <= e]
        anchors = [p.id for s, _, p in spans if s == a]
        if (
            segments
            and not anchors
            and [p.id for p in covering] == [p.id for p in segments[-1].provisions]
        ):
            segments[-1].text += text[a:b]
        else:
            segments.append(Segment(text[a:b], covering, anchors))
    return segments, {p.id for _, _, p in spans}


def segment_highlights(segments: list[Segment]) -> list[Highlight]:
    """The segments covered by provisions as highlights of the text (source offsets)."""
    out: list[Highlight] = []
    pos = 0
    for seg in segments:
        end = pos + len(seg.text)
        if seg.provisions or seg.anchors:
            out.append(
                Highlight(
                    pos,
                    end,
                    css_class=f"exposure-{seg.exposure}" if seg.provisions else "",
                    title=seg.label,
                    anchors=tuple(f"p-{a}" for a in seg.anchors),
                )
            )
        pos = end
    return out


def diff_rows(diff: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """diff-match-patch ops as (kind, text) with kind in equal/del/ins."""
    kinds = {-1: "del", 0: "equal", 1: "ins"}
    return [(kinds.get(op, "equal"), text) for op, text in diff]


class SiteWriter:
    """Renders the pages of one model into `root` (a fresh folder)."""

    def __init__(self, model: SiteModel, root: Path, base_url: str, env: Environment) -> None:
        self.model = model
        self.root = root
        self.base_url = base_url
        self.env = env
        self.paths: SitePaths = model.paths
        self.written: list[str] = []
        self._category_ids: list[str] = []

    # ---- plumbing ----

    def write(self, path: str, data: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
        self.written.append(path)

    def render(self, template: str, path: str, **ctx: Any) -> None:
        def url(target: str) -> str:
            return rel_url(path, target)

        feeds = [{"title": "All changes", "path": self.paths.feed_all}] + ctx.pop("feeds", [])
        html = self.env.get_template(f"site/{template}").render(
            url=url,
            paths=self.paths,
            model=self.model,
            generated_at=self.model.generated_at,
            disclaimer=self.model.disclaimer,
            feeds=feeds,
            page_path=path,
            **ctx,
        )
        self.write(path, html)

    # ---- pages ----

    def build(self) -> list[str]:
        for asset in (self.paths.stylesheet, self.paths.favicon):
            self.write(asset, (TEMPLATES_DIR / "site" / asset).read_bytes())
        weeks = self.weeks()
        self.home(weeks)
        self.digests(weeks)
        for platform in self.model.platforms:
            self.platform(platform)
            for doc in platform.documents:
                self.document(doc)
                for change in doc.changes:
                    self.change(change)
        self.categories()
        self.feeds()
        self.render("unsubscribe.html.j2", self.paths.unsubscribe)
        return self.written

    def weeks(self) -> list[str]:
        """Every ISO week from the first capture or change to the current one, newest first."""
        now = self.model.generated_at
        first = self.model.first_seen or now
        first = min(first, now)
        out: list[str] = []
        t = week_start(now)
        stop = week_start(first)
        while t >= stop and len(out) < MAX_WEEKS:
            out.append(iso_week(t))
            t -= timedelta(days=7)
        return out

    def home(self, weeks: list[str]) -> None:
        latest_complete = next(
            (w for w in weeks if week_bounds(w)[1] <= self.model.generated_at), None
        )
        self.render(
            "home.html.j2",
            self.paths.home,
            changes=self.model.substantive[:HOME_CHANGES],
            platforms=self.model.platforms,
            current_week=weeks[0] if weeks else None,
            latest_week=latest_complete,
        )

    def digests(self, weeks: list[str]) -> None:
        by_week: dict[str, list[ChangeView]] = {}
        for c in self.model.substantive:
            by_week.setdefault(c.week, []).append(c)
        summary = []
        for i, week in enumerate(weeks):
            start, end = week_bounds(week)
            changes = by_week.get(week, [])
            summary.append(
                {
                    "week": week,
                    "start": start,
                    "end": end - timedelta(days=1),
                    "count": len(changes),
                    "high": sum(1 for c in changes if c.exposure == "high"),
                    "complete": end <= self.model.generated_at,
                }
            )
            self.render(
                "digest_week.html.j2",
                self.paths.digest_week(week),
                week=week,
                start=start,
                end=end - timedelta(days=1),
                complete=end <= self.model.generated_at,
                groups=group_changes(changes),
                count=len(changes),
                newer=weeks[i - 1] if i > 0 else None,
                older=weeks[i + 1] if i + 1 < len(weeks) else None,
            )
        self.render("digest_index.html.j2", self.paths.digest_index, weeks=summary)

    def timeline(self, platform: PlatformView, page: str) -> Markup:
        """From the first capture to now; a change sits where its new version was captured (an
        imported history is detected all at once, on the day of the import)."""
        changes = [c for c in platform.changes if c.substantive]
        lanes = [d.terms_type for d in platform.documents]
        captures = [(d.terms_type, v.captured_at) for d in platform.documents for v in d.versions]
        now = self.model.generated_at
        times = [t for _, t in captures] + [c.changed_at for c in changes]
        start = min(min(times), now) if times else now - timedelta(days=30)
        label = "%d %b" if now - start < timedelta(days=300) else "%b %Y"
        marks = []
        for c in changes:
            when = c.changed_at
            found = f" (recorded {c.detected_at:%Y-%m-%d})" if c.recorded_later else ""
            marks.append(
                TimelineMark(
                    lane=c.document.terms_type,
                    when=when,
                    exposure=c.exposure,
                    label=f"{when:{label}}",
                    tooltip=f"{when:%Y-%m-%d}{found} · {c.exposure} exposure · {c.summary}",
                    href=rel_url(page, c.path),
                )
            )
        return timeline_svg(
            marks,
            lanes,
            start,
            now,
            title=f"Timeline of changes to {platform.name}'s documents",
            captures=captures,
            group_links={
                d.terms_type: rel_url(page, d.path) + "#changes" for d in platform.documents
            },
        )

    def platform(self, platform: PlatformView) -> None:
        path = platform.path
        provisions = sorted(
            platform.provisions,
            key=lambda p: (-exposure_rank(p.exposure), p.category.title, p.id),
        )
        changes = sorted(
            (c for c in platform.changes if c.substantive),
            key=lambda c: (c.changed_at, c.detected_at, c.id),
            reverse=True,
        )
        self.render(
            "platform.html.j2",
            path,
            platform=platform,
            changes=changes,
            provisions=provisions,
            timeline=self.timeline(platform, path),
            feeds=[
                {"title": f"{platform.name} changes", "path": self.paths.feed_platform(platform.id)}
            ],
        )

    def document(self, doc: DocumentView) -> None:
        segments, located = highlight(doc.current_text or "", doc.provisions)
        text_html = render_markdown(
            doc.current_text or "", segment_highlights(segments), heading_offset=2
        )
        changes_by_version: dict[int, list[ChangeView]] = {}
        for c in doc.changes:
            if c.to_version is not None:
                changes_by_version.setdefault(c.to_version.id, []).append(c)
        self.render(
            "document.html.j2",
            doc.path,
            doc=doc,
            text_html=text_html,
            located=located,
            changes_by_version=changes_by_version,
        )

    def change(self, change: ChangeView) -> None:
        self.render("change.html.j2", change.path, c=change, diff=diff_rows(change.diff))

    def categories(self) -> None:
        # Only platforms with a captured document can be said to have a provision or not; the
        # others are listed as not captured yet and counted nowhere.
        platforms = [p for p in self.model.platforms if p.captured]
        not_captured = [p for p in self.model.platforms if not p.captured]
        used: dict[str, list[ProvisionView]] = {}
        for p in platforms:
            for prov in p.provisions:
                used.setdefault(prov.category.id, []).append(prov)
        changed = {cat.id for c in self.model.changes for cat in c.categories}
        ids = set(self.model.categories) | set(used) | changed
        rows = []
        for cid in sorted(ids, key=lambda i: self.model.category(i).title.lower()):
            cat = self.model.category(cid)
            provs = used.get(cid, [])
            with_it = [
                (p, [pr for pr in provs if pr.document and pr.document.platform is p])
                for p in platforms
            ]
            having = [(p, ps) for p, ps in with_it if ps]
            lacking = [p for p, ps in with_it if not ps]
            changes = [c for c in self.model.substantive if cid in c.category_ids]
            rows.append({"category": cat, "count": len(having), "changes": len(changes)})
            self._category_ids.append(cid)
            self.render(
                "category.html.j2",
                self.paths.category(cid),
                category=cat,
                having=having,
                lacking=lacking,
                not_captured=not_captured,
                total=len(platforms),
                changes=changes[:20],
                feeds=[{"title": f"{cat.title} changes", "path": self.paths.feed_category(cid)}],
            )
        self.render(
            "categories.html.j2",
            self.paths.categories_index,
            rows=rows,
            total=len(platforms),
            not_captured=not_captured,
        )

    def feeds(self) -> None:
        m = self.model
        feed: Callable[..., bytes] = atom_feed
        self.write(
            self.paths.feed_all,
            feed(
                title="ClauseWatch: all changes",
                feed_path=self.paths.feed_all,
                page_path=self.paths.home,
                changes=m.substantive,
                base_url=self.base_url,
                generated_at=m.generated_at,
            ),
        )
        for p in m.platforms:
            self.write(
                self.paths.feed_platform(p.id),
                feed(
                    title=f"ClauseWatch: {p.name}",
                    feed_path=self.paths.feed_platform(p.id),
                    page_path=p.path,
                    changes=p.changes,
                    base_url=self.base_url,
                    generated_at=m.generated_at,
                ),
            )
        for cid in self._category_ids:
            cat = m.category(cid)
            self.write(
                self.paths.feed_category(cid),
                feed(
                    title=f"ClauseWatch: {cat.title}",
                    feed_path=self.paths.feed_category(cid),
                    page_path=self.paths.category(cid),
                    changes=[c for c in m.substantive if cid in c.category_ids],
                    base_url=self.base_url,
                    generated_at=m.generated_at,
                ),
            )


def group_changes(
    changes: list[ChangeView],
) -> list[tuple[PlatformView, list[tuple[str, list[ChangeView]]]]]:
    """Changes grouped by platform (by name), then by exposure (high first), oldest first inside."""
    by_platform: dict[str, list[ChangeView]] = {}
    platforms: dict[str, PlatformView] = {}
    for c in changes:
        p = c.document.platform
        platforms[p.id] = p
        by_platform.setdefault(p.id, []).append(c)
    out = []
    for pid in sorted(by_platform, key=lambda i: (platforms[i].name.lower(), i)):
        levels = []
        for level in reversed(EXPOSURES):
            items = sorted(
                (c for c in by_platform[pid] if c.exposure == level),
                key=lambda c: (c.detected_at, c.id),
            )
            if items:
                levels.append((level, items))
        out.append((platforms[pid], levels))
    return out
