"""The package is layered: a module imports only from its own room or the rooms below it.

The rooms follow the pipeline (capture -> clauses -> changes -> publish -> notify), with the
ground floor (errors, models, clock, paths, config) and the store beneath everything, and the
daemon, the CLI and the demo on top. Every import is checked, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "monitor"

# Lowest first. A module at the package's top level is on the ground floor.
ROOMS = (
    "",  # monitor/__init__.py, errors, models, clock, paths, config
    "store",
    "capture",
    "clauses",
    "changes",
    "publish",
    "notify",
    "ops",
    "cli",
    "demo",
)
FLOOR = {room: level for level, room in enumerate(ROOMS)}


def room_of(module: str) -> str:
    """'monitor.capture.fetch.http' -> 'capture'; 'monitor.errors' and 'monitor' -> ''."""
    if module == "monitor.__main__":  # `python -m monitor` runs the CLI
        return "cli"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in FLOOR and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return ""


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [
        (line, name) for line, name in found if name == "monitor" or name.startswith("monitor.")
    ]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_room_is_a_folder_of_the_package() -> None:
    assert [room for room in ROOMS if room and not (PACKAGE / room).is_dir()] == []
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ROOMS) - {""}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_points_upward(path: Path) -> None:
    here = room_of(module_name(path))
    upward = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name} ({room_of(name) or 'ground floor'})"
        for line, name in imported_modules(path)
        if FLOOR[room_of(name)] > FLOOR[here]
    ]
    assert upward == []


def test_no_import_error_guards_around_own_modules() -> None:
    """A broken module of the package must fail loudly, not switch a feature off."""
    guarded = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = [ast.unparse(h.type) for h in node.handlers if h.type is not None]
            if not any("ImportError" in c or "ModuleNotFoundError" in c for c in catches):
                continue
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("monitor"):
                        guarded.append(f"{path.relative_to(PACKAGE)}:{sub.lineno}")
    assert guarded == []
