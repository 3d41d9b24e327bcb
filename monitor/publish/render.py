"""Change summaries rendered with jinja2: plain text, e-mail-safe HTML and Markdown.

`build_summary_context` checks every excerpt against the version text and its sha256 (rule 2 of
the design: what we quote is exactly what we stored) and prepares plain data for the templates;
`render_change_summary` renders it. Templates live in the project's `templates/` folder and run
in a sandboxed environment; HTML templates autoescape, Markdown output escapes document text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from monitor import ENGINE_VERSION
from monitor.capture.archive import sha256_text
from monitor.changes.analysis import (
    FACT_LABELS,
    analysis_blocks,
    category_blocks,
    category_title,
    describe_event,
    describe_fact_delta,
    format_fact_value,
    highest_exposure,
    summarise,
)
from monitor.clauses.taxonomy import load_taxonomy
from monitor.errors import ExcerptMismatch
from monitor.models import ChangeEvent, Excerpt, VersionRef, is_substantive

__all__ = [
    "TEMPLATES_DIR",
    "build_summary_context",
    "environment",
    "md_escape",
    "render_change_summary",
    "verify_excerpt",
]

# monitor/templates: in a checkout a link to the project's top-level templates/ folder, in the
# wheel and the sdist the files themselves (package data).
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
Format = Literal["text", "html", "markdown"]
_TEMPLATE_FOR = {
    "text": "change_summary.txt.j2",
    "html": "change_summary.html.j2",
    "markdown": "change_summary.md.j2",
}
CONTEXT_CHARS = 160  # unchanged text kept on each side of a change
MAX_PLAIN_CHARS = 1600  # longer unchanged excerpts (added/removed text) are shown head … tail
_KIND_LABELS = {
    "added": "Added",
    "removed": "Removed",
    "modified": "Modified",
    "moved": "Moved",
    "editorial": "Editorial",
    "flapping": "Flapping",
}
_DIRECTION_LABELS = {
    "less_favourable": "less favourable to users",
    "more_favourable": "more favourable to users",
    "neutral": "neutral",
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_MD_CHARS_RE = re.compile(r"([\\`*_\[\]~|{}])")
_MD_LINE_START_RE = re.compile(r"(?m)^([ \t]*)([#+\-=]|\d+(?=[.)]))")


# ------------------------------------------------------------------ environment and filters


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html"))


def clean_text(value: object) -> str:
    """Document text for any output: control and bidi-override characters are made visible."""
    return _CONTROL_RE.sub("\ufffd", str(value))


def md_escape(value: object) -> str:
    """Document text safe inside Markdown: no raw HTML (`<` -> `&lt;`), no accidental markup."""
    text = clean_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_CHARS_RE.sub(r"\\\1", text)
    return _MD_LINE_START_RE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _md_mark(text: str, marker: str) -> str:
    """Wrap each line's non-blank part in `marker` (Markdown emphasis cannot span blank edges)."""
    out = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        trail = line[len(line.rstrip()) :]
        out.append(f"{lead}{marker}{md_escape(core)}{marker}{trail}")
    return "\n".join(out)


def md_segments(segments: Sequence[dict[str, Any]]) -> str:
    """Markdown for one side of a change: ~~removed~~ and **added**, as a block quote."""
    parts: list[str] = []
    for seg in segments:
        if seg.get("gap"):
            parts.append(" […] ")
        elif seg["op"] == -1:
            parts.append(_md_mark(seg["text"], "~~"))
        elif seg["op"] == 1:
            parts.append(_md_mark(seg["text"], "**"))
        else:
            parts.append(md_escape(seg["text"]))
    body = "".join(parts)
    return "\n".join("> " + line if line.strip() else ">" for line in body.split("\n"))


def text_segments(segments: Sequence[dict[str, Any]], indent: str = "    ") -> str:
    """Plain text for one side of a change: [-removed-] and {+added+}, indented."""
    parts: list[str] = []
    for seg in segments:
        text = clean_text(seg.get("text", ""))
        if seg.get("gap"):
            parts.append(" [...] ")
        elif seg["op"] == -1:
            parts.append(f"[-{text}-]")
        elif seg["op"] == 1:
            parts.append(f"{{+{text}+}}")
        else:
            parts.append(text)
    return "\n".join(indent + line for line in "".join(parts).split("\n"))


@lru_cache(maxsize=4)
def environment(templates_dir: Path = TEMPLATES_DIR) -> SandboxedEnvironment:
    """The sandboxed jinja2 environment used for change summaries (and usable by other modules)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["clean"] = clean_text
    env.filters["md_segments"] = md_segments
    env.filters["text_segments"] = text_segments
    return env


# ------------------------------------------------------------------ verification


def verify_excerpt(excerpt: Excerpt, version_text: str, version_sha256: str | None = None) -> None:
    """Raise ExcerptMismatch unless the excerpt is exactly version_text[start:end] and the version
    text hashes to the excerpt's sha256."""
    actual = version_sha256 or sha256_text(version_text)
    if excerpt.version_sha256 != actual:
        raise ExcerptMismatch(
            f"excerpt at {excerpt.start}:{excerpt.end} cites version {excerpt.version_sha256[:12]}"
            f" but the text given hashes to {actual[:12]}"
        )
    if not 0 <= excerpt.start <= excerpt.end <= len(version_text) or (
        version_text[excerpt.start : excerpt.end] != excerpt.text
    ):
        raise ExcerptMismatch(
            f"excerpt at {excerpt.start}:{excerpt.end} of version {actual[:12]} does not match "
            "the stored text"
        )


# ------------------------------------------------------------------ context


def _utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_GAP: dict[str, Any] = {"op": 0, "text": "", "gap": True}


def _seg(op: int, text: str) -> dict[str, Any]:
    return {"op": op, "text": text, "gap": False}


