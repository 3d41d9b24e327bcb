"""Change commands: import-ota, diff, changes."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from monitor.cli import (
    App,
    clip_words,
    handle_errors,
    main,
    out,
    parse_when,
    print_json,
    progress_report,
)

if TYPE_CHECKING:  # the ORM is imported by the commands that open the store, not by `--help`
    from sqlalchemy.orm import Session


@main.command("import-ota")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--service", "services", multiple=True, help="Only this service (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def import_ota(app: App, path: Path, services: tuple[str, ...], as_json: bool) -> None:
    """Import an Open Terms Archive versions repository (a git clone) as history. Never alerts."""
    from monitor.changes.ota_import import import_repository
    from monitor.clock import utc_now

    started = time.perf_counter()
    with progress_report("import-ota", "versions") as progress:
        stats = import_repository(
            app.store, path, services=services or None, clock=utc_now, progress=progress.update
        )
    elapsed = time.perf_counter() - started
    data = {
        "versions": stats.versions,
        "technical_upgrades": stats.technical_upgrades,
        "already_imported": stats.skipped_known,
        "documents": len(stats.documents),
        "changes": stats.changes,
        "substantive_changes": stats.substantive,
        "flapping_episodes": stats.flapping,
        "unknown_subjects": stats.unknown_subjects,
        "refused": dict(stats.rejected),
        "refused_texts": stats.refused,
        "seconds": round(elapsed, 2),
        "versions_per_second": round(stats.versions / elapsed, 1) if elapsed > 0 else None,
    }
    if as_json:
        print_json(data)
        return
    out.print(
        f"imported {stats.versions} versions of {len(stats.documents)} documents "
        f"({stats.technical_upgrades} technical upgrades, {stats.skipped_known} already imported) "
        f"in {elapsed:.1f} s ({data['versions_per_second']} versions/s); {stats.changes} change "
        f"events, {stats.substantive} substantive, {stats.flapping} flapping episodes; "
        "nobody was alerted",
        markup=False,
    )
    if stats.unknown_subjects:
        out.print(
            f"{stats.unknown_subjects} versions had a commit subject of no known OTA convention: "
            "compared as changes",
            markup=False,
        )
    for line in stats.refused:
        out.print(f"refused by the capture check (not a version): {line}", markup=False)


@main.command()
@click.option("--since", help="Only changes captured on or after this date.")
@click.option("--service", help="Only this service.")
@click.option("--include-editorial", is_flag=True, help="Also list editorial changes.")
@click.option("--limit", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def changes(
    app: App,
    since: str | None,
    service: str | None,
    include_editorial: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """Clause-level change events, newest first (substantive only unless --include-editorial)."""
    from monitor.store import queries

    since_dt = parse_when(since, day_start=True)
    with app.existing_store.session() as s:
        rows = queries.list_changes(
            s, since=since_dt, service=service, include_editorial=include_editorial, limit=limit
        )
    if as_json:
        print_json(rows)
        return
    table = Table()
    for col in ("captured (UTC)", "service", "document", "kind", "categories", "exposure", "why"):
        table.add_column(col)
    for r in rows:
        kind = r["kind"] + (f" ({r['editorial_kind']})" if r["editorial_kind"] else "")
        table.add_row(
            (r["to_captured_at"] or "")[:16],
            r["service"],
            r["terms_type"],
            kind,
            ", ".join(r["categories"]),
            r["exposure"],
            clip_words("; ".join(r["reasons"]), 120),
        )
    out.print(table)
    if not rows:
        out.print("no changes", markup=False)


@main.command()
@click.argument("service")
@click.argument("terms_type")
@click.option("--from", "from_", help="Compare from the version in force at this date.")
@click.option("--to", "to", help="Compare to the version in force at this date (default latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--json", "as_json", is_flag=True, help="The change events as JSON (= --format json)."
)
@click.pass_obj
@handle_errors
def diff(
    app: App,
    service: str,
    terms_type: str,
    from_: str | None,
    to: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """A change summary between two versions of a document (default: the last change)."""
    from monitor.publish.summaries import summary_between

    when_from, when_to = parse_when(from_), parse_when(to)
    with app.existing_store.session() as s:
        if as_json or fmt == "json":
            print_json(diff_events(s, service, terms_type, when_from, when_to))
            return
        result = summary_between(s, service, terms_type, when_from, when_to, fmt)
    sys.stdout.write(str(result))


def diff_events(
    s: Session,
    service: str,
    terms_type: str,
    when_from: datetime | None,
    when_to: datetime | None,
) -> list[dict[str, Any]]:
    """The change events between two versions in the shape of `changes --json`, always a list.

    The stored events when the two versions are consecutive; otherwise events computed now,
    which were never stored (`id` and `detected_at` null, `alertable` false).
    """
    from monitor.changes.decision import change_values
    from monitor.changes.version_analysis import compute_events
    from monitor.clauses import extract_provisions
    from monitor.publish.summaries import previous_version, summary_between
    from monitor.store import Change, queries

    doc = queries.find_document(s, service, terms_type)
    new = queries.version_at(s, doc, when_to)
    old = (
        queries.version_at(s, doc, when_from) if when_from is not None else previous_version(s, new)
    )
    if old is None or old.id == new.id:
        summary_between(s, service, terms_type, when_from, when_to, "json")  # raises: says why
        return []
    versions = {old.id: old, new.id: new}
    rows = queries.changes_between(s, old, new)
    if rows:
        return [queries.change_dict(c, doc, versions) for c in rows]
    events = compute_events(
        old,
        new,
        extract_provisions(old.text, doc.terms_type),
        extract_provisions(new.text, doc.terms_type),
    )
    computed = []
    for event in events:
        row = Change(**change_values(doc.id, old.id, new.id, event, new.captured_at, False))
        computed.append({**queries.change_dict(row, doc, versions), "detected_at": None})
    return computed
