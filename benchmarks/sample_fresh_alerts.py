"""Draw the recorded changes of the fresh held-out alert sample (benchmarks/labels/alerts_fresh.tsv).

Usage: python benchmarks/sample_fresh_alerts.py OUT_DIR [BUNDLE] [--size N] [--second]

The population is every (commit, file) pair of the GenAI versions bundle whose commit subject says
the source changed (`subject_kind` "change": "Record new changes of" and the pre-2023 "Update ..."
subjects) and whose file is a `<Service>/<Terms type>.md` that existed at the parent commit (a
first record has nothing to compare), minus the pairs already in alerts_sample.tsv, which chose
the rules. The draw uses no output of the tool: `random.Random(SEED).sample` over the population
in git order. Writes, for reading and labelling only (they hold document text: keep OUT_DIR outside
the repository), `OUT_DIR/diffs.txt` (for each drawn change, git's word diff against the file at the
parent commit of the words a reader sees, with link targets, images and markup dropped, or the raw
diff when those words are equal; whether either text occurred earlier in the file's history; for a
return from a much shorter text, the diff from the version before it; long diffs cut) and `OUT_DIR/rows.tsv` (commit, parent, file, sha256 of the new
version's bytes, to be completed with the verdict columns).

``--second`` draws the second fresh sample (alerts_fresh2.tsv), made when the first had been read
for errors: the pairs of alerts_fresh.tsv are left out as well, seed SECOND_SEED.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.changes.ota_import import subject_kind  # noqa: E402

DEFAULT_BUNDLE = ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"
LABELLED = ROOT / "benchmarks" / "labels" / "alerts_sample.tsv"
SEED = 20261203_18  # alerts_sample.tsv used 20261203
SECOND_SEED = 20261203_19
FIRST_FRESH = ROOT / "benchmarks" / "labels" / "alerts_fresh.tsv"
DIFF_CHARS = 2500  # enough to judge; the rest of a long diff is counted, not shown


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return out.stdout.decode("utf-8", errors="replace")


def population(repo: Path) -> list[tuple[str, str, str]]:
    """(commit, parent, file) of every recorded change, in git log order."""
    pairs: list[tuple[str, str, str]] = []
    log = _git(
        repo, "log", "--no-merges", "--no-renames", "--name-status", "--format=%x00%H %P%x09%s"
    )
    for chunk in log.split("\0")[1:]:
        header, _, names = chunk.partition("\n")
        ids, _, subject = header.partition("\t")
        commit, _, parent = ids.partition(" ")
        if subject_kind(subject) != "change" or subject.startswith("First record of"):
            continue
        for line in names.splitlines():
            status, _, path = line.partition("\t")
            if status == "M" and len(PurePosixPath(path).parts) == 2 and path.endswith(".md"):
                pairs.append((commit, parent.split()[0], path))
    return pairs


def labelled_pairs(path: Path = LABELLED) -> set[tuple[str, str]]:
    rows = [ln.split("\t") for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    return {(r[0], r[2]) for r in rows[1:] if len(r) > 2}


URL = re.compile(r"https?://[^\s)\]>]+")
ID_LIKE = re.compile(r"[0-9a-fA-F-]{12,}|[A-Za-z0-9_%-]*\d[A-Za-z0-9_%-]{15,}")
MARK = re.compile(r"\[-.*?-\]|\{\+.*?\+\}")
WINDOW = 160  # characters of unchanged text kept either side of a change


def short_url(match: re.Match[str]) -> str:
    """A URL as host and path, ids and query elided: a reading aid so that a change of tracking
    ids shows as a marker around identical text, and a new target still shows."""
    url = match.group(0).split("://", 1)[1]
    path, query = url.split("?", 1)[0], "?" in url
    path = ID_LIKE.sub("~", path)
    return (path[:70] + ("~" if len(path) > 70 else "")) + ("?~" if query else "")


def compact(line: str) -> str:
    """The changed spans of a long line with some unchanged text around each."""
    if len(line) <= 3 * WINDOW:
        return line
    keep = [False] * len(line)
    for m in MARK.finditer(line):
        for i in range(max(0, m.start() - WINDOW), min(len(line), m.end() + WINDOW)):
            keep[i] = True
    out, gap = [], False
    for ch, k in zip(line, keep, strict=True):
        if k:
            out.append(ch)
            gap = False
        elif not gap:
            out.append(" ... ")
            gap = True
    return "".join(out)


IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
UNDERLINE = re.compile(r"^\s*[-=]{3,}\s*$", re.MULTILINE)
MARKUP = re.compile(r"\*\*|__|^\s*#+\s|^\s*[*+-]\s+|\\(?=\W)", re.MULTILINE)


def reading_text(text: str) -> str:
    """The words a reader sees: images, link targets, heading underlines, emphasis and bullet
    markers dropped (changes of these alone are false by the labelling rules)."""
    text = LINK.sub(r"\1", IMAGE.sub("", text))
    return MARKUP.sub("", UNDERLINE.sub("", text))


def word_diff(old: str, new: str) -> str:
    """git's word diff of two texts, URLs shortened and long lines cut around the changes."""
    with tempfile.TemporaryDirectory(prefix="cw-fresh-diff-") as tmp:
        a, b = Path(tmp) / "old", Path(tmp) / "new"
        a.write_text(old, "utf-8")
        b.write_text(new, "utf-8")
        out = subprocess.run(
            ["git", "diff", "--no-index", "-U0", "--word-diff=plain", "--no-color", str(a), str(b)],
            capture_output=True,
        ).stdout.decode("utf-8", errors="replace")
    lines = [compact(URL.sub(short_url, ln)) for ln in out.splitlines()[4:]]  # no diff header
    return "\n".join(ln for ln in lines if ln.strip())


