"""Evaluate change detection on Open Terms Archive's GenAI history (the bundle in ../shared/data).

Imports the whole history into a fresh store (import + extraction + change detection, timed), then:
- on the labelled random sample of recorded changes (benchmarks/labels/alerts_sample.tsv, judged
  real or false by reading): alert precision (real among the versions that would alert), recall
  (real changes that would alert) and category accuracy (a labelled category among the alerting
  events' categories), with the false alerts counted by the labelled kind;
- alerting versions per document-year over the whole history;
- among recorded changes that touch three words or fewer, the share that does not alert (no
  substantive event; target 97%), with every exception listed;
- whether the known substantive changes are detected with the right categories and fact deltas;
- the number of flapping episodes.

Usage: python benchmarks/eval_changes.py [BUNDLE] [--service NAME ...] [--out FILE.json]
       [--store FILE.sqlite3 | --save-store FILE.sqlite3] [--list-false] [--sample LABELS.tsv]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.changes.editorial import NEGATIONS, prefixed_opposite  # noqa: E402
from monitor.changes.ota_import import import_repository  # noqa: E402
from monitor.models import is_substantive  # noqa: E402
from monitor.store import Change, Document, Store, Version  # noqa: E402

DEFAULT_BUNDLE = ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"
ALERT_LABELS = ROOT / "benchmarks" / "labels" / "alerts_sample.tsv"
YEAR = 365.25 * 86400
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Known:
    """A substantive change users should hear about, and how we expect to see it."""

    label: str
    service: str
    terms_type: str
    start: str
    end: str
    categories: tuple[str, ...]  # at least one of these must appear on a substantive event
    fact: str | None = None  # a fact delta with this name (if any) is expected
    evidence: str | None = None  # a regex the event's new text must match (the words that moved)


KNOWN = [
    Known(
        "Replicate: prepaid credits now expire",
        "Replicate",
        "Terms of Service",
        "2025-07-01",
        "2025-09-30",
        ("credit_expiry",),
        "credit_validity",
        r"(?i)expire",
    ),
    Known(
        "Claude.ai: training switched to opt-out",
        "Claude.ai",
        "Terms of Service",
        "2025-08-01",
        "2025-10-15",
        ("ai_training_on_user_content",),
        "training_on_content",
        r"(?i)train",
    ),
    Known(
        "Midjourney: liability cap",
        "Midjourney",
        "Terms of Service",
        "2024-03-01",
        "2024-08-31",
        ("limitation_of_liability",),
        "liability_cap_months",
        r"(?i)12\)? months",
    ),
    Known(
        "Midjourney: jury-trial waiver",
        "Midjourney",
        "Terms of Service",
        "2024-03-01",
        "2024-08-31",
        ("jury_trial_waiver",),
        None,
        r"(?i)trial by jury",
    ),
    # the bundle's first Midjourney version (2023-10) already names the AAA for disputes not settled
    # in 30 days; the 2023-12-21 version makes every dispute go to binding arbitration, not court
    Known(
        "Midjourney: move to arbitration",
        "Midjourney",
        "Terms of Service",
        "2023-12-01",
        "2024-01-31",
        ("arbitration",),
        None,
        r"(?i)binding arbitration rather than in court",
    ),
]


def words_changed(old: str, new: str, limit: int = 3) -> int:
    """Words changed between two texts (per diff hunk, the larger of words removed and added).

    Returns early with a bound above `limit` when the word multisets alone prove that more than
    `limit` words changed (each hunk counts at least half its removed plus added words).
    """
    import difflib
    from collections import Counter

    a, b = WORD.findall(old.lower()), WORD.findall(new.lower())
    ca, cb = Counter(a), Counter(b)
    lower_bound = (sum((ca - cb).values()) + sum((cb - ca).values()) + 1) // 2
    if lower_bound > limit:
        return lower_bound
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal")


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# "now" -> "not" is the classic one-letter flip of meaning
NEGATION_WORDS = NEGATIONS | {"now"}


def negates(removed: str, added: str) -> bool:
    """A negation word changed, or a word became its prefixed opposite ("appropriate")."""
    old_words, new_words = set(removed.lower().split()), set(added.lower().split())
    if (old_words ^ new_words) & NEGATION_WORDS:
        return True
    return any(prefixed_opposite(a, b) for a in old_words for b in new_words)


def explain(kind: str, diff: list[list[Any]]) -> str:
    """Why a small change was judged substantive, in one of a few plain classes."""
    removed = " ".join(t for op, t in diff if op < 0).strip()
    added = " ".join(t for op, t in diff if op > 0).strip()
    changed = f"{removed} {added}"
    if kind in ("added", "removed") or not changed.strip():
        return "a short block appeared or disappeared (page title, heading or label)"
    if CJK.search(changed):
        return "Chinese wording changed"
    if any(ch.isdigit() for ch in changed):
        return "a number, date, address or identifier changed"
    if removed and added and negates(removed, added):
        return "a negation or an opposite ('now' -> 'not', 'appropriate' -> 'inappropriate')"
    if removed and added and removed[:1].isupper() and added[:1].isupper():
        return "a name changed (product, plan, place or contracting entity)"
    if not removed or not added:
        return "words added to or removed from a sentence (scope widened or narrowed)"
    return "a word replaced by one of different meaning"


def clone(bundle: Path, target: Path) -> None:
    subprocess.run(["git", "clone", "-q", str(bundle), str(target)], check=True)


def evaluate(store: Store, sample: Path = ALERT_LABELS) -> dict[str, Any]:
    small_total = small_editorial = 0
    exceptions: list[dict[str, Any]] = []
    flapping = 0
    with store.session() as s:
        docs = {d.id: d for d in s.scalars(select(Document)).all()}
        for doc in docs.values():
            versions = s.scalars(
                select(Version)
                .where(Version.document_id == doc.id)
                # recording order = the repository's commit order, the order change detection
                # compared versions in (a few commits carry dates earlier than their parents')
                .order_by(Version.id)
            ).all()
            changes_by_to: dict[int, list[Change]] = {}
            for c in s.scalars(select(Change).where(Change.document_id == doc.id)).all():
                changes_by_to.setdefault(c.to_version_id, []).append(c)
            for prev, cur in zip(versions, versions[1:], strict=False):
                if cur.technical_upgrade:
                    continue
                events = changes_by_to.get(cur.id, [])
                flapping += any(e.kind == "flapping" for e in events)
                if words_changed(prev.text, cur.text) > 3:
                    continue
                small_total += 1
                substantive = [e for e in events if not e.editorial and e.kind != "flapping"]
                if not substantive:
                    small_editorial += 1
                    continue
                e = substantive[0]
                exceptions.append(
                    {
                        "why": explain(e.kind, e.diff),
                        "service": doc.service_id,
                        "terms_type": doc.terms_type,
                        "captured_at": cur.captured_at.isoformat(),
                        "kind": e.kind,
                        "categories": e.categories,
                        "reasons": e.reasons,
                        "diff": [t for op, t in e.diff if op != 0][:6],
                    }
                )
        known = [check_known(s, k) for k in KNOWN]
        labelled = label_metrics(s, read_labels(sample))
        labelled["sample"] = str(sample)
        rate = alerting_per_document_year(s)
    return {
        "labels": labelled,
        "alerting_rate": rate,
        "small_changes": small_total,
        "small_changes_editorial": small_editorial,
        "editorial_share": round(small_editorial / small_total, 4) if small_total else None,
        "exceptions": exceptions,
        "flapping_episodes": flapping,
        "known_changes": known,
    }


def read_labels(path: Path = ALERT_LABELS) -> list[dict[str, str]]:
    """The labelled sample: one dict per row (comment lines, starting with '#', skipped)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"), strict=True)) for ln in lines[1:] if ln.strip()]


