"""How often would the suspicious-capture rule hold a real change, and does it catch truncations?

Real data: Open Terms Archive's GenAI Contrib versions bundle (../shared/data). For every document,
each recorded real change ("Record new changes of ...") is compared with the version before it by
`monitor.capture.check.content_loss`: a held real change is a false hold (it is recorded one check
later, after confirmation). Then every document's latest version is cut to the first 20/40/60/80 %
of its text, as a server that drops the connection mid-page would serve it, and we count how many
of those would be held.

    python benchmarks/eval_suspicious.py [--bundle PATH]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.capture.check import content_loss  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BUNDLE = DATA / "ota-genai-contrib-versions.bundle"
CUTS = (0.2, 0.4, 0.6, 0.8)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def history(repo: Path) -> dict[str, list[tuple[str, str]]]:
    """Per document path: (commit, subject) oldest first, real records only."""
    log = git(repo, "log", "--reverse", "--format=%H%x09%s", "--name-only", "--no-renames")
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    commit = subject = ""
    for line in log.splitlines():
        if "\t" in line and len(line.split("\t", 1)[0]) == 40:
            commit, subject = line.split("\t", 1)
        elif (
            line.endswith(".md")
            and "/" in line
            and subject.startswith(("First record of", "Record new changes of"))
        ):
            out[line].append((commit, subject))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-suspicious-") as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(
            ["git", "clone", "-q", str(args.bundle), str(repo)], check=True, capture_output=True
        )
        docs = history(repo)
        pairs = held = flapping = 0
        held_list: list[str] = []
        caught = dict.fromkeys(CUTS, 0)
        judged_docs = 0
        for path, records in sorted(docs.items()):
            texts = [git(repo, "show", f"{c}:{path}") for c, _ in records]
            for index, ((commit, subject), before, after) in enumerate(
                zip(records[1:], texts, texts[1:], strict=False), start=1
            ):
                if not subject.startswith("Record new changes of"):
                    continue
                pairs += 1
                why = content_loss(before, after)
                if why:
                    held += 1
                    # a return to a state recorded before: content flapping between two captures
                    back = after in texts[:index]
                    flapping += back
                    note = " (returns to an earlier state)" if back else ""
                    held_list.append(f"{path} {commit[:10]}: {why}{note}")
            latest = texts[-1]
            if content_loss(latest, latest) is None and len(latest.split()) >= 100:
                judged_docs += 1
                for cut in CUTS:
                    if content_loss(latest, latest[: int(len(latest) * cut)]):
                        caught[cut] += 1
    print(f"documents: {len(docs)}; real changes compared with their previous version: {pairs}")
    once = held - flapping
    print(
        f"held: {held} ({held / max(pairs, 1):.2%}); {flapping} of them return to an earlier state"
    )
    print(f"held once, a real change recorded one check later: {once} ({once / max(pairs, 1):.2%})")
    for line in held_list:
        print("  " + line)
    print(f"truncated latest versions (documents of >= 100 words: {judged_docs}):")
    for cut in CUTS:
        print(f"  first {cut:.0%} kept: held {caught[cut]}/{judged_docs}")


if __name__ == "__main__":
    main()
