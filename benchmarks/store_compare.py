"""Whether two stores hold the same contents, whatever order their rows were written in.

    .venv/bin/python benchmarks/store_compare.py A.sqlite3 B.sqlite3 [--show 3]

Two check runs over the same pages write the same rows, but documents are checked by several
threads, so row ids follow the order in which threads finished. Here every id is replaced by what
it stands for: a document by (service, terms type), any other row by its document and its rank
among that document's rows of the table (ids grow within a document in the order of its own
history). Columns that hold a clock (`*_at`) and snapshot paths (which name the capture time) are
left out, as in `store_digest.py`; every other column is compared, JSON parsed. Prints one line per
table and exits 1 when a table differs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# table -> its columns holding the id of a row of another table (-> that table)
REFERENCES = {
    "snapshots": {"document_id": "documents"},
    "versions": {"document_id": "documents", "snapshot_ids": "snapshots"},
    "captures": {
        "document_id": "documents",
        "snapshot_ids": "snapshots",
        "version_id": "versions",
        "run_id": "runs",
    },
    "provisions": {
        "document_id": "documents",
        "first_version_id": "versions",
        "last_version_id": "versions",
    },
    "changes": {
        "document_id": "documents",
        "from_version_id": "versions",
        "to_version_id": "versions",
    },
}
TABLES = ["services", "documents", *REFERENCES]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def natural_keys(conn: sqlite3.Connection) -> dict[str, dict[int, Any]]:
    """id -> natural key for documents, runs and every table of `REFERENCES`."""
    keys: dict[str, dict[int, Any]] = {
        "documents": {
            id_: f"{service}/{terms}"
            for id_, service, terms in conn.execute(
                "SELECT id, service_id, terms_type FROM documents"
            )
        },
        # runs in order: the n-th run of one store stands for the n-th of the other
        "runs": {
            id_: rank for rank, (id_,) in enumerate(conn.execute("SELECT id FROM runs ORDER BY id"))
        },
    }
    for table in REFERENCES:
        ranks: Counter[int] = Counter()
        keys[table] = {}
        for id_, doc in conn.execute(f'SELECT id, document_id FROM "{table}" ORDER BY id'):
            keys[table][id_] = (keys["documents"][doc], ranks[doc])
            ranks[doc] += 1
    return keys


def table_rows(conn: sqlite3.Connection, table: str, keys: dict[str, dict[int, Any]]) -> Counter:
    columns = _columns(conn, table)
    refs = REFERENCES.get(table, {})
    rows: Counter[str] = Counter()
    for values in conn.execute(f'SELECT * FROM "{table}"'):
        row: dict[str, Any] = {}
        for name, value in zip(columns, values, strict=True):
            if name.endswith("_at") or name == "path":
                continue
            if name == "id" and table != "services":
                value = keys[table][value] if table in keys else None
            elif name in refs and value is not None:
                target = keys[refs[name]]
                if isinstance(value, str) and value.startswith("["):
                    value = [target.get(v) for v in json.loads(value)]
                else:
                    value = target.get(value)
            elif isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):  # text that only looks like JSON
                    value = json.loads(value)
            row[name] = value
        rows[json.dumps(row, sort_keys=True, default=str)] += 1
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--show", type=int, default=2, help="differing rows shown per table")
    args = parser.parse_args(argv)
    conns = []
    for path in (args.a, args.b):
        if not path.is_file():
            print(f"store_compare: {path}: no such database file", file=sys.stderr)
            return 2
        conns.append(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    keys = [natural_keys(c) for c in conns]
    differ = False
    for table in TABLES:
        a, b = (table_rows(c, table, k) for c, k in zip(conns, keys, strict=True))
        same = a == b
        differ |= not same
        print(f"{table:<12} {sum(a.values()):>7} rows  identical: {same}")
        if not same:
            for label, extra in (("only in A", a - b), ("only in B", b - a)):
                for row in list(extra)[: args.show]:
                    print(f"  {label}: {row[:600]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