def _doc_key(row: dict[str, str]) -> tuple[str, str]:
    service, _, terms = row["file"].removesuffix(".md").partition("/")
    return service, terms


def label_metrics(s: Any, labels: list[dict[str, str]]) -> dict[str, Any]:
    """Precision, recall and category accuracy of "this version would alert" on the labels.

    A version would alert when change detection gave it at least one substantive event. A row
    whose version the import did not keep as a new version (identical text) does not alert.
    """
    docs = {(d.service_id, d.terms_type): d.id for d in s.scalars(select(Document)).all()}
    versions = {
        (doc_id, ref): vid
        for vid, doc_id, ref in s.execute(
            select(Version.id, Version.document_id, Version.source_ref)
        )
    }
    wanted_ids = {versions.get((docs.get(_doc_key(r)), r["commit"])) for r in labels} - {None}
    captured = {
        vid: at.date().isoformat()
        for vid, at in s.execute(
            select(Version.id, Version.captured_at).where(Version.id.in_(wanted_ids))
        )
    }
    events: dict[int | None, list[Change]] = {}
    for change in s.scalars(select(Change).where(Change.to_version_id.in_(wanted_ids))):
        events.setdefault(change.to_version_id, []).append(change)
    tp = fp = fn = tn = missing = 0
    category_ok = category_total = 0
    false_alert_kinds: dict[str, int] = {}
    missed: list[dict[str, str]] = []
    false_alerts: list[dict[str, str]] = []
    category_misses: list[dict[str, str]] = []
    for row in labels:
        doc_id = docs.get(_doc_key(row))
        if doc_id is None:
            missing += 1
            continue
        version_id = versions.get((doc_id, row["commit"]))
        substantive = [e for e in events.get(version_id, []) if is_substantive(e)]
        alerts, real = bool(substantive), row["verdict"] == "real"
        if real and alerts:
            tp += 1
        elif alerts:
            fp += 1
            false_alert_kinds[row["kind"]] = false_alert_kinds.get(row["kind"], 0) + 1
            false_alerts.append(_row_summary(row, captured.get(version_id)))
        elif real:
            fn += 1
            missed.append(_row_summary(row, captured.get(version_id)))
        else:
            tn += 1
        wanted = {c for c in row["categories"].split(",") if c and c != "-"}
        if real and alerts and wanted:
            category_total += 1
            found = {c for e in substantive for c in e.categories}
            category_ok += bool(wanted & found)
            if not wanted & found:
                miss = _row_summary(row, captured.get(version_id))
                miss["kind"] = f"wanted {','.join(sorted(wanted))}, got {','.join(sorted(found))}"
                category_misses.append(miss)
    return {
        "labelled": len(labels),
        "documents_missing": missing,
        "alerting": tp + fp,
        "real": tp + fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "category_accuracy": round(category_ok / category_total, 3) if category_total else None,
        "category_checked": category_total,
        "false_alerts_by_kind": dict(sorted(false_alert_kinds.items(), key=lambda kv: -kv[1])),
        "missed": missed,
        "false_alerts": false_alerts,
        "category_misses": category_misses,
        "true_negatives": tn,
    }


