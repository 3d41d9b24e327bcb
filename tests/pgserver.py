"""A throwaway PostgreSQL server for the tests and the benchmarks (no ClauseWatch import).

`TempPostgres().start()` runs initdb in a fresh temporary folder and starts `postgres` on a free
127.0.0.1 port (its socket in that folder too), tuned for speed, not durability (fsync off: the
folder is deleted at `stop()`). PostgreSQL refuses to run as root, so under root the server runs as
the `postgres` system user that Debian's package creates (else `nobody`), through `runuser`.

Binaries come from PATH, else from Debian's `/usr/lib/postgresql/<version>/bin` (the package does
not put initdb or pg_ctl on PATH). `create_database()` gives each caller an empty database of its
own; `drop_database()` removes it even while connections remain (PostgreSQL 13+).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "clausewatch"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server did not start (the message says which and why)."""


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres (the newest Debian version if several)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if not candidates:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (pg_ctl, initdb) on PATH or in /usr/lib/postgresql/*/bin; "
            "install Debian's `postgresql` package"
        )
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> list[str]:
    """The command prefix that drops root for the server (empty when we are not root)."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"]
    raise PostgresUnavailable("running as root and neither a `postgres` nor a `nobody` user exists")


class TempPostgres:
    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.folder: Path | None = None
        self.port = 0
        self._prefix = _run_as()
        self._databases = 0

    @property
    def data_dir(self) -> Path:
        assert self.folder is not None, "server not started"
        return self.folder / "data"

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _run(self, args: list[str], timeout: float = 120) -> None:
        proc = subprocess.run(
            self._prefix + args, capture_output=True, text=True, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            log = self.folder / "server.log" if self.folder else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-2000:]}\n{tail}"
            )

    def start(self) -> TempPostgres:
        self.folder = Path(tempfile.mkdtemp(prefix="clausewatch-pg-"))
        if self._prefix:  # the unprivileged server user must own its folder
            user = self._prefix[2]
            entry = pwd.getpwnam(user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run(
            [
                self._bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=64MB",
            ]
        )
        for attempt in range(3):  # another process may take the free port before we bind it
            self.port = _free_port()
            try:
                self._run(
                    [
                        self._bin("pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.folder / "server.log"),
                        "-o",
                        f"-p {self.port} {options}",
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                )
                break
            except PostgresUnavailable:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg  # the driver is a `postgres`/`dev` extra; only PostgreSQL callers need it

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        if name is None:
            self._databases += 1
            name = f"t{os.getpid()}_{self._databases}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.folder is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
                self._run(
                    [self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
                )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
