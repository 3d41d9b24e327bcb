"""Scale-out benchmark: 1, 2 and 4 `clausewatch worker` processes sharing one PostgreSQL store.

    .venv/bin/python benchmarks/scale_out.py                       # 10,000 documents, 1/2/4 workers
    .venv/bin/python benchmarks/scale_out.py --documents 400 --workers 1,2 --out /tmp/scale

Synthetic terms pages (benchmarks/_common.py) are served from loopback servers; a throwaway
PostgreSQL server (tests/pgserver.py) holds one fresh database per worker count. For each count
the workers run as child processes (`clausewatch worker`, a one-day interval, so each document is
due once per pass; they compose and deliver the outbox to a loopback SMTP sink every 2 s) and this
script measures, from the database and the sink:

- first pass: every document checked once (documents per second, wall from the workers' start
  until the last lease is released);
- unchanged pass: every lease made due again; the same pages answer 304 or identical bytes;
- changed pass: 10 % of the pages revised; alert items per change (must be 1), unfinished
  alert items (must be 0: each batch composed once), alert messages in the outbox, and messages
  the SMTP sink received (each Message-ID exactly once);
- killed run (the largest count >= 2): a fresh database; in the first pass one worker is
  SIGKILLed when about a third of the documents are done, in the changed pass a second one; the
  others take their claims over once they expire (`--lease`) and compose the batches the dead
  ones left.

Checks per document per pass must be exactly 1 everywhere: the report counts documents checked
0 times (lost) and more than once (doubled) from the `captures` table.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))  # pgserver.py

from _common import (  # noqa: E402 (the script's own folder must be importable first)
    PageFarm,
    generate_page,
    machine_info,
    output_dir,
    print_info,
    print_table,
    python_exe,
    write_json,
)
from aiosmtpd.controller import Controller  # noqa: E402
from pgserver import TempPostgres  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

TERMS_TYPE = "Terms of Service"
SELECT = "article.legal"
REMOVE = ["nav", "footer", ".cookie-banner"]


def page_path(i: int) -> str:
    return f"/svc{i:05d}/terms"


class MailSink:
    """A loopback SMTP server (aiosmtpd) that counts the Message-IDs it accepts."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.ids[str(message.get("Message-ID", ""))] += 1
        return "250 OK"

    def take(self) -> Counter[str]:
        """The Message-IDs received since the last call."""
        with self.lock:
            ids, self.ids = self.ids, Counter()
        return ids

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def setup(folder: Path, farm: PageFarm, n: int, fetch_workers: int, smtp_port: int) -> Path:
    (folder / "declarations").mkdir(parents=True)
    for i in range(n):
        decl = {
            "name": f"Service {i:05d}",
            "terms": {
                TERMS_TYPE: {"fetch": farm.url(i, page_path(i)), "select": SELECT, "remove": REMOVE}
            },
        }
        (folder / "declarations" / f"Service{i:05d}.json").write_text(json.dumps(decl))
    config = folder / "clausewatch.toml"
    config.write_text(
        "# written by benchmarks/scale_out.py\n"
        'data_dir = "data"\nsnapshots_dir = "snapshots"\ndeclarations_dir = "declarations"\n\n'
        "[fetch]\nper_host_delay = 0.0  # loopback servers: the network is never the limit\n"
        f'max_workers = {fetch_workers}\nbrowser = "never"\n'
        'allow_private = ["127.0.0.1", "::1"]  # the benchmark serves pages on loopback\n\n'
        f"[plans.everything]\nmax_platforms = {n}\nsame_day_alerts = true\n\n"
        f'[smtp]\nurl = "smtp://127.0.0.1:{smtp_port}"\nfrom_addr = "bench@clausewatch.test"\n'
    )
    return config


