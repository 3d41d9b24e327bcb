"""Two source trees of ClauseWatch on the same check passes, alternately, in one run (a loaded
machine's noise falls on both), beside urlwatch and the floor; then their stores compared.

    .venv/bin/python benchmarks/check_ab.py --trees base=/tmp/base,new=. --n 200 --changed
    (a tree is a checkout, e.g. `git archive COMMIT | tar -x -C /tmp/base`)

The first pass runs once, with the first tree; its store and archive are copied for every tree,
then each tree's unchanged passes alternate with the others' (and urlwatch's, with --urlwatch).
With --first-each, every tree makes its own first pass into its own store instead (timed, in
turn), so a change to the first pass is compared too.
With --changed, 10 % of the pages change and every tree makes one more pass; the stores are then
compared table by table with `store_compare.py`: rows without the columns that hold a clock
(`*_at`, snapshot paths, which name the capture time), every id replaced by what it stands for
(ids follow the order in which threads finished).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_cycle as cc  # noqa: E402 (the script's own folder must be importable first)
from _common import (  # noqa: E402
    Measured,
    PageFarm,
    compile_bytecode,
    generate_page,
    python_exe,
    run_measured,
)

COMPARE = Path(__file__).resolve().parent / "store_compare.py"


def cw_pass(label: str, tree: Path, folder: Path) -> tuple[Measured, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(tree)
    cmd = [python_exe(), "-m", "monitor", "--config", str(folder / "clausewatch.toml"), "check"]
    m = run_measured(
        label, [*cmd, "--json"], cwd=folder, env=env, timeout=3600, quiet=True, poll_tree=True
    )
    try:
        counts: object = json.loads(m.stdout)["counts"]
    except (ValueError, KeyError):
        counts = (m.stderr or m.stdout)[-600:]
    return m, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", required=True, help="name=path,name=path")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--urlwatch", action="store_true")
    parser.add_argument("--changed", action="store_true")
    parser.add_argument("--first-each", action="store_true", help="a first pass per tree")
    args = parser.parse_args()
    trees = {
        name: Path(path).resolve() for name, path in (t.split("=") for t in args.trees.split(","))
    }
    for tree in trees.values():
        compile_bytecode(python_exe(), tree / "monitor")
    work = Path(tempfile.mkdtemp(prefix="cw-ab-"))
    walls: dict[str, list[float]] = collections.defaultdict(list)
    cpus: dict[str, list[float]] = collections.defaultdict(list)
    try:
        with PageFarm(8) as farm:
            for i in range(args.n):
                farm.put(cc.page_path(i), generate_page(i))
            floor = cc.run_floor(work, farm, args.n, args.workers, repeat=3)
            print(f"floor: {floor['median'].wall:.3f} s wall (median of 3)", flush=True)
            config = cc.clausewatch_setup(work, farm, args.n, args.workers)
            folders = {name: work / f"cw-{name}" for name in trees}
            if args.first_each:
                for name, tree in trees.items():
                    shutil.copytree(config.parent, folders[name])
                    m, counts = cw_pass("first", tree, folders[name])
                    print(
                        f"first pass ({name}): {m.wall:.2f} s wall, {m.user + m.sys:.2f} s CPU,"
                        f" {m.peak_mib:.0f} MiB {counts}",
                        flush=True,
                    )
            else:
                first_name, first_tree = next(iter(trees.items()))
                m, counts = cw_pass("first", first_tree, config.parent)
                print(f"first pass ({first_name}): {m.wall:.2f} s {counts}", flush=True)
                for folder in folders.values():
                    shutil.copytree(config.parent, folder)
            exe = None
            if args.urlwatch:
                exe, _ = cc.ensure_urlwatch()
            uw_files = cc.urlwatch_setup(work, farm, args.n, args.workers) if exe else None
            if exe and uw_files:
                cc.urlwatch_pass("urlwatch first", exe, uw_files, 3600)
            for r in range(args.rounds):
                for name, tree in trees.items():
                    m, counts = cw_pass(name, tree, folders[name])
                    walls[name].append(m.wall)
                    cpus[name].append(m.user + m.sys)
                    print(
                        f"  #{r + 1} {name}: {m.wall:.3f} s wall, {m.user + m.sys:.3f} s CPU,"
                        f" {m.maxrss_kib / 1024:.0f} MiB {counts}",
                        flush=True,
                    )
                if exe and uw_files:
                    m = cc.urlwatch_pass("urlwatch", exe, uw_files, 3600)
                    walls["urlwatch"].append(m.wall)
                    cpus["urlwatch"].append(m.user + m.sys)
                    print(f"  #{r + 1} urlwatch: {m.wall:.3f} s wall, {m.user + m.sys:.3f} s CPU")
            for name in [*trees, "urlwatch"]:
                if walls.get(name):
                    print(
                        f"median {name}: {statistics.median(walls[name]):.3f} s wall,"
                        f" {statistics.median(cpus[name]):.3f} s CPU"
                    )
            if args.changed:
                cc._change_pages(farm, dict.fromkeys(range(args.n), 0), 0.1)
                for name, tree in trees.items():
                    m, counts = cw_pass(name, tree, folders[name])
                    print(
                        f"  changed pass {name}: {m.wall:.3f} s wall, {m.user + m.sys:.3f} s CPU,"
                        f" {m.peak_mib:.0f} MiB {counts}",
                        flush=True,
                    )
                stores = {n: f / "data" / "clausewatch.sqlite3" for n, f in folders.items()}
                names = list(stores)
                for name in names[1:]:
                    print(f"  stores {names[0]} vs {name} (store_compare.py):", flush=True)
                    subprocess.run(
                        [python_exe(), str(COMPARE), str(stores[names[0]]), str(stores[name])],
                        check=False,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