def _row_summary(row: dict[str, str], captured: str | None) -> dict[str, str]:
    """A labelled row as the report names it: where, when, which kind, the labeller's note."""
    return {
        "file": row["file"],
        "commit": row["commit"][:10],
        "captured": captured or "-",
        "kind": row["kind"],
        "note": row["note"],
    }


def alerting_per_document_year(s: Any) -> dict[str, Any]:
    """Versions with at least one substantive event, per document and year of its history."""
    alerting = years = 0.0
    alerting_versions: dict[int, set[int]] = {}
    for doc_id, to_id, editorial, kind in s.execute(
        select(Change.document_id, Change.to_version_id, Change.editorial, Change.kind)
    ):
        if not editorial and kind not in ("flapping", "moved"):  # is_substantive on bare columns
            alerting_versions.setdefault(doc_id, set()).add(to_id)
    for doc in s.scalars(select(Document)).all():
        versions = s.scalars(
            select(Version).where(Version.document_id == doc.id).order_by(Version.captured_at)
        ).all()
        if len(versions) < 2:
            continue
        years += (versions[-1].captured_at - versions[0].captured_at).total_seconds() / YEAR
        alerting += len(alerting_versions.get(doc.id, ()))
    return {
        "alerting_versions": int(alerting),
        "document_years": round(years, 1),
        "per_document_year": round(alerting / years, 2) if years else None,
    }


