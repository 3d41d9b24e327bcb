"""Clause commands: taxonomy, clauses, classify, compare."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import IO

import click
from rich.table import Table

from monitor.cli import App, handle_errors, main, out, parse_when, print_json


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The whole taxonomy, analysis text included.")
@handle_errors
def taxonomy(as_json: bool) -> None:
    """List the provision categories ClauseWatch recognises."""
    from monitor.clauses import load_taxonomy

    tax = load_taxonomy()
    if as_json:
        print_json(
            {"disclaimer": tax.disclaimer, "categories": [c.raw for c in tax.categories.values()]}
        )
        return
    table = Table()
    for col in ("id", "group", "exposure", "title", "description"):
        table.add_column(col)
    for c in tax.categories.values():
        table.add_row(c.id, c.group, c.default_exposure, c.title, c.description)
    out.print(table)
    out.print(f"{len(tax.categories)} categories. {tax.disclaimer}", markup=False)


@main.command()
@click.argument("service")
@click.argument("terms_type")
@click.option("--at", "at", help="Date or ISO datetime (default: latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def clauses(app: App, service: str, terms_type: str, at: str | None, as_json: bool) -> None:
    """Provisions of a document: category, facts, exposure and a verified excerpt."""
    from monitor.publish.provisions import clauses_at

    with app.existing_store.session() as s:
        data = clauses_at(s, service, terms_type, parse_when(at))
    if as_json:
        print_json(data)
        return
    v = data["version"]
    out.print(f"[bold]{service} / {terms_type}[/] version {v['sha256'][:12]} of {v['captured_at']}")
    if not data["published"]:
        out.print(
            f"not published: this capture does not look like a {terms_type} "
            f"({v['document_type_reason']}); {data['withheld']} provisions withheld",
            markup=False,
        )
        return
    for p in data["provisions"]:
        facts = ", ".join(
            f"{f['name']}={f['value']}{' ' + f['unit'] if f['unit'] else ''}" for f in p["facts"]
        )
        flag = " [red]potentially unfair[/]" if p["unfair"] else ""
        out.print(
            f"\n[bold]{p['title']}[/] ({p['category']}, exposure {p['exposure']}, "
            f"confidence {p['confidence']:.2f}){flag}"
        )
        if p["heading_path"]:
            out.print("  § " + " > ".join(p["heading_path"]), markup=False)
        if facts:
            out.print(f"  facts: {facts}", markup=False)
        ex = p["excerpt"]
        out.print(f"  \u201c{_clip(ex['text'])}\u201d [{ex['start']}:{ex['end']}]", markup=False)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input line.")
@handle_errors
def classify(source: IO[str], as_json: bool) -> None:
    """Classify free text, one clause per line (FILE or - for standard input)."""
    from monitor.clauses import classify_text, load_taxonomy

    tax = load_taxonomy()
    for line in source:
        line = line.rstrip("\n")
        if not line.strip():
            if as_json:
                sys.stdout.write(
                    json.dumps(
                        {"text": line, "categories": [], "facts": [], "explanation": "empty line"}
                    )
                    + "\n"
                )
            continue
        cc = classify_text(line)
        explanation = (
            "; ".join(f"{c.category}: {', '.join(c.reasons) or 'model'}" for c in cc.categories)
            or "no provision category recognised"
        )
        if as_json:
            record = {
                "text": line,
                "categories": [
                    {
                        "id": c.category,
                        "confidence": round(c.confidence, 3),
                        "unfair": c.unfair,
                        "reasons": list(c.reasons),
                    }
                    for c in cc.categories
                ],
                "facts": [asdict(f) for f in cc.facts],
                "explanation": explanation,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        if not cc.categories:
            out.print(f"- {_clip(line, 100)}\n    no category", markup=False)
            continue
        out.print(f"- {_clip(line, 100)}", markup=False)
        for c in cc.categories:
            title = tax.get(c.category).title if tax.get(c.category) else c.category  # type: ignore[union-attr]
            unfair = ", potentially unfair" if c.unfair else ""
            out.print(
                f"    {title} ({c.category}, {c.confidence:.2f}{unfair}) because {', '.join(c.reasons)}",
                markup=False,
            )
        for f in cc.facts:
            out.print(f"    fact {f.name} = {f.value} {f.unit}".rstrip(), markup=False)


@main.command()
@click.argument("category")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def compare(app: App, category: str, as_json: bool) -> None:
    """The provision of CATEGORY across all platforms, side by side with their facts."""
    from monitor.publish.provisions import compare as run_compare

    with app.existing_store.session() as s:
        data = run_compare(s, category)
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{data['title']}[/]: {data['summary']}")
    table = Table()
    for col in ("platform", "document", "facts", "unfair", "excerpt"):
        table.add_column(col)
    for service, provisions in data["platforms"].items():
        for p in provisions:
            facts = ", ".join(f"{f['name']}={f['value']} {f['unit']}".strip() for f in p["facts"])
            table.add_row(
                service, p["terms_type"], facts, "yes" if p["unfair"] else "", _clip(p["text"], 160)
            )
    out.print(table)
    out.print(data["disclaimer"], markup=False)