class Workers:
    """`count` worker processes on one config and database."""

    def __init__(self, config: Path, url: str, count: int, lease: float, log_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
        env["CLAUSEWATCH_DATABASE_URL"] = url
        self.procs: list[subprocess.Popen[bytes]] = []
        for k in range(count):
            log = (log_dir / f"worker-{k}.log").open("ab")
            self.procs.append(
                subprocess.Popen(
                    [python_exe(), "-m", "monitor", "--config", str(config), "worker",
                     "--outbox-interval", "2", "--interval", "86400", "--poll", "0.5",
                     "--lease", str(lease)],
                    cwd=config.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )  # fmt: skip

    def stop(self) -> list[float]:
        """Stop the workers; returns the peak RSS (MiB) of each one that was not killed before."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        peaks: list[float] = []
        deadline = time.time() + 60
        for p in self.procs:
            if p.returncode is not None:  # SIGKILLed and reaped during the pass: no rusage left
                continue
            while time.time() < deadline:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    p.returncode = os.waitstatus_to_exitcode(status)
                    peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
                    break
                time.sleep(0.1)
            else:
                p.kill()
                p.wait(10)
        return peaks


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def done_since(engine: Engine, since: float) -> int:
    """Leases released with a check recorded after `since` (a Unix time, naive UTC in the DB)."""
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM document_leases WHERE owner IS NULL AND checked_at >= "
            "(to_timestamp(:t) AT TIME ZONE 'UTC')",
            t=since,
        )
        or 0
    )


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def wait_all(
    engine: Engine, n: int, since: float, timeout: float, on_progress: Any = None
) -> tuple[float, float]:
    """Wall seconds until `n` documents are checked since `since`, and the machine's busy share
    of all its cores meanwhile (near 1.0: the cores, not the workers, are the limit)."""
    busy0, total0 = cpu_jiffies()
    while time.time() - since < timeout:
        done = done_since(engine, since)
        if on_progress is not None:
            on_progress(done)
        if done >= n:
            busy1, total1 = cpu_jiffies()
            return time.time() - since, (busy1 - busy0) / max(1, total1 - total0)
        time.sleep(0.5)
    raise SystemExit(f"timed out: {done_since(engine, since)} of {n} documents checked")


def checks_per_document(engine: Engine, since: float) -> dict[str, int]:
    """How many documents were checked 0, 1 and >1 times since `since`."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.service_id, count(c.id) FROM document_leases l "
                "LEFT JOIN documents d ON d.service_id = l.service_id AND d.terms_type = l.terms_type "
                "LEFT JOIN captures c ON c.document_id = d.id AND c.checked_at >= "
                "(to_timestamp(:t) AT TIME ZONE 'UTC') GROUP BY l.service_id"
            ),
            {"t": since},
        ).all()
    counts = [c for _, c in rows]
    return {
        "lost": sum(1 for c in counts if c == 0),
        "once": sum(1 for c in counts if c == 1),
        "doubled": sum(1 for c in counts if c > 1),
    }


def make_due(engine: Engine) -> float:
    since = time.time()
    with engine.begin() as conn:
        conn.execute(text("UPDATE document_leases SET due_at = (now() AT TIME ZONE 'UTC')"))
    return since


