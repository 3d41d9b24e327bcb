"""The classified clauses of recorded versions, kept on disk by the text's sha256, so that a check
comparing a new text with the document's latest version need not segment and classify that
version again (about half the work of a changed document).

A derived cache, never evidence: one small compressed JSON file per text, in a folder of the data
directory; an entry is only read back by the same clause code and model files (their fingerprint
names the entry), so an upgrade starts afresh. A missing, unreadable or stale entry means "classify
again", never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import monitor.clauses
from monitor.models import Classification, ClassifiedClause, Clause, Fact

_FORMAT = 1
_pruned = False  # stale fingerprints removed by this process already


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the clause code and the packaged model and taxonomy files."""
    package = Path(monitor.clauses.__file__).parent
    files = sorted(package.glob("*.py")) + sorted((package.parent / "data").glob("*"))
    digest = hashlib.sha256(str(_FORMAT).encode())
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class ClauseCache:
    """`extract_provisions(text, terms_type)` results by sha256 of `text`, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, sha256: str, terms_type: str) -> Path:
        kind = hashlib.sha256(terms_type.encode()).hexdigest()[:8]
        return self.folder / code_fingerprint() / sha256[:2] / f"{sha256}-{kind}.json.z"

    def get(self, text: str, sha256: str, terms_type: str) -> list[ClassifiedClause] | None:
        """The clauses stored for this text, or None."""
        try:
            raw = json.loads(zlib.decompress(self._path(sha256, terms_type).read_bytes()))
            return [_clause(text, item) for item in raw]
        except (OSError, ValueError, KeyError, TypeError, IndexError, zlib.error):
            return None

    def discard(self, sha256: str, terms_type: str) -> None:
        """Forget a text's entry (a superseded version: only the latest one is read back)."""
        with contextlib.suppress(OSError):
            self._path(sha256, terms_type).unlink(missing_ok=True)

    def prune_stale(self) -> None:
        """Remove the entries of other clause code (an upgrade never reads them again)."""
        current = code_fingerprint()
        with contextlib.suppress(OSError):
            for entry in self.folder.iterdir():
                if entry.is_dir() and entry.name != current:
                    shutil.rmtree(entry, ignore_errors=True)

    def put(self, sha256: str, terms_type: str, clauses: list[ClassifiedClause]) -> None:
        """Keep `clauses` (best effort: a cache that cannot be written is skipped)."""
        path = self._path(sha256, terms_type)
        if path.exists():
            return
        data = zlib.compress(json.dumps([_item(cc) for cc in clauses]).encode(), 6)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # whole or absent
        except OSError:
            return
        global _pruned
        if not _pruned:  # once per process, when there is analysis work anyway
            _pruned = True
            self.prune_stale()


def _item(cc: ClassifiedClause) -> list[Any]:
    c = cc.clause
    return [
        [c.index, list(c.heading_path), c.start, c.end],
        [[k.category, k.confidence, k.unfair, list(k.reasons)] for k in cc.categories],
        [[f.kind, f.name, f.value, f.unit, f.text, f.written] for f in cc.facts],
    ]


def _clause(text: str, item: list[Any]) -> ClassifiedClause:
    (index, heading_path, start, end), categories, facts = item
    if not 0 <= start <= end <= len(text):
        raise ValueError("clause outside the text")
    return ClassifiedClause(
        Clause(index, tuple(heading_path), text[start:end], start, end),
        [Classification(k[0], k[1], k[2], tuple(k[3])) for k in categories],
        [Fact(*f) for f in facts],
    )
