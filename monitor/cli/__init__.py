"""Command line. The only package that prints or exits: it turns typed errors into one-line messages.

Exit codes: 0 ok, 1 some documents failed (or some messages could not be delivered),
2 bad usage or configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from monitor import __version__
from monitor.errors import ClauseWatchError, ConfigError, DeclarationError, NotFound

F = TypeVar("F", bound=Callable[..., Any])
# Wide tables when the output is a file or pipe (terminals report their own width).
_WIDTH = shutil.get_terminal_size((140, 24)).columns
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


class App:
    """Lazily loaded settings, declarations and store for the commands."""

    def __init__(self, config: Path | None) -> None:
        self.config_path = config
        self._settings: Any = None
        self._store: Any = None

    @property
    def settings(self) -> Any:
        """The settings from the configuration file; ConfigError when there is no such file."""
        if self._settings is None:
            from monitor.config import find_config_file, load_settings

            env, cwd = dict(os.environ), Path.cwd()
            path = find_config_file(self.config_path, env, cwd)
            self._settings = load_settings(path, env, cwd)
        return self._settings

    @property
    def store(self) -> Any:
        """The store, created when there is none yet: for commands that write (check, ...)."""
        if self._store is None:
            from monitor.store import Store

            self._store = Store(self.settings.database_url)
        return self._store

    @property
    def existing_store(self) -> Any:
        """The store for commands that only read: NotFound (exit 2) instead of creating one."""
        if self._store is None and not self.store_exists():
            raise NotFound(
                f"no store yet at {_store_location(self.settings.database_url)}: "
                "run `clausewatch check` (or `clausewatch import-ota`) first"
            )
        return self.store

    def store_exists(self) -> bool:
        """Whether the configured database exists and holds ClauseWatch's tables (never creates)."""
        return self._store is not None or _store_exists(self.settings.database_url)

    def declarations(self, *, strict: bool = True) -> dict[str, Any]:
        from monitor.capture.declarations import load_declarations

        services, problems = load_declarations(self.settings.declarations_dir)
        errors = [p for p in problems if p.severity == "error"]
        if strict and errors:
            for p in errors:
                err.print(f"error: {p}", markup=False)
            raise DeclarationError(
                f"{len(errors)} invalid declaration(s) in {self.settings.declarations_dir}; "
                "fix them first (see `clausewatch validate`)"
            )
        return services


def _sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").partition("?")[0]
    return None if not path or path == ":memory:" else Path(path)


def _store_location(url: str) -> str:
    from monitor.store import safe_url

    path = _sqlite_path(url)
    return str(path) if path is not None else safe_url(url)


def _store_exists(url: str) -> bool:
    path = _sqlite_path(url)
    if path is not None:
        return path.is_file()
    if url.startswith("sqlite"):
        return True  # in memory: nothing to spare
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError):
        return True  # let the Store report the bad URL
    try:
        return inspect(engine).has_table("meta")
    except SQLAlchemyError:
        return True  # let the Store report the connection problem
    finally:
        engine.dispose()


def handle_errors(func: F) -> F:
    """Typed errors -> one line on stderr and an exit code.

    2 for bad usage or configuration, including a NotFound: every NotFound that reaches a command
    is a lookup of something named on the command line (service, document, category, version,
    subscriber) or a store that does not exist yet. 1 for operational failures.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ConfigError, DeclarationError, NotFound) as exc:
            err.print(f"error: {exc}", markup=False)
            sys.exit(2)
        except ClauseWatchError as exc:
            err.print(f"error: {exc}", markup=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def parse_when(value: str | None, *, day_start: bool = False) -> datetime | None:
    """A date or ISO datetime on the command line -> naive UTC (the store's convention).

    A bare date means the end of that day ("the version in force on that date"), or its start
    with `day_start` ("changes since that date").
    """
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or ISO 8601)") from exc
    if len(value) == 10 and not day_start:
        dt = dt.replace(hour=23, minute=59, second=59)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def clip_words(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:  # the cut falls inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "\u2026"


@click.group()
@click.version_option(__version__, prog_name="clausewatch")
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    envvar="CLAUSEWATCH_CONFIG",
    help="Configuration file (default: ./clausewatch.toml).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """ClauseWatch: watch platforms' legal documents, keep the evidence, explain the changes."""
    ctx.obj = App(config)


# Each command module adds its commands to `main` when imported; importing them here keeps
# `clausewatch --help` whole. They import `main` from this module, hence the imports at the end.
from monitor.cli import capture, changes, clauses, ops, site  # noqa: E402,F401