def run_count(
    pg: TempPostgres,
    farm: PageFarm,
    sink: MailSink,
    config: Path,
    n: int,
    count: int,
    lease: float,
    timeout: float,
    kill: bool,
    sections: int | None,
) -> dict[str, Any]:
    url = pg.create_database(f"scale_w{count}{'_kill' if kill else ''}")
    engine = create_engine(url)
    log_dir = Path(tempfile.mkdtemp(prefix=f"cw-scale-w{count}-"))
    result: dict[str, Any] = {"workers": count, "killed": kill, "logs": str(log_dir)}
    # the subscriber exists before the workers start (the CLI creates the tables)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env["CLAUSEWATCH_DATABASE_URL"] = url
    subprocess.run(
        [python_exe(), "-m", "monitor", "--config", str(config), "subscribe", "bench@example.org",
         "--plan", "everything"],
        cwd=config.parent, env=env, check=True, capture_output=True,
    )  # fmt: skip
    sink.take()
    since = time.time()
    workers = Workers(config, url, count, lease, log_dir)
    victims = iter(workers.procs)

    def killer(phase: str) -> Any:
        """SIGKILL the next victim once a third of this pass is done (killed runs only)."""
        if not kill or (phase == "changed" and count < 3):  # leave two workers at least
            return None
        victim = next(victims)

        def maybe_kill(done: int) -> None:
            if victim.poll() is None and done >= n // 3:
                victim.send_signal(signal.SIGKILL)
                result[f"{phase}_killed_at_done"] = done

        return maybe_kill

    try:
        result["first"], result["first_cpu_busy"] = wait_all(
            engine, n, since, timeout, killer("first")
        )
        result["first_checks"] = checks_per_document(engine, since)
        if not kill:
            since = make_due(engine)
            result["unchanged"], result["unchanged_cpu_busy"] = wait_all(engine, n, since, timeout)
            result["unchanged_checks"] = checks_per_document(engine, since)
        changed = list(range(0, n, 10))
        for i in changed:
            farm.put(page_path(i), generate_page(i, revision=1, sections_kept=sections))
        since = make_due(engine)
        result["changed"], result["changed_cpu_busy"] = wait_all(
            engine, n, since, timeout, killer("changed")
        )
        result["changed_checks"] = checks_per_document(engine, since)
        result["changed_documents"] = len(changed)
        # the batches are composed when each run ends (a dead worker's by the others, once its
        # claims are taken over) and delivered every 2 s: wait until nothing is left to do
        deadline = time.time() + 120 + 2 * lease
        while time.time() < deadline and scalar(
            engine,
            "SELECT (SELECT count(*) FROM alert_items WHERE outbox_id IS NULL) + "
            "(SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL)",
        ):
            time.sleep(0.5)
        time.sleep(1.0)  # a message whose commit follows the SMTP acceptance
        result["alert_items_per_change"] = sorted(
            {
                int(row)
                for (row,) in _rows(
                    engine,
                    "SELECT count(a.id) FROM changes ch LEFT JOIN alert_items a ON a.change_id = ch.id "
                    "WHERE ch.alertable AND NOT ch.editorial GROUP BY ch.id",
                )
            }
        )
        result["alertable_changes"] = int(
            scalar(engine, "SELECT count(*) FROM changes WHERE alertable AND NOT editorial") or 0
        )
        result["unfinished_alert_items"] = int(
            scalar(engine, "SELECT count(*) FROM alert_items WHERE outbox_id IS NULL") or 0
        )
        result["alert_messages"] = int(
            scalar(engine, "SELECT count(*) FROM outbox WHERE kind = 'alert'") or 0
        )
        result["messages_sent"] = int(
            scalar(engine, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") or 0
        )
        result["messages_unsent"] = int(
            scalar(engine, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") or 0
        )
        received = sink.take()
        result["smtp_received"] = sum(received.values())
        result["smtp_distinct"] = len(received)
        result["smtp_received_twice"] = sum(1 for c in received.values() if c > 1)
        outbox_ids = {str(m) for (m,) in _rows(engine, "SELECT message_id FROM outbox")}
        result["smtp_not_in_outbox"] = len(set(received) - outbox_ids)
        if kill:
            result["taken_over"] = int(
                scalar(engine, "SELECT coalesce(sum(takeovers), 0) FROM document_leases")
            )
        for i in changed:  # back to revision 0 for the next worker count
            farm.put(page_path(i), generate_page(i, sections_kept=sections))
        return result
    finally:
        result["worker_peak_rss_mib"] = workers.stop()
        engine.dispose()


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--fetch-workers", type=int, default=4, help="[fetch] max_workers")
    parser.add_argument("--servers", type=int, default=8, help="loopback page servers (hosts)")
    parser.add_argument(
        "--sections",
        type=int,
        help="keep only the first N sections of each page (default: the whole ~50 KB page; "
        "5 sections is about 6 KB, for runs of 10,000 documents on a small machine)",
    )
    parser.add_argument(
        "--origin-latency",
        type=float,
        default=0.0,
        help="seconds each page server waits before answering, as a distant origin does "
        "(default 0: loopback speed, the cores are the only limit)",
    )
    parser.add_argument("--lease", type=float, default=15.0, help="worker --lease seconds")
    parser.add_argument("--timeout", type=float, default=4 * 3600.0, help="seconds per pass")
    parser.add_argument("--no-kill", action="store_true", help="skip the killed-worker pass")
    parser.add_argument(
        "--killed-only", action="store_true", help="only the killed-worker run (largest count)"
    )
    parser.add_argument("--out", help="folder for the JSON results (default: a temp folder)")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C: the workers, the page servers and PostgreSQL are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    out = output_dir(args.out, "cw-bench-scale-")
    info = machine_info()
    n = args.documents
    results: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="cw-scale-") as tmp,
        PageFarm(args.servers, args.origin_latency) as farm,
        MailSink() as sink,
    ):
        for i in range(n):
            farm.put(page_path(i), generate_page(i, sections_kept=args.sections))
        config = setup(Path(tmp) / "project", farm, n, args.fetch_workers, sink.port)
        with TempPostgres() as pg:

            def measure(count: int, kill: bool) -> None:
                results.append(
                    run_count(
                        pg, farm, sink, config, n, count, args.lease, args.timeout, kill,
                        args.sections,
                    )
                )  # fmt: skip
                print(json.dumps(results[-1]), flush=True)

            for count in counts if not args.killed_only else []:
                print(f"== {n} documents, {count} worker(s) ==", flush=True)
                measure(count, False)
            for count in [c for c in counts if c >= 2][-1:] if not args.no_kill else []:
                print(f"== {n} documents, {count} workers, one SIGKILLed per pass ==", flush=True)
                measure(count, True)
    print_info(info)
    rows = []
    for r in results:
        for phase in ("first", "unchanged", "changed"):
            if phase not in r:
                continue
            checks = r[f"{phase}_checks"]
            rows.append(
                [
                    r["workers"],
                    phase
                    + (
                        f" ({r[f'{phase}_killed_at_done']} done: one killed)"
                        if f"{phase}_killed_at_done" in r
                        else ""
                    ),
                    f"{r[phase]:.1f}",
                    f"{n / r[phase]:.1f}",
                    f"{r[f'{phase}_cpu_busy']:.0%}",
                    checks["once"],
                    checks["lost"],
                    checks["doubled"],
                ]
            )
    print_table(
        f"Scale-out: {n} documents, workers sharing one PostgreSQL",
        ["workers", "pass", "wall s", "docs/s", "cores busy", "checked once", "lost", "doubled"],
        rows,
    )
    for r in results:
        print(
            f"  {r['workers']} worker(s){' (killed run)' if r['killed'] else ''}: "
            f"{r['alertable_changes']} alertable changes, alert items per change "
            f"{r['alert_items_per_change']}, unfinished {r['unfinished_alert_items']}; "
            f"{r['alert_messages']} alert message(s), {r['messages_sent']} sent, "
            f"{r['messages_unsent']} unsent; SMTP received {r['smtp_received']} "
            f"({r['smtp_distinct']} distinct, {r['smtp_received_twice']} twice, "
            f"{r['smtp_not_in_outbox']} not in the outbox); workers' peak RSS "
            + ", ".join(f"{m:.0f}" for m in r.get("worker_peak_rss_mib", []))
            + " MiB"
        )
        if r["killed"]:
            print(
                f"  killed run: one worker SIGKILLed at {r.get('first_killed_at_done')} done in "
                f"the first pass, another at {r.get('changed_killed_at_done')} in the changed "
                f"pass; {r['taken_over']} claim(s) taken over"
            )
    path = write_json(out, "scale_out.json", {"machine": info, "documents": n, "results": results})
    print(f"\nJSON: {path}")
    ok = all(
        r[f"{p}_checks"]["lost"] == 0 and r[f"{p}_checks"]["doubled"] == 0
        for r in results
        for p in ("first", "unchanged", "changed")
        if p in r
    ) and all(
        r["alert_items_per_change"] == [1]
        and r["unfinished_alert_items"] == 0
        and r["messages_unsent"] == 0
        and r["smtp_received"] == r["smtp_distinct"] == r["messages_sent"]
        for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
