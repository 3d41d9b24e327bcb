"""Draw the clauses of the fresh held-out provision set (benchmarks/labels/ai_provisions_fresh.jsonl).

Usage: .venv/bin/python benchmarks/sample_fresh.py OUT.jsonl [BUNDLE] [--second]

Writes, for reading and labelling only (OUT holds document text: keep it outside the repository),
the clauses drawn from the latest version of every English document of the test-split services and
of the services with no clause in ai_provisions.jsonl, skipping clauses already labelled there (by
sha256). The draw uses no output of the tool: a keyword net for the AI-platform provisions
(CORE, 120 clauses), a broader legal net (KEYWORDS, 70) and a uniform draw of the other clauses
of 40 characters or more (80), with a fixed seed; then a second round of 110 more from CORE.
Texts that occur in two documents can be drawn twice; the label file keeps them once.

``--second`` draws the second fresh set (ai_provisions_fresh2.jsonl), made when the first had
been read for errors: the latest version of every English document of every service, skipping the
clauses labelled in either earlier file, seed SEED + 2: 150 from CORE, 70 from KEYWORDS, 60 others.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_provisions import FRESH_LABELS, load_rows, service_of, split_of  # noqa: E402

from monitor.clauses import segment  # noqa: E402

SEED = 20261203_2
CORE_SIZE, NET_SIZE, OTHER_SIZE, EXTRA_CORE_SIZE = 120, 70, 80, 110
SECOND_SIZES = (150, 70, 60)  # core, net, other of the second fresh set
# the AI-platform provisions first (concurrency, credits, refunds, renewal, training, output, age)
CORE = re.compile(
    r"concurren|parallel|simultaneous|at the same time|credit|refund|renew|train|output|"
    r"years old|\bage\b|\bminors?\b",
    re.IGNORECASE,
)
KEYWORDS = re.compile(
    r"concurren|parallel|simultaneous|at the same time|credit|balance|refund|renew|cancel|"
    r"price|pricing|fee|quota|rate limit|usage limit|per minute|train|output|licen[cs]e|"
    r"\bage\b|years old|minor|arbitrat|governing law|governed by|jurisdiction|terminat|suspend|"
    r"liabilit|indemn|notice|retain|retention|delete",
    re.IGNORECASE,
)


def _latest(repo: Path, path: Path) -> str:
    rel = str(path.relative_to(repo))
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%H", "--", rel],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument(
        "bundle",
        nargs="?",
        default=str(ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"),
    )
    ap.add_argument("--second", action="store_true", help="draw the second fresh set")
    args = ap.parse_args()
    out: Path = args.out
    rows = load_rows()
    labelled = {str(r["sha256"]) for r in rows}
    known = {service_of(r) for r in rows}
    if args.second:
        labelled |= {str(r["sha256"]) for r in load_rows(FRESH_LABELS)}
    core: list[dict[str, object]] = []
    net: list[dict[str, object]] = []
    other: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(["git", "clone", "-q", args.bundle, str(repo)], check=True)
        for path in sorted(repo.glob("*/*.md")):
            service = path.parent.name
            if not args.second and service in known and split_of(service) != "test":
                continue
            text = path.read_text("utf-8")
            if len(re.findall(r"[\u4e00-\u9fff]", text)) > len(text) / 10:
                continue  # Chinese documents: the tool reads English
            commit = _latest(repo, path)
            for index, clause in enumerate(segment(text)):
                sha = hashlib.sha256(clause.text.encode()).hexdigest()
                if sha in labelled:
                    continue
                item = {
                    "commit": commit,
                    "file": f"{service}/{path.name}",
                    "index": index,
                    "sha256": sha,
                    "text": clause.text,
                }
                if CORE.search(clause.text):
                    core.append(item)
                elif KEYWORDS.search(clause.text):
                    net.append(item)
                elif len(clause.text.strip()) >= 40:
                    other.append(item)
    if args.second:
        rng = random.Random(SEED + 2)
        sizes = SECOND_SIZES
        drawn = rng.sample(core, min(sizes[0], len(core)))
        drawn += rng.sample(net, min(sizes[1], len(net))) + rng.sample(
            other, min(sizes[2], len(other))
        )
        rng.shuffle(drawn)
    else:
        rng = random.Random(SEED)
        drawn = rng.sample(core, min(CORE_SIZE, len(core)))
        drawn += rng.sample(net, min(NET_SIZE, len(net))) + rng.sample(
            other, min(OTHER_SIZE, len(other))
        )
        rng.shuffle(drawn)
        # a second round, drawn after the first was labelled: more AI-platform provisions
        taken = {str(item["sha256"]) for item in drawn}
        rest = [item for item in core if str(item["sha256"]) not in taken]
        drawn += random.Random(SEED + 1).sample(rest, min(EXTRA_CORE_SIZE, len(rest)))
    with out.open("w", encoding="utf-8") as fh:
        for item in drawn:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(
        f"{len(core)} core and {len(net)} other keyword clauses, {len(other)} others; {len(drawn)} drawn to {out}"
    )


if __name__ == "__main__":
    main()
