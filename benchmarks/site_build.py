"""Site-build benchmark: the whole static site from a store that holds an imported history.

    .venv/bin/python benchmarks/site_build.py [--config clausewatch.toml] [--out DIR]

Uses the store that import_history.py left in the benchmark cache (or imports the bundle first when
there is none), then runs `clausewatch site build OUTPUT` as a child process and counts the .html
files written: pages per second, wall, CPU (user + sys) and peak RSS of that child. With --config,
builds from that configuration's store instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 (the script's own folder must be importable first)
    DEFAULT_TIMEOUT,
    LAST_IMPORT,
    clausewatch_env,
    machine_info,
    output_dir,
    peer_versions,
    print_info,
    print_table,
    python_exe,
    run_measured,
    run_quiet,
    write_json,
)
from import_history import DEFAULT_BUNDLE, run_import  # noqa: E402


def site_builder_available() -> tuple[bool, str]:
    proc = run_quiet(
        [
            python_exe(),
            "-c",
            "from monitor.publish.site import build_site; import monitor.cli.site",
        ],
        timeout=120,
    )
    return proc.returncode == 0, (proc.stderr.strip().splitlines() or [""])[-1]


def store_config(args: argparse.Namespace) -> tuple[Path | None, str]:
    """The configuration whose store is built from, and where it came from."""
    if args.config:
        return args.config.absolute(), "given with --config"
    stamp = LAST_IMPORT / "stamp.json"
    if stamp.is_file():
        data = json.loads(stamp.read_text(encoding="utf-8"))
        if data.get("ok") and not data.get("services"):
            return LAST_IMPORT / "clausewatch.toml", "the store import_history.py left"
    if not args.bundle.is_file():
        return None, f"{args.bundle}: bundle not found and no store to build from"
    print("no imported store yet: importing the bundle first (not part of the measurement)")
    m, _facts, config = run_import(
        args.bundle, LAST_IMPORT, [], args.timeout, threaded=args.feed_blobs_in_thread
    )
    if not m.ok:
        return None, f"the import failed: {m.extra.get('error', m.returncode)}"
    return config, "imported just now"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, help="build from this configuration's store")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--out", help="folder for the JSON results (default: a temp folder)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    parser.add_argument(
        "--feed-blobs-in-thread",
        action="store_true",
        help="for the import, if one is needed: see import_history.py",
    )
    args = parser.parse_args(argv)
    available, why = site_builder_available()
    if not available:
        print(f"site builder not available ({why}); nothing to measure")
        return 0
    config, origin = store_config(args)
    if config is None:
        print(f"cannot build the site: {origin}")
        return 0
    out = output_dir(args.out, "cw-bench-site-")
    info = machine_info() | peer_versions()
    print(f"== site build from {config} ({origin}) ==")
    with tempfile.TemporaryDirectory(prefix="cw-bench-site-") as tmp:
        site = Path(tmp) / "site"
        cmd = [python_exe(), "-m", "monitor", "--config", str(config), "site", "build", str(site)]
        m = run_measured("clausewatch site build", cmd, cwd=config.parent,
                         env=clausewatch_env(), timeout=args.timeout)  # fmt: skip
        pages = sum(1 for _ in site.rglob("*.html")) if site.exists() else 0
        files = sum(1 for p in site.rglob("*") if p.is_file()) if site.exists() else 0
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) if files else 0
        shutil.rmtree(site, ignore_errors=True)
    rows = [
        ["HTML pages written", pages],
        ["files written", files],
        ["site size MiB", size / 2**20],
        ["wall s (child process)", m.wall],
        ["CPU s (user + sys)", m.cpu],
        ["peak RSS MiB", m.maxrss_mib],
        ["pages / s (wall)", pages / m.wall if pages and m.wall else None],
        ["ms CPU / page", 1000 * m.cpu / pages if pages else None],
        ["status", "ok" if m.ok else ("TIMED OUT" if m.timed_out else f"exit {m.returncode}")],
    ]
    if not m.ok:
        rows.append(["error", (m.stderr.strip() or m.stdout.strip())[-300:]])
    print_info(info)
    print_table("Site build (clausewatch site build)", ["measure", "value"], rows)
    path = write_json(
        out,
        "site_build.json",
        {"machine": info, "config": str(config), "store": origin, "pages": pages,
         "files": files, "bytes": size, "build": m.to_json()},
    )  # fmt: skip
    print(f"\nJSON: {path}")
    return 0 if m.ok else 1


if __name__ == "__main__":
    sys.exit(main())
