"""Check-cycle benchmark: ClauseWatch against a minimal client (the floor), urlwatch 2.29 and the
Open Terms Archive engine, on the same synthetic terms pages served from loopback.

    .venv/bin/python benchmarks/check_cycle.py                  # N = 200 and 1000, plus OTA at 50
    .venv/bin/python benchmarks/check_cycle.py --quick          # N = 50 smoke test
    .venv/bin/python benchmarks/check_cycle.py --sizes 200 --no-ota --out /tmp/bench

Every measured program runs as a child process; wall and CPU (user + sys) are that child's own
(`os.wait4`), peak RSS is `/usr/bin/time`'s figure for the command (the largest process) or the
polled sum over its process tree, whichever is larger; every Python tool runs with its bytecode
compiled beforehand. Pages are spread over several loopback servers (one port = one host for
per-host politeness) and `per_host_delay = 0` for every tool, so the network is never the limit.
Beside the first pass, "archived": the same pages fetched, archived and extracted by ClauseWatch's
capture functions without the store or the clause analysis.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 (the script's own folder must be importable first)
    CACHE_DIR,
    DEFAULT_TIMEOUT,
    REPO_ROOT,
    TIME_EXE,
    Measured,
    PageFarm,
    chromium_version,
    compile_bytecode,
    first_line,
    generate_page,
    machine_info,
    output_dir,
    print_table,
    python_exe,
    ratio,
    run_measured,
    run_quiet,
    write_json,
)

URLWATCH_VERSION = "2.29"
OTA_PACKAGE = "@opentermsarchive/engine"
SELECT = "article.legal"
REMOVE = ["nav", "footer", ".cookie-banner"]
TERMS_TYPE = "Terms of Service"
RSS_LIMIT_MIB = 150.0
RSS_GROWTH_TOLERANCE = (
    1.10  # "not growing with N": at most +10 % from the smallest to the largest N
)

FLOOR_SCRIPT = textwrap.dedent(
    """\
    import hashlib, json, sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    import requests

    urls = open(sys.argv[1], encoding="utf-8").read().split()
    local = threading.local()

    def get(url):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.get(url, timeout=30)
        response.raise_for_status()
        return hashlib.sha256(response.content).hexdigest(), len(response.content)

    started = time.perf_counter()
    with ThreadPoolExecutor(int(sys.argv[2])) as pool:
        results = list(pool.map(get, urls))
    print(json.dumps({"pages": len(results), "bytes": sum(n for _, n in results),
                      "seconds": time.perf_counter() - started}))
    """
)


# "Archived": what a first pass costs without the store and the clause analysis: each page fetched,
# archived (snapshot + sidecar) and extracted to Markdown, its capture checked, with ClauseWatch's
# own functions on the same threads; the figure beside the first pass.
ARCHIVED_SCRIPT = textwrap.dedent(
    """\
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime
    from pathlib import Path

    from monitor.capture.archive import Archive
    from monitor.capture.check import check_capture
    from monitor.capture.declarations import load_declarations
    from monitor.capture.extract import extract_version
    from monitor.capture.fetch import Fetcher
    from monitor.config import load_settings

    config = Path(sys.argv[1])
    settings = load_settings(config, {}, config.parent)
    services, _ = load_declarations(settings.declarations_dir)
    fetcher = Fetcher(settings.fetch)
    archive = Archive(Path(sys.argv[2]))

    def capture(service):
        for terms_type, decl in service.terms.items():
            source = decl.sources[0]
            result = fetcher.fetch(source.fetch)
            archive.write_snapshot(service.service_id, terms_type, datetime.now(UTC),
                                   result.content, result.mime_type, {"status": result.status})
            markdown = extract_version(result.content, result.mime_type, source,
                                       result.final_url, result.charset).markdown
            check_capture(result.status, result.final_url, markdown, raw_html=result.content)

    with ThreadPoolExecutor(settings.fetch.max_workers) as pool:
        list(pool.map(capture, services.values()))
    print(len(services))
    """
)


def page_path(index: int) -> str:
    return f"/svc{index:04d}/terms"


def service_id(index: int) -> str:
    return f"Service{index:04d}"


def write_declarations(folder: Path, farm: PageFarm, n: int) -> None:
    """Open Terms Archive-format declarations (ClauseWatch reads the same format)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = {
            "name": f"Service {i:04d}",
            "terms": {
                TERMS_TYPE: {"fetch": farm.url(i, page_path(i)), "select": SELECT, "remove": REMOVE}
            },
        }
        (folder / f"{service_id(i)}.json").write_text(json.dumps(body, indent=2), encoding="utf-8")


