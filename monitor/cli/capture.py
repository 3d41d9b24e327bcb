"""Capture commands: init, validate, check, rebuild, history, show."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from monitor.cli import App, handle_errors, main, out, parse_when, print_json, progress_report
from monitor.errors import ConfigError, DeclarationError

# ---------------------------------------------------------------- set-up


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@handle_errors
def init(directory: Path) -> None:
    """Write a commented clausewatch.toml and an empty declarations/ folder into DIRECTORY."""
    from monitor.config import write_default_config

    directory.mkdir(parents=True, exist_ok=True)
    path = write_default_config(directory)
    out.print(f"wrote {path}")
    out.print(f"add Open Terms Archive declarations to {directory / 'declarations'}/")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The problems and counts as JSON.")
@click.pass_obj
@handle_errors
def validate(app: App, as_json: bool) -> None:
    """Check the configuration and every declaration without touching the network."""
    from monitor.capture.declarations import load_declarations
    from monitor.config import ConfigProblem, config_problems, find_config_file

    env, cwd = dict(os.environ), Path.cwd()
    config_path: Path | None = None
    try:
        config_path = find_config_file(app.config_path, env, cwd)
        config = config_problems(config_path, env, cwd)
    except ConfigError as exc:
        config = [ConfigProblem(None, None, str(exc))]
    problems: list[dict[str, Any]] = [
        {"severity": "error", "file": p.file, "key": p.key, "message": p.message, "line": str(p)}
        for p in config
    ]
    services: dict[str, Any] = {}
    if not config:
        services, decl_problems = load_declarations(app.settings.declarations_dir)
        decl_problems += _browser_problems(app.settings.fetch, services)
        problems += [
            {
                "severity": p.severity,
                "file": str(p.file),
                "key": p.key,
                "message": p.message,
                "line": str(p),
            }
            for p in decl_problems
        ]
    errors = sum(p["severity"] == "error" for p in problems)
    documents = sum(len(svc.terms) for svc in services.values())
    if as_json:
        print_json(
            {
                "ok": not errors,
                "config": str(config_path) if config_path else None,
                "services": len(services),
                "documents": documents,
                "errors": errors,
                "warnings": len(problems) - errors,
                "problems": [{k: v for k, v in p.items() if k != "line"} for p in problems],
            }
        )
    else:
        for p in problems:
            click.echo(f"{p['severity']}: {p['line']}")
        if not errors:
            click.echo(
                f"ok: {len(services)} services, {documents} documents, {len(problems)} warning(s)"
            )
    if errors:
        sys.exit(2)


def _browser_problems(fetch: Any, services: dict[str, Any]) -> list[Any]:
    """A warning naming each source that declares executeClientScripts while no browser can run
    (playwright or Chromium missing, browser mode not "never"): `check` will fail it."""
    from monitor.capture.declarations import Problem
    from monitor.capture.fetch.browser import find_chromium, playwright_available

    if fetch.browser == "never":
        return []
    if not playwright_available():
        missing = "the playwright package is not installed: pip install 'clausewatch[browser]'"
    elif find_chromium(fetch.chromium_path) is None:
        missing = "no Chromium executable was found (install chromium or set fetch.chromium_path)"
    else:
        return []
    found = []
    for service in services.values():
        for terms_type, decl in service.terms.items():
            for i, source in enumerate(decl.sources):
                if not source.execute_client_scripts:
                    continue
                at = f"combine[{i}]." if decl.combined else ""
                found.append(
                    Problem(
                        service.path,
                        f"terms.{terms_type}.{at}executeClientScripts",
                        f"needs a browser to run the page's scripts, but {missing}; `check` "
                        'will fail this document (or set fetch.browser = "never" to fetch it '
                        "without scripts)",
                        "warning",
                    )
                )
    return found


# ---------------------------------------------------------------- capture


@main.command()
@click.argument("services", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
@handle_errors
def check(app: App, services: tuple[str, ...], as_json: bool) -> None:
    """Fetch, archive and analyse every declared document (or only SERVICES)."""
    declared = app.declarations(skip_invalid=True)  # one bad file never stops the others
    skipped = {Path(f).stem for f in app.invalid_declarations}
    unknown = [s for s in services if s not in declared and s not in skipped]
    if unknown:
        raise DeclarationError(f"unknown service(s): {', '.join(unknown)}")
    named = bool(services)
    services = tuple(s for s in services if s in declared)
    if named and not services:
        sys.exit(1)  # every service named was invalid: reported above, nothing left to check
    total = sum(len(declared[s].terms) for s in (services or declared))
    checker = build_checker(app)
    try:
        with progress_report("check", "documents", total, count_failures=True) as progress:
            summary = checker.run(
                declared,
                services or None,
                progress=lambda o: progress.advance(failed=o.outcome == "failed"),
            )
    finally:
        checker.close()
    if as_json:
        print_json(
            {
                "run_id": summary.run_id,
                "documents": [o.__dict__ for o in summary.outcomes],
                "counts": {
                    k: summary.count(k) for k in ("new", "changed", "unchanged", "held", "failed")
                },
            }
        )
    else:
        print_check_summary(summary)
    if summary.failed or app.invalid_declarations:
        sys.exit(1)


def build_checker(app: App) -> Any:
    """The checker with the alerting hooks (outbox) wired in."""
    from monitor.notify.alerts import checker_hooks
    from monitor.ops.checker import Checker

    return Checker(app.settings, app.store, **checker_hooks(app.settings, app.store))


def print_check_summary(summary: Any) -> None:
    table = Table(title=f"check run {summary.run_id}")
    for col in ("service", "document", "outcome", "changes", "detail"):
        table.add_column(col)
    for o in summary.outcomes:
        detail = o.message or (f"{o.substantive} substantive" if o.changes else "")
        style = {"failed": "red", "changed": "yellow", "new": "green"}.get(o.outcome, "")
        table.add_row(
            o.service_id,
            o.terms_type,
            f"[{style}]{o.outcome}[/]" if style else o.outcome,
            str(o.changes),
            detail,
        )
    out.print(table)
    out.print(
        ", ".join(
            f"{summary.count(k)} {k}" for k in ("new", "changed", "unchanged", "held", "failed")
        )
    )


@main.command()
@click.argument("services", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def rebuild(app: App, services: tuple[str, ...], as_json: bool) -> None:
    """Re-extract stored snapshots with the current declarations and code (technical upgrade)."""
    from monitor.ops.checker import rebuild as run_rebuild

    outcomes = run_rebuild(app.settings, app.existing_store, app.declarations(), services or None)
    if as_json:
        print_json([o.__dict__ for o in outcomes])
        return
    for o in outcomes:
        out.print(
            f"{o.service_id} / {o.terms_type}: {o.outcome}"
            + (f" ({o.message})" if o.message else ""),
            markup=False,
        )
    if any(o.outcome == "failed" for o in outcomes):
        sys.exit(1)


# ---------------------------------------------------------------- reading


@main.command()
@click.argument("service")
@click.argument("terms_type", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def history(app: App, service: str, terms_type: str | None, as_json: bool) -> None:
    """Versions and captures of SERVICE's documents."""
    from monitor.store import queries

    with app.existing_store.session() as s:
        data = queries.history(s, service, terms_type)
    if as_json:
        print_json(data)
        return
    for doc in data:
        out.print(f"[bold]{doc['service']} / {doc['terms_type']}[/]  {doc['url']}")
        table = Table()
        for col in ("captured (UTC)", "version sha256", "origin", "snapshot"):
            table.add_column(col)
        for v in doc["versions"]:
            origin = v["origin"] + (" (technical upgrade)" if v["technical_upgrade"] else "")
            snap = v["snapshots"][0]["path"] if v["snapshots"] else ""
            table.add_row(v["captured_at"], v["sha256"][:16], origin, snap)
        out.print(table)
        failures = [c for c in doc["captures"] if c["outcome"] == "failed"]
        for c in failures[:5]:
            out.print(f"  failed {c['checked_at']}: {c['message']}", markup=False)


@main.command()
@click.argument("service")
@click.argument("terms_type")
@click.option("--at", "at", help="Date or ISO datetime (default: latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def show(app: App, service: str, terms_type: str, at: str | None, as_json: bool) -> None:
    """Print the version of a document in force at a date."""
    from monitor.store import queries

    with app.existing_store.session() as s:
        data = queries.show(s, service, terms_type, parse_when(at))
    if as_json:
        print_json(data)
        return
    click.echo(data["text"], nl=False)
