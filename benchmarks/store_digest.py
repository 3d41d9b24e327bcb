"""A digest of a store's contents, to show that a change of code left them identical.

    .venv/bin/python benchmarks/store_digest.py DATABASE.sqlite [--tables] [--rows TABLE]

Prints one sha256 per table over its rows in primary-key order, and one over all tables. Columns
that hold the wall clock of the run that wrote them (`recorded_at`, `created_at`, `started_at`,
`finished_at`, `detected_at` of imported changes, run statistics with timings) are left out, so two
imports of the same history made at different times give the same digest. Used before and after a
refactoring: `import_history.py` leaves its store in the benchmark cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
from pathlib import Path

# Columns that record when the writing process ran, not what it decided.
WALL_CLOCK_COLUMNS = {
    "recorded_at",
    "created_at",
    "started_at",
    "finished_at",
    "detected_at",
    "checked_at",
    "last_checked_at",
    "last_success_at",
}
SKIPPED_TABLES = {"runs", "meta", "sqlite_sequence"}


def table_rows(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple[object, ...]]]:
    columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
    kept = [c for c in columns if c not in WALL_CLOCK_COLUMNS]
    order = ", ".join(f'"{c}"' for c in columns[:1])
    select = ", ".join(f'"{c}"' for c in kept)
    return kept, list(conn.execute(f'SELECT {select} FROM "{table}" ORDER BY {order}'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument(
        "--rows", help="print this table's rows as JSON lines (to find a difference)"
    )
    args = parser.parse_args(argv)
    if not args.database.is_file():
        print(f"store_digest: {args.database}: no such database file", file=sys.stderr)
        return 2
    conn = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if r[0] not in SKIPPED_TABLES
    ]
    if args.rows:
        columns, rows = table_rows(conn, args.rows)
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str, sort_keys=True))
        return 0
    whole = hashlib.sha256()
    for table in tables:
        columns, rows = table_rows(conn, table)
        digest = hashlib.sha256(json.dumps(columns).encode())
        for row in rows:
            digest.update(json.dumps(row, default=str).encode())
        whole.update(digest.digest())
        print(f"{table:<20} {len(rows):>8} rows  {digest.hexdigest()[:16]}")
    print(f"{'all tables':<20} {'':>8}       {whole.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
