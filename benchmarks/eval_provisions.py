"""Run extract_provisions over the latest version of every document in the OTA GenAI bundle.

Usage: .venv/bin/python benchmarks/eval_provisions.py [BUNDLE]

Clones the bundle into a temporary directory, takes the latest version of every
``<Service>/<Terms type>.md``, and prints provisions per category, documents per second, the
document-type check failures, and three known provisions with their facts.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.clauses import check_document_type, extract_provisions  # noqa: E402
from monitor.models import ClassifiedClause  # noqa: E402

HIGHLIGHTS = [
    ("Replicate", "Terms of Service", "credit_expiry"),
    ("Claude.ai", "Terms of Service", "ai_training_on_user_content"),
    ("Midjourney", "Terms of Service", "limitation_of_liability"),
]


def show(cc: ClassifiedClause, category: str) -> None:
    cls = next(c for c in cc.categories if c.category == category)
    text = " ".join(cc.clause.text.split())
    print(
        f"  [{' > '.join(cc.clause.heading_path[-2:])}] unfair={cls.unfair} conf={cls.confidence}"
    )
    print(f"    {text[:300]}{'...' if len(text) > 300 else ''}")
    for f in cc.facts:
        print(f"    fact {f.name} = {f.value!r} {f.unit}  <- {f.text[:60]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "bundle",
        nargs="?",
        default=str(ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"),
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(["git", "clone", "-q", args.bundle, str(repo)], check=True)
        docs = sorted(p for p in repo.glob("*/*.md") if p.parent.name != ".git")
        texts = {(p.parent.name, p.stem): p.read_text("utf-8") for p in docs}

    per_cat: collections.Counter[str] = collections.Counter()
    unfair: collections.Counter[str] = collections.Counter()
    results: dict[tuple[str, str], list[ClassifiedClause]] = {}
    total_bytes = sum(len(t.encode()) for t in texts.values())
    t0 = time.perf_counter()
    for key, text in texts.items():
        results[key] = extract_provisions(text, key[1])
    elapsed = time.perf_counter() - t0
    for provs in results.values():
        for cc in provs:
            for c in cc.categories:
                per_cat[c.category] += 1
                unfair[c.category] += int(c.unfair)

    print(
        f"{len(texts)} documents, {total_bytes / 1e6:.1f} MB, {elapsed:.2f} s: "
        f"{len(texts) / elapsed:.0f} documents/s, {total_bytes / 1e6 / elapsed:.2f} MB/s"
    )
    print(f"\n{'category':32s} {'provisions':>10s} {'unfair':>7s}")
    for cat, n in per_cat.most_common():
        print(f"{cat:32s} {n:10d} {unfair[cat]:7d}")

    bad = [(k, check_document_type(t, k[1])) for k, t in texts.items()]
    flagged = [(k, r) for k, r in bad if not r.ok]
    print(f"\ndocument-type check: {len(flagged)} of {len(bad)} latest versions flagged")
    for (svc, tt), r in flagged[:15]:
        print(f"  {svc} / {tt}: {r.reason}")

    for svc, tt, cat in HIGHLIGHTS:
        print(f"\n== {svc} / {tt}: {cat}")
        provs = [
            cc for cc in results.get((svc, tt), []) if any(c.category == cat for c in cc.categories)
        ]
        if not provs:
            print("  (none found)")
        for cc in provs[:4]:
            show(cc, cat)


if __name__ == "__main__":
    main()
