"""The documentation cannot drift from the code (in the style of sqlite-utils' docs tests).

- every `clausewatch ...` command line in the README names a command that exists, with options it
  has, and every command of the CLI appears in the README;
- every module of `monitor/` is named in docs/ARCHITECTURE.md;
- every contract listed in docs/ARCHITECTURE.md matches the function's signature.
"""

from __future__ import annotations

import importlib
import inspect
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def _code_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", markdown, flags=re.S | re.M)


def readme_command_lines() -> list[list[str]]:
    """The words of each `clausewatch` invocation in the README's code blocks (comments dropped)."""
    found = []
    for block in _code_blocks(README):
        for line in block.splitlines():
            for part in re.split(r"&&|\|", line.split(" # ")[0]):
                words = shlex.split(part, comments=True)
                # `clausewatch ...` and `.venv/bin/clausewatch ...` alike
                if words and words[0].rsplit("/", 1)[-1] == "clausewatch":
                    found.append(words[1:])
    return found


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command the words name and the words left for it."""
    command: click.Command = main
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            break
        command, rest = sub, rest[1:]
    return command, rest


def all_commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        names.append(prefix + name)
        if isinstance(command, click.Group):
            names.extend(all_commands(command, prefix + name + " "))
    return names


README_LINES = readme_command_lines()


def test_readme_has_command_lines() -> None:
    assert len(README_LINES) >= 10


@pytest.mark.parametrize("words", README_LINES, ids=lambda w: " ".join(w)[:60])
def test_readme_command_exists_with_its_options(words: list[str]) -> None:
    command, rest = resolve(words)
    assert command is not main, f"no such command: clausewatch {' '.join(words)}"
    assert not isinstance(command, click.Group) or not rest, f"{words}: unknown subcommand"
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    options |= {"--help"}
    used = {w.split("=")[0] for w in rest if w.startswith("-")}
    assert used <= options, f"clausewatch {' '.join(words)}: unknown options {used - options}"


def test_every_command_is_in_the_readme() -> None:
    documented = {" ".join(w[:2]) for w in README_LINES} | {w[0] for w in README_LINES if w}
    missing = [name for name in all_commands(main) if name not in documented]
    assert missing == []


# ---------------------------------------------------------------- ARCHITECTURE.md


MODULES = sorted((ROOT / "monitor").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_is_in_the_architecture(path: Path) -> None:
    rel = path.relative_to(ROOT / "monitor")
    names = {rel.name} if rel.name != "__init__.py" else {f"{rel.parent.name}/", "__init__.py"}
    if rel.parent != Path("."):
        # a module is found in the line(s) of its room: "  room/  ... name.py ..."
        room = rel.parts[0]
        section = re.search(
            rf"^  {re.escape(room)}/ .*?(?=^  \S|^templates/)", ARCHITECTURE, flags=re.S | re.M
        )
        assert section, f"room {room}/ is not in docs/ARCHITECTURE.md"
        text = section.group(0)
    else:
        text = ARCHITECTURE
    assert any(name in text for name in names), f"{rel} is not named in docs/ARCHITECTURE.md"


def _annotation(value: Any) -> str:
    return value if isinstance(value, str) else inspect.formatannotation(value)


def signature_text(obj: Any) -> str:
    """A signature as the page writes it: names, annotations as written, defaults by repr."""
    sig = inspect.signature(obj)
    parts: list[str] = []
    star_done = False
    for param in sig.parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is param.VAR_POSITIONAL:
            star_done = True
        text = param.name
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            default = param.default
            text += f" = {default.__name__ if callable(default) else repr(default)}"
        parts.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(parts)}){ret}"


def _squash(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return text.replace("( ", "(").replace(" )", ")").replace("[ ", "[")


def documented_contracts() -> list[tuple[str, str]]:
    section = ARCHITECTURE.split("## Contracts", 1)[1].split("\n## ", 1)[0]
    spans = re.findall(r"`(monitor\.[\w.]+)(\(.*?\)(?: -> [^`]+)?)`", section, flags=re.S)
    return [(name, _squash(sig)) for name, sig in spans]


CONTRACTS = documented_contracts()


def test_contracts_are_listed() -> None:
    assert len(CONTRACTS) >= 8


@pytest.mark.parametrize(("name", "written"), CONTRACTS, ids=[c[0] for c in CONTRACTS])
def test_contract_matches_signature(name: str, written: str) -> None:
    module_name, _, attr = name.rpartition(".")
    obj = getattr(importlib.import_module(module_name), attr)
    assert written == _squash(signature_text(obj))
