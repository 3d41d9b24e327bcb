"""Score the categories of Chinese (CJK) clauses against labels read by hand.

Usage: python benchmarks/eval_cjk.py [BUNDLE] [--labels FILE] [--errors]

Reads benchmarks/labels/cjk_provisions.jsonl (its header says how the clauses were sampled and
labelled, and which services are dev and which test), runs ``extract_provisions`` over each
labelled document at the labelled commit of the OTA GenAI bundle, matches the clauses by the
sha256 of their text, and prints precision, recall and F1 per category, micro precision and
recall, and macro-F1 over the categories that occur (labelled or predicted), for the dev services,
the test services and both. A labelled clause the tool gives no category counts as predicted
empty. ``--errors`` lists each disagreeing clause (file, index, labelled, predicted, reasons).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.clauses import extract_provisions, segment  # noqa: E402

DEFAULT_BUNDLE = ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"
LABELS = ROOT / "benchmarks" / "labels" / "cjk_provisions.jsonl"


def _show(repo: Path, commit: str, path: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{path}"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


def predictions(repo: Path, rows: list[dict[str, object]]) -> dict[str, set[str] | None]:
    """sha256 of a clause text -> the categories the tool gives it (None: text not found)."""
    out: dict[str, set[str] | None] = {}
    docs = sorted({(str(r["commit"]), str(r["file"])) for r in rows})
    for commit, path in docs:
        text = _show(repo, commit, path)
        terms_type = Path(path).stem
        for clause in segment(text):
            out[hashlib.sha256(clause.text.encode()).hexdigest()] = set()
        for cc in extract_provisions(text, terms_type):
            key = hashlib.sha256(cc.clause.text.encode()).hexdigest()
            out[key] = {c.category for c in cc.categories}
    return out


def score(
    rows: list[dict[str, object]], pred: dict[str, set[str] | None], errors: bool
) -> dict[str, object]:
    counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    unmatched = 0
    for row in rows:
        got = pred.get(str(row["sha256"]))
        if got is None:
            unmatched += 1
            continue
        gold = set(row["categories"])  # type: ignore[arg-type]
        for cat in gold | got:
            counts[cat][0 if cat in gold and cat in got else 1 if cat in got else 2] += 1
        if errors and gold != got:
            print(
                f"  {row['file']} [{row['index']}] labelled={sorted(gold)} predicted={sorted(got)}"
                f" ({row['note']})"
            )
    per_cat: dict[str, tuple[int, int, int, float, float, float]] = {}
    for cat, (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_cat[cat] = (tp, fp, fn, p, r, f)
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    return {
        "clauses": len(rows) - unmatched,
        "unmatched": unmatched,
        "per_category": per_cat,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "macro_f1": sum(c[5] for c in per_cat.values()) / len(per_cat) if per_cat else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--errors", action="store_true", help="list each disagreeing clause")
    args = parser.parse_args()
    lines = args.labels.read_text("utf-8").splitlines()
    header = json.loads(lines[0])
    rows = [json.loads(line) for line in lines[1:] if line]
    split: dict[str, list[str]] = header["split"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(
            ["git", "clone", "-q", str(args.bundle), str(repo)], check=True, capture_output=True
        )
        pred = predictions(repo, rows)
    for name in ("dev", "test", "all"):
        services = [s for part in split.values() for s in part] if name == "all" else split[name]
        part = [r for r in rows if str(r["file"]).split("/", 1)[0] in services]
        print(f"== {name} ({', '.join(services)})")
        rep = score(part, pred, args.errors and name != "all")
        for cat, (tp, fp, fn, p, r, f) in rep["per_category"].items():  # type: ignore[attr-defined]
            print(f"  {cat:28s} tp={tp:2d} fp={fp:2d} fn={fn:2d}  P={p:.2f} R={r:.2f} F1={f:.2f}")
        print(
            f"  clauses {rep['clauses']} (unmatched {rep['unmatched']}): micro P={rep['precision']:.3f}"
            f" R={rep['recall']:.3f}, macro-F1={rep['macro_f1']:.3f}"
            f" over {len(rep['per_category'])} categories"  # type: ignore[arg-type]
        )


if __name__ == "__main__":
    main()