def cut(body: str, limit: int = DIFF_CHARS) -> str:
    if len(body) > limit:
        return f"{body[:limit]}\n[... {len(body) - limit} more characters of diff]"
    return body


def reading_view(old: str, new: str, before_old: str | None) -> str:
    """What the labeller reads: the diff of the reader's words, or, when those are identical, a
    short raw diff; and whether the new words equal those of the version before the old one."""
    words = word_diff(reading_text(old), reading_text(new))
    if words:
        view = cut(words)
    else:
        view = "(same words once links, images and markup are dropped; raw diff:)\n"
        view += cut(word_diff(old, new), 600)
    if before_old is not None and words:
        same = reading_text(before_old).split() == reading_text(new).split()
        if same:
            view += "\n(new words = those of the version before the old one)"
        elif len(reading_text(old).split()) < len(reading_text(new).split()) / 2:
            # a return from a broken capture? then what counts is the change since the last good one
            since = word_diff(reading_text(before_old), reading_text(new))
            view += "\n(old one much shorter; diff from the version before it:)\n" + cut(since, 800)
    return view


def seen_before(repo: Path, commit: str, path: str) -> str:
    """Whether the new and the old bytes occurred earlier in the file's history (flapping, a return
    from a broken capture): how many recorded versions back, from git alone."""
    log = _git(
        repo, "log", "--format=%H", "--raw", "--no-abbrev", "--no-renames", commit, "--", path
    )
    blobs = [ln.split()[3] for ln in log.splitlines() if ln.startswith(":")]  # newest first
    new, old, earlier = blobs[0], blobs[1], blobs[2:]
    notes = []
    if new in earlier:
        notes.append(f"new text = the version {earlier.index(new) + 2} back")
    if old in earlier:
        notes.append(f"old text = the version {earlier.index(old) + 2} back")
    return "; ".join(notes) or "new text never seen before"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("bundle", nargs="?", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--size", type=int, default=360)
    parser.add_argument("--second", action="store_true", help="draw the second fresh sample")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cw-fresh-alerts-") as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(["git", "clone", "-q", str(args.bundle), str(repo)], check=True)
        pairs = population(repo)
        done = labelled_pairs()
        if args.second:
            done |= labelled_pairs(FIRST_FRESH)
        fresh = [p for p in pairs if (p[0], p[2]) not in done]
        seed = SECOND_SEED if args.second else SEED
        drawn = random.Random(seed).sample(fresh, min(args.size, len(fresh)))
        with (
            (args.out_dir / "diffs.txt").open("w", encoding="utf-8") as diffs,
            (args.out_dir / "rows.tsv").open("w", encoding="utf-8") as rows,
        ):
            for n, (commit, parent, path) in enumerate(drawn, 1):
                blob = subprocess.run(
                    ["git", "-C", str(repo), "show", f"{commit}:{path}"],
                    check=True,
                    capture_output=True,
                ).stdout
                sha = hashlib.sha256(blob).hexdigest()
                date = _git(repo, "log", "-1", "--format=%cs", commit).strip()
                diffs.write(
                    f"=== #{n} {path} {commit[:10]} {date} ({seen_before(repo, commit, path)})\n"
                )
                old = _git(repo, "show", f"{parent}:{path}")
                history = _git(repo, "log", "--format=%H", "-3", commit, "--", path).split()
                before_old = (
                    _git(repo, "show", f"{history[2]}:{path}") if len(history) > 2 else None
                )
                view = reading_view(old, blob.decode("utf-8", errors="replace"), before_old)
                diffs.write(view + "\n\n")
                rows.write(f"{n}\t{commit}\t{parent}\t{path}\t{sha}\n")
    print(
        f"{len(pairs)} recorded changes, {len(pairs) - len(fresh)} already labelled; "
        f"{len(drawn)} drawn (seed {seed}) to {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
