"""Clause extraction of a ~50 KB document with every clause new, against a floor in the same run.

Usage: .venv/bin/python benchmarks/extract_speed.py [BUNDLE] [--repeats N]
           [--rules-only | --provision-model FILE] [--synthetic-only] [--paired K]

The issue's budget: extracting the provisions of a 50 KB document whose clauses are all new (the
classification cache cleared before every run) takes about 50 ms. Timed, in the same process and
minutes: ``segment`` alone (the floor: every extraction must at least segment the text) and
``extract_provisions`` with a cold cache, on the synthetic 50 KB document with every clause text
distinct (benchmarks/synthetic_terms.py) and on the real documents of the OTA GenAI bundle whose
latest version is 40-60 KB. Prints the median and minimum of each, and the ratio of extraction to
the floor, so a slower machine shows as a slower floor rather than as a regression. Times are
CPU time of this process (``time.process_time``): on a machine shared with other jobs, wall time
mostly measures the others. ``--rules-only`` switches the learned provision component off and
``--provision-model`` uses a candidate file instead of the packaged one: run them alternately to
compare the two in the same minutes. ``--paired K`` does that in one run: K alternations of the
component switched off then on (the packaged one, or ``--provision-model``), each timing the
synthetic document and the real ones, then the medians of each side and their difference.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_terms import synthetic_terms  # noqa: E402

from monitor.clauses import clear_cache, extract_provisions, segment  # noqa: E402
from monitor.clauses.provision_model import (  # noqa: E402
    read_provision_model,
    set_enabled,
    set_model,
)

BUDGET_MS = 50.0


def timed(
    fn: Callable[[], object], repeats: int, before: Callable[[], None] | None = None
) -> list[float]:
    out = []
    for _ in range(repeats):
        if before is not None:
            before()
        t0 = time.process_time()
        fn()
        out.append((time.process_time() - t0) * 1000)
    return out


def measure(
    name: str, text: str, terms_type: str, repeats: int, quiet: bool = False
) -> tuple[float, float]:
    extract_provisions(text, terms_type)  # compiled regexes and the model loaded once
    floor = timed(lambda: segment(text), repeats)
    cold = timed(lambda: extract_provisions(text, terms_type), repeats, before=clear_cache)
    n = len(segment(text))
    f_med, c_med = statistics.median(floor), statistics.median(cold)
    if quiet:
        return f_med, c_med
    print(
        f"{name[:44]:44s} {len(text.encode()) / 1000:5.0f} KB {n:4d} clauses | segment "
        f"{f_med:6.1f} ms (min {min(floor):5.1f}) | extract, cold {c_med:6.1f} ms "
        f"(min {min(cold):5.1f}) | x{c_med / f_med:4.1f} the floor, {c_med / BUDGET_MS:4.2f} of "
        f"{BUDGET_MS:.0f} ms"
    )
    return f_med, c_med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "bundle",
        nargs="?",
        default=str(ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"),
    )
    ap.add_argument("--repeats", type=int, default=15)
    which = ap.add_mutually_exclusive_group()
    which.add_argument(
        "--rules-only", action="store_true", help="switch the learned provision component off"
    )
    which.add_argument("--provision-model", help="use this provision component file instead")
    ap.add_argument("--synthetic-only", action="store_true", help="skip the real documents")
    ap.add_argument(
        "--paired",
        type=int,
        metavar="K",
        help="K alternations of the component off, then on, in this run (not with --rules-only)",
    )
    args = ap.parse_args()
    if args.paired and args.rules_only:
        ap.error("--paired compares with the component switched off: drop --rules-only")
    if args.rules_only:
        set_enabled(False)
    elif args.provision_model:
        try:
            set_model(read_provision_model(Path(args.provision_model).read_text("utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            ap.error(f"{args.provision_model}: not a provision model ({exc})")
    synthetic = synthetic_terms(50_000, distinct=True)
    docs = [] if args.synthetic_only else real_documents(args.bundle)
    if args.paired:
        paired(synthetic, docs, args.paired, args.repeats)
        return
    measure("synthetic, every clause distinct", synthetic, "Terms of Service", args.repeats)
    ratios = []
    for name, text, terms_type in docs:
        f_med, c_med = measure(name, text, terms_type, args.repeats)
        ratios.append((c_med, c_med / f_med))
    if ratios:
        print(
            f"{len(ratios)} real documents of 40-60 KB: extraction median of medians "
            f"{statistics.median(r[0] for r in ratios):.1f} ms, "
            f"x{statistics.median(r[1] for r in ratios):.1f} the segmentation floor"
        )


def real_documents(bundle: str) -> list[tuple[str, str, str]]:
    """(name, text, document type) of the bundle's latest versions of 40-60 KB."""
    if not Path(bundle).exists():
        print(f"{bundle}: not found; real documents skipped", flush=True)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(["git", "clone", "-q", bundle, str(repo)], check=True)
        return [
            (f"{p.parent.name} / {p.stem}", p.read_text("utf-8"), p.stem)
            for p in sorted(repo.glob("*/*.md"))
            if 40_000 <= p.stat().st_size <= 60_000
        ]


def paired(synthetic: str, docs: list[tuple[str, str, str]], k: int, repeats: int) -> None:
    """``k`` alternations of the learned component off, then on, in this process: the synthetic
    document's cold extraction (median over ``repeats``) and the real documents' median of
    medians, per alternation and side."""
    got: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for i in range(k):
        for on in (False, True):
            set_enabled(on)
            clear_cache()
            syn = measure("synthetic", synthetic, "Terms of Service", repeats, quiet=True)[1]
            real = [measure(*d, repeats, quiet=True)[1] for d in docs]
            med = statistics.median(real) if real else float("nan")
            got[on].append((syn, med))
            print(
                f"alternation {i + 1}, component {'on ' if on else 'off'}: synthetic 50 KB "
                f"{syn:6.1f} ms, {len(real)} real 40-60 KB documents median {med:6.1f} ms",
                flush=True,
            )
    set_enabled(True)
    for j, what in enumerate(("synthetic 50 KB", "real documents (median of medians)")):
        off = statistics.median(x[j] for x in got[False])
        on = statistics.median(x[j] for x in got[True])
        print(f"{what}: off {off:.1f} ms, on {on:.1f} ms, difference {on - off:+.1f} ms")


if __name__ == "__main__":
    main()