# ---------------------------------------------------------------- the floor


def run_floor(work: Path, farm: PageFarm, n: int, workers: int, repeat: int) -> dict[str, Any]:
    script = work / "floor.py"
    script.write_text(FLOOR_SCRIPT, encoding="utf-8")
    urls = work / "urls.txt"
    urls.write_text("\n".join(farm.url(i, page_path(i)) for i in range(n)), encoding="utf-8")
    runs: list[Measured] = []
    for k in range(repeat):
        m = run_measured(
            f"floor N={n} #{k + 1}", [python_exe(), str(script), str(urls), str(workers)]
        )
        if not m.ok:
            raise SystemExit(f"the floor client failed:\n{m.stderr[-2000:]}")
        m.extra = json.loads(m.stdout)
        runs.append(m)
    runs.sort(key=lambda r: r.wall)
    median = runs[len(runs) // 2]
    return {
        "median": median,
        "runs": [r.to_json() for r in runs],
        "in_process_seconds": statistics.median(r.extra["seconds"] for r in runs),
        "bytes": median.extra["bytes"],
    }


# ---------------------------------------------------------------- ClauseWatch


def clausewatch_setup(work: Path, farm: PageFarm, n: int, workers: int) -> Path:
    folder = work / "clausewatch"
    folder.mkdir()
    config = folder / "clausewatch.toml"
    config.write_text(
        "# written by benchmarks/check_cycle.py\n"
        'data_dir = "data"\n'
        'snapshots_dir = "snapshots"\n'
        'declarations_dir = "declarations"\n\n'
        "[fetch]\n"
        "per_host_delay = 0.0  # benchmark only: loopback servers, no politeness needed\n"
        f"max_workers = {workers}\n"
        'browser = "never"\n'
        'allow_private = ["127.0.0.1", "::1"]\n',
        encoding="utf-8",
    )
    write_declarations(folder / "declarations", farm, n)
    return config


def clausewatch_pass(label: str, config: Path, timeout: float) -> Measured:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    m = run_measured(
        label,
        [python_exe(), "-m", "monitor", "--config", str(config), "check", "--json"],
        cwd=config.parent,
        env=env,
        timeout=timeout,
        poll_tree=True,  # the whole tree, so a worker pool's processes count together
    )
    try:
        m.extra["counts"] = json.loads(m.stdout)["counts"]
    except (ValueError, KeyError):
        m.extra["counts"] = None
        m.extra["error"] = (m.stderr.strip() or m.stdout.strip())[-800:]
    return m


def archived_pass(label: str, config: Path, timeout: float) -> Measured:
    script = config.parent.parent / "archived.py"
    script.write_text(ARCHIVED_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    folder = config.parent.parent / "archived-snapshots"
    m = run_measured(
        label,
        [python_exe(), str(script), str(config), str(folder)],
        cwd=config.parent,
        env=env,
        timeout=timeout,
    )
    m.extra["counts"] = {"archived": int(m.stdout.strip() or 0)} if m.ok else None
    return m


# ---------------------------------------------------------------- urlwatch


def ensure_urlwatch() -> tuple[Path | None, str]:
    """(urlwatch executable, version) from a cached virtualenv; (None, why) when it cannot run."""
    venv = CACHE_DIR / "urlwatch-venv"
    exe = venv / "bin" / "urlwatch"
    if not exe.exists():
        print(f"  installing urlwatch=={URLWATCH_VERSION} into {venv} ...", flush=True)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        made = run_quiet([sys.executable, "-m", "venv", str(venv)], timeout=300)
        if made.returncode != 0:
            return None, f"cannot create {venv}: {first_line(made.stderr)}"
        pip = run_quiet(
            [str(venv / "bin" / "pip"), "install", "-q", f"urlwatch=={URLWATCH_VERSION}"],
            timeout=900,
        )
        if pip.returncode != 0 or not exe.exists():
            tail = (pip.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"pip install urlwatch=={URLWATCH_VERSION} failed: {tail}"
    version = run_quiet([str(exe), "--version"], timeout=120)
    if version.returncode != 0:
        return None, f"urlwatch does not start: {first_line(version.stderr)}"
    return exe, first_line(version.stdout)


def urlwatch_setup(work: Path, farm: PageFarm, n: int, workers: int) -> dict[str, Path]:
    folder = work / "urlwatch"
    folder.mkdir()
    jobs = [
        f"name: {service_id(i)}\nurl: {farm.url(i, page_path(i))}\n"
        f"filter:\n  - css: {SELECT}\n  - html2text\n"
        for i in range(n)
    ]
    urls = folder / "urls.yaml"
    urls.write_text("---\n".join(jobs), encoding="utf-8")
    config = folder / "urlwatch.yaml"
    # Reports go to stdout (captured to a file, no colour, no terminal); every other reporter is
    # off by default.
    config.write_text(
        "display:\n  new: true\n  error: true\n  unchanged: false\n  empty-diff: true\n"
        "report:\n  stdout:\n    enabled: true\n    color: false\n",
        encoding="utf-8",
    )
    # urlwatch has no option for its thread pool (worker.MAX_WORKERS = 10): set it from a hook
    hooks = folder / "hooks.py"
    hooks.write_text(f"import urlwatch.worker\n\nurlwatch.worker.MAX_WORKERS = {workers}\n")
    os.chmod(hooks, 0o644)
    return {"urls": urls, "config": config, "hooks": hooks, "cache": folder / "cache.db"}


_UW_LINE = re.compile(r"^\d+\. (NEW|CHANGED|ERROR|UNCHANGED)\b", re.M)


def urlwatch_pass(label: str, exe: Path, files: dict[str, Path], timeout: float) -> Measured:
    env = dict(os.environ, HOME=str(files["urls"].parent), TERM="dumb")
    cmd = [str(exe), "--urls", str(files["urls"]), "--config", str(files["config"])]
    cmd += ["--hooks", str(files["hooks"]), "--cache", str(files["cache"])]
    m = run_measured(label, cmd, cwd=files["urls"].parent, env=env, timeout=timeout)
    counts: dict[str, int] = {}
    for kind in _UW_LINE.findall(m.stdout):
        counts[kind.lower()] = counts.get(kind.lower(), 0) + 1
    m.extra["counts"] = counts
    return m


# ---------------------------------------------------------------- one size


def bench_size(
    n: int, *, servers: int, workers: int, changed: float, urlwatch: Path | None, timeout: float
) -> dict[str, Any]:
    print(f"\n== N = {n} pages on {servers} loopback hosts, {workers} workers ==")
    work = Path(tempfile.mkdtemp(prefix=f"cw-bench-{n}-"))
    revisions = dict.fromkeys(range(n), 0)
    result: dict[str, Any] = {"n": n}
    try:
        with PageFarm(servers) as farm:
            for i in range(n):
                farm.put(page_path(i), generate_page(i))
            floor = run_floor(work, farm, n, workers, repeat=3)
            result["floor"] = floor
            result["page_bytes_mean"] = floor["bytes"] / n
            config = clausewatch_setup(work, farm, n, workers)
            uw_files = urlwatch_setup(work, farm, n, workers) if urlwatch else None
            passes: list[tuple[str, Callable[[], None] | None]] = [
                ("first", None),
                ("unchanged", None),
                ("changed", lambda: _change_pages(farm, revisions, changed)),
            ]
            for name, before in passes:
                if before:
                    before()
                farm.reset_stats()
                cw = clausewatch_pass(f"ClauseWatch {name} N={n}", config, timeout)
                cw.extra["server"] = farm.reset_stats()
                result[f"clausewatch_{name}"] = cw
                if name == "first":
                    archived = archived_pass(f"ClauseWatch archived N={n}", config, timeout)
                    archived.extra["server"] = farm.reset_stats()
                    result["clausewatch_archived"] = archived
                if urlwatch and uw_files:
                    uw = urlwatch_pass(f"urlwatch {name} N={n}", urlwatch, uw_files, timeout)
                    uw.extra["server"] = farm.reset_stats()
                    result[f"urlwatch_{name}"] = uw
            result["changed_pages"] = sum(1 for r in revisions.values() if r)
            result["archive_bytes"] = _du(config.parent / "snapshots")
            result["database_bytes"] = _du(config.parent / "data")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _change_pages(farm: PageFarm, revisions: dict[int, int], fraction: float) -> None:
    n = len(revisions)
    step = max(1, round(1 / fraction)) if fraction > 0 else n + 1
    for i in range(0, n, step):
        revisions[i] += 1
        farm.put(page_path(i), generate_page(i, revisions[i]))


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


# ---------------------------------------------------------------- Open Terms Archive engine


def ensure_ota() -> tuple[Path | None, str]:
    """(node_modules folder holding the engine, version) or (None, why it cannot run)."""
    if not shutil.which("npm") or not shutil.which("node"):
        return None, "node/npm are not installed"
    folder = CACHE_DIR / "ota-engine"
    engine = folder / "node_modules" / "@opentermsarchive" / "engine" / "package.json"
    if not engine.exists():
        print(f"  installing {OTA_PACKAGE} into {folder} (PUPPETEER_SKIP_DOWNLOAD=1) ...")
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "package.json").exists():
            (folder / "package.json").write_text(
                '{"name": "ota-bench", "private": true, "type": "module"}\n'
            )
        env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
        npm = run_quiet(
            ["npm", "install", "--no-audit", "--no-fund", OTA_PACKAGE],
            cwd=folder,
            env=env,
            timeout=DEFAULT_TIMEOUT,
        )
        if npm.returncode != 0 or not engine.exists():
            tail = (npm.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"npm install {OTA_PACKAGE} failed: {tail}"
    version = json.loads(engine.read_text(encoding="utf-8"))["version"]
    return folder / "node_modules", version


def chromium_wrapper(folder: Path) -> Path | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return None
    wrapper = folder / "chromium-no-sandbox"
    wrapper.write_text(f'#!/bin/sh\nexec {chromium} --no-sandbox "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def ota_setup(work: Path, farm: PageFarm, n: int, node_modules: Path) -> Path:
    folder = work / "ota-collection"
    (folder / "config").mkdir(parents=True)
    (folder / "node_modules").symlink_to(node_modules)
    (folder / "package.json").write_text(
        '{"name": "bench-declarations", "private": true, "type": "module"}\n'
    )
    (folder / "metadata.yml").write_text(
        "id: bench\nname: ClauseWatch benchmark\ntagline: Synthetic terms pages on loopback\n"
        "languages: [en]\njurisdictions: [EU]\n"
    )
    engine = json.loads(
        (node_modules / "@opentermsarchive/engine/config/default.json").read_text(encoding="utf-8")
    )["@opentermsarchive/engine"]
    recorder = engine["recorder"]
    versions_git = recorder["versions"]["storage"]["git"]
    snapshots_git = recorder["snapshots"]["storage"]["git"]
    versions_git.update(
        path=str(folder / "data/versions"),
        publish=False,
        snapshotIdentiferTemplate=str(folder / "data/snapshots/%SNAPSHOT_ID"),
    )
    snapshots_git.update(path=str(folder / "data/snapshots"), publish=False)
    config = {
        "@opentermsarchive/engine": {
            "collectionPath": str(folder),
            "recorder": {
                "versions": {"storage": {"type": "git", "git": versions_git}},
                "snapshots": {"storage": {"type": "git", "git": snapshots_git}},
            },
            "logger": {"sendMailOnError": False},
        }
    }
    (folder / "config/default.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    write_declarations(folder / "declarations", farm, n)
    return folder


def ota_pass(label: str, folder: Path, wrapper: Path, timeout: float) -> Measured:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OTA_ENGINE_", "NODE_CONFIG", "NODE_ENV", "GITHUB_", "GITLAB_"))
    }
    env.update(
        PUPPETEER_SKIP_DOWNLOAD="1",
        PUPPETEER_EXECUTABLE_PATH=str(wrapper),
        NPM_CONFIG_UPDATE_NOTIFIER="false",
        HOME=str(folder),
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@localhost",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@localhost",
    )
    m = run_measured(
        label,
        ["npx", "--no-install", "ota", "track"],
        cwd=folder,
        env=env,
        timeout=timeout,
        poll_tree=True,
    )
    m.extra["versions_commits"] = _git_commits(folder / "data/versions")
    m.extra["snapshots_commits"] = _git_commits(folder / "data/snapshots")
    return m


def _git_commits(repo: Path) -> int:
    if not (repo / ".git").exists():
        return 0
    proc = run_quiet(["git", "-C", str(repo), "rev-list", "--count", "--all"], timeout=60)
    return int(proc.stdout.strip() or 0) if proc.returncode == 0 else 0


def bench_ota(n: int, *, servers: int, workers: int, timeout: float) -> dict[str, Any]:
    print(f"\n== Open Terms Archive engine vs ClauseWatch, N = {n} ==")
    result: dict[str, Any] = {"n": n}
    node_modules, version = ensure_ota()
    result["version"] = version
    if node_modules is None:
        result["unavailable"] = version
        return result
    work = Path(tempfile.mkdtemp(prefix=f"cw-bench-ota-{n}-"))
    try:
        wrapper = chromium_wrapper(work)
        if wrapper is None:
            result["unavailable"] = "no Chromium on PATH (the engine launches a browser)"
            return result
        with PageFarm(servers) as farm:
            for i in range(n):
                farm.put(page_path(i), generate_page(i))
            folder = ota_setup(work, farm, n, node_modules)
            config = clausewatch_setup(work, farm, n, workers)
            for name in ("first", "unchanged"):
                farm.reset_stats()
                ota = ota_pass(f"OTA engine {name} N={n}", folder, wrapper, timeout)
                ota.extra["server"] = farm.reset_stats()
                result[f"ota_{name}"] = ota
                cw = clausewatch_pass(f"ClauseWatch {name} N={n}", config, timeout)
                cw.extra["server"] = farm.reset_stats()
                result[f"clausewatch_{name}"] = cw
        first = result["ota_first"]
        if not first.ok or first.extra["versions_commits"] == 0:
            result["unavailable"] = _ota_failure(first)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _ota_failure(m: Measured) -> str:
    if m.timed_out:
        return f"timed out after {m.wall:.0f} s"
    text = (m.stderr + "\n" + m.stdout).strip().splitlines()
    errors = [line for line in text if re.search(r"error|cannot|failed", line, re.I)]
    detail = (errors or text or ["no output"])[-1][:300]
    return f"exit {m.returncode}, {m.extra.get('versions_commits', 0)} versions recorded: {detail}"


# ---------------------------------------------------------------- report


def _row(tool: str, phase: str, m: Measured | None, n: int, base: Measured | None = None) -> list:
    if m is None:
        return [tool, phase, "-", "-", "-", "-", "-", "not run"]
    counts = m.extra.get("counts")
    note = "" if m.ok else ("TIMED OUT" if m.timed_out else f"exit {m.returncode}")
    if isinstance(counts, dict):
        note = (note + " " + " ".join(f"{k}={v}" for k, v in counts.items() if v)).strip()
    server = m.extra.get("server")
    if server:
        note += f" [http 200={server['200']} 304={server['304']}]"
    return [tool, phase, m.wall, n / m.wall if m.wall else None, m.cpu, m.peak_mib, note]


# (pass, peer, limit at N < 1000, limit at N >= 1000): the targets for the check cycle.
SPEED_TARGETS = [
    ("unchanged", "urlwatch", 1.0, 0.8),
    ("unchanged", "floor", None, 1.3),
    ("changed", "urlwatch", 2.0, 2.0),
    ("first", "urlwatch", None, 5.0),
]


def _speed_targets(n: int, r: dict[str, Any], floor: Measured) -> list[dict[str, Any]]:
    out = []
    for phase, peer_name, small, large in SPEED_TARGETS:
        limit = large if n >= 1000 else small
        cw: Measured | None = r.get(f"clausewatch_{phase}")
        peer = floor if peer_name == "floor" else r.get(f"urlwatch_{phase}")
        if limit is None or cw is None or peer is None:
            continue
        out.append(
            _target(
                f"N={n}: {phase} pass at most {limit}x {peer_name}",
                cw.ok and cw.wall <= limit * peer.wall,
                f"{cw.wall:.2f} s vs {peer.wall:.2f} s ({cw.wall / peer.wall:.2f}x)",
            )
        )
    return out


def report(results: list[dict[str, Any]], ota: dict[str, Any] | None, info: dict) -> list[dict]:
    targets: list[dict[str, Any]] = []
    for r in results:
        n = r["n"]
        floor: Measured = r["floor"]["median"]
        rows = [
            [
                "floor (requests+sha256)",
                "all pages",
                floor.wall,
                n / floor.wall,
                floor.cpu,
                floor.maxrss_mib,
                f"median of 3; {r['floor']['in_process_seconds']:.2f} s inside the process; "
                f"servers used {floor.parent_cpu:.2f} s CPU",
            ]
        ]
        for phase in ("first", "unchanged", "changed"):
            rows.append(_row("ClauseWatch", phase, r.get(f"clausewatch_{phase}"), n))
            if phase == "first" and "clausewatch_archived" in r:
                rows.append(
                    _row("ClauseWatch", "archived (no analysis)", r["clausewatch_archived"], n)
                )
            if f"urlwatch_{phase}" in r:
                rows.append(_row(f"urlwatch {URLWATCH_VERSION}", phase, r[f"urlwatch_{phase}"], n))
        print_table(
            f"Check cycle, N = {n} pages (~{r['page_bytes_mean'] / 1024:.0f} KB each), "
            f"{r['changed_pages']} changed in the last pass",
            ["tool", "pass", "wall s", "pages/s", "CPU s", "peak RSS MiB", "notes"],
            [row[:7] for row in rows],
        )
        ratio_rows = []
        for phase in ("first", "archived", "unchanged", "changed"):
            cw: Measured | None = r.get(f"clausewatch_{phase}")
            uw: Measured | None = r.get(f"urlwatch_{'first' if phase == 'archived' else phase}")
            if cw is None:
                continue
            ratio_rows.append(
                [
                    phase,
                    ratio(cw.wall, uw.wall) if uw else None,
                    ratio(cw.cpu, uw.cpu) if uw else None,
                    ratio(cw.peak_mib, uw.peak_mib) if uw else None,
                    ratio(cw.wall, floor.wall),
                    ratio(cw.cpu, floor.cpu),
                ]
            )
        print_table(
            f"Ratios, N = {n} (below 1 = ClauseWatch is faster / smaller)",
            ["pass", "wall CW/urlwatch", "CPU CW/urlwatch", "RSS CW/urlwatch", "wall CW/floor",
             "CPU CW/floor"],
            ratio_rows,
        )  # fmt: skip
        targets += _speed_targets(n, r, floor)
    if results:
        largest = max(results, key=lambda r: r["n"])
        peak = max(
            (
                largest[k].peak_mib
                for k in largest
                if k.startswith("clausewatch_") and k != "clausewatch_archived"
            ),
            default=0,
        )
        label = "N=1000" if largest["n"] == 1000 else f"N={largest['n']} (1000 not run)"
        targets.append(
            _target(
                f"{label}: ClauseWatch peak RSS under {RSS_LIMIT_MIB:.0f} MiB (every pass)",
                peak < RSS_LIMIT_MIB,
                f"{peak:.0f} MiB",
            )
        )
        smallest = min(results, key=lambda r: r["n"])
        if smallest is not largest:
            a = smallest["clausewatch_unchanged"].peak_mib
            b = largest["clausewatch_unchanged"].peak_mib
            targets.append(
                _target(
                    "unchanged-pass peak RSS not growing with N (within +10 %)",
                    b <= a * RSS_GROWTH_TOLERANCE,
                    f"N={smallest['n']}: {a:.0f} MiB, N={largest['n']}: {b:.0f} MiB",
                )
            )
    if ota is not None:
        n = ota["n"]
        if "unavailable" in ota:
            print(f"\nOpen Terms Archive engine ({OTA_PACKAGE} {ota.get('version')}, N = {n}): "
                  f"could not run: {ota['unavailable']}")  # fmt: skip
        rows = []
        for phase in ("first", "unchanged"):
            o: Measured | None = ota.get(f"ota_{phase}")
            cw = ota.get(f"clausewatch_{phase}")
            if o is not None:
                row = _row(f"OTA engine {ota['version']}", phase, o, n)
                row[5] = f"{o.maxrss_mib:.1f} (tree {o.tree_peak_kib / 1024:.0f})"
                row[6] = (
                    f"{row[6]} versions={o.extra['versions_commits']} "
                    f"snapshots={o.extra['snapshots_commits']} commits"
                ).strip()
                rows.append(row)
            if cw is not None:
                rows.append(_row("ClauseWatch", phase, cw, n))
        if rows:
            print_table(
                f"Open Terms Archive engine vs ClauseWatch, N = {n} (OTA RSS: largest process, "
                "and the summed tree incl. Chromium)",
                ["tool", "pass", "wall s", "pages/s", "CPU s", "peak RSS MiB", "notes"],
                rows,
            )
        for phase in ("first", "unchanged"):
            o, cw = ota.get(f"ota_{phase}"), ota.get(f"clausewatch_{phase}")
            if o is not None and cw is not None and "unavailable" not in ota:
                speedup = o.wall / cw.wall
                targets.append(
                    _target(
                        f"N={n}: {phase} pass at least 10x faster than the OTA engine",
                        speedup >= 10,
                        f"OTA {o.wall:.2f} s / ClauseWatch {cw.wall:.2f} s = {speedup:.1f}x",
                    )
                )
    print_table("Targets", ["target", "status", "measured"],
                [[t["target"], "met" if t["met"] else "NOT MET", t["measured"]] for t in targets])  # fmt: skip
    return targets


def _target(name: str, met: bool, measured: str) -> dict[str, Any]:
    return {"target": name, "met": bool(met), "measured": measured}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Measured):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000", help="page counts (default: 200,1000)")
    parser.add_argument("--quick", action="store_true", help="N = 50 only (smoke test)")
    parser.add_argument("--out", help="folder for the JSON results (default: a temp folder)")
    parser.add_argument("--servers", type=int, default=8, help="loopback hosts (default: 8)")
    parser.add_argument("--workers", type=int, default=8, help="parallel fetches, every tool")
    parser.add_argument("--changed", type=float, default=0.10, help="fraction changed (0.10)")
    parser.add_argument("--no-urlwatch", action="store_true")
    parser.add_argument("--no-ota", action="store_true")
    parser.add_argument("--ota-n", type=int, default=50, help="pages for the OTA engine (50)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per run, s")
    args = parser.parse_args(argv)
    sizes = [50] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    out = output_dir(args.out, "cw-bench-check-")

    info = machine_info()
    info["chromium"] = chromium_version()
    urlwatch, uw_version = (None, "skipped (--no-urlwatch)")
    if not args.no_urlwatch:
        urlwatch, uw_version = ensure_urlwatch()
    info["urlwatch"] = uw_version
    # Bytecode for every tool alike: the project's sources and urlwatch's virtualenv.
    compile_bytecode(python_exe(), REPO_ROOT / "monitor")
    if urlwatch is not None:
        compile_bytecode(urlwatch.parent / "python", urlwatch.parent.parent / "lib")
    info["peak_rss"] = f"/usr/bin/time %M ({TIME_EXE})" if TIME_EXE else "wait4 (upper bound)"
    if urlwatch is None and not args.no_urlwatch:
        print(f"urlwatch cannot run: {uw_version}; continuing without it")

    results = [
        bench_size(
            n,
            servers=args.servers,
            workers=args.workers,
            changed=args.changed,
            urlwatch=urlwatch,
            timeout=args.timeout,
        )
        for n in sizes
    ]
    ota = None
    if not args.no_ota:
        ota = bench_ota(
            args.ota_n, servers=args.servers, workers=args.workers, timeout=args.timeout
        )
        info["ota_engine"] = ota.get("version")

    print("\nMachine and versions")
    for key, value in info.items():
        print(f"  {key:12} {value}")
    print(f"  settings     {args.servers} loopback hosts, {args.workers} workers for every tool, "
          "per_host_delay = 0 (benchmark only)")  # fmt: skip
    targets = report(results, ota, info)
    path = write_json(
        out,
        "check_cycle.json",
        {
            "machine": info,
            "settings": vars(args) | {"sizes": sizes},
            "results": _jsonable(results),
            "ota": _jsonable(ota),
            "targets": targets,
        },
    )
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
