"""What a shared host turn costs a request: per-host politeness across workers (store/host_turns.py).

    .venv/bin/python benchmarks/host_turns.py [--turns 2000]

Takes `--turns` turns of one host in a row (delay 0, nobody else waiting) through a throwaway
PostgreSQL (tests/pgserver.py) and through the SQLite file lock, and prints the time per turn: the
overhead each HTTP request of a `clausewatch worker` pays over the in-process pacer of the daemon
(measured alongside, for scale).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))  # pgserver.py
sys.path.insert(2, str(Path(__file__).resolve().parent.parent))

from _common import machine_info, print_info, print_table  # noqa: E402
from pgserver import TempPostgres  # noqa: E402

from monitor.capture.fetch.politeness import HostPacer  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.host_turns import host_turns  # noqa: E402


def per_turn(hold: Callable[[], AbstractContextManager[None]], turns: int) -> float:
    """Mean seconds per turn over `turns` turns (after 20 warm-up turns)."""
    for _ in range(20):
        with hold():
            pass
    start = time.perf_counter()
    for _ in range(turns):
        with hold():
            pass
    return (time.perf_counter() - start) / turns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args(argv)
    info = machine_info()
    rows = []
    pacer = HostPacer(0.0)
    local = per_turn(lambda: pacer.slot("http://127.0.0.1:8000/"), args.turns)
    rows.append(["daemon (in-process HostPacer)", f"{local * 1e6:.1f}"])

    def shared_turns(label: str, store: Store) -> None:
        gate = host_turns(store, connections=1)
        assert gate is not None
        turn = per_turn(lambda: gate.hold("127.0.0.1:8000", 0.0), args.turns)
        rows.append([label, f"{turn * 1e6:.1f}"])
        gate.close()
        store.dispose()

    with tempfile.TemporaryDirectory(prefix="cw-turns-") as tmp:
        shared_turns(
            "workers on SQLite (file lock)", Store(f"sqlite:///{Path(tmp) / 'clausewatch.db'}")
        )
    with TempPostgres() as pg:
        shared_turns(
            "workers on PostgreSQL (advisory lock + row)", Store(pg.create_database("turns"))
        )
    print_info(info)
    print_table(f"One host turn, {args.turns} in a row", ["pacing", "µs per turn"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
