"""Evidence verification (`clausewatch verify`, the daemon's weekly job): every archived capture
against the store and its sidecar, files the store does not know, and every stored version's
text against its sha256. Reads only; repairs nothing (evidence is never rewritten)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monitor.capture.archive import sha256_bytes, sha256_text
from monitor.capture.db_archive import PREFIX as DB_PREFIX
from monitor.store import Document, Snapshot, Store, Version
from monitor.store.schema import SnapshotBlob

# What a problem is, in the order they are listed.
KINDS = {
    "missing_file": "in the store, not on disk",
    "sha256_mismatch": "the file no longer hashes to the sha256 recorded in the store",
    "missing_sidecar": "no .json sidecar beside the capture",
    "sidecar_mismatch": "the sidecar's sha256 or size disagrees with the store or the file",
    "unindexed": "on disk, not in the store",
    "orphan_sidecar": "a sidecar without its capture",
    "version_mismatch": "a stored version's text no longer hashes to its sha256",
}


@dataclass(frozen=True)
class Problem:
    kind: str  # a key of KINDS
    path: str  # archive path relative to the snapshots root, or "version N" for a stored text
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.message}"


@dataclass
class Verification:
    snapshots: int = 0  # rows checked
    files: int = 0  # capture files found on disk
    versions: int = 0  # stored texts checked
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "snapshots": self.snapshots,
            "files": self.files,
            "versions": self.versions,
            "problems": [asdict(p) for p in self.problems],
        }


def capture_files(root: Path) -> tuple[set[str], set[str]]:
    """(capture files, sidecars named by their capture) under the archive root, as relative
    paths. The checks logs, partial `.tmp-*` files and files beside the root are not captures."""
    files: set[str] = set()
    sidecars: set[str] = set()
    if not root.is_dir():
        return files, sidecars
    for path in root.rglob("*"):
        if not path.is_file() or path.name.startswith(".tmp-"):
            continue
        if path.name == "checks.jsonl" or path.parent == root:
            continue
        rel = path.relative_to(root).as_posix()
        if rel.endswith(".json") and Path(rel[: -len(".json")]).suffix:
            sidecars.add(rel[: -len(".json")])
        else:
            files.add(rel)
    return files, sidecars


def _sidecar_problem(root: Path, rel: str, sha256: str, size: int) -> Problem | None:
    try:
        meta = json.loads((root / (rel + ".json")).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Problem("sidecar_mismatch", rel, f"unreadable sidecar: {exc}")
    if not isinstance(meta, dict):
        return Problem("sidecar_mismatch", rel, "the sidecar is not a JSON object")
    if meta.get("sha256") != sha256:
        return Problem(
            "sidecar_mismatch",
            rel,
            f"sidecar says sha256 {str(meta.get('sha256'))[:12]}, store says {sha256[:12]}",
        )
    if meta.get("size") != size:
        return Problem(
            "sidecar_mismatch", rel, f"sidecar says {meta.get('size')} bytes, store says {size}"
        )
    return None


def _blob_problem(s: Any, rel: str, sha256: str) -> Problem | None:
    """A capture kept in the database archive (`archive = "database"`): its bytes must exist
    and hash to both their key and the recorded sha256."""
    content = s.scalar(
        select(SnapshotBlob.content).where(SnapshotBlob.sha256 == rel.removeprefix(DB_PREFIX))
    )
    if content is None:
        return Problem("missing_file", rel, KINDS["missing_file"])
    actual = sha256_bytes(bytes(content))
    if actual != sha256 or DB_PREFIX + actual != rel:
        return Problem(
            "sha256_mismatch", rel, f"stored bytes hash to {actual[:12]}, store says {sha256[:12]}"
        )
    return None


def verify_evidence(store: Store, root: Path) -> Verification:
    """Check the whole archive and every stored version; one problem per fault, never raises
    on a bad file."""
    result = Verification()
    files, sidecars = capture_files(root)
    result.files = len(files)
    with store.session() as s:
        rows = [
            (r.path, r.sha256, r.size) for r in s.scalars(select(Snapshot).order_by(Snapshot.id))
        ]
        indexed = {path for path, _sha, _size in rows}
        for rel, sha256, size in rows:
            result.snapshots += 1
            if rel.startswith(DB_PREFIX):  # the database archive: no file, no sidecar
                if (problem := _blob_problem(s, rel, sha256)) is not None:
                    result.problems.append(problem)
                continue
            if rel not in files:
                result.problems.append(Problem("missing_file", rel, KINDS["missing_file"]))
                continue
            try:
                actual = sha256_bytes((root / rel).read_bytes())
            except OSError as exc:
                result.problems.append(Problem("missing_file", rel, f"unreadable: {exc.strerror}"))
                continue
            if actual != sha256:
                result.problems.append(
                    Problem(
                        "sha256_mismatch",
                        rel,
                        f"file hashes to {actual[:12]}, store says {sha256[:12]}",
                    )
                )
            if rel not in sidecars:
                result.problems.append(Problem("missing_sidecar", rel, KINDS["missing_sidecar"]))
            elif (problem := _sidecar_problem(root, rel, sha256, size)) is not None:
                result.problems.append(problem)
        for rel in sorted(files - indexed):
            result.problems.append(Problem("unindexed", rel, KINDS["unindexed"]))
            if rel not in sidecars:
                result.problems.append(Problem("missing_sidecar", rel, KINDS["missing_sidecar"]))
        for rel in sorted(sidecars - files):
            result.problems.append(
                Problem("orphan_sidecar", rel + ".json", KINDS["orphan_sidecar"])
            )
        names = {d.id: f"{d.service_id} / {d.terms_type}" for d in s.scalars(select(Document))}
        for version in s.scalars(select(Version).order_by(Version.id)):
            result.versions += 1
            actual = sha256_text(version.text)
            if actual != version.sha256:
                result.problems.append(
                    Problem(
                        "version_mismatch",
                        f"version {version.id}",
                        f"{names.get(version.document_id, '?')}: text hashes to {actual[:12]}, "
                        f"recorded {version.sha256[:12]}",
                    )
                )
    order = list(KINDS)
    result.problems.sort(key=lambda p: (order.index(p.kind), p.path))
    return result