def check_known(s: Any, k: Known) -> dict[str, Any]:
    doc = s.scalars(
        select(Document).where(
            Document.service_id == k.service, Document.terms_type == k.terms_type
        )
    ).first()
    result: dict[str, Any] = {"label": k.label, "detected": False, "events": []}
    if doc is None:
        result["note"] = "document not in the store"
        return result
    start, end = datetime.fromisoformat(k.start), datetime.fromisoformat(k.end)
    rows = s.execute(
        select(Change, Version)
        .join(Version, Version.id == Change.to_version_id)
        .where(
            Change.document_id == doc.id,
            Change.editorial.is_(False),
            Version.captured_at >= start,
            Version.captured_at <= end,
        )
    ).all()
    for change, version in rows:
        if not set(change.categories) & set(k.categories):
            continue
        deltas = [d for d in change.fact_deltas if k.fact is None or d["name"] == k.fact]
        if k.fact is not None and not deltas:
            continue
        new_text = (change.after or {}).get("text", "")
        if k.evidence is not None and not re.search(k.evidence, new_text):
            continue
        result["detected"] = True
        result["events"].append(
            {
                "captured_at": version.captured_at.isoformat(),
                "kind": change.kind,
                "categories": change.categories,
                "exposure": change.exposure,
                "fact_deltas": deltas,
                "reasons": change.reasons[:3],
                "evidence": new_text[:200],
            }
        )
    return result


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the import's analysis
    workers and git)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--service", action="append", default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="evaluate an existing store (from an earlier import) instead",
    )
    parser.add_argument(
        "--save-store",
        type=Path,
        default=None,
        help="keep a copy of the imported store here (for --store later)",
    )
    parser.add_argument(
        "--list-false",
        action="store_true",
        help="print every false alert and category miss of the labelled sample (file, commit, "
        "date, kind or categories, note)",
    )
    parser.add_argument(
        "--sample",
        type=Path,
        default=ALERT_LABELS,
        help="label file to score alerts against (alerts_sample.tsv's format; e.g. the held-out "
        "benchmarks/labels/alerts_fresh.tsv)",
    )
    args = parser.parse_args()
    if args.store is not None:
        report = evaluate(Store(f"sqlite:///{args.store}"), args.sample)
        report["import"] = None
        return print_report(report, args.out, args.list_false)
    if not args.bundle.exists():
        print(f"error: {args.bundle}: bundle not found", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cw-eval-changes-") as tmp:
        repo = Path(tmp) / "versions"
        clone(args.bundle, repo)
        store = Store(f"sqlite:///{tmp}/eval.sqlite3")
        started, cpu0 = time.perf_counter(), _cpu_seconds()
        stats = import_repository(
            store,
            repo,
            services=args.service,
            clock=lambda: datetime.now(UTC).replace(tzinfo=None),
        )
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu0
        report = evaluate(store, args.sample)
        if args.save_store is not None:
            # SQLite's backup, not a file copy: the store is in WAL mode and a copy of the main
            # file alone lost the versions still in the -wal file (3,546 of 3,603 kept)
            with (
                closing(sqlite3.connect(Path(tmp) / "eval.sqlite3")) as src,
                closing(sqlite3.connect(args.save_store)) as dst,
            ):
                src.backup(dst)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["import"] = {
        "versions": stats.versions,
        "technical_upgrades": stats.technical_upgrades,
        "documents": len(stats.documents),
        "changes": stats.changes,
        "substantive": stats.substantive,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "versions_per_second": round(stats.versions / wall, 1),
        "peak_rss_mib": round(rss_mib),
        "target_seconds": 60,
        "target_met": wall < 60,
    }
    return print_report(report, args.out, args.list_false)


def _describe(row: dict[str, str]) -> str:
    return f"{row['file']} {row['commit']} {row['captured']} {row['kind']}: {row['note']}"


def print_report(report: dict[str, Any], out: Path | None, list_false: bool = False) -> int:
    imp = report["import"]
    if imp:
        print(
            f"import: {imp['versions']} versions of {imp['documents']} documents in "
            f"{imp['wall_seconds']} s ({imp['versions_per_second']} versions/s, CPU "
            f"{imp['cpu_seconds']} s, peak RSS {imp['peak_rss_mib']} MiB); target < 60 s: "
            f"{'met' if imp['target_met'] else 'NOT met'}"
        )
    lab = report["labels"]
    print(
        f"labelled sample {Path(lab['sample']).name}: {lab['labelled']} recorded changes, {lab['real']} real; "
        f"{lab['alerting']} would alert: precision {lab['precision']} (target >= 0.90), "
        f"recall {lab['recall']} (target 1.0), category accuracy {lab['category_accuracy']} "
        f"on {lab['category_checked']} (target >= 0.90)"
    )
    print(f"  false alerts by labelled kind: {lab['false_alerts_by_kind']}")
    for m in lab["missed"]:
        print(f"  missed real change: {_describe(m)}")
    if list_false:
        for f in lab["false_alerts"]:
            print(f"  false alert: {_describe(f)}")
        for c in lab["category_misses"]:
            print(f"  category miss: {_describe(c)}")
    rate = report["alerting_rate"]
    print(
        f"alerting versions: {rate['alerting_versions']} over {rate['document_years']} "
        f"document-years = {rate['per_document_year']} per document-year"
    )
    share = report["editorial_share"]
    print(
        f"changes of <= 3 words: {report['small_changes']}, non-alerting: "
        f"{report['small_changes_editorial']} ({share:.1%}); target >= 97%, every exception "
        f"a real change: {'met' if share is not None and share >= 0.97 else 'NOT met'}"
    )
    by_why: dict[str, list[dict[str, Any]]] = {}
    for e in report["exceptions"]:
        by_why.setdefault(e["why"], []).append(e)
    for why, items in sorted(by_why.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(items):3d} x {why}")
        for e in items:
            print(
                f"        {e['service']} / {e['terms_type']} {e['captured_at'][:10]} "
                f"{e['kind']} {e['categories']} changed {e['diff']}"
            )
    print(f"flapping episodes: {report['flapping_episodes']}")
    for k in report["known_changes"]:
        mark = "detected" if k["detected"] else "MISSED"
        first = k["events"][0] if k["events"] else None
        detail = (
            f" ({first['captured_at'][:10]}, {first['categories']}, exposure "
            f"{first['exposure']}, deltas {first['fact_deltas']})"
            if first
            else ""
        )
        print(f"  {mark}: {k['label']}{detail}")
    if out:
        out.write_text(json.dumps(report, indent=2, default=str))
        print(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