def _segments(ops: Sequence[tuple[int, str]], side: int, whole: str) -> list[dict[str, Any]]:
    """Display segments for one side (-1 before, 1 after), long unchanged runs elided."""
    chosen = [(op, t) for op, t in ops if op in (0, side)] if ops else [(0, whole)]
    if not ops and len(whole) > MAX_PLAIN_CHARS:
        head, tail = whole[: MAX_PLAIN_CHARS - 400], whole[-300:]
        return [_seg(0, head), _GAP, _seg(0, tail)]
    out: list[dict[str, Any]] = []
    last = len(chosen) - 1
    for k, (op, t) in enumerate(chosen):
        if op != 0 or not ops or len(t) <= 2 * CONTEXT_CHARS + 40:
            out.append(_seg(op, t))
            continue
        if k > 0:
            out.append(_seg(0, t[:CONTEXT_CHARS]))
        out.append(_GAP)
        if k < last:
            out.append(_seg(0, t[-CONTEXT_CHARS:]))
    return out


def _excerpt_ctx(
    ex: Excerpt | None, ops: Sequence[tuple[int, str]], side: int
) -> dict[str, Any] | None:
    if ex is None:
        return None
    return {
        "text": ex.text,
        "start": ex.start,
        "end": ex.end,
        "sha256": ex.version_sha256,
        "segments": _segments(ops, side, ex.text),
    }


def _check_ops(ev: ChangeEvent) -> None:
    if not ev.diff:
        return
    if ev.before is not None and "".join(t for op, t in ev.diff if op <= 0) != ev.before.text:
        raise ExcerptMismatch(
            f"the highlighted diff of a {ev.kind} event does not rebuild its 'before' excerpt"
        )
    if ev.after is not None and "".join(t for op, t in ev.diff if op >= 0) != ev.after.text:
        raise ExcerptMismatch(
            f"the highlighted diff of a {ev.kind} event does not rebuild its 'after' excerpt"
        )


def _ref_ctx(ref: VersionRef) -> dict[str, Any]:
    return {
        "captured_at": _utc(ref.captured_at),
        "url": ref.url or "",
        "sha256": ref.sha256,
        "snapshot_sha256": ref.snapshot_sha256 or "",
    }


def build_summary_context(
    service_id: str,
    terms_type: str,
    old_ref: VersionRef,
    new_ref: VersionRef,
    events: Sequence[ChangeEvent],
    taxonomy: Any,
    old_text: str,
    new_text: str,
) -> dict[str, Any]:
    """Verified, template-ready data for one version change. Raises ExcerptMismatch."""
    old_sha, new_sha = sha256_text(old_text), sha256_text(new_text)
    for ref, actual, label in ((old_ref, old_sha, "old"), (new_ref, new_sha, "new")):
        if ref.sha256 != actual:
            raise ExcerptMismatch(
                f"the {label} version text hashes to {actual[:12]}, not {ref.sha256[:12]} as stored"
            )
    for ev in events:
        if ev.before is not None:
            verify_excerpt(ev.before, old_text, old_sha)
        if ev.after is not None:
            verify_excerpt(ev.after, new_text, new_sha)
        _check_ops(ev)
    if taxonomy is None:
        taxonomy = load_taxonomy()

    substantive = [ev for ev in events if is_substantive(ev)]
    editorial = [ev for ev in events if not is_substantive(ev)]
    changes = [_event_ctx(ev, taxonomy) for ev in substantive]
    category_ids = list(dict.fromkeys(c for ev in substantive for c in ev.categories))
    return {
        "service_id": service_id,
        "terms_type": terms_type,
        "old": _ref_ctx(old_ref),
        "new": _ref_ctx(new_ref),
        "summary": summarise(list(events), taxonomy),
        "exposure": highest_exposure(substantive),
        "changes": changes,
        "editorial": [_event_ctx(ev, taxonomy) for ev in editorial],
        "analyses": [category_blocks(c, substantive, taxonomy) for c in category_ids],
        "disclaimer": str(taxonomy.disclaimer),
        "engine": ENGINE_VERSION,
    }


def _event_ctx(ev: ChangeEvent, taxonomy: Any) -> dict[str, Any]:
    return {
        "kind": ev.kind,
        "kind_label": _KIND_LABELS.get(ev.kind, ev.kind.capitalize()),
        "editorial": ev.editorial,
        "editorial_kind": (ev.editorial_kind or "").replace("_", " "),
        "exposure": ev.exposure,
        "reasons": list(ev.reasons),
        "heading": " › ".join(ev.heading_path),
        "description": describe_event(ev, taxonomy),
        "categories": [{"id": c, "title": category_title(c, taxonomy)} for c in ev.categories],
        "unfair": ev.unfair,
        "fact_deltas": [
            {
                "name": d.name,
                "label": FACT_LABELS.get(d.name, d.name.replace("_", " ")),
                "old": format_fact_value(d.name, d.old, d.unit),
                "new": format_fact_value(d.name, d.new, d.unit),
                "direction": d.direction,
                "direction_label": _DIRECTION_LABELS.get(d.direction, d.direction),
                "text": describe_fact_delta(d),
            }
            for d in ev.fact_deltas
        ],
        "before": _excerpt_ctx(ev.before, ev.diff, -1),
        "after": _excerpt_ctx(ev.after, ev.diff, 1),
        "analysis": analysis_blocks(ev, taxonomy) if is_substantive(ev) else None,
    }


def render_change_summary(context: dict[str, Any], fmt: Format = "text") -> str:
    """Render a context from `build_summary_context` as "text", "html" or "markdown"."""
    try:
        name = _TEMPLATE_FOR[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected text, html or markdown") from None
    return environment().get_template(name).render(**context)
