"""Command line. The only package that prints or exits: it turns typed errors into one-line messages.

Exit codes: 0 ok, 1 some documents failed (or some messages could not be delivered),
2 bad usage or configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

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
        self.invalid_declarations: list[
            str
        ] = []  # files `declarations(skip_invalid=True)` left out

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

    def declarations(self, *, strict: bool = True, skip_invalid: bool = False) -> dict[str, Any]:
        """The valid services. An invalid declaration file stops the command (strict), or with
        `skip_invalid` is reported, one line per problem, and left out: `invalid_declarations`
        then names the files, so the command can exit 1 once the others are done."""
        from monitor.capture.declarations import load_declarations

        services, problems = load_declarations(self.settings.declarations_dir)
        errors = [p for p in problems if p.severity == "error"]
        if skip_invalid and errors:
            for p in errors:
                err.print(f"error: {p}", markup=False)
            self.invalid_declarations = sorted({str(p.file) for p in errors})
            err.print(
                f"skipped {len(self.invalid_declarations)} invalid declaration file(s); "
                "checking the others (see `clausewatch validate`)",
                markup=False,
            )
            return services
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


# ---------------------------------------------------------------- progress


class ProgressLines:
    """Plain progress lines for a stderr that is not a terminal (logs, CI, cron mail).

    A line every `every` items (default: about ten lines per run) and at least every `interval`
    seconds while work goes on (a background ticker repeats the state when items are slow or not
    counted), and a last line at the end: `check: 40/200 documents, 3 failed (12 s)`.
    Thread-safe: the checker reports from its worker threads.
    """

    def __init__(
        self,
        label: str,
        unit: str = "",
        total: int | None = None,
        *,
        count_failures: bool = False,
        every: int | None = None,
        interval: float = 10.0,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.count_failures = count_failures
        self.every = every
        self.interval = interval
        self.stream = stream
        self.clock = clock
        self.done = 0
        self.failed = 0
        self.started = clock()
        self._last_line = self.started
        self._last_done: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def line(self, *, final: bool = False) -> str:
        parts = []
        if self.unit:
            count = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
            parts.append(f"{count} {self.unit}")
            if self.count_failures:
                parts.append(f"{self.failed} failed")
        elif final:
            parts.append("done")
        else:
            parts.append("working")
        return f"{self.label}: {', '.join(parts)} ({self.clock() - self.started:.0f} s)"

    def _emit(self, *, final: bool = False) -> None:  # with the lock held
        stream = self.stream or sys.stderr
        stream.write(self.line(final=final) + "\n")
        stream.flush()
        self._last_line = self.clock()
        self._last_done = self.done

    def _due(self) -> bool:
        step = self.every or max(10, -(-(self.total or 0) // 10))
        return self.done == self.total or self.done % step == 0

    def advance(self, n: int = 1, *, failed: bool = False) -> None:
        with self._lock:
            self.done += n
            self.failed += failed
            if self._due():
                self._emit()

    def update(self, done: int, total: int | None = None) -> None:
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
            if self.done == self.total or self.clock() - self._last_line >= self.interval:
                self._emit()

    def start(self) -> ProgressLines:
        """Start the ticker that repeats the state every `interval` seconds without news."""

        def tick() -> None:
            while not self._stop.wait(min(self.interval / 4, 1.0)):
                with self._lock:
                    if self.clock() - self._last_line >= self.interval:
                        self._emit()

        self._ticker = threading.Thread(target=tick, name="progress-lines", daemon=True)
        self._ticker.start()
        return self

    def finish(self) -> None:
        """Stop the ticker; print the last state unless it was just printed."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        with self._lock:
            if not self.unit or self._last_done != self.done:
                self._emit(final=True)


class _Bar:
    """ProgressLines' interface over a rich progress bar (stderr is a terminal)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def advance(self, n: int = 1, *, failed: bool = False) -> None:
        self.progress.advance(self.task, n)

    def update(self, done: int, total: int | None = None) -> None:
        self.progress.update(self.task, completed=done, total=total)


@contextmanager
def progress_report(
    label: str, unit: str = "", total: int | None = None, *, count_failures: bool = False
) -> Iterator[Any]:
    """Progress of a long command on stderr, never stdout (JSON output stays clean).

    A transient bar when stderr is a terminal, `ProgressLines` otherwise. Yields an object with
    `advance(n=1, failed=False)` and `update(done, total=None)`.
    """
    if err.is_terminal:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            yield _Bar(bar, bar.add_task(label, total=total))
        return
    lines = ProgressLines(label, unit, total, count_failures=count_failures).start()
    try:
        yield lines
    finally:
        lines.finish()


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
    limit_malloc_arenas()
    ctx.obj = App(config)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads that allocate their own malloc arenas (up to 8 per core), and the
    freed parse trees of the fetch threads stay in them as fragmentation: capping them before any
    thread starts lowered a first pass's peak RSS from 142 to 127 MiB at the same CPU time
    (benchmarks/check_cycle.py, N = 200). MALLOC_ARENA_MAX, when set, is left to decide."""
    if sys.platform != "linux" or "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(-8, arenas)  # -8 = M_ARENA_MAX; musl has no mallopt
    except (OSError, AttributeError):
        return


# Each command module adds its commands to `main` when imported; importing them here keeps
# `clausewatch --help` whole. They import `main` from this module, hence the imports at the end.
from monitor.cli import capture, changes, clauses, ops, site  # noqa: E402,F401
