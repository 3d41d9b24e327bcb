"""History-import benchmark: an Open Terms Archive versions repository into a fresh store.

    .venv/bin/python benchmarks/import_history.py [--bundle PATH] [--service NAME ...] [--out DIR]
        [--database-url URL | --postgres]

The store is a fresh SQLite file by default; `--database-url` imports into that (empty) database
instead, and `--postgres` into a throwaway PostgreSQL server started for the run on 127.0.0.1
(tests/pgserver.py: Debian's PostgreSQL binaries, fsync off) and stopped after.

Clones the bundle (default: ../shared/data/ota-genai-contrib-versions.bundle next to the repository)
into a temporary folder, then runs `clausewatch import-ota CLONE --json` as a child process:
extraction of provisions and change detection over every version. Reports versions per second,
wall, CPU (user + sys, worker processes included) and peak RSS of that child: the largest single
process (ru_maxrss) and the sum over its process tree (the import analyses versions in workers). The store is kept in the benchmark cache so that
site_build.py can build the site from it without importing again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))  # pgserver.py

from _common import (  # noqa: E402 (the script's own folder must be importable first)
    DEFAULT_TIMEOUT,
    LAST_IMPORT,
    REPO_ROOT,
    Measured,
    clausewatch_env,
    machine_info,
    output_dir,
    peer_versions,
    print_info,
    print_table,
    python_exe,
    run_measured,
    run_quiet,
    write_clausewatch_config,
    write_json,
)
from pgserver import TempPostgres  # noqa: E402

DEFAULT_BUNDLE = REPO_ROOT.parent / "shared" / "data" / "ota-genai-contrib-versions.bundle"

# --feed-blobs-in-thread: runs the same CLI with `monitor.changes.ota_import.read_blobs` replaced by a
# reader that writes the blob ids from a thread. The original writes every id to `git cat-file
# --batch` before reading anything, which deadlocks (both pipes full) once the ids exceed the pipe
# buffer (~1,600 blobs); with this flag the rest of the import can still be measured.
THREADED_READER = """\
import subprocess, sys, threading
import monitor.changes.ota_import as ota_import

def read_blobs(repo, blobs):
    wanted = list(blobs)
    proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    def feed():
        proc.stdin.write("".join(b + "\\n" for b in wanted).encode())
        proc.stdin.close()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    for blob in wanted:
        size = int(proc.stdout.readline().split()[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        yield blob, data.decode("utf-8", errors="replace")
    feeder.join()
    proc.wait()

ota_import.read_blobs = read_blobs
from monitor.cli import main
main(sys.argv[1:], prog_name="clausewatch")
"""


def clone(bundle: Path, target: Path) -> Path:
    proc = run_quiet(["git", "clone", "--quiet", str(bundle), str(target)], timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"git clone {bundle} failed: {proc.stderr.strip()}")
    return target


def repo_facts(repo: Path) -> dict[str, int]:
    commits = run_quiet(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], timeout=120)
    files = run_quiet(["git", "-C", str(repo), "ls-files", "*/*.md"], timeout=120)
    return {
        "commits": int(commits.stdout.strip() or 0),
        "documents": len(files.stdout.splitlines()),
    }


def run_import(
    bundle: Path,
    workdir: Path,
    services: list[str],
    timeout: float,
    *,
    threaded: bool = False,
    database_url: str = "",
) -> tuple[Measured, dict[str, Any], Path]:
    """Clone + import into `workdir` (emptied first) or, given `database_url`, into that
    database; returns (measurement, facts, config)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="cw-bench-clone-") as tmp:
        repo = clone(bundle, Path(tmp) / "versions")
        facts = repo_facts(repo)
        config = write_clausewatch_config(workdir)
        runner = ["-c", THREADED_READER] if threaded else ["-m", "monitor"]
        cmd = [python_exe(), *runner, "--config", str(config), "import-ota", str(repo)]
        for name in services:
            cmd += ["--service", name]
        # poll_tree: versions are analysed in worker processes, so the summed RSS is reported too
        env = clausewatch_env()
        if database_url:
            env["CLAUSEWATCH_DATABASE_URL"] = database_url
        m = run_measured("clausewatch import-ota", [*cmd, "--json"], cwd=workdir,
                         env=env, timeout=timeout, poll_tree=True)  # fmt: skip
    try:
        m.extra = json.loads(m.stdout)
    except ValueError:
        m.extra = {"error": (m.stderr.strip() or m.stdout.strip())[-800:]}
    m.extra["threaded_blob_reader"] = threaded
    stamp = {"bundle": str(bundle), "services": services, "ok": m.ok, "result": m.extra}
    (workdir / "stamp.json").write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    return m, facts, config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--service", action="append", default=[], help="only this service")
    parser.add_argument("--out", help="folder for the JSON results (default: a temp folder)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT * 2, help="seconds")
    parser.add_argument(
        "--feed-blobs-in-thread",
        action="store_true",
        help="work around the git cat-file pipe deadlock in monitor.changes.ota_import.read_blobs",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", default="", help="import into this empty database")
    where.add_argument(
        "--postgres", action="store_true", help="import into a throwaway local PostgreSQL server"
    )
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        print(f"{args.bundle}: bundle not found; nothing to measure (pass --bundle PATH)")
        return 0
    out = output_dir(args.out, "cw-bench-import-")
    info = machine_info() | peer_versions()
    with contextlib.ExitStack() as stack:
        url = args.database_url
        if args.postgres:
            server = stack.enter_context(TempPostgres())
            url = server.create_database("import_history")
        return _measure(args, out, info, url)


def _measure(args: argparse.Namespace, out: Path, info: dict[str, Any], url: str) -> int:
    store_name = safe_url(url) if url else "a fresh SQLite store"
    print(f"== import of {args.bundle.name} into {store_name} ==")
    workdir = LAST_IMPORT if not url else LAST_IMPORT.with_name(LAST_IMPORT.name + "-server-db")
    m, facts, _config = run_import(
        args.bundle,
        workdir,
        args.service,
        args.timeout,
        threaded=args.feed_blobs_in_thread,
        database_url=url,
    )
    if args.feed_blobs_in_thread:
        print("  (read_blobs replaced by the benchmark's threaded reader: --feed-blobs-in-thread)")
    data = m.extra
    versions = data.get("versions")
    rows = [
        ["commits in the repository", facts["commits"]],
        ["documents in the repository", facts["documents"]],
        ["store", store_name],
        ["services imported", ", ".join(args.service) or "all"],
        [
            "blob reader",
            "threaded (benchmark workaround)" if args.feed_blobs_in_thread else "as shipped",
        ],
        ["versions imported", versions],
        ["technical upgrades", data.get("technical_upgrades")],
        ["documents imported", data.get("documents")],
        ["change events", data.get("changes")],
        ["substantive changes", data.get("substantive_changes")],
        ["flapping episodes", data.get("flapping_episodes")],
        ["wall s (child process)", m.wall],
        ["CPU s (user + sys)", m.cpu],
        ["peak RSS MiB (largest process)", m.maxrss_mib],
        ["peak RSS MiB (sum over the process tree)", m.tree_peak_kib / 1024],
        ["versions / s (wall)", versions / m.wall if versions and m.wall else None],
        ["ms CPU / version", 1000 * m.cpu / versions if versions else None],
        ["store size MiB", (_database_size(url) if url else _size(workdir / "data")) / 2**20],
        ["status", "ok" if m.ok else ("TIMED OUT" if m.timed_out else f"exit {m.returncode}")],
    ]
    if not m.ok:
        rows.append(["error", str(data.get("error", ""))[-300:]])
    print_info(info)
    print_table("History import (clausewatch import-ota)", ["measure", "value"], rows)
    path = write_json(
        out,
        "import_history.json",
        {"machine": info, "bundle": str(args.bundle), "repository": facts,
         "store": store_name, "import": m.to_json() | {"result": data}},
    )  # fmt: skip
    print(f"\nJSON: {path}")
    if not url:
        print(f"store kept for site_build.py: {LAST_IMPORT}")
    return 0 if m.ok else 1


def safe_url(url: str) -> str:
    """The URL without its password, for the report."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


def _database_size(url: str) -> int:
    """pg_database_size of a PostgreSQL store (0 for other databases)."""
    if not url.startswith("postgresql"):
        return 0
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())
    finally:
        engine.dispose()


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
